package check

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/servertest"
)

const onRiver = `{"type":"Point","coordinates":[119.7594,31.794999]}`

// An audited check is filed under its id with the document the client
// gets; an unaudited one (a sweep's) is not filed at all.
func TestAudit(t *testing.T) {
	ctx := context.Background()
	app := servertest.Demo(t)
	req := Request{Geometry: json.RawMessage(onRiver), Category: "chemical", AsOf: "2026-06-01", Reference: "审批-1"}
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
}
