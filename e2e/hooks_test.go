package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/server/hooks"
)

// TestDecisionChangedWebhook is issue 16's done-when on PostGIS with the
// real binary: a decision is filed; a hook is registered whose receiver
// refuses connections; a new version of the river moves it away from the
// site, so the decision is judged again in the background and changes;
// ecospace is killed and started again on the same database; then the
// receiver comes up (answering 503 once): it gets the decision.changed
// event of that check, under one delivery id per event, signed, and
// /api/v1/changes lists the change.
func TestDecisionChangedWebhook(t *testing.T) {
	bin := buildBinary(t)
	db, admin := pgDemo(t, bin, "e2e-hooks")

	// The receiver's address, with nothing listening on it yet.
	rcvAddr := freeAddr(t)

	fast := []string{"--hook-retry-min", "200ms", "--hook-retry-max", "1s", "--hook-timeout", "2s"}
	srv := pgServeCrashable(t, bin, db, -1, fast...)
	defer srv.stop()
	base := srv.base

	var hook struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	apiCall(t, "POST", base+"/api/v1/hooks", admin, "application/json",
		`{"url":"http://`+rcvAddr+`/ecospace","events":["decision.changed","layer.published"]}`, http.StatusCreated, &hook)
	var filed struct {
		CheckID      string `json:"check_id"`
		DecidingRule string `json:"deciding_rule"`
	}
	apiCall(t, "POST", base+"/api/v1/checks", admin, "application/json",
		`{"geometry":{"type":"Point","coordinates":[119.7594,31.794999]},"category":"chemical","reference":"APP-16"}`, http.StatusOK, &filed)
	away := `{"type":"FeatureCollection","features":[{"type":"Feature","id":"away","properties":{"name":"away"},` +
		`"geometry":{"type":"Polygon","coordinates":[[[119.90,31.75],[119.91,31.75],[119.91,31.76],[119.90,31.76],[119.90,31.75]]]}}]}`
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	apiCall(t, "PUT", base+"/api/v1/layers/xinmeng-river?valid_from="+today, admin, "application/geo+json", away, http.StatusCreated, nil)

	type change struct {
		ChangeID string `json:"change_id"`
		CheckID  string `json:"check_id"`
		Old, New struct {
			Rule string `json:"deciding_rule"`
		}
	}
	var changes struct{ Changes []change }
	type delivery struct {
		DeliveryID string `json:"delivery_id"`
		EventID    string `json:"event_id"`
		Type       string `json:"type"`
		Status     string `json:"status"`
		Attempts   int    `json:"attempts"`
		LastError  string `json:"last_error"`
	}
	var dl struct{ Deliveries []delivery }
	// The change is found, and its delivery has failed at least once.
	failedOnce := func() bool {
		apiCall(t, "GET", base+"/api/v1/changes", admin, "", "", http.StatusOK, &changes)
		apiCall(t, "GET", base+"/api/v1/hooks/"+hook.ID+"/deliveries", admin, "", "", http.StatusOK, &dl)
		for _, d := range dl.Deliveries {
			if d.Type == "decision.changed" && d.Attempts >= 1 && d.Status == "failed" {
				return len(changes.Changes) == 1
			}
		}
		return false
	}
	for deadline := time.Now().Add(60 * time.Second); !failedOnce(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no failed decision.changed delivery: changes %+v, deliveries %+v", changes, dl)
		}
	}
	if c := changes.Changes[0]; c.CheckID != filed.CheckID || c.Old.Rule != filed.DecidingRule || c.New.Rule == c.Old.Rule {
		t.Fatalf("change %+v, filed %+v", c, filed)
	}

	// Killed in the middle; started again on the same database.
	srv.kill()
	base2 := srv.restart()

	// The receiver comes up where the hook points.
	rcv := &eventReceiver{secret: hook.Secret}
	defer serveAt(t, rcvAddr, rcv).Close()

	delivered := func() bool {
		apiCall(t, "GET", base2+"/api/v1/hooks/"+hook.ID+"/deliveries", admin, "", "", http.StatusOK, &dl)
		for _, d := range dl.Deliveries {
			if d.Status != "delivered" {
				return false
			}
		}
		return len(dl.Deliveries) == 2
	}
	for deadline := time.Now().Add(90 * time.Second); !delivered(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered: %+v", dl)
		}
	}
	for _, d := range dl.Deliveries {
		if d.Type == "decision.changed" && d.Attempts < 2 {
			t.Errorf("decision.changed delivered at attempt %d: it should have failed before the restart", d.Attempts)
		}
	}
	time.Sleep(2 * time.Second) // anything sent twice would arrive by now
	rcv.mu.Lock()
	if rcv.n < 3 {
		t.Errorf("the receiver was called %d times: its 503 and two deliveries at least", rcv.n)
	}
	defer rcv.mu.Unlock()
	if len(rcv.bad) > 0 {
		t.Errorf("deliveries that do not verify: %v", rcv.bad)
	}
	ids := map[string]map[string]bool{} // event id → delivery ids
	var changed []hooks.Body
	for _, b := range rcv.got {
		if ids[b.EventID] == nil {
			ids[b.EventID] = map[string]bool{}
		}
		ids[b.EventID][b.DeliveryID] = true
		if b.Type == "decision.changed" {
			changed = append(changed, b)
		}
	}
	for ev, ds := range ids {
		if len(ds) != 1 {
			t.Errorf("event %s came under %d delivery ids", ev, len(ds))
		}
	}
	if len(ids) != 2 || len(changed) == 0 {
		t.Fatalf("received %+v", rcv.got)
	}
	var data change
	if err := json.Unmarshal(changed[0].Data, &data); err != nil || data.CheckID != filed.CheckID || data.ChangeID != changes.Changes[0].ChangeID {
		t.Errorf("decision.changed data %s (%v), want the change of %s", changed[0].Data, err, filed.CheckID)
	}
	apiCall(t, "GET", base2+"/api/v1/changes?since=2020-01-01", admin, "", "", http.StatusOK, &changes)
	if len(changes.Changes) != 1 || changes.Changes[0].CheckID != filed.CheckID {
		t.Errorf("after the restart, changes %+v", changes)
	}
}
