package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIssue16DoneWhen is issue 16's done-when in one run, on PostGIS with
// the real binary: a decision is filed; a back-dated PUT without the flag
// is refused (409); a webhook is registered whose receiver refuses
// connections; the back-dated PUT with backdate=true changes the
// decision; its replay still matches its hash, its diff names the new
// version, and /api/v1/changes lists it; ecospace is killed and started
// again on the same database; then the receiver comes up (answering 503
// once more) and receives the decision.changed event of that check
// exactly once by delivery id, with a signature hooks.Verify accepts.
func TestIssue16DoneWhen(t *testing.T) {
	bin := buildBinary(t)
	db, admin := pgDemo(t, bin, "e2e-16")

	fast := []string{"--hook-retry-min", "200ms", "--hook-retry-max", "1s", "--hook-timeout", "2s"}
	srv := pgServeCrashable(t, bin, db, 6000, fast...)
	defer srv.stop()
	base := srv.base

	// A decision filed on 2026-06-01 where the green corridor uploaded
	// below, back-dated to 2026-01-01, lies.
	var filed struct {
		CheckID      string `json:"check_id"`
		Verdict      string `json:"verdict"`
		DecidingRule string `json:"deciding_rule"`
		DecisionHash string `json:"decision_hash"`
	}
	apiCall(t, "POST", base+"/api/v1/checks", admin, "application/json",
		`{"geometry":{"type":"Point","coordinates":[119.8352,31.7950]},"category":"residential","as_of":"2026-06-01","reference":"审批-16"}`, http.StatusOK, &filed)

	up := `{"type":"FeatureCollection","features":[{"type":"Feature","id":"green-new","properties":{"name":"新绿廊（测试）","status":"illustrative","green_line":true},` +
		`"geometry":{"type":"Polygon","coordinates":[[[119.834,31.790],[119.837,31.790],[119.837,31.800],[119.834,31.800],[119.834,31.790]]]}}]}`
	code, body := request(t, "PUT", base+"/api/v1/layers/green-corridors?valid_from=2026-01-01", admin, "application/geo+json", up)
	if code != http.StatusConflict || !bytes.Contains(body, []byte("backdate=true")) {
		t.Fatalf("back-dated PUT without the flag: %d %s, want 409 naming backdate=true", code, body)
	}

	// The receiver's address, with nothing listening on it yet.
	rcvAddr := freeAddr(t)
	var hook struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	apiCall(t, "POST", base+"/api/v1/hooks", admin, "application/json",
		`{"url":"http://`+rcvAddr+`/permits","events":["decision.changed"]}`, http.StatusCreated, &hook)

	var upload struct {
		Version          int64 `json:"version"`
		DecisionsChanged struct {
			Count int    `json:"count"`
			Note  string `json:"note"`
		} `json:"decisions_changed"`
	}
	apiCall(t, "PUT", base+"/api/v1/layers/green-corridors?valid_from=2026-01-01&backdate=true", admin, "application/geo+json", up, http.StatusCreated, &upload)
	if upload.DecisionsChanged.Count != 1 || !strings.Contains(upload.DecisionsChanged.Note, "/api/v1/changes") {
		t.Fatalf("back-dated upload: %+v, want the one filed decision changed and a note naming /api/v1/changes", upload)
	}

	var replay struct {
		Match        bool   `json:"match"`
		ReplayedHash string `json:"replayed_hash"`
	}
	apiCall(t, "GET", base+"/api/v1/checks/"+filed.CheckID+"/replay", admin, "", "", http.StatusOK, &replay)
	if !replay.Match || replay.ReplayedHash != filed.DecisionHash {
		t.Fatalf("replay %+v, want the filed hash %s", replay, filed.DecisionHash)
	}
	var diff struct {
		Changed bool `json:"changed"`
		Hits    []struct {
			ZoneID   string `json:"zone_id"`
			CausedBy struct {
				Layer   string `json:"layer"`
				Version int64  `json:"version"`
			} `json:"caused_by"`
		} `json:"hits"`
	}
	apiCall(t, "GET", base+"/api/v1/checks/"+filed.CheckID+"/diff", admin, "", "", http.StatusOK, &diff)
	named := false
	for _, h := range diff.Hits {
		named = named || (h.ZoneID == "green-new" && h.CausedBy.Layer == "green-corridors" && h.CausedBy.Version == upload.Version)
	}
	if !diff.Changed || !named {
		t.Fatalf("diff %+v does not name green-corridors version %d", diff, upload.Version)
	}

	type change struct {
		ChangeID string `json:"change_id"`
		CheckID  string `json:"check_id"`
		New      struct {
			Verdict string `json:"verdict"`
		} `json:"new"`
		Cause struct {
			Layer   string `json:"layer"`
			Version int64  `json:"version"`
		} `json:"cause"`
	}
	var changes struct{ Changes []change }
	type delivery struct {
		DeliveryID string `json:"delivery_id"`
		Type       string `json:"type"`
		Status     string `json:"status"`
		Attempts   int    `json:"attempts"`
	}
	var dl struct{ Deliveries []delivery }
	// The change is listed, and its delivery has failed at least once.
	failedOnce := func() bool {
		apiCall(t, "GET", base+"/api/v1/changes", admin, "", "", http.StatusOK, &changes)
		apiCall(t, "GET", base+"/api/v1/hooks/"+hook.ID+"/deliveries", admin, "", "", http.StatusOK, &dl)
		return len(changes.Changes) == 1 && len(dl.Deliveries) == 1 && dl.Deliveries[0].Attempts >= 1 && dl.Deliveries[0].Status == "failed"
	}
	for deadline := time.Now().Add(60 * time.Second); !failedOnce(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no change with a failed delivery: changes %+v, deliveries %+v", changes, dl)
		}
	}
	if c := changes.Changes[0]; c.CheckID != filed.CheckID || c.Cause.Layer != "green-corridors" || c.Cause.Version != upload.Version {
		t.Fatalf("change %+v, want check %s caused by green-corridors version %d", c, filed.CheckID, upload.Version)
	}

	// Killed in the middle; started again on the same database.
	srv.kill()
	base2 := srv.restart()
	apiCall(t, "GET", base2+"/api/v1/checks/"+filed.CheckID+"/replay", admin, "", "", http.StatusOK, &replay)
	if !replay.Match {
		t.Errorf("after the restart the replay does not match: %+v", replay)
	}

	// The receiver comes up where the hook points (answering 503 once).
	rcv := &eventReceiver{secret: hook.Secret}
	defer serveAt(t, rcvAddr, rcv).Close()
	delivered := func() bool {
		apiCall(t, "GET", base2+"/api/v1/hooks/"+hook.ID+"/deliveries", admin, "", "", http.StatusOK, &dl)
		return len(dl.Deliveries) == 1 && dl.Deliveries[0].Status == "delivered"
	}
	for deadline := time.Now().Add(90 * time.Second); !delivered(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered: %+v", dl)
		}
	}
	time.Sleep(2 * time.Second) // anything sent twice would arrive by now
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.bad) > 0 {
		t.Errorf("deliveries that do not verify (hooks.Verify): %v", rcv.bad)
	}
	byDelivery := map[string]int{}
	for _, b := range rcv.got {
		byDelivery[b.DeliveryID]++
	}
	if len(rcv.got) != 1 || byDelivery[dl.Deliveries[0].DeliveryID] != 1 {
		t.Fatalf("received %+v, want delivery %s exactly once", rcv.got, dl.Deliveries[0].DeliveryID)
	}
	var got change
	if b := rcv.got[0]; b.Type != "decision.changed" || json.Unmarshal(b.Data, &got) != nil || got.CheckID != filed.CheckID || got.ChangeID != changes.Changes[0].ChangeID {
		t.Errorf("event %+v, want the decision.changed of change %s", b, changes.Changes[0].ChangeID)
	}
}

// TestRulesVersionOnStart: ecospace started again on the same PostGIS
// database with a new rules version (--rules) judges the decisions filed
// under the old one again under the new rules, and lists the one whose
// deciding rule changed at /api/v1/changes with the rules version as its
// cause; a third start with the same rules queues nothing more.
func TestRulesVersionOnStart(t *testing.T) {
	bin := buildBinary(t)
	db, admin := pgDemo(t, bin, "e2e-rules")
	var logs bytes.Buffer
	defer func() {
		if t.Failed() {
			t.Logf("servers:\n%.8000s", logs.String())
		}
	}()
	proc, base := pgServe(t, bin, db, &logs)
	var filed struct {
		CheckID      string `json:"check_id"`
		DecidingRule string `json:"deciding_rule"`
	}
	apiCall(t, "POST", base+"/api/v1/checks", admin, "application/json",
		`{"geometry":{"type":"Point","coordinates":[119.7594,31.794999]},"category":"chemical","as_of":"2026-06-01"}`, http.StatusOK, &filed)
	proc.Process.Kill()
	proc.Wait()
	if filed.DecidingRule != "river-band.chemical@2021-03-01" {
		t.Fatalf("filed under %q", filed.DecidingRule)
	}

	src, err := os.ReadFile(filepath.Join(moduleRoot(t), "data", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]string{
		{`version: "2026.12.1"`, `version: "2027.1.1"`},
		{`- id: "river-band.chemical@2021-03-01"`, `- id: "river-band.chemical@2021-03-01-r2"`},
	} {
		if !bytes.Contains(src, []byte(r[0])) {
			t.Fatalf("rules.yaml has no %s", r[0])
		}
		src = bytes.Replace(src, []byte(r[0]), []byte(r[1]), 1)
	}
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rules, src, 0o644); err != nil {
		t.Fatal(err)
	}
	type change struct {
		CheckID string `json:"check_id"`
		New     struct {
			Rule string `json:"deciding_rule"`
		} `json:"new"`
		Cause map[string]any `json:"cause"`
	}
	var changes struct{ Changes []change }
	for start := 2; start <= 3; start++ {
		proc, base := pgServe(t, bin, db, &logs, "--rules", rules)
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			apiCall(t, "GET", base+"/api/v1/changes", admin, "", "", http.StatusOK, &changes)
			if len(changes.Changes) > 0 || time.Now().After(deadline) {
				break
			}
		}
		proc.Process.Kill()
		proc.Wait()
		if len(changes.Changes) != 1 {
			t.Fatalf("start %d: changes %+v, want the one filed decision", start, changes)
		}
		c := changes.Changes[0]
		if c.CheckID != filed.CheckID || c.New.Rule != "river-band.chemical@2021-03-01-r2" || len(c.Cause) != 1 || c.Cause["rules_version"] != "2027.1.1" {
			t.Fatalf("start %d: change %+v, want %s under the new rule, caused by rules version 2027.1.1", start, c, filed.CheckID)
		}
	}
	n := 0
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "a rules version the store had not recorded") && strings.Contains(line, `"rules_version":"2027.1.1"`) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the new rules version was queued at %d starts, want 1", n)
	}
}
