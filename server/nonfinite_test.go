package server

import (
	"context"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/servertest"
)

// TestNonFiniteCoordinates: NaN and ±Inf pass every bound test (NaN
// compares false with everything), so they must be refused before any
// geometry work. A WKT or GeoJSON site holding one is a 400 on both
// stores, alone or inside a batch, and the server goes on answering.
func TestNonFiniteCoordinates(t *testing.T) {
	sites := map[string]string{
		"wkt-nan-y":        `"POINT(119.8 NaN)"`,
		"wkt-nan-x":        `"POINT(NaN 31.78)"`,
		"wkt-inf":          `"POINT(+Inf 31.78)"`,
		"wkt-line-nan":     `"LINESTRING(119.8 31.78, 119.81 nan)"`,
		"wkt-polygon-inf":  `"POLYGON((119.8 31.78, 119.81 31.78, 119.81 -Inf, 119.8 31.78))"`,
		"geojson-height":   `{"type":"Point","coordinates":[119.8,31.78,"NaN"]}`,
		"geojson-overflow": `{"type":"Point","coordinates":[119.8,1e999]}`,
		"4549-nan":         `"POINT(478500 NaN)"`,
	}
	for name, open := range map[string]func(testing.TB) *Server{
		"embedded": func(t testing.TB) *Server { return demoServer(t) },
		"postgis":  func(t testing.TB) *Server { return serve(servertest.DemoPG(t)) },
	} {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			for site, geom := range sites {
				crs := ""
				if strings.HasPrefix(site, "4549") {
					crs = `,"crs":"EPSG:4549"`
				}
				body := `{"category":"chemical","geometry":` + geom + crs + `}`
				rec := do(t, s, http.MethodPost, "/api/v1/checks", "application/json", strings.NewReader(body))
				if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "invalid-geometry") {
					t.Errorf("%s: %d %.300s, want 400 invalid-geometry", site, rec.Code, rec.Body)
				}
				batch := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"category":"chemical"` + crs + `},"geometry":` + geom + `},` +
					`{"type":"Feature","properties":{"category":"chemical"},"geometry":` + onRiver + `}]}`
				rec = do(t, s, http.MethodPost, "/api/v1/checks/batch", "application/geo+json", strings.NewReader(batch))
				lines := readLines(t, rec.Body)
				if rec.Code != http.StatusOK || len(lines) != 2 || lines[0].Problem == nil || lines[0].Problem.Status != http.StatusBadRequest || lines[1].Check == nil {
					t.Errorf("%s in a batch: %d %+v", site, rec.Code, lines)
				}
			}
			rec, resp := postCheckJSON(t, s, `{"category":"chemical","geometry":`+onRiver+`}`)
			if rec.Code != http.StatusOK || resp.Verdict != "prohibited" {
				t.Fatalf("the server stopped answering: %d %.200s", rec.Code, rec.Body)
			}
		})
	}
}

// panicStore panics in Relate for sites west of 119.8°E, as a library bug
// reached by some input would.
type panicStore struct{ data.Store }

func (p panicStore) Relate(ctx context.Context, site *geo.Site, at data.At) (geo.Relations, error) {
	if site.Geometry.Bound().Min[0] < 119.8 {
		panic("a library bug reached by this site")
	}
	return p.Store.Relate(ctx, site, at)
}

// TestPanicInBatchWorker: a panic while checking one feature of a batch
// (in a worker goroutine, where echo's recovery does not reach) becomes
// that feature's problem; the other features are answered and the
// process goes on.
func TestPanicInBatchWorker(t *testing.T) {
	s := serve(servertest.On(t, func(t testing.TB, man *data.Manifest) panicStore {
		return panicStore{storetest.DemoMem(t, man)}
	}))
	batch := `{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","properties":{"category":"chemical"},"geometry":` + onRiver + `},` +
		`{"type":"Feature","properties":{"category":"residential"},"geometry":{"type":"Point","coordinates":[119.906,31.790]}}]}`
	rec := do(t, s, http.MethodPost, "/api/v1/checks/batch", "application/geo+json", strings.NewReader(batch))
	lines := readLines(t, rec.Body)
	if rec.Code != http.StatusOK || len(lines) != 2 {
		t.Fatalf("%d: %+v", rec.Code, lines)
	}
	if lines[0].Problem == nil || lines[0].Problem.Status != http.StatusInternalServerError || lines[0].Check != nil {
		t.Errorf("the panicking feature: %+v", lines[0])
	}
	if lines[1].Check == nil || lines[1].Check.Verdict == "" {
		t.Errorf("the feature after it: %+v", lines[1])
	}
}

// TestUploadHostile: a layer upload with a NaN vertex (Shapefile: binary
// doubles, no syntax to refuse them), or GeoJSON that readers would read
// differently, is refused on both stores and leaves the layer as it was.
func TestUploadHostile(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *servertest.App{"embedded": servertest.Demo, "postgis": servertest.DemoPG} {
		t.Run(name, func(t *testing.T) {
			cfg, k := keyedConfigOn(t, open(t))
			s := New(cfg)
			admin := bearer(k.admin)
			nan := zippedShapefile(t, "g1", "绿廊", [][2]float64{{119.80, 31.78}, {119.81, 31.78}, {119.81, math.NaN()}, {119.80, 31.78}}, true)
			inf := zippedShapefile(t, "g1", "绿廊", [][2]float64{{119.80, 31.78}, {math.Inf(1), 31.78}, {119.81, 31.79}, {119.80, 31.78}}, true)
			poly := `{"type":"Polygon","coordinates":[[[119.80,31.78],[119.81,31.78],[119.81,31.79],[119.80,31.78]]]}`
			for what, up := range map[string]struct {
				ctype string
				body  []byte
			}{
				"shapefile NaN":      {"application/zip", nan},
				"shapefile Inf":      {"application/zip", inf},
				"GeoJSON repeated":   {"application/geo+json", []byte(`{"type":"FeatureCollection","features":[],"features":[{"type":"Feature","id":"a","properties":{},"geometry":` + poly + `}]}`)},
				"GeoJSON Features":   {"application/geo+json", []byte(`{"type":"FeatureCollection","features":[],"Features":[{"type":"Feature","id":"a","properties":{},"geometry":` + poly + `}]}`)},
				"GeoJSON geometry":   {"application/geo+json", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","properties":{},"Geometry":` + poly + `,"geometry":` + poly + `}]}`)},
				"GeoJSON deep":       {"application/geo+json", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","properties":{"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `},"geometry":` + poly + `}]}`)},
				"GeoJSON bad UTF-8s": {"application/geo+json", []byte("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":\"a\",\"properties\":{\"n\":\"\\ud800\"},\"geometry\":" + poly + "}]}")},
			} {
				rec := put(t, s, "/api/v1/layers/green-corridors?valid_from=2031-01-01", up.ctype, up.body, admin...)
				if rec.Code < 400 || rec.Code >= 500 {
					t.Errorf("%s: %d %.300s", what, rec.Code, rec.Body)
				}
			}
			if rec := call(t, s, "GET", "/api/v1/layers/green-corridors?as_of=2031-06-01", ""); !strings.Contains(rec.Body.String(), `"version":1`) {
				t.Errorf("the layer changed: %.300s", rec.Body)
			}
		})
	}
}
