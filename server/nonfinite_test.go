package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
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
		"postgis":  func(t testing.TB) *Server { return demoServerOn(t, storetest.DemoPG) },
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

func (p panicStore) Relate(ctx context.Context, site *geo.Site, asOf time.Time) (geo.Relations, error) {
	if site.Geometry.Bound().Min[0] < 119.8 {
		panic("a library bug reached by this site")
	}
	return p.Store.Relate(ctx, site, asOf)
}

// TestPanicInBatchWorker: a panic while checking one feature of a batch
// (in a worker goroutine, where echo's recovery does not reach) becomes
// that feature's problem; the other features are answered and the
// process goes on.
func TestPanicInBatchWorker(t *testing.T) {
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Store: panicStore{storetest.DemoMem(t, man)}, Rules: rules, Manifest: man, Log: discardLog()})
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
