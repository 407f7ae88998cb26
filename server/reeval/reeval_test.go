package reeval

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/servertest"
)

// failingStore fails SaveReevalBatch from its nth call on: the process
// dies between two batches.
type failingStore struct {
	data.ChangeStore
	calls, failFrom int
}

var errCrash = errors.New("crash")

func (f *failingStore) SaveReevalBatch(ctx context.Context, jobID, cursor string, done bool, changes []data.Change, events []data.Event) error {
	f.calls++
	if f.calls >= f.failFrom {
		return errCrash
	}
	return f.ChangeStore.SaveReevalBatch(ctx, jobID, cursor, done, changes, events)
}

// After the Xinmeng river and corridor are redrawn far away, the filed
// decisions that lay in them change and are listed once each, with the
// decision they had and the one they have now; those elsewhere, and those
// as_of before the new versions, are not. A worker that dies between
// batches leaves a cursor the next one goes on from, and nothing is
// recorded twice.
func TestReevaluate(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *servertest.App{"embedded": servertest.Demo, "postgis": servertest.DemoPG} {
		t.Run(name, func(t *testing.T) { testReevaluate(t, open(t)) })
	}
}

func testReevaluate(t *testing.T, app *servertest.App) {
	ctx := context.Background()
	cs := app.Store.(data.ChangeStore)
	c := check.New(check.Config{Store: app.Store, Rules: app.Rules})
	type filed struct {
		id, verdict, rule string
	}
	var checks []filed
	for i, req := range []check.Request{
		{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.7594,31.794999]}`), Category: "chemical", AsOf: "2026-06-01"}, // on the river
		{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.7530,31.7800]}`), Category: "chemical", AsOf: "2026-06-01"},   // corridor
		{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.95,31.78]}`), Category: "chemical", AsOf: "2026-06-01"},       // far east
		{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.7530,31.7800]}`), Category: "chemical", AsOf: "2025-06-01"},   // before
		{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.7531,31.7801]}`), Category: "ecological", AsOf: "2026-06-01"},
	} {
		key := "k1"
		if i%2 == 1 {
			key = "k2"
		}
		ans, err := c.Check(ctx, key, req)
		if err != nil {
			t.Fatal(err)
		}
		checks = append(checks, filed{ans.Response.CheckID, ans.Response.Verdict, ans.Response.DecidingRule})
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	away := geo.Feature{ID: "away", Geometry: orb.Polygon{{{119.90, 31.75}, {119.91, 31.75}, {119.91, 31.76}, {119.90, 31.76}, {119.90, 31.75}}},
		Properties: map[string]any{"id": "away", "name_zh": "远处", "name_en": "away", "status": "illustrative"}}
	var now time.Time
	for _, l := range []string{"xinmeng-river", "xinmeng-corridor"} {
		res, err := app.Store.Import(ctx, l, []geo.Feature{away}, data.ImportOptions{ValidFrom: from})
		if err != nil {
			t.Fatal(err)
		}
		// The worker judges as known now: after the versions were
		// recorded (a clock before them would not know them), to the
		// millisecond the changes keep.
		now = res.Layer.RecordedAt.Truncate(time.Millisecond).Add(time.Millisecond)
		for i, want := range []bool{true, false} { // announced twice: one job
			if added, err := Enqueue(ctx, cs, res, now); err != nil || added != want {
				t.Fatalf("enqueue %s, time %d: %v %v", l, i+1, added, err)
			}
		}
	}
	rej := check.New(check.Config{Store: app.Store, Rules: app.Rules, Unaudited: true})
	quiet := slog.New(slog.DiscardHandler)
	crashing := &failingStore{ChangeStore: cs, failFrom: 3}
	w := New(Config{Store: crashing, Checker: rej, Log: quiet, Batch: 1, Workers: 2, Now: func() time.Time { return now }})
	if _, err := w.RunPending(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("first run: %v, want the crash", err)
	}
	jobs, err := cs.ReevalJobs(ctx)
	if err != nil || len(jobs) != 2 || jobs[0].Cursor == "" {
		t.Fatalf("after the crash: jobs %+v, err %v", jobs, err)
	}
	w = New(Config{Store: cs, Checker: rej, Log: quiet, Now: func() time.Time { return now }})
	if n, err := w.RunPending(ctx); err != nil || n != 2 {
		t.Fatalf("second run: %d jobs, err %v", n, err)
	}
	if st := w.Stats(); st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
	all, err := cs.ListChanges(ctx, data.ChangeQuery{AllKeys: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for _, ch := range all {
		changed = append(changed, ch.CheckID)
		i := slices.IndexFunc(checks, func(f filed) bool { return f.id == ch.CheckID })
		if i < 0 {
			t.Fatalf("change of an unknown check %+v", ch)
		}
		if ch.Old.Verdict != checks[i].verdict || ch.Old.Rule != checks[i].rule || (ch.New.Verdict == ch.Old.Verdict && ch.New.Rule == ch.Old.Rule) || !ch.DetectedAt.Equal(now) {
			t.Errorf("change %+v, filed %+v", ch, checks[i])
		}
		body, _ := json.Marshal(ChangeOf(ch))
		if !json.Valid(body) {
			t.Error("change does not encode")
		}
	}
	// The river point and the corridor point change (their rule moved
	// with the river); the far one and the one before 2026 do not.
	for _, want := range []int{0, 1} {
		if !slices.Contains(changed, checks[want].id) {
			t.Errorf("check %d (%+v) not listed as changed; changes %v", want, checks[want], changed)
		}
	}
	for _, not := range []int{2, 3} {
		if slices.Contains(changed, checks[not].id) {
			t.Errorf("check %d listed as changed", not)
		}
	}
	seen := map[string]bool{}
	for _, id := range changed {
		if seen[id] {
			t.Errorf("check %s changed twice: %v", id, changed)
		}
		seen[id] = true
	}
	if jobs, err := cs.ReevalJobs(ctx); err != nil || len(jobs) != 0 {
		t.Errorf("jobs left %+v, err %v", jobs, err)
	}
}
