package server

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
	"github.com/zhonglou/ecospace/server/servertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// demoServer is the API on the demo app on the embedded store.
func demoServer(t testing.TB) *Server {
	t.Helper()
	return serve(servertest.Demo(t))
}

// serve is the API on app, logging nothing.
func serve(app *servertest.App) *Server {
	return New(Config{Store: app.Store, Rules: app.Rules, Manifest: app.Manifest, Log: discardLog()})
}

func do(t testing.TB, h http.Handler, method, path, ctype string, body io.Reader) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func postCheckJSON(t testing.TB, h http.Handler, body string) (*httptest.ResponseRecorder, check.Response) {
	t.Helper()
	rec := do(t, h, http.MethodPost, "/api/v1/checks", "application/json", strings.NewReader(body))
	var resp check.Response
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("decode %s: %v", rec.Body.String(), err)
		}
	}
	return rec, resp
}

// A vertex of the demo Xinmeng River inside the district (data/demo/README.md).
const onRiver = `{"type":"Point","coordinates":[119.7594,31.794999]}`

func TestDoneWhen(t *testing.T) {
	s := demoServer(t)
	rec, resp := postCheckJSON(t, s, `{"geometry":`+onRiver+`,"category":"chemical","reference":"审批-2026-0001"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if resp.Verdict != geo.EffectProhibited {
		t.Errorf("verdict %s, want prohibited", resp.Verdict)
	}
	var band *geo.Hit
	for i, h := range resp.Hits {
		if h.Layer == "xinmeng-band" {
			band = &resp.Hits[i]
		}
	}
	c := band.Citations
	if band == nil || len(c) < 3 || c[0].Document != "taihu-basin" || c[0].Article+c[0].Item != "第三十条（六）" || band.DistanceM != 0 || band.Effect != geo.EffectProhibited || band.Subzone != "water" {
		t.Fatalf("band hit %+v, want prohibited by 太湖流域管理条例 第三十条（六） in the water", band)
	}
	if !strings.Contains(c[2].Title, "长江保护法") || c[2].Quote == "" || c[2].Application != geo.ApplicationInterpretation {
		t.Errorf("second basis %+v", c[2])
	}
	if resp.Reference != "审批-2026-0001" || resp.CheckID == "" || resp.RulesVersion == "" || len(resp.Layers) != 9 || !strings.HasPrefix(resp.DecisionHash, "sha256:") ||
		resp.DataStatus != geo.DataIllustrative || resp.DataStatusNote.ZH == "" || len(resp.Absent) != 2 {
		t.Errorf("response metadata %+v", resp)
	}

	// Inside the 岸线 even ecological works need the shoreline plan's
	// consent (第四十三条); the zones are listed.
	_, eco := postCheckJSON(t, s, `{"geometry":`+onRiver+`,"category":"ecological"}`)
	if eco.Verdict != geo.EffectRestricted || eco.DecidingRule != "river-band.water.ecological" || len(eco.Hits) != 4 {
		t.Errorf("ecological: verdict %s by %s with %d hits, want restricted by river-band.water.ecological with the zones listed", eco.Verdict, eco.DecidingRule, len(eco.Hits))
	}
	_, sh := postCheckJSON(t, s, `{"geometry":{"type":"Point","coordinates":[121.4737,31.2304]},"category":"chemical"}`)
	if sh.Verdict != geo.VerdictOutsideCoverage || len(sh.Hits) != 0 {
		t.Errorf("Shanghai: %s with %d hits, want outside_coverage", sh.Verdict, len(sh.Hits))
	}
	// Outside every named zone the Taihu tier still answers: never a bare
	// allowed for a chemical plant.
	_, none := postCheckJSON(t, s, `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical"}`)
	if none.Verdict != geo.EffectRestricted || len(none.Hits) != 1 || none.Hits[0].Layer != "taihu-tier" || len(none.Questions) != 1 {
		t.Errorf("in the district outside every named zone: %s with %d hits and questions %v, want restricted by the Taihu tier with a question", none.Verdict, len(none.Hits), none.Questions)
	}

	// The audited check reads back identically.
	got := do(t, s, http.MethodGet, "/api/v1/checks/"+resp.CheckID, "", nil)
	if got.Code != http.StatusOK || !bytes.Equal(bytes.TrimSpace(got.Body.Bytes()), bytes.TrimSpace(rec.Body.Bytes())) {
		t.Errorf("GET check: %d\n%s\nwant\n%s", got.Code, got.Body, rec.Body)
	}
}

func TestCheckIsReproducible(t *testing.T) {
	s := demoServer(t)
	// The same input known at the same time is the same decision.
	known := time.Now().UTC().Format(time.RFC3339Nano)
	body := `{"geometry":{"type":"Polygon","coordinates":[[[119.904,31.788],[119.908,31.788],[119.908,31.792],[119.904,31.792],[119.904,31.788]]]},"category":"residential","as_of":"2026-06-01","known_at":"` + known + `"}`
	_, a := postCheckJSON(t, s, body)
	_, b := postCheckJSON(t, s, body)
	if a.CheckID == b.CheckID {
		t.Error("two checks share an id")
	}
	if a.DecisionHash != b.DecisionHash || a.Verdict != b.Verdict {
		t.Errorf("same input, different decisions: %s %s / %s %s", a.Verdict, a.DecisionHash, b.Verdict, b.DecisionHash)
	}
	_, c := postCheckJSON(t, s, strings.Replace(body, "residential", "ecological", 1))
	if c.DecisionHash == a.DecisionHash {
		t.Error("a different category gave the same decision hash")
	}
	// Known now (no known_at): the same verdict, another decision.
	_, d := postCheckJSON(t, s, strings.Replace(body, `,"known_at":"`+known+`"`, "", 1))
	if d.Verdict != a.Verdict || d.DecisionHash == a.DecisionHash || !d.KnownAt.After(a.KnownAt) {
		t.Errorf("known now: %s %s at %s / %s %s at %s", d.Verdict, d.DecisionHash, d.KnownAt, a.Verdict, a.DecisionHash, a.KnownAt)
	}
}

func TestCheckStraddlingParcel(t *testing.T) {
	s := demoServer(t)
	// Half in the clear-water corridor's north edge (31.800 N), all in the band.
	rec, resp := postCheckJSON(t, s, `{"geometry":{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[119.763,31.798],[119.766,31.798],[119.766,31.802],[119.763,31.802],[119.763,31.798]]]}},"category":"warehousing-logistics"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	layers := map[string]geo.Hit{}
	for _, h := range resp.Hits {
		layers[h.Layer] = h
	}
	corr, band := layers["xinmeng-corridor"], layers["xinmeng-band"]
	if corr.Relation.Relation != geo.RelOverlaps || band.Relation.Relation != geo.RelWithinDistance {
		t.Fatalf("hits %+v", resp.Hits)
	}
	if corr.OverlapRatio <= 0.1 || corr.OverlapRatio >= 0.9 || math.Abs(band.OverlapRatio-1) > 1e-3 {
		t.Errorf("ratios: corridor %.3f band %.3f", corr.OverlapRatio, band.OverlapRatio)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(resp.Conflicts, &fc); err != nil || len(fc.Features) != len(resp.Hits) {
		t.Errorf("conflicts: %v, %d features for %d hits", err, len(fc.Features), len(resp.Hits))
	}
	if resp.Verdict != geo.EffectRestricted {
		t.Errorf("verdict %s, want restricted", resp.Verdict)
	}
	for _, h := range resp.Hits {
		if h.Effect == geo.EffectRestricted && (h.Condition == nil || h.Condition.ZH == "") {
			t.Errorf("restricted hit %s without a condition", h.ZoneID)
		}
	}
}

func TestCheckCRS(t *testing.T) {
	s := demoServer(t)
	lon, lat := 119.7594, 31.794999
	x, y := geo.ToGK(lon, lat)
	gx, gy := geo.WGS84ToGCJ02(lon, lat)
	for _, tc := range []struct{ crs, coords string }{
		{"EPSG:4326", fmt.Sprintf("[%.7f,%.7f]", lon, lat)},
		{"EPSG:4490", fmt.Sprintf("[%.7f,%.7f]", lon, lat)},
		{"EPSG:4549", fmt.Sprintf("[%.3f,%.3f]", x, y)},
		{"GCJ-02", fmt.Sprintf("[%.8f,%.8f]", gx, gy)},
	} {
		t.Run(tc.crs, func(t *testing.T) {
			rec, resp := postCheckJSON(t, s, `{"geometry":{"type":"Point","coordinates":`+tc.coords+`},"category":"chemical","crs":"`+tc.crs+`"}`)
			if rec.Code != http.StatusOK || resp.Verdict != geo.EffectProhibited || resp.CRS != tc.crs {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			for _, h := range resp.Hits {
				if h.Layer == "xinmeng-band" && h.DistanceM > 0.01 {
					t.Errorf("distance %.3f m, want 0", h.DistanceM)
				}
			}
		})
	}
	// Undeclared GCJ-02 coordinates are taken as WGS84 and land ~500 m off.
	_, resp := postCheckJSON(t, s, fmt.Sprintf(`{"geometry":{"type":"Point","coordinates":[%.8f,%.8f]},"category":"chemical"}`, gx, gy))
	for _, h := range resp.Hits {
		if h.Layer == "xinmeng-band" && h.DistanceM < 300 {
			t.Errorf("undeclared GCJ-02 point is %.0f m from the river, want the offset", h.DistanceM)
		}
	}
}

// TestBadInput: every malformed request is a 4xx problem that says what
// and where, never a 500 and never a verdict.
func TestBadInput(t *testing.T) {
	s := demoServer(t)
	bigRing := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"geometry":{"type":"Polygon","coordinates":[[`)
		for i := 0; i < n; i++ {
			a := 2 * math.Pi * float64(i) / float64(n)
			fmt.Fprintf(&b, "[%.7f,%.7f],", 119.85+0.01*math.Cos(a), 31.8+0.01*math.Sin(a))
		}
		b.WriteString(`[119.86,31.8]]]},"category":"chemical"}`)
		return b.String()
	}
	huge := `{"geometry":` + onRiver + `,"category":"chemical","reference":"` + strings.Repeat("x", 11<<20) + `"}`
	tests := []struct {
		name, ctype, body string
		status            int
		ptype, pointer    string
		detail            string
	}{
		{"malformed JSON", "application/json", `{"geometry":`, 400, "invalid-json", "/geometry", "ends before"},
		{"syntax error", "application/json", `{"geometry": nope}`, 400, "invalid-json", "/geometry", "line 1"},
		{"empty body", "application/json", ``, 400, "invalid-json", "", "empty"},
		{"two values", "application/json", `{"category":"chemical"} {}`, 400, "invalid-json", "", "more than one"},
		{"wrong type", "application/json", `{"geometry":` + onRiver + `,"category":5}`, 400, "invalid-json", "/category", "string"},
		{"unknown member", "application/json", `{"geometry":` + onRiver + `,"catgory":"chemical"}`, 400, "invalid-json", "/catgory", "unknown member"},
		{"not JSON media type", "text/plain", `{"geometry":` + onRiver + `,"category":"chemical"}`, 415, "unsupported-media-type", "", "application/json"},
		{"missing category", "application/json", `{"geometry":` + onRiver + `}`, 400, "missing-category", "/category", "required"},
		{"unknown category", "application/json", `{"geometry":` + onRiver + `,"category":"casino"}`, 400, "unknown-category", "/category", "chemical"},
		{"unknown crs", "application/json", `{"geometry":` + onRiver + `,"category":"chemical","crs":"EPSG:3857"}`, 400, "unknown-crs", "/crs", "EPSG:4549"},
		{"bad date", "application/json", `{"geometry":` + onRiver + `,"category":"chemical","as_of":"2026-13-01"}`, 400, "invalid-date", "/as_of", "YYYY-MM-DD"},
		{"date before the rules", "application/json", `{"geometry":` + onRiver + `,"category":"chemical","as_of":"2010-01-01"}`, 422, "as-of-not-covered", "/as_of", "before"},
		{"missing geometry", "application/json", `{"category":"chemical"}`, 400, "invalid-geometry", "/geometry", "missing"},
		{"empty coordinates", "application/json", `{"geometry":{"type":"Polygon","coordinates":[]},"category":"chemical"}`, 400, "invalid-geometry", "/geometry/coordinates", "empty"},
		{"NaN coordinate", "application/json", `{"geometry":{"type":"Point","coordinates":[NaN,31.8]},"category":"chemical"}`, 400, "invalid-json", "/geometry/coordinates/0", "not valid JSON"},
		{"string coordinate", "application/json", `{"geometry":{"type":"Point","coordinates":["119.9","31.8"]},"category":"chemical"}`, 400, "invalid-geometry", "/geometry/coordinates/0", "number"},
		{"unclosed ring", "application/json", `{"geometry":{"type":"Polygon","coordinates":[[[119.9,31.8],[119.91,31.8],[119.91,31.81],[119.9,31.81]]]},"category":"chemical"}`, 400, "invalid-geometry", "/geometry/coordinates/0", "not closed"},
		{"self-intersecting ring", "application/json", `{"geometry":{"type":"Polygon","coordinates":[[[119.9,31.8],[119.91,31.81],[119.91,31.8],[119.9,31.81],[119.9,31.8]]]},"category":"chemical"}`, 400, "invalid-geometry", "/geometry/coordinates/0", "intersects itself"},
		{"lat/lon swapped", "application/json", `{"geometry":{"type":"Point","coordinates":[31.78,119.76]},"category":"chemical"}`, 400, "invalid-geometry", "/geometry/coordinates", "[lat, lon]"},
		{"far outside China", "application/json", `{"geometry":{"type":"Point","coordinates":[2.35,48.85]},"category":"chemical"}`, 400, "invalid-geometry", "/geometry/coordinates", "outside China"},
		{"metres without crs", "application/json", `{"geometry":{"type":"Point","coordinates":[476000,3518000]},"category":"chemical"}`, 400, "invalid-geometry", "/geometry/coordinates", "EPSG:4549"},
		{"too many vertices", "application/json", bigRing(100_001), 413, "too-many-vertices", "/geometry/coordinates/0/100000", "100000"},
		{"body over 10 MiB", "application/json", huge, 413, "too-large", "", "larger than"},
		{"reference too long", "application/json", `{"geometry":` + onRiver + `,"category":"chemical","reference":"` + strings.Repeat("长", 201) + `"}`, 400, "invalid-reference", "/reference", "at most 200"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, s, http.MethodPost, "/api/v1/checks", tc.ctype, strings.NewReader(tc.body))
			assertProblem(t, rec, tc.status, tc.ptype, tc.pointer, tc.detail)
		})
	}
	// The server still answers afterwards.
	if rec, _ := postCheckJSON(t, s, `{"geometry":`+onRiver+`,"category":"chemical"}`); rec.Code != http.StatusOK {
		t.Fatalf("after bad input: %d", rec.Code)
	}
}

func assertProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, ptype, pointer, detail string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, clip(rec.Body.String()))
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type %q", ct)
	}
	var p problem.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body: %v", err)
	}
	if p.Type != problem.TypePrefix+ptype || p.Status != status || p.Title == "" {
		t.Errorf("problem %+v, want type %s", p, ptype)
	}
	if p.Pointer != pointer {
		t.Errorf("pointer %q, want %q", p.Pointer, pointer)
	}
	if !strings.Contains(p.Detail, detail) {
		t.Errorf("detail %q does not mention %q", p.Detail, detail)
	}
	if strings.Contains(rec.Body.String(), `"verdict"`) {
		t.Error("a problem carries a verdict")
	}
}

func TestEndpoints(t *testing.T) {
	s := demoServer(t)
	tests := []struct {
		path, ctype string
		status      int
		contains    string
	}{
		{"/api/v1/layers", "application/json", 200, `"xinmeng-band"`},
		{"/api/v1/layers?as_of=2020-01-07", "application/json", 200, `"layers":[]`},
		{"/api/v1/layers?as_of=2022-12-31", "application/json", 200, `"valid_from":"2020-01-08"`},
		{"/api/v1/layers/canal-core", "application/json", 200, `"zone_kind":"canal-core"`},
		{"/api/v1/layers/canal-core/features?zoom=12", "application/geo+json", 200, `"subzone":"riverside-eco"`},
		{"/api/v1/layers/xinmeng-band/features?bbox=119.7,31.7,119.8,31.9", "application/geo+json", 200, `"distance_m":1000`},
		{"/api/v1/layers/taihu-tier/features", "application/geo+json", 200, `"tier":3`},
		{"/api/v1/categories", "application/json", 200, `"化工项目`},
		{"/api/v1/categories", "application/json", 200, `"facts":["discharges_to_water","emits_n_p"]`},
		{"/api/v1/rules", "application/json", 200, `"yangtze-law"`},
		{"/api/v1/rules", "application/json", 200, `"quote_status":"read"`},
		{"/api/v1/rules", "application/json", 200, `"absent":[{"id":"eco-red-line"`},
		{"/api/v1/config", "application/json", 200, `"basemap":null`},
		{"/healthz", "application/json", 200, `"ok"`},
		{"/readyz", "application/json", 200, `"ready"`},
		{"/api/v1/layers/nope", "application/problem+json", 404, `not-found`},
		{"/api/v1/layers/nope/features", "application/problem+json", 404, `not-found`},
		{"/api/v1/layers/district/features?bbox=1,2,3", "application/problem+json", 400, `invalid-bbox`},
		{"/api/v1/layers/district/features?zoom=x", "application/problem+json", 400, `invalid-zoom`},
		{"/api/v1/layers?as_of=yesterday", "application/problem+json", 400, `invalid-date`},
		{"/api/v1/checks/not-an-id", "application/problem+json", 404, `not-found`},
		{"/api/v1/checks/0190f000-0000-7000-8000-000000000001", "application/problem+json", 404, `not-found`},
		{"/api/v1/nothing-here", "application/problem+json", 404, `not-found`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			rec := do(t, s, http.MethodGet, tc.path, "", nil)
			if rec.Code != tc.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.ctype) || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("%d %q: %s", rec.Code, rec.Header().Get("Content-Type"), clip(rec.Body.String()))
			}
		})
	}
	// A path the API has, with a method it does not take: 405 and Allow.
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodDelete, "/api/v1/categories", "GET"},
		{http.MethodDelete, "/api/v1/checks", "GET, POST"},
		{http.MethodPatch, "/api/v1/layers/canal", "GET, PUT"},
		{http.MethodPost, "/api/v1/layers/canal/features", "GET"},
		{http.MethodDelete, "/api/v1/nothing-here", ""},
	} {
		rec := do(t, s, tc.method, tc.path, "", nil)
		want := http.StatusMethodNotAllowed
		if tc.allow == "" {
			want = http.StatusNotFound
		}
		if rec.Code != want || rec.Header().Get("Allow") != tc.allow || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s: %d, Allow %q, %s; want %d, Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"),
				rec.Header().Get("Content-Type"), want, tc.allow)
		}
	}
}

// TestLayerGolden pins the GeoJSON of two layers: RFC 7946 order, right-hand
// rings, 6 decimals, the derived band's drawn polygon.
func TestLayerGolden(t *testing.T) {
	s := demoServer(t)
	for _, id := range []string{"xinmeng-corridor", "xinmeng-band"} {
		t.Run(id, func(t *testing.T) {
			rec := do(t, s, http.MethodGet, "/api/v1/layers/"+id+"/features?as_of=2026-06-01&zoom=13", "", nil)
			if rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, rec.Body.Bytes(), "", " "); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			golden := filepath.Join("testdata", "golden", id+".geojson")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./server -run TestLayerGolden -update)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("%s differs from %s; rerun with -update if the change is intended", id, golden)
			}
			assertRFC7946(t, rec.Body.Bytes())
		})
	}
}

func assertRFC7946(t *testing.T, body []byte) {
	t.Helper()
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil || fc.Type != "FeatureCollection" {
		t.Fatalf("not a FeatureCollection: %v", err)
	}
	for _, f := range fc.Features {
		var polys [][][][2]float64
		switch f.Geometry.Type {
		case "Polygon":
			var p [][][2]float64
			_ = json.Unmarshal(f.Geometry.Coordinates, &p)
			polys = append(polys, p)
		case "MultiPolygon":
			_ = json.Unmarshal(f.Geometry.Coordinates, &polys)
		}
		for _, p := range polys {
			for i, r := range p {
				ring := make(orb.Ring, len(r))
				for j, c := range r {
					ring[j] = orb.Point(c)
					if c[0] < 119 || c[0] > 121 || c[1] < 31 || c[1] > 33 {
						t.Fatalf("position %v is not lon, lat near Zhonglou", c)
					}
					if s := fmt.Sprint(c[0]); len(s) > len("119.123456") {
						t.Fatalf("%s has more than 6 decimals", s)
					}
				}
				if ccw := ring.Orientation() == orb.CCW; ccw != (i == 0) {
					t.Fatalf("ring %d orientation %v breaks the right-hand rule", i, ring.Orientation())
				}
			}
		}
	}
}

func BenchmarkCheckPoint(b *testing.B) {
	s := demoServer(b)
	body := []byte(`{"geometry":` + onRiver + `,"category":"chemical"}`)
	b.ReportAllocs()
	for b.Loop() {
		rec := do(b, s, http.MethodPost, "/api/v1/checks", "application/json", bytes.NewReader(body))
		if rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}

func BenchmarkCheckParcel50(b *testing.B) {
	s := demoServer(b)
	var sb strings.Builder
	sb.WriteString(`{"category":"residential","geometry":{"type":"Polygon","coordinates":[[`)
	for i := 0; i < 50; i++ {
		a := 2 * math.Pi * float64(i) / 50
		r := 150 + 40*math.Sin(5*a) // an irregular parcel about 300 m across
		x, y := geo.ToGK(119.906, 31.790)
		lon, lat := geo.FromGK(x+r*math.Cos(a), y+r*math.Sin(a))
		fmt.Fprintf(&sb, "[%.7f,%.7f],", lon, lat)
	}
	x, y := geo.ToGK(119.906, 31.790)
	lon, lat := geo.FromGK(x+150, y)
	fmt.Fprintf(&sb, "[%.7f,%.7f]]]}}", lon, lat)
	body := []byte(sb.String())
	if rec := do(b, s, http.MethodPost, "/api/v1/checks", "application/json", bytes.NewReader(body)); rec.Code != 200 {
		b.Fatal(rec.Body.String())
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := do(b, s, http.MethodPost, "/api/v1/checks", "application/json", bytes.NewReader(body))
		if rec.Code != 200 {
			b.Fatal(rec.Body.String())
		}
	}
}
