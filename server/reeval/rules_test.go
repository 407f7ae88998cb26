package reeval

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/servertest"
)

// newRules is the bundled rules as a new rules version whose rule for
// chemical works in the Xinmeng band has another id: every decision it
// decided comes out with another deciding rule.
func newRules(t *testing.T) *geo.RuleSet {
	t.Helper()
	src := data.RulesFile()
	for _, r := range [][2]string{
		{`version: "2026.12.1"`, `version: "2027.1.1"`},
		{`- id: "river-band.chemical@2021-03-01"`, `- id: "river-band.chemical@2021-03-01-r2"`},
	} {
		if !bytes.Contains(src, []byte(r[0])) {
			t.Fatalf("the rules file has no %s", r[0])
		}
		src = bytes.Replace(src, []byte(r[0]), []byte(r[1]), 1)
	}
	rs, err := geo.ParseRules(src)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// A server started with a rules version the store had not recorded
// queues its re-evaluation once; the decisions filed under the old rules
// are judged under the new ones (not skipped as not replayable), and the
// one whose deciding rule changed is listed with the rules version as its
// cause; the one elsewhere is judged and not listed.
func TestRulesVersionReevaluates(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *servertest.App{"embedded": servertest.Demo, "postgis": servertest.DemoPG} {
		t.Run(name, func(t *testing.T) { testRulesVersion(t, open(t)) })
	}
}

func testRulesVersion(t *testing.T, app *servertest.App) {
	ctx := context.Background()
	cs := app.Store.(data.ChangeStore)
	old := check.New(check.Config{Store: app.Store, Rules: app.Rules})
	var ids []string
	for _, g := range []string{`{"type":"Point","coordinates":[119.7594,31.794999]}`, `{"type":"Point","coordinates":[119.95,31.78]}`} {
		ans, err := old.Check(ctx, "k1", check.Request{Geometry: json.RawMessage(g), Category: "chemical", AsOf: "2026-06-01"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ans.Response.CheckID)
	}
	// The first rules version a store records (at the first check filed)
	// has nothing filed before it to judge again.
	if queued, err := New(Config{Store: cs, Checker: old}).RulesStarted(ctx, nil, data.RulesVersion{Version: app.Rules.Version, ValidFrom: app.Rules.ValidFrom}, old.RulesRecorded); err != nil || queued {
		t.Fatalf("the first rules version: queued %v, err %v", queued, err)
	}
	rules := newRules(t)
	rej := check.New(check.Config{Store: app.Store, Rules: rules, Unaudited: true})
	now := time.Now().UTC().Truncate(time.Millisecond)
	w := New(Config{Store: cs, Checker: rej, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	rv := data.RulesVersion{Version: rules.Version, ValidFrom: rules.ValidFrom}
	for i, want := range []bool{true, false} { // the second start knows it
		recorded, err := app.Store.RulesVersions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if queued, err := w.RulesStarted(ctx, recorded, rv, rej.RulesRecorded); err != nil || queued != want {
			t.Fatalf("start %d: queued %v, err %v", i+1, queued, err)
		}
	}
	if n, err := w.RunPending(ctx); err != nil || n != 1 {
		t.Fatalf("ran %d jobs, err %v", n, err)
	}
	if st := w.Stats(); st.Judged != 2 || st.Failed != 0 || st.Changed != 1 {
		t.Errorf("stats %+v: both filed decisions judged under the new rules, one changed", st)
	}
	all, err := cs.ListChanges(ctx, data.ChangeQuery{AllKeys: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].CheckID != ids[0] || all[0].Cause != (data.Cause{RulesVersion: "2027.1.1"}) ||
		all[0].Old.Rule != "river-band.chemical@2021-03-01" || all[0].New.Rule != "river-band.chemical@2021-03-01-r2" {
		t.Fatalf("changes %+v, want the river check's, caused by rules version 2027.1.1", all)
	}
	body, err := json.Marshal(ChangeOf(all[0]))
	if err != nil || !bytes.Contains(body, []byte(`"cause":{"rules_version":"2027.1.1"}`)) {
		t.Errorf("change as listed: %s (%v)", body, err)
	}
	// Replay still refuses it: it reproduces the decision under the rules
	// it was filed under, which this checker does not run.
	rec, err := app.Store.Check(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rej.Replay(ctx, rec); err == nil {
		t.Error("a check filed under the old rules replayed under the new ones")
	}
}
