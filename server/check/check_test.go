package check

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/servertest"
)

const onRiver = `{"type":"Point","coordinates":[119.7594,31.794999]}`

// An audited check is filed under its id with the document the client
// gets; an unaudited one (a sweep's) is not filed at all.
func TestAudit(t *testing.T) {
	ctx := context.Background()
	app := servertest.Demo(t)
	req := Request{Geometry: json.RawMessage(onRiver), Category: "chemical", AsOf: "2026-06-01", Reference: "审批-1", Facts: json.RawMessage(`{"emits_n_p":false}`)}
	ans, err := New(Config{Store: app.Store, Rules: app.Rules}).Check(ctx, "key-1", req)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := app.Store.Check(ctx, ans.Response.CheckID)
	if err != nil {
		t.Fatalf("the check was not filed: %v", err)
	}
	if string(rec.Document) != string(ans.Document) || rec.KeyID != "key-1" || rec.Reference != "审批-1" || rec.Verdict != "prohibited" {
		t.Errorf("filed %+v", rec)
	}
	// The declared facts are filed with the answer (and are in its hash).
	if !strings.Contains(string(rec.Document), `"facts":{"emits_n_p":false}`) || rec.DecisionHash != ans.Response.DecisionHash {
		t.Errorf("filed document lacks the facts: %.300s", rec.Document)
	}
	ans, err = New(Config{Store: app.Store, Rules: app.Rules, Unaudited: true}).Check(ctx, "", req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.Check(ctx, ans.Response.CheckID); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("an unaudited check was filed (err %v)", err)
	}
}

// Each field's error says what, where (under the pointer prefix) and with
// which status.
func TestValidateErrors(t *testing.T) {
	app := servertest.Demo(t)
	c := New(Config{Store: app.Store, Rules: app.Rules})
	ok := Request{Geometry: json.RawMessage(onRiver), Category: "chemical"}
	many := `{"type":"LineString","coordinates":[` + strings.Repeat("[119.8,31.78],", 100_001) + `[119.8,31.78]]}`
	for _, tc := range []struct {
		edit          func(*Request)
		status        int
		slug, pointer string
	}{
		{func(r *Request) { r.Category = "" }, 400, "missing-category", "/features/3/category"},
		{func(r *Request) { r.Category = "casino" }, 400, "unknown-category", "/features/3/category"},
		{func(r *Request) { r.CRS = "EPSG:3857" }, 400, "unknown-crs", "/features/3/crs"},
		{func(r *Request) { r.AsOf = "1 June" }, 400, "invalid-date", "/features/3/as_of"},
		{func(r *Request) { r.AsOf = "2001-01-01" }, 422, "as-of-not-covered", "/features/3/as_of"},
		{func(r *Request) { r.Reference = strings.Repeat("字", MaxReference+1) }, 400, "invalid-reference", "/features/3/reference"},
		{func(r *Request) { r.Reference = "a\nb" }, 400, "invalid-reference", "/features/3/reference"},
		{func(r *Request) { r.Geometry = json.RawMessage(many) }, 413, "too-many-vertices", "/features/3/geometry/coordinates/100000"},
		{func(r *Request) { r.Facts = json.RawMessage(`{"emits_np":true}`) }, 400, "unknown-fact", "/features/3/facts/emits_np"},
		{func(r *Request) { r.Facts = json.RawMessage(`{"emits_n_p":"yes"}`) }, 400, "invalid-fact", "/features/3/facts/emits_n_p"},
		{func(r *Request) { r.Facts = json.RawMessage(`{"emits_n_p":1}`) }, 400, "invalid-fact", "/features/3/facts/emits_n_p"},
		{func(r *Request) { r.Facts = json.RawMessage(`{"emits_n_p":null}`) }, 400, "invalid-fact", "/features/3/facts/emits_n_p"},
		{func(r *Request) { r.Facts = json.RawMessage(`{"emits_n_p":true,"emits_n_p":false}`) }, 400, "invalid-facts", "/features/3/facts/emits_n_p"},
		{func(r *Request) { r.Facts = json.RawMessage(`["emits_n_p"]`) }, 400, "invalid-facts", "/features/3/facts"},
		{func(r *Request) { r.Facts = json.RawMessage(`{"a/b~":true}`) }, 400, "unknown-fact", "/features/3/facts/a~1b~0"},
	} {
		req := ok
		tc.edit(&req)
		_, err := c.Validate(req, "/features/3")
		var ie *InputError
		if !errors.As(err, &ie) || ie.Status != tc.status || ie.Slug != tc.slug || ie.Pointer != tc.pointer || ie.Title == "" || ie.Detail == "" {
			t.Errorf("%s: got %s", tc.slug, fmt.Sprintf("%#v", err))
		}
	}
	if _, err := c.Validate(ok, ""); err != nil {
		t.Errorf("valid request: %v", err)
	}
	for _, f := range []string{``, `null`, `{}`, ` {"emits_n_p": true, "hazardous_goods": false} `} {
		req := ok
		req.Facts = json.RawMessage(f)
		in, err := c.Validate(req, "")
		if err != nil {
			t.Errorf("facts %s: %v", f, err)
		} else if len(in.Facts) != strings.Count(f, ":") {
			t.Errorf("facts %s read as %v", f, in.Facts)
		}
	}
}

// A check as of a day before any layer version is a 422 that names the
// first day the layers cover; a check on a day the rules and layers
// cover (2022 with the demo layers, from 2020-01-08) is judged by the
// laws in force then.
func TestAsOfBeforeLayers(t *testing.T) {
	ctx := context.Background()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New(man)
	if err := demo.Load(ctx, store, man, data.ImportOptions{ValidFrom: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	c := New(Config{Store: store, Rules: rules})
	_, err = c.Check(ctx, "", Request{Geometry: json.RawMessage(onRiver), Category: "chemical", AsOf: "2022-06-30"})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Status != 422 || ie.Slug != "no-layer-version" || !strings.Contains(ie.Detail, "2024-03-01, the first day the layers cover") || !strings.Contains(ie.Detail, "2022-06-30") {
		t.Errorf("before the layers: %v", err)
	}
	app := servertest.Demo(t)
	ans, err := New(Config{Store: app.Store, Rules: app.Rules}).Check(ctx, "", Request{Geometry: json.RawMessage(onRiver), Category: "residential", AsOf: "2022-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	// 2022: on the river (a vertex of the demo's river line: the water
	// band) 太湖条例 第四十三条 and, in the clear-water corridor, the 2020
	// plan restrict; the band's hit comes first (layer order decides a
	// tie). No district plan yet: the green corridor allows.
	r := ans.Response
	if r.AsOf.String() != "2022-06-30" || r.Verdict != "restricted" || r.DecidingRule != "river-band.water.residential" || r.Hits[1].RuleID != "eco-control.residential" {
		t.Errorf("2022: %s by %s as of %s", r.Verdict, r.DecidingRule, r.AsOf)
	}
	for _, l := range r.Layers {
		if l.ValidFrom.String() != demo.ValidFrom.Format(time.DateOnly) || l.Status != "illustrative" {
			t.Errorf("layer %+v", l)
		}
	}
}
