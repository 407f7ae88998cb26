package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/servertest"
)

// A filed check judged again on unchanged layers reproduces its verdict,
// deciding rule and hash; after a zone it lay in is redrawn away from it,
// the verdict and rule it would now get differ.
func TestRejudge(t *testing.T) {
	ctx := context.Background()
	app := servertest.Demo(t)
	c := New(Config{Store: app.Store, Rules: app.Rules})
	const inCorridor = `{"type":"Point","coordinates":[119.7530,31.7800]}`
	var filed []*Answer
	for _, req := range []Request{
		{Geometry: json.RawMessage(onRiver), Category: "chemical", AsOf: "2026-06-01", Facts: json.RawMessage(`{"emits_n_p":false}`)},
		{Geometry: json.RawMessage(inCorridor), Category: "chemical", AsOf: "2026-06-01"},
		{Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[119.752,31.779],[119.754,31.779],[119.754,31.781],[119.752,31.781],[119.752,31.779]]]}`), Category: "warehousing-logistics", AsOf: "2026-06-01"},
		{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.95,31.78]}`), Category: "chemical", CRS: "EPSG:4326"},
	} {
		ans, err := c.Check(ctx, "k", req)
		if err != nil {
			t.Fatal(err)
		}
		filed = append(filed, ans)
	}
	for _, ans := range filed {
		rec, err := app.Store.Check(ctx, ans.Response.CheckID)
		if err != nil {
			t.Fatal(err)
		}
		// As known now: the hash includes known_at (decision hash v3), so
		// only the verdict, the deciding rule and changed are compared.
		got, changed, err := c.Rejudge(ctx, rec, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if changed || got.Verdict != ans.Response.Verdict || got.DecidingRule != ans.Response.DecidingRule {
			t.Errorf("%s: rejudged %+v, filed %s %s", ans.Response.CheckID, got, ans.Response.Verdict, ans.Response.DecidingRule)
		}
		// As known when filed: the very hash filed.
		got, changed, err = c.Rejudge(ctx, rec, rec.KnownAt)
		if err != nil {
			t.Fatal(err)
		}
		if changed || got.DecisionHash != ans.Response.DecisionHash {
			t.Errorf("%s: rejudged as filed %+v, filed hash %s", ans.Response.CheckID, got, ans.Response.DecisionHash)
		}
	}
	before := filed[1].Response // in the corridor and the river band
	if before.DecidingRule == "" {
		t.Fatalf("the corridor site hit nothing: %+v", before.Head)
	}
	// The river and the corridor redrawn as small squares far from the
	// site.
	for _, l := range []string{"xinmeng-river", "xinmeng-corridor"} {
		away := geo.Feature{ID: "away", Geometry: orb.Polygon{{{119.90, 31.75}, {119.91, 31.75}, {119.91, 31.76}, {119.90, 31.76}, {119.90, 31.75}}},
			Properties: map[string]any{"id": "away", "name_zh": "远处", "name_en": "away", "status": "illustrative"}}
		if _, err := app.Store.Import(ctx, l, []geo.Feature{away}, data.ImportOptions{ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Backdate: true}); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := app.Store.Check(ctx, before.CheckID)
	if err != nil {
		t.Fatal(err)
	}
	got, changed, err := c.Rejudge(ctx, rec, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !changed || got.DecisionHash == before.DecisionHash || (got.Verdict == before.Verdict && got.DecidingRule == before.DecidingRule) {
		t.Errorf("after the corridor moved: %+v, before %s %s", got, before.Verdict, before.DecidingRule)
	}
	// A record that cannot be read back is an error, not a verdict.
	rec.Document = json.RawMessage(`{"facts":7}`)
	if _, _, err := c.Rejudge(ctx, rec, time.Now()); err == nil {
		t.Error("a broken document was judged")
	}
}

// A check filed under one rules version is not judged again as filed
// under another (Rejudge, as Replay, refuses it), but Reevaluate judges
// it under the rules the Checker runs: the renamed rule decides it now.
func TestReevaluateUnderNewRules(t *testing.T) {
	ctx := context.Background()
	app := servertest.Demo(t)
	c := New(Config{Store: app.Store, Rules: app.Rules})
	ans, err := c.Check(ctx, "k", Request{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.7594,31.794999]}`), Category: "chemical", AsOf: "2026-06-01"})
	if err != nil {
		t.Fatal(err)
	}
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
	rules, err := geo.ParseRules(src)
	if err != nil {
		t.Fatal(err)
	}
	next := New(Config{Store: app.Store, Rules: rules, Unaudited: true})
	rec, err := app.Store.Check(ctx, ans.Response.CheckID)
	if err != nil {
		t.Fatal(err)
	}
	var nr *NotReplayableError
	if _, _, err := next.Rejudge(ctx, rec, time.Now()); !errors.As(err, &nr) || nr.Slug != "rules-version-not-loaded" {
		t.Errorf("Rejudge under other rules: %v, want rules-version-not-loaded", err)
	}
	got, changed, err := next.Reevaluate(ctx, rec, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !changed || got.DecidingRule != "river-band.chemical@2021-03-01-r2" || got.RulesVersion != "2027.1.1" || ans.Response.DecidingRule != "river-band.chemical@2021-03-01" {
		t.Errorf("reevaluated %s under %s (changed %v), filed %s", got.DecidingRule, got.RulesVersion, changed, ans.Response.DecidingRule)
	}
	// A check filed before known_at was kept cannot be replayed, but a
	// change must still reach it: re-evaluation judges it as known now.
	old := *rec
	old.KnownAt = time.Time{}
	if _, err := c.Replay(ctx, &old); !errors.As(err, &nr) || nr.Slug != "not-replayable" {
		t.Errorf("Replay without known_at: %v, want not-replayable", err)
	}
	if got, changed, err := c.Reevaluate(ctx, &old, time.Now()); err != nil || changed || got.Verdict != ans.Response.Verdict {
		t.Errorf("Reevaluate without known_at: %v (changed %v, err %v), filed %s", got, changed, err, ans.Response.Verdict)
	}
}
