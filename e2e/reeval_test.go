package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReevaluationResumesAfterKill: on PostGIS with the real binary, 4 000
// decisions filed beside the Xinmeng river are judged again after a river
// version moves it away; ecospace is killed once the first batch's changes
// are recorded and started again on the same database, and the job goes on
// from its cursor: the second process judges fewer than all of them, and
// in the end every decision has exactly one change.
func TestReevaluationResumesAfterKill(t *testing.T) {
	bin := buildBinary(t)
	db, admin := pgDemo(t, bin, "e2e-reeval")
	slow := []string{"--reeval-workers", "1"}
	srv := pgServeCrashable(t, bin, db, 4000, slow...)
	defer srv.stop()
	base := srv.base

	const n = 4000
	var fc strings.Builder
	fc.WriteString(`{"type":"FeatureCollection","category":"chemical","features":[`)
	for i := range n {
		if i > 0 {
			fc.WriteByte(',')
		}
		// Within 150 m of the river point: all in the river's bands.
		fmt.Fprintf(&fc, `{"type":"Feature","properties":{"reference":"R-%d"},"geometry":{"type":"Point","coordinates":[%.6f,%.6f]}}`,
			i, 119.7594+float64(i%40-20)*0.00005, 31.7950+float64(i/40-50)*0.00003)
	}
	fc.WriteString(`]}`)
	req, _ := http.NewRequest("POST", base+"/api/v1/checks/batch", strings.NewReader(fc.String()))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/geo+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	filed := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var line struct {
			Check struct {
				CheckID string `json:"check_id"`
				Rule    string `json:"deciding_rule"`
			} `json:"check"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Check.CheckID == "" {
			t.Fatalf("batch line %.300s: %v", sc.Bytes(), err)
		}
		if !strings.HasPrefix(line.Check.Rule, "river-band.") {
			t.Fatalf("a filed point is not decided by the river band: %s", line.Check.Rule)
		}
		filed[line.Check.CheckID] = true
	}
	resp.Body.Close()
	if len(filed) != n {
		t.Fatalf("filed %d checks", len(filed))
	}

	away := `{"type":"FeatureCollection","features":[{"type":"Feature","id":"away","properties":{"name":"away"},` +
		`"geometry":{"type":"Polygon","coordinates":[[[119.90,31.75],[119.91,31.75],[119.91,31.76],[119.90,31.76],[119.90,31.75]]]}}]}`
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	// The upload answers once its version is recorded; the background job
	// is watched from its first batch of changes, and ecospace killed then.
	uploaded := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("PUT", base+"/api/v1/layers/xinmeng-river?valid_from="+today, strings.NewReader(away))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/geo+json")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				err = fmt.Errorf("upload: %s", resp.Status)
			}
		}
		uploaded <- err
	}()
	type page struct {
		Changes []struct {
			CheckID string `json:"check_id"`
		} `json:"changes"`
		Next string `json:"next"`
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var p page
		apiCall(t, "GET", base+"/api/v1/changes?limit=1", admin, "", "", http.StatusOK, &p)
		if len(p.Changes) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no change recorded")
		}
	}
	srv.kill()
	if err := <-uploaded; err != nil && !errors.Is(err, syscall.ECONNRESET) && !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("the upload: %v", err)
	}
	if strings.Contains(srv.logs1.String(), `"msg":"re-evaluation done"`) {
		t.Fatal("the job ended before the kill: nothing to resume (file more checks)")
	}

	base2 := srv.restart()
	var done struct {
		Judged int `json:"judged"`
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if i := strings.Index(srv.logs2.String(), `"msg":"re-evaluation done"`); i >= 0 {
			line := srv.logs2.String()[strings.LastIndex(srv.logs2.String()[:i], "\n")+1:]
			line = line[:strings.Index(line, "\n")]
			if err := json.Unmarshal([]byte(line), &done); err != nil {
				t.Fatalf("log line %s: %v", line, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job was not finished after the restart")
		}
	}
	t.Logf("the second process judged %d of %d", done.Judged, n)
	if done.Judged <= 0 || done.Judged >= n {
		t.Errorf("the second process judged %d of %d: it should have gone on from the first one's cursor", done.Judged, n)
	}
	changed := map[string]int{}
	next := "/api/v1/changes?limit=1000"
	for next != "" {
		var p page
		apiCall(t, "GET", base2+next, admin, "", "", http.StatusOK, &p)
		for _, c := range p.Changes {
			changed[c.CheckID]++
		}
		next = p.Next
	}
	if len(changed) != n {
		t.Errorf("%d checks changed, want %d", len(changed), n)
	}
	for id, k := range changed {
		if k != 1 || !filed[id] {
			t.Errorf("check %s: %d changes (filed: %v)", id, k, filed[id])
		}
	}
}
