package ogc_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server"
	"github.com/zhonglou/ecospace/server/problem"
	"github.com/zhonglou/ecospace/server/servertest"
)

// The handler suite runs against the demo app on any store
// (servertest.Demo, servertest.DemoPG). TestOGCMem runs it on the embedded
// store; TestOGCPostGIS (pg_test.go) on PostGIS.

// opener makes a fresh demo app.
type opener func(testing.TB) *servertest.App

func TestOGCMem(t *testing.T) { runSuite(t, servertest.Demo) }

// now is the suite's clock: noon in China on storetest.AsOf.
var now = time.Date(2026, 6, 1, 4, 0, 0, 0, time.UTC)

const (
	uriCRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	uri4326  = "http://www.opengis.net/def/crs/EPSG/0/4326"
	uri4490  = "http://www.opengis.net/def/crs/EPSG/0/4490"
	uri4549  = "http://www.opengis.net/def/crs/EPSG/0/4549"
)

// newAPI is the whole HTTP API: server.New mounts the OGC routes, and its
// error handler writes their problems.
func newAPI(app *servertest.App) http.Handler {
	return server.New(server.Config{Store: app.Store, Rules: app.Rules, Manifest: app.Manifest,
		Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
}

type response struct {
	code int
	hdr  http.Header
	body []byte
}

func get(t testing.TB, h http.Handler, target string, hdr ...string) response {
	t.Helper()
	target = strings.TrimPrefix(target, "http://example.com")
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, clipBody(r.body))
	}
}

func clipBody(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

func (r response) want(t testing.TB, code int, ctype string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d: %s", r.code, code, clipBody(r.body))
	}
	if got := r.hdr.Get("Content-Type"); !strings.HasPrefix(got, ctype) {
		t.Fatalf("Content-Type %q, want %q", got, ctype)
	}
}

type lnk struct{ Href, Rel, Type, Title string }

func linkOf(t testing.TB, ls []lnk, rel, typ string) (lnk, bool) {
	t.Helper()
	for _, l := range ls {
		if l.Rel == rel && (typ == "" || l.Type == typ) {
			return l, true
		}
	}
	return lnk{}, false
}

type feat struct {
	Type       string
	ID         string
	Geometry   json.RawMessage
	Properties map[string]any
	Links      []lnk
}

type fcoll struct {
	Type           string
	Features       []feat
	NumberMatched  *int
	NumberReturned *int
	TimeStamp      string
	Links          []lnk
}

// problemOK checks an RFC 9457 problem of the server's shape.
func problemOK(t testing.TB, r response, status int, param string) {
	t.Helper()
	r.want(t, status, "application/problem+json")
	var p struct {
		Type, Title, Detail, Instance, Pointer string
		Status                                 int
	}
	r.json(t, &p)
	if p.Status != status || !strings.HasPrefix(p.Type, problem.TypePrefix) || p.Title == "" || p.Detail == "" || p.Instance == "" {
		t.Errorf("problem %+v", p)
	}
	if param != "" && p.Pointer != "?"+param {
		t.Errorf("problem pointer %q, want ?%s (detail %q)", p.Pointer, param, p.Detail)
	}
}

// positions flattens a GeoJSON geometry's coordinates.
func positions(t testing.TB, raw json.RawMessage) [][2]float64 {
	t.Helper()
	var g struct {
		Type        string
		Coordinates any
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	var out [][2]float64
	var walk func(v any)
	walk = func(v any) {
		a, ok := v.([]any)
		if !ok {
			return
		}
		if len(a) >= 2 {
			if x, ok := a[0].(float64); ok {
				out = append(out, [2]float64{x, a[1].(float64)})
				return
			}
		}
		for _, e := range a {
			walk(e)
		}
	}
	walk(g.Coordinates)
	return out
}

// lonlatPositions flattens a stored geometry in the order the encoders
// write it (rings oriented as RFC 7946 asks).
func lonlatPositions(t testing.TB, f geo.Feature) [][2]float64 {
	t.Helper()
	return positions(t, geo.AppendGeometry(nil, f.Geometry))
}

func storeFeatures(t testing.TB, s data.Store, id string, asOf time.Time) []geo.Feature {
	t.Helper()
	var out []geo.Feature
	if err := s.Features(context.Background(), id, data.FeatureQuery{AsOf: asOf, Zoom: -1}, func(f geo.Feature) error {
		out = append(out, f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// allPages follows next links from target and returns every feature id in
// order, checking the paging members on the way.
func allPages(t testing.TB, h http.Handler, target string) (ids []string, pages int) {
	t.Helper()
	seenPrev := false
	for target != "" {
		r := get(t, h, target)
		r.want(t, 200, "application/geo+json")
		var c fcoll
		r.json(t, &c)
		if c.NumberReturned == nil || *c.NumberReturned != len(c.Features) || c.NumberMatched == nil {
			t.Fatalf("%s: numberReturned %v for %d features, numberMatched %v", target, c.NumberReturned, len(c.Features), c.NumberMatched)
		}
		for _, f := range c.Features {
			ids = append(ids, f.ID)
		}
		pages++
		if _, ok := linkOf(t, c.Links, "prev", "application/geo+json"); ok {
			seenPrev = true
		} else if pages > 1 {
			t.Errorf("page %d has no prev link", pages)
		}
		next, ok := linkOf(t, c.Links, "next", "application/geo+json")
		if !ok {
			if len(ids) != *c.NumberMatched {
				t.Errorf("paging ended after %d features; numberMatched %d", len(ids), *c.NumberMatched)
			}
			break
		}
		if pages > 10_000 {
			t.Fatal("paging does not end")
		}
		target = next.Href
	}
	if pages > 1 && !seenPrev {
		t.Error("no prev link on any page")
	}
	return ids, pages
}

// importSynthetic makes a green-corridors version 2, valid from
// 2025-06-01, of n small squares and one L-shaped corridor ("syn-l") whose
// notch is inside its bounding box but outside the polygon.
func importSynthetic(t testing.TB, s data.Store, n int) []geo.Feature {
	t.Helper()
	var feats []geo.Feature
	for i := 0; i < n; i++ {
		x := 119.80 + float64(i%20)*0.004
		y := 31.78 + float64(i/20)*0.003
		id := fmt.Sprintf("syn-%04d", i)
		feats = append(feats, geo.Feature{
			ID:       id,
			Geometry: orb.Polygon{{{x, y}, {x + 0.002, y}, {x + 0.002, y + 0.002}, {x, y + 0.002}, {x, y}}},
			Properties: map[string]any{"id": id, "name_zh": fmt.Sprintf("合成廊道%d", i), "name_en": fmt.Sprintf("Synthetic corridor %d", i),
				"kind": "synthetic", "status": "illustrative", "band": float64(i % 3), "green_line": i%2 == 0},
		})
	}
	feats = append(feats, geo.Feature{
		ID: "syn-l",
		Geometry: orb.Polygon{{{119.90, 31.80}, {119.92, 31.80}, {119.92, 31.805}, {119.905, 31.805},
			{119.905, 31.82}, {119.90, 31.82}, {119.90, 31.80}}},
		Properties: map[string]any{"id": "syn-l", "name_zh": "L形廊道", "name_en": "L corridor", "kind": "synthetic", "status": "illustrative", "band": 0.0, "green_line": false},
	})
	if _, err := s.Import(context.Background(), "green-corridors", feats, data.ImportOptions{ValidFrom: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), Source: "synthetic"}); err != nil {
		t.Fatal(err)
	}
	return feats
}

// runSuite is every handler test, against the stores open returns.
func runSuite(t *testing.T, open opener) {
	app := open(t)
	s, h := app.Store, newAPI(app)
	for _, tc := range []struct {
		name string
		f    func(*testing.T, data.Store, http.Handler)
	}{
		{"Landing", testLanding},
		{"Conformance", testConformance},
		{"API", testAPI},
		{"Collections", testCollections},
		{"Collection", testCollection},
		{"ItemsDefault", testItemsDefault},
		{"ItemsPagingLimit2", testPagingLimit2},
		{"ItemsLimitOffset", testLimitOffset},
		{"ItemsBBox", testBBox},
		{"ItemsCRS", testCRS},
		{"ItemsFilters", testFilters},
		{"ItemsUnknownParameter", testUnknownParam},
		{"ItemsHTML", testItemsHTML},
		{"Item", testItem},
		{"Errors", testErrors},
		{"BaseURL", testBaseURL},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, s, h) })
	}
	t.Run("ItemsCache", func(t *testing.T) { testItemsCache(t, open(t)) })
	// These share a second store, with a synthetic green-corridors version
	// of 600 squares and an L (valid from 2025-06-01) over the demo one.
	t.Run("Synthetic", func(t *testing.T) {
		app := open(t)
		s := app.Store
		syn := importSynthetic(t, s, 600)
		h := newAPI(app)
		for _, tc := range []struct {
			name string
			f    func(*testing.T, data.Store, http.Handler, []geo.Feature)
		}{
			{"Datetime", testDatetime},
			{"PagingLargeLayer", testPagingLarge},
			{"BBoxExact", testBBoxExact},
			{"Streaming", testStreaming},
		} {
			t.Run(tc.name, func(t *testing.T) { tc.f(t, s, h, syn) })
		}
	})
}

func testLanding(t *testing.T, _ data.Store, h http.Handler) {
	for _, p := range []string{"/ogc", "/ogc/"} {
		r := get(t, h, p)
		r.want(t, 200, "application/json")
		var doc struct {
			Title string
			Links []lnk
		}
		r.json(t, &doc)
		if doc.Title == "" {
			t.Error("no title")
		}
		for _, want := range []struct{ rel, typ, href string }{
			{"self", "application/json", "http://example.com/ogc"},
			{"alternate", "text/html", ""},
			{"service-desc", "application/vnd.oai.openapi+json;version=3.0", "http://example.com/ogc/api"},
			{"conformance", "application/json", "http://example.com/ogc/conformance"},
			{"data", "application/json", "http://example.com/ogc/collections"},
		} {
			l, ok := linkOf(t, doc.Links, want.rel, want.typ)
			if !ok {
				t.Errorf("%s: no %s link of type %s", p, want.rel, want.typ)
				continue
			}
			if want.href != "" && !strings.HasPrefix(l.Href, want.href) {
				t.Errorf("%s link %s, want %s", want.rel, l.Href, want.href)
			}
		}
	}
	get(t, h, "/ogc?f=html").want(t, 200, "text/html")
	r := get(t, h, "/ogc", "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	r.want(t, 200, "text/html")
	if !strings.Contains(string(r.body), "/ogc/collections") {
		t.Error("HTML landing page does not link the collections")
	}
	get(t, h, "/ogc", "Accept", "application/json").want(t, 200, "application/json")
	get(t, h, "/ogc", "Accept", "*/*").want(t, 200, "application/json")
	get(t, h, "/ogc?f=json", "Accept", "text/html").want(t, 200, "application/json")
}

func testConformance(t *testing.T, _ data.Store, h http.Handler) {
	r := get(t, h, "/ogc/conformance")
	r.want(t, 200, "application/json")
	var doc struct{ ConformsTo []string }
	r.json(t, &doc)
	for _, want := range []string{
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
		"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	} {
		found := false
		for _, c := range doc.ConformsTo {
			found = found || c == want
		}
		if !found {
			t.Errorf("conformance lacks %s", want)
		}
	}
	get(t, h, "/ogc/conformance?f=html").want(t, 200, "text/html")
}

func testAPI(t *testing.T, s data.Store, h http.Handler) {
	r := get(t, h, "/ogc/api")
	r.want(t, 200, "application/vnd.oai.openapi+json;version=3.0")
	var doc map[string]any
	r.json(t, &doc)
	checkOpenAPI(t, doc)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi %q", v)
	}
	if servers, _ := doc["servers"].([]any); len(servers) != 1 || servers[0].(map[string]any)["url"] != "http://example.com/ogc" {
		t.Errorf("servers %v", doc["servers"])
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range []string{"/", "/conformance", "/api", "/collections", "/collections/{collectionId}",
		"/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}"} {
		if paths[p] == nil {
			t.Errorf("the API definition has no path %s", p)
		}
	}
	// Each collection's path lists its property filters.
	layers, err := s.Layers(context.Background(), storetest.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		item, _ := paths["/collections/"+l.ID+"/items"].(map[string]any)
		if item == nil {
			t.Errorf("no path for collection %s", l.ID)
			continue
		}
		names := map[string]bool{}
		for _, p := range item["get"].(map[string]any)["parameters"].([]any) {
			p := resolve(t, doc, p.(map[string]any))
			names[p["name"].(string)] = true
		}
		for _, want := range []string{"bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "f", "id", "name_zh"} {
			if !names[want] {
				t.Errorf("collection %s: no parameter %s in the API definition", l.ID, want)
			}
		}
	}
	// GDAL asks for the OpenAPI media types first.
	get(t, h, "/ogc/api", "Accept", "application/vnd.oai.openapi+json;version=3.0, application/openapi+json;version=3.0, application/json").
		want(t, 200, "application/vnd.oai.openapi+json;version=3.0")
	r = get(t, h, "/ogc/api?f=html")
	r.want(t, 200, "text/html")
	if !strings.Contains(string(r.body), "/collections/{collectionId}/items") {
		t.Error("the HTML API page does not list the items path")
	}
}

// resolve follows a local $ref.
func resolve(t testing.TB, doc map[string]any, v map[string]any) map[string]any {
	t.Helper()
	ref, ok := v["$ref"].(string)
	if !ok {
		return v
	}
	cur := any(doc)
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := cur.(map[string]any)
		if !ok || m[part] == nil {
			t.Fatalf("$ref %s does not resolve", ref)
		}
		cur = m[part]
	}
	return cur.(map[string]any)
}

// checkOpenAPI checks the structure OpenAPI 3.0 requires of the parts this
// document uses: every $ref resolves, every operation has responses and an
// operationId unique in the document, every parameter has a name, a valid
// "in" and a schema, and every path template variable is a required path
// parameter.
func checkOpenAPI(t testing.TB, doc map[string]any) {
	t.Helper()
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["$ref"]; ok {
				resolve(t, doc, v)
			}
			for k, x := range v {
				walk(path+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", path, i), x)
			}
		}
	}
	walk("#", doc)
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Errorf("info %v lacks title or version", info)
	}
	ops := map[string]bool{}
	for p, item := range doc["paths"].(map[string]any) {
		if !strings.HasPrefix(p, "/") {
			t.Errorf("path %q does not start with /", p)
		}
		get, _ := item.(map[string]any)["get"].(map[string]any)
		if get == nil {
			t.Errorf("path %s has no get", p)
			continue
		}
		id, _ := get["operationId"].(string)
		if id == "" || ops[id] {
			t.Errorf("path %s: operationId %q missing or repeated", p, id)
		}
		ops[id] = true
		if rs, _ := get["responses"].(map[string]any); len(rs) == 0 {
			t.Errorf("path %s: no responses", p)
		}
		declared := map[string]bool{}
		for _, x := range get["parameters"].([]any) {
			prm := resolve(t, doc, x.(map[string]any))
			name, _ := prm["name"].(string)
			in, _ := prm["in"].(string)
			if name == "" || prm["schema"] == nil || (in != "query" && in != "path" && in != "header") {
				t.Errorf("path %s: bad parameter %v", p, prm)
			}
			if in == "path" {
				if prm["required"] != true {
					t.Errorf("path %s: path parameter %s is not required", p, name)
				}
				declared[name] = true
			}
		}
		for _, part := range strings.Split(p, "/") {
			if strings.HasPrefix(part, "{") && !declared[strings.Trim(part, "{}")] {
				t.Errorf("path %s: %s is not declared", p, part)
			}
		}
	}
}

type collDoc struct {
	ID, Title, Description, ItemType, StorageCrs string
	Links                                        []lnk
	CRS                                          []string
	Extent                                       struct {
		Spatial struct {
			BBox [][]float64
			CRS  string
		}
		Temporal struct {
			Interval [][]*string
			TRS      string
		}
	}
}

func checkCollection(t *testing.T, c collDoc, info geo.LayerInfo) {
	t.Helper()
	if c.ID != info.ID {
		t.Errorf("collection id %q, want %q", c.ID, info.ID)
	}
	if !strings.Contains(c.Title, info.Title.ZH) || !strings.Contains(c.Title, info.Title.EN) {
		t.Errorf("%s: title %q lacks %q or %q", c.ID, c.Title, info.Title.ZH, info.Title.EN)
	}
	if c.ItemType != "feature" || c.StorageCrs != uriCRS84 {
		t.Errorf("%s: itemType %q, storageCrs %q", c.ID, c.ItemType, c.StorageCrs)
	}
	wantCRS := []string{uriCRS84, uri4326, uri4490, uri4549}
	if strings.Join(c.CRS, " ") != strings.Join(wantCRS, " ") {
		t.Errorf("%s: crs %v, want %v", c.ID, c.CRS, wantCRS)
	}
	if len(c.Extent.Spatial.BBox) != 1 || c.Extent.Spatial.CRS != uriCRS84 {
		t.Fatalf("%s: spatial extent %+v", c.ID, c.Extent.Spatial)
	}
	b := c.Extent.Spatial.BBox[0]
	if len(b) != 4 || b[0] > info.BBox[0] || b[1] > info.BBox[1] || b[2] < info.BBox[2] || b[3] < info.BBox[3] ||
		info.BBox[0]-b[0] > 1e-6 || b[2]-info.BBox[2] > 1e-6 {
		t.Errorf("%s: bbox %v does not match the layer's %v", c.ID, b, info.BBox)
	}
	iv := c.Extent.Temporal.Interval
	if len(iv) != 1 || len(iv[0]) != 2 || iv[0][0] == nil || *iv[0][0] != info.ValidFrom.Format(time.RFC3339) || iv[0][1] != nil {
		t.Errorf("%s: temporal interval %v, want [[%s, null]]", c.ID, iv, info.ValidFrom.Format(time.RFC3339))
	}
	if l, ok := linkOf(t, c.Links, "items", "application/geo+json"); !ok || l.Href != "http://example.com/ogc/collections/"+info.ID+"/items" {
		t.Errorf("%s: items link %+v", c.ID, l)
	}
	if _, ok := linkOf(t, c.Links, "self", "application/json"); !ok {
		t.Errorf("%s: no self link", c.ID)
	}
}

func testCollections(t *testing.T, s data.Store, h http.Handler) {
	layers, err := s.Layers(context.Background(), storetest.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	r := get(t, h, "/ogc/collections")
	r.want(t, 200, "application/json")
	var doc struct {
		Links       []lnk
		Collections []collDoc
	}
	r.json(t, &doc)
	if len(doc.Collections) != len(layers) {
		t.Fatalf("%d collections, %d layers", len(doc.Collections), len(layers))
	}
	for i, l := range layers {
		checkCollection(t, doc.Collections[i], l)
	}
	if _, ok := linkOf(t, doc.Links, "self", "application/json"); !ok {
		t.Error("collections: no self link")
	}
	r = get(t, h, "/ogc/collections?f=html")
	r.want(t, 200, "text/html")
	for _, l := range layers {
		if !strings.Contains(string(r.body), l.Title.ZH) {
			t.Errorf("HTML collections page lacks %s", l.Title.ZH)
		}
	}
	// A crs given to the collections (GDAL < 3.7 repeats its connection
	// query on every request) is checked and carried into the items links.
	r = get(t, h, "/ogc/collections?crs="+url.QueryEscape(uri4549))
	r.want(t, 200, "application/json")
	r.json(t, &doc)
	if l, _ := linkOf(t, doc.Collections[0].Links, "items", "application/geo+json"); !strings.Contains(l.Href, "crs="+url.QueryEscape(uri4549)) {
		t.Errorf("items link %q does not carry the crs", l.Href)
	}
	problemOK(t, get(t, h, "/ogc/collections?crs=EPSG:3857"), 400, "crs")
}

func testCollection(t *testing.T, s data.Store, h http.Handler) {
	info, err := s.Layer(context.Background(), "green-corridors", storetest.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	r := get(t, h, "/ogc/collections/green-corridors")
	r.want(t, 200, "application/json")
	var c collDoc
	r.json(t, &c)
	checkCollection(t, c, info)
	get(t, h, "/ogc/collections/green-corridors?f=html").want(t, 200, "text/html")
	problemOK(t, get(t, h, "/ogc/collections/no-such-layer"), 404, "")
	problemOK(t, get(t, h, "/ogc/collections/no-such-layer/items"), 404, "")
	problemOK(t, get(t, h, "/ogc/collections/no-such-layer/items?limit=0"), 404, "")
	problemOK(t, get(t, h, "/ogc/collections/no-such-layer/items/x"), 404, "")
}

// testItemsDefault: every layer in full, against the API's own GeoJSON.
func testItemsDefault(t *testing.T, s data.Store, h http.Handler) {
	layers, err := s.Layers(context.Background(), storetest.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		r := get(t, h, "/ogc/collections/"+l.ID+"/items")
		r.want(t, 200, "application/geo+json")
		if got := r.hdr.Get("Content-Crs"); got != "<"+uriCRS84+">" {
			t.Errorf("%s: Content-Crs %q", l.ID, got)
		}
		var c fcoll
		r.json(t, &c)
		if c.Type != "FeatureCollection" || c.NumberMatched == nil || *c.NumberMatched != l.FeatureCount ||
			c.NumberReturned == nil || *c.NumberReturned != l.FeatureCount || len(c.Features) != l.FeatureCount {
			t.Errorf("%s: type %s, numberMatched %v, numberReturned %v, %d features; want %d", l.ID, c.Type, c.NumberMatched, c.NumberReturned, len(c.Features), l.FeatureCount)
		}
		if ts, err := time.Parse(time.RFC3339, c.TimeStamp); err != nil || !ts.Equal(now) {
			t.Errorf("%s: timeStamp %q", l.ID, c.TimeStamp)
		}
		if _, ok := linkOf(t, c.Links, "next", ""); ok {
			t.Errorf("%s: a next link on the only page", l.ID)
		}
		if _, ok := linkOf(t, c.Links, "self", "application/geo+json"); !ok {
			t.Errorf("%s: no self link", l.ID)
		}
		var v1 fcoll
		get(t, h, "/api/v1/layers/"+l.ID+"/features?as_of="+storetest.AsOf.Format(time.DateOnly)).json(t, &v1)
		if len(v1.Features) != len(c.Features) {
			t.Fatalf("%s: %d features, /api/v1 has %d", l.ID, len(c.Features), len(v1.Features))
		}
		for i := range v1.Features {
			a, b := c.Features[i], v1.Features[i]
			if a.ID != b.ID || string(a.Geometry) != string(b.Geometry) || fmt.Sprint(a.Properties) != fmt.Sprint(b.Properties) {
				t.Errorf("%s feature %d: %s differs from /api/v1's %s", l.ID, i, a.ID, b.ID)
			}
		}
	}
}

func testPagingLimit2(t *testing.T, s data.Store, h http.Handler) {
	want := storeFeatures(t, s, "green-corridors", storetest.AsOf)
	if len(want) <= 2 {
		t.Fatalf("green-corridors has %d features; the test needs more than a page", len(want))
	}
	ids, pages := allPages(t, h, "/ogc/collections/green-corridors/items?limit=2")
	if pages != (len(want)+1)/2 {
		t.Errorf("%d pages for %d features at 2 a page", pages, len(want))
	}
	checkOnce(t, ids, want)
}

func checkOnce(t *testing.T, got []string, want []geo.Feature) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for _, f := range want {
		if seen[f.ID] != 1 {
			t.Errorf("feature %s returned %d times", f.ID, seen[f.ID])
		}
		delete(seen, f.ID)
	}
	for id := range seen {
		t.Errorf("feature %s is not in the layer", id)
	}
	if len(got) != len(want) {
		t.Errorf("%d features returned, the layer has %d", len(got), len(want))
	}
}

func testLimitOffset(t *testing.T, s data.Store, h http.Handler) {
	all := storeFeatures(t, s, "green-corridors", storetest.AsOf)
	var c fcoll
	r := get(t, h, "/ogc/collections/green-corridors/items?limit=2&offset=1")
	r.want(t, 200, "application/geo+json")
	r.json(t, &c)
	if len(c.Features) != 2 || c.Features[0].ID != all[1].ID || c.Features[1].ID != all[2].ID || *c.NumberMatched != len(all) {
		t.Errorf("limit=2&offset=1: %d features, numberMatched %v", len(c.Features), *c.NumberMatched)
	}
	prev, ok := linkOf(t, c.Links, "prev", "application/geo+json")
	if !ok || strings.Contains(prev.Href, "offset=") || !strings.Contains(prev.Href, "limit=2") {
		t.Errorf("prev link %+v, want offset 0 and limit 2", prev)
	}
	next, ok := linkOf(t, c.Links, "next", "application/geo+json")
	if !ok || !strings.Contains(next.Href, "offset=3") {
		t.Errorf("next link %+v, want offset 3", next)
	}
	// Past the end: an empty page that still counts the matches.
	get(t, h, "/ogc/collections/green-corridors/items?offset=99").json(t, &c)
	if len(c.Features) != 0 || *c.NumberMatched != len(all) || *c.NumberReturned != 0 {
		t.Errorf("offset past the end: %d features, matched %d", len(c.Features), *c.NumberMatched)
	}
	// Above the maximum: served as 10 000, not an error.
	r = get(t, h, "/ogc/collections/green-corridors/items?limit=20000")
	r.want(t, 200, "application/geo+json")
	r.json(t, &c)
	if self, _ := linkOf(t, c.Links, "self", "application/geo+json"); !strings.Contains(self.Href, "limit=10000") || len(c.Features) != len(all) {
		t.Errorf("limit=20000: self %s, %d features", self.Href, len(c.Features))
	}
	for _, bad := range []string{"limit=0", "limit=-1", "limit=abc", "limit=1.5", "offset=-1", "offset=x", "limit=2&limit=3"} {
		param, _, _ := strings.Cut(bad, "=")
		problemOK(t, get(t, h, "/ogc/collections/green-corridors/items?"+bad), 400, param)
	}
	// The same value twice is one value.
	get(t, h, "/ogc/collections/green-corridors/items?limit=2&limit=2").want(t, 200, "application/geo+json")
}

func countOf(t *testing.T, h http.Handler, target string) (int, []string) {
	t.Helper()
	r := get(t, h, target)
	r.want(t, 200, "application/geo+json")
	var c fcoll
	r.json(t, &c)
	var ids []string
	for _, f := range c.Features {
		ids = append(ids, f.ID)
	}
	if *c.NumberMatched != len(ids) {
		t.Errorf("%s: numberMatched %d, %d features on one page", target, *c.NumberMatched, len(ids))
	}
	return len(ids), ids
}

func testBBox(t *testing.T, s data.Store, h http.Handler) {
	items := "/ogc/collections/green-corridors/items?"
	all := storeFeatures(t, s, "green-corridors", storetest.AsOf)
	if n, _ := countOf(t, h, items+"bbox=100,20,100.1,20.1"); n != 0 {
		t.Errorf("a box far away selects %d features", n)
	}
	if n, _ := countOf(t, h, items+"bbox=119,31,121,33"); n != len(all) {
		t.Errorf("a box around the district selects %d of %d", n, len(all))
	}
	// A box around one vertex of one corridor, in each CRS and its axis
	// order, selects the same features.
	p := all[0].Geometry.(orb.Polygon)[0][0]
	lo, hi := orb.Point{p[0] - 0.0005, p[1] - 0.0005}, orb.Point{p[0] + 0.0005, p[1] + 0.0005}
	n84, ids84 := countOf(t, h, fmt.Sprintf("%sbbox=%f,%f,%f,%f", items, lo[0], lo[1], hi[0], hi[1]))
	if n84 == 0 || !containsStr(ids84, all[0].ID) {
		t.Fatalf("box around a vertex of %s selects %v", all[0].ID, ids84)
	}
	for _, tc := range []struct{ crs, bbox string }{
		{uriCRS84, fmt.Sprintf("%f,%f,%f,%f", lo[0], lo[1], hi[0], hi[1])},
		{"OGC:CRS84", fmt.Sprintf("%f,%f,%f,%f", lo[0], lo[1], hi[0], hi[1])},
		{uri4490, fmt.Sprintf("%f,%f,%f,%f", lo[1], lo[0], hi[1], hi[0])},
		{uri4326, fmt.Sprintf("%f,%f,%f,%f", lo[1], lo[0], hi[1], hi[0])},
		{"urn:ogc:def:crs:EPSG::4490", fmt.Sprintf("%f,%f,%f,%f,%f,%f", lo[1], lo[0], -10.0, hi[1], hi[0], 100.0)},
	} {
		n, ids := countOf(t, h, items+"bbox="+tc.bbox+"&bbox-crs="+url.QueryEscape(tc.crs))
		if n != n84 || strings.Join(ids, ",") != strings.Join(ids84, ",") {
			t.Errorf("bbox-crs %s: %v, CRS84 selects %v", tc.crs, ids, ids84)
		}
	}
	// EPSG:4549: a 100 m box around the vertex, northing first.
	e, n := geo.ToGK(p[0], p[1])
	nGK, idsGK := countOf(t, h, fmt.Sprintf("%sbbox=%f,%f,%f,%f&bbox-crs=%s", items, n-50, e-50, n+50, e+50, url.QueryEscape(uri4549)))
	if nGK == 0 || !containsStr(idsGK, all[0].ID) {
		t.Errorf("bbox-crs EPSG:4549 around a vertex of %s selects %v", all[0].ID, idsGK)
	}
	// Easting first is a box some 3 000 km away: nothing.
	if n, _ := countOf(t, h, fmt.Sprintf("%sbbox=%f,%f,%f,%f&bbox-crs=%s", items, e-50, n-50, e+50, n+50, url.QueryEscape(uri4549))); n != 0 {
		t.Errorf("bbox-crs EPSG:4549 in easting, northing order selects %d features", n)
	}
	// A lon-first box in EPSG:4490 is out of range: 400, not a silent miss.
	problemOK(t, get(t, h, fmt.Sprintf("%sbbox=%f,%f,%f,%f&bbox-crs=%s", items, lo[0], lo[1], hi[0], hi[1], url.QueryEscape(uri4490))), 400, "bbox")
	for _, bad := range []string{"bbox=1,2,3", "bbox=1,2,3,4,5", "bbox=a,b,c,d", "bbox=2,2,1,1", "bbox=0,100,1,101", "bbox=170,30,-170,40",
		"bbox=119,31,120,32&bbox-crs=EPSG:3857", "bbox=119,31,120,32&bbox-crs=nonsense"} {
		param := "bbox"
		if strings.Contains(bad, "bbox-crs") {
			param = "bbox-crs"
		}
		problemOK(t, get(t, h, items+bad), 400, param)
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// testCRS: each supported CRS in its authority axis order.
func testCRS(t *testing.T, s data.Store, h http.Handler) {
	for _, layer := range []string{"green-corridors", "xinmeng-river", "canal-core"} {
		feats := storeFeatures(t, s, layer, storetest.AsOf)
		for _, tc := range []struct {
			param, uri string
			want       func(lon, lat float64) [2]float64
			tol        float64
		}{
			{"", uriCRS84, func(lon, lat float64) [2]float64 { return [2]float64{lon, lat} }, 5e-7},
			{uriCRS84, uriCRS84, func(lon, lat float64) [2]float64 { return [2]float64{lon, lat} }, 5e-7},
			{uri4326, uri4326, func(lon, lat float64) [2]float64 { return [2]float64{lat, lon} }, 5e-7},
			{uri4490, uri4490, func(lon, lat float64) [2]float64 { return [2]float64{lat, lon} }, 5e-7},
			{"EPSG:4490", uri4490, func(lon, lat float64) [2]float64 { return [2]float64{lat, lon} }, 5e-7},
			{uri4549, uri4549, func(lon, lat float64) [2]float64 { x, y := geo.ToGK(lon, lat); return [2]float64{y, x} }, 0.001},
			{"https://www.opengis.net/def/crs/EPSG/0/4549", uri4549, func(lon, lat float64) [2]float64 { x, y := geo.ToGK(lon, lat); return [2]float64{y, x} }, 0.001},
		} {
			target := "/ogc/collections/" + layer + "/items"
			if tc.param != "" {
				target += "?crs=" + url.QueryEscape(tc.param)
			}
			r := get(t, h, target)
			r.want(t, 200, "application/geo+json")
			if got := r.hdr.Get("Content-Crs"); got != "<"+tc.uri+">" {
				t.Errorf("crs=%s: Content-Crs %q", tc.param, got)
			}
			var c fcoll
			r.json(t, &c)
			if len(c.Features) != len(feats) {
				t.Fatalf("crs=%s: %d features, want %d", tc.param, len(c.Features), len(feats))
			}
			for i, f := range feats {
				got := positions(t, c.Features[i].Geometry)
				want := lonlatPositions(t, f)
				if len(got) != len(want) {
					t.Fatalf("crs=%s %s: %d positions, want %d", tc.param, f.ID, len(got), len(want))
				}
				// Compare with the exact stored coordinates (not the
				// 6-decimal CRS84 output), position by position: the
				// vertex order does not change with the CRS.
				exact := exactPositions(f.Geometry)
				for j := range got {
					w := tc.want(exact[j][0], exact[j][1])
					if math.Abs(got[j][0]-w[0]) > tc.tol || math.Abs(got[j][1]-w[1]) > tc.tol {
						t.Fatalf("crs=%s %s position %d: %v, want %v", tc.param, f.ID, j, got[j], w)
					}
				}
			}
		}
	}
	items := "/ogc/collections/green-corridors/items?crs="
	for _, bad := range []string{"EPSG:3857", "http://www.opengis.net/def/crs/EPSG/0/3857", "nonsense", "4549"} {
		problemOK(t, get(t, h, items+url.QueryEscape(bad)), 400, "crs")
	}
}

// exactPositions flattens a lon/lat geometry in the encoders' order
// (exterior rings counter-clockwise, holes clockwise) without rounding.
func exactPositions(g orb.Geometry) [][2]float64 {
	var out [][2]float64
	ring := func(r orb.Ring, exterior bool) {
		ccw := r.Orientation() == orb.CCW
		n := len(r)
		for i := 0; i < n; i++ {
			j := i
			if exterior != ccw {
				j = n - 1 - i
			}
			out = append(out, [2]float64{r[j][0], r[j][1]})
		}
	}
	var walk func(g orb.Geometry)
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			out = append(out, [2]float64{g[0], g[1]})
		case orb.MultiPoint:
			for _, p := range g {
				walk(p)
			}
		case orb.LineString:
			for _, p := range g {
				walk(p)
			}
		case orb.MultiLineString:
			for _, l := range g {
				walk(l)
			}
		case orb.Polygon:
			for i, r := range g {
				ring(r, i == 0)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				walk(p)
			}
		}
	}
	walk(g)
	return out
}

func testFilters(t *testing.T, s data.Store, h http.Handler) {
	all := storeFeatures(t, s, "green-corridors", storetest.AsOf)
	target := all[1]
	name := geo.PropString(target.Properties, "name_zh")
	n, ids := countOf(t, h, "/ogc/collections/green-corridors/items?name_zh="+url.QueryEscape(name))
	if n != 1 || ids[0] != target.ID {
		t.Errorf("name_zh=%s selects %v, want [%s]", name, ids, target.ID)
	}
	if n, _ := countOf(t, h, "/ogc/collections/green-corridors/items?name_zh=nothing-is-called-this"); n != 0 {
		t.Errorf("a name nothing has selects %d", n)
	}
	n, _ = countOf(t, h, "/ogc/collections/green-corridors/items?status=illustrative")
	if n != len(all) {
		t.Errorf("status=illustrative selects %d of %d", n, len(all))
	}
	// Filters and paging together.
	ids, _ = allPages(t, h, "/ogc/collections/green-corridors/items?status=illustrative&limit=2")
	checkOnce(t, ids, all)
	// A number-valued property of a derived layer.
	if n, _ := countOf(t, h, "/ogc/collections/xinmeng-band/items?distance_m=1000"); n != 1 {
		t.Errorf("xinmeng-band distance_m=1000 selects %d", n)
	}
}

func testUnknownParam(t *testing.T, _ data.Store, h http.Handler) {
	for _, target := range []string{
		"/ogc/collections/green-corridors/items?colour=green",
		"/ogc/collections/green-corridors/items?Limit=2",
		"/ogc/collections/green-corridors/items?adcode=320404", // a property of another layer
		"/ogc/collections/green-corridors/items/green-xinmeng?limit=2",
		"/ogc/collections/green-corridors?bbox=1,2,3,4",
		"/ogc/collections?foo=1",
		"/ogc/conformance?foo=1",
		"/ogc/api?foo=1",
		"/ogc?foo=1",
	} {
		u, _ := url.Parse(target)
		var param string
		for k := range u.Query() {
			param = k
		}
		problemOK(t, get(t, h, target), 400, param)
	}
	r := get(t, h, "/ogc/collections/green-corridors/items?colour=green")
	if !strings.Contains(string(r.body), "name_zh") {
		t.Errorf("the unknown-parameter problem does not list the property filters: %s", r.body)
	}
	problemOK(t, get(t, h, "/ogc/collections?f=xml"), 400, "f")
	problemOK(t, get(t, h, "/ogc/collections/green-corridors/items?f=xml"), 400, "f")
}

func testItemsHTML(t *testing.T, s data.Store, h http.Handler) {
	all := storeFeatures(t, s, "green-corridors", storetest.AsOf)
	r := get(t, h, "/ogc/collections/green-corridors/items?f=html&limit=2")
	r.want(t, 200, "text/html")
	body := string(r.body)
	if !strings.Contains(body, all[0].ID) || !strings.Contains(body, all[1].ID) || strings.Contains(body, ">"+all[2].ID+"<") {
		t.Errorf("HTML page 1 of 2 a page: %s", clipBody(r.body))
	}
	if !strings.Contains(body, `rel="next"`) || !strings.Contains(body, "</html>") {
		t.Error("HTML items page has no next link or is not whole")
	}
	get(t, h, "/ogc/collections/green-corridors/items", "Accept", "text/html").want(t, 200, "text/html")
}

func testItem(t *testing.T, s data.Store, h http.Handler) {
	all := storeFeatures(t, s, "green-corridors", storetest.AsOf)
	f := all[2]
	r := get(t, h, "/ogc/collections/green-corridors/items/"+f.ID)
	r.want(t, 200, "application/geo+json")
	if got := r.hdr.Get("Content-Crs"); got != "<"+uriCRS84+">" {
		t.Errorf("Content-Crs %q", got)
	}
	var got feat
	r.json(t, &got)
	if got.Type != "Feature" || got.ID != f.ID || string(got.Geometry) != string(geo.AppendGeometry(nil, f.Geometry)) ||
		geo.PropString(got.Properties, "name_zh") != geo.PropString(f.Properties, "name_zh") {
		t.Errorf("feature %+v", got)
	}
	for _, rel := range []string{"self", "alternate", "collection"} {
		if _, ok := linkOf(t, got.Links, rel, ""); !ok {
			t.Errorf("feature has no %s link", rel)
		}
	}
	r = get(t, h, "/ogc/collections/green-corridors/items/"+f.ID+"?crs="+url.QueryEscape(uri4549))
	r.want(t, 200, "application/geo+json")
	if r.hdr.Get("Content-Crs") != "<"+uri4549+">" {
		t.Errorf("crs=4549: Content-Crs %q", r.hdr.Get("Content-Crs"))
	}
	r.json(t, &got)
	p := positions(t, got.Geometry)[0]
	e, n := geo.ToGK(exactPositions(f.Geometry)[0][0], exactPositions(f.Geometry)[0][1])
	if math.Abs(p[0]-n) > 0.001 || math.Abs(p[1]-e) > 0.001 {
		t.Errorf("crs=4549 first position %v, want northing %f easting %f", p, n, e)
	}
	r = get(t, h, "/ogc/collections/green-corridors/items/"+f.ID+"?f=html")
	r.want(t, 200, "text/html")
	if !strings.Contains(string(r.body), geo.PropString(f.Properties, "name_zh")) {
		t.Error("the HTML feature page lacks the name")
	}
	problemOK(t, get(t, h, "/ogc/collections/green-corridors/items/no-such-feature"), 404, "")
	problemOK(t, get(t, h, "/ogc/collections/green-corridors/items/"+f.ID+"?crs=EPSG:3857"), 400, "crs")
	// Before the first version, no feature exists.
	problemOK(t, get(t, h, "/ogc/collections/green-corridors/items/"+f.ID+"?datetime=2020-01-01"), 404, "")
}

func testErrors(t *testing.T, _ data.Store, h http.Handler) {
	problemOK(t, get(t, h, "/ogc/no-such-resource"), 404, "")
	problemOK(t, get(t, h, "/ogc/collections/green-corridors/items/a/b"), 404, "")
	req := httptest.NewRequest(http.MethodPost, "/ogc/collections", strings.NewReader("{}"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed && rec.Code != http.StatusNotFound {
		t.Errorf("POST /ogc/collections: %d", rec.Code)
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
		t.Errorf("POST /ogc/collections: Content-Type %q", rec.Header().Get("Content-Type"))
	}
}

// testBaseURL: links follow X-Forwarded-* only when the server trusts a
// proxy (--trust-proxy); otherwise any client could point them elsewhere.
func testBaseURL(t *testing.T, s data.Store, h http.Handler) {
	m, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		t.Fatal(err)
	}
	proxied := server.New(server.Config{Store: s, Rules: rules, Manifest: m, Log: slog.New(slog.DiscardHandler), TrustProxy: true})
	for _, tc := range []struct {
		h    http.Handler
		want string
	}{{proxied, "https://gis.example.cn/ecospace/ogc/collections"}, {h, "http://example.com/ogc/collections"}} {
		r := get(t, tc.h, "/ogc/collections", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "gis.example.cn", "X-Forwarded-Prefix", "/ecospace")
		var doc struct{ Links []lnk }
		r.json(t, &doc)
		if l, _ := linkOf(t, doc.Links, "self", "application/json"); !strings.HasPrefix(l.Href, tc.want) {
			t.Errorf("self link with X-Forwarded-*: %s, want %s…", l.Href, tc.want)
		}
	}
	problemOK(t, get(t, h, "/ogc/collections/canal/items?bbox=119.7,31.7,119.9,31.9;x=1"), 400, "")
}

// testDatetime: datetime picks the layer version in force.
func testDatetime(t *testing.T, s data.Store, h http.Handler, syn []geo.Feature) {
	v1 := storeFeatures(t, s, "green-corridors", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		datetime string
		want     int // features; -1: the synthetic version
	}{
		{"", -1},
		{"2024-01-01", len(v1)},
		{"2025-05-31", len(v1)},
		{"2025-06-01", -1},
		{"2026-01-01", -1},
		{"2025-05-31T15:59:59Z", len(v1)}, // 23:59:59 in China
		{"2025-05-31T16:00:00Z", -1},      // midnight in China: the new version
		{"2025-06-01T00:00:00+08:00", -1},
		{"2025-05-31t15:00:00z", len(v1)}, // lower-case t and z, 23:00 in China
		{"2024-01-01/2024-12-31", len(v1)},
		{"2024-01-01/2025-07-01", -1}, // the end decides
		{"../2024-12-31", len(v1)},
		{"/2024-12-31", len(v1)},
		{"2024-01-01/..", -1}, // open end: today
		{"2024-01-01/", -1},
		{"2022-06-01", len(v1)}, // the demo layers are in force from 2020-01-08
		{"2019-06-01", 0},       // before the first version: empty
		{"2019-01-01/2019-12-31", 0},
	} {
		target := "/ogc/collections/green-corridors/items?limit=10000"
		if tc.datetime != "" {
			target += "&datetime=" + url.QueryEscape(tc.datetime)
		}
		want := tc.want
		if want < 0 {
			want = len(syn)
		}
		r := get(t, h, target)
		r.want(t, 200, "application/geo+json")
		var c fcoll
		r.json(t, &c)
		if len(c.Features) != want || *c.NumberMatched != want {
			t.Errorf("datetime %q: %d features (matched %d), want %d", tc.datetime, len(c.Features), *c.NumberMatched, want)
		}
		if v := r.hdr.Get("X-Layer-Version"); want > 0 && (v == "") {
			t.Errorf("datetime %q: no X-Layer-Version", tc.datetime)
		}
	}
	// A feature of the older version is reachable with its datetime.
	problemOK(t, get(t, h, "/ogc/collections/green-corridors/items/"+v1[0].ID), 404, "")
	get(t, h, "/ogc/collections/green-corridors/items/"+v1[0].ID+"?datetime=2024-01-01").want(t, 200, "application/geo+json")
	// Paging links keep the datetime.
	ids, _ := allPages(t, h, "/ogc/collections/green-corridors/items?limit=2&datetime=2024-01-01")
	checkOnce(t, ids, v1)
	// Property filters of the older version are known on its dates.
	if n, _ := countOf(t, h, "/ogc/collections/green-corridors/items?band=1&limit=1000"); n != 200 {
		t.Errorf("band=1 selects %d of the synthetic version", n)
	}
	problemOK(t, get(t, h, "/ogc/collections/green-corridors/items?band=1&datetime=2024-01-01"), 400, "band")
	for _, bad := range []string{"yesterday", "2024-13-01", "2024-01-01/2023-01-01", "../..", "/", "2024-01-01/2024-02-01/2024-03-01", "2024-01-01T25:00:00Z"} {
		problemOK(t, get(t, h, "/ogc/collections/green-corridors/items?datetime="+url.QueryEscape(bad)), 400, "datetime")
	}
}

// testPagingLarge: paging over a version larger than the default page
// returns every feature exactly once, at the default and other sizes.
func testPagingLarge(t *testing.T, s data.Store, h http.Handler, syn []geo.Feature) {
	for _, tc := range []struct {
		query string
		pages int
	}{
		{"", 7}, // default limit 100: 6 × 100 + 1
		{"?limit=23", 27},
		{"?limit=601", 1},
		{"?limit=50&crs=" + url.QueryEscape(uri4549), 13},
	} {
		ids, pages := allPages(t, h, "/ogc/collections/green-corridors/items"+tc.query)
		if pages != tc.pages {
			t.Errorf("%q: %d pages, want %d", tc.query, pages, tc.pages)
		}
		checkOnce(t, ids, syn)
		sorted := append([]string(nil), ids...)
		sort.Strings(sorted)
		if strings.Join(sorted, ",") != strings.Join(ids, ",") {
			t.Errorf("%q: features are not in id order across pages", tc.query)
		}
	}
	// A filter over pages.
	var band1 []geo.Feature
	for _, f := range syn {
		if f.Properties["band"] == 1.0 {
			band1 = append(band1, f)
		}
	}
	ids, _ := allPages(t, h, "/ogc/collections/green-corridors/items?band=1&limit=45")
	checkOnce(t, ids, band1)
}

// testBBoxExact: bbox selects by geometry, not by bounding box.
func testBBoxExact(t *testing.T, s data.Store, h http.Handler, _ []geo.Feature) {
	items := "/ogc/collections/green-corridors/items?"
	// The notch of the L: inside its bounding box, outside the polygon.
	if n, ids := countOf(t, h, items+"bbox=119.91,31.81,119.915,31.815"); n != 0 {
		t.Errorf("a box in the notch of the L selects %v", ids)
	}
	// The same notch in EPSG:4549 (northing first), a little smaller.
	e0, n0 := geo.ToGK(119.9105, 31.8105)
	e1, n1 := geo.ToGK(119.9145, 31.8145)
	if n, ids := countOf(t, h, fmt.Sprintf("%sbbox=%f,%f,%f,%f&bbox-crs=%s", items, n0, e0, n1, e1, url.QueryEscape(uri4549))); n != 0 {
		t.Errorf("an EPSG:4549 box in the notch of the L selects %v", ids)
	}
	// Touching an arm, inside an arm, and around the whole L.
	for _, b := range []string{"119.91,31.805,119.915,31.81", "119.901,31.81,119.902,31.811", "119.89,31.79,119.93,31.83"} {
		if n, ids := countOf(t, h, items+"bbox="+b); n != 1 || ids[0] != "syn-l" {
			t.Errorf("bbox %s selects %v, want [syn-l]", b, ids)
		}
	}
}

// countingWriter records how the body reaches the connection.
type countingWriter struct {
	hdr    http.Header
	code   int
	writes int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.hdr }
func (w *countingWriter) WriteHeader(c int)   { w.code = c }
func (w *countingWriter) Write(b []byte) (int, error) {
	w.writes++
	w.n += len(b)
	return len(b), nil
}

// testStreaming: a large page reaches the connection in pieces as it is
// encoded, not as one buffered body.
func testStreaming(t *testing.T, s data.Store, h http.Handler, _ []geo.Feature) {
	w := &countingWriter{hdr: http.Header{}}
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/ogc/collections/green-corridors/items?limit=1000", nil))
	if w.code != 200 || w.n < 100_000 {
		t.Fatalf("status %d, %d bytes", w.code, w.n)
	}
	if w.writes < w.n/(64<<10) {
		t.Errorf("%d bytes in %d writes: the page was buffered whole", w.n, w.writes)
	}
}

// testItemsCache: an items page is kept per layer version and query: the
// same request gets the same bytes (with a strong ETag, gzip when asked),
// If-None-Match gets 304, and an import makes both the body and the ETag
// new at once, on a store of its own.
func testItemsCache(t *testing.T, app *servertest.App) {
	s, h := app.Store, newAPI(app)
	const page = "/ogc/collections/green-corridors/items?limit=3&bbox=119.7,31.7,120,31.9"
	first := get(t, h, page)
	first.want(t, 200, "application/geo+json")
	etag := first.hdr.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || !strings.Contains(first.hdr.Get("Cache-Control"), "max-age") {
		t.Fatalf("ETag %q, Cache-Control %q: want a strong validator and a max-age", etag, first.hdr.Get("Cache-Control"))
	}
	again := get(t, h, page)
	if again.code != 200 || !bytes.Equal(again.body, first.body) || again.hdr.Get("ETag") != etag {
		t.Fatalf("the same page twice differs: %s / %s", clipBody(first.body), clipBody(again.body))
	}
	if r := get(t, h, page, "If-None-Match", etag); r.code != http.StatusNotModified || len(r.body) != 0 {
		t.Fatalf("If-None-Match with the current ETag: %d, %d bytes; want 304 and no body", r.code, len(r.body))
	}
	if r := get(t, h, strings.Replace(page, "limit=3", "limit=2", 1)); r.hdr.Get("ETag") == etag {
		t.Error("another query has the same ETag")
	}
	z := get(t, h, page, "Accept-Encoding", "gzip")
	if z.hdr.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q with Accept-Encoding gzip", z.hdr.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(z.body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, first.body) {
		t.Fatalf("the gzip body is not the page: %v", err)
	}

	importSynthetic(t, s, 30)
	after := get(t, h, page)
	after.want(t, 200, "application/geo+json")
	if bytes.Equal(after.body, first.body) || after.hdr.Get("ETag") == etag {
		t.Fatal("after an import the page and its ETag are unchanged")
	}
	var fc struct {
		Features []struct {
			ID string `json:"id"`
		} `json:"features"`
	}
	after.json(t, &fc)
	if len(fc.Features) == 0 || !strings.HasPrefix(fc.Features[0].ID, "syn-") {
		t.Fatalf("after the import the page shows %+v, want the imported features", fc.Features)
	}
	if r := get(t, h, page, "If-None-Match", etag); r.code != 200 {
		t.Fatalf("the old ETag after an import: %d, want 200 with the new page", r.code)
	}
}
