package server

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/servertest"
)

// The seed corpora are committed under testdata/fuzz/<target>/; CI runs
// each target for a fixed time (see .ci/run):
//
//	go test ./server -run '^$' -fuzz '^FuzzDecodeGeometry$' -fuzztime 20s
//	go test ./server -run '^$' -fuzz '^FuzzCheckRequest$' -fuzztime 20s
//	go test ./server -run '^$' -fuzz '^FuzzBatchRequest$' -fuzztime 20s
//
// Without -fuzz, go test runs every seed as a regular test.

var fuzzCRS = []geo.CRS{geo.CRS84, geo.CGCS2000, geo.GK120, geo.GCJ02}

// FuzzDecodeGeometry: decoding and normalising any input never panics, and
// every refusal is a *geo.InputError (which the API answers with a 4xx
// that points at the problem).
func FuzzDecodeGeometry(f *testing.F) {
	for _, s := range []string{
		`{"type":"Point","coordinates":[119.7594,31.794999]}`,
		`{"type":"Polygon","coordinates":[[[119.8,31.78],[119.81,31.79],[119.81,31.78],[119.8,31.79],[119.8,31.78]]]}`,
		`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[119.8,31.78],[119.81,31.79]]}}`,
		`"POLYGON ((119.8 31.78, 119.81 31.78, 119.81 31.79, 119.8 31.78))"`,
		`{"type":"Point","coordinates":[475000,3517000]}`,
		`"POINT(119.8 NaN)"`,
		`"LINESTRING(119.8 31.78, +Inf 31.79)"`,
		`{"type":"Point","coordinates":[119.8,31.78,"x"]}`,
		`{"type":"Point","Coordinates":[119.8,31.78]}`,
		`{"type":"LineString","coordinates":[[119.8,31.78],[119.8,31.7800000001]]}`,
		`{"type":"Feature","geometry":{"type":"Feature","geometry":{"type":"Point","coordinates":[119.8,31.78]}}}`,
		`"POINT(1_19.8 31.78)"`,
	} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, raw []byte, crs uint8) {
		g, err := geo.DecodeGeometry(raw, "/geometry", 10_000)
		var ie *geo.InputError
		if err != nil {
			if !errors.As(err, &ie) {
				t.Fatalf("DecodeGeometry(%q): %T %v is not an InputError", raw, err, err)
			}
			return
		}
		site, err := geo.NewSite(g, fuzzCRS[int(crs)%len(fuzzCRS)], "/geometry")
		if err != nil {
			if !errors.As(err, &ie) {
				t.Fatalf("NewSite(%q): %T %v is not an InputError", raw, err, err)
			}
			return
		}
		if site.Geometry == nil || site.Projected == nil {
			t.Fatalf("NewSite(%q) accepted a site without geometry", raw)
		}
	})
}

// fuzzServer is shared by the iterations of a fuzz run. Its store keeps
// no audit records: a fuzz run makes hundreds of thousands of checks, and
// the embedded store's retention of the last 100 000 would fill memory.
var fuzzServer *Server

func newFuzzServer(f *testing.F) *Server {
	if fuzzServer == nil {
		cfg, _ := keyedConfig(f)
		cfg.Store = auditless{cfg.Store}
		fuzzServer = New(cfg)
	}
	return fuzzServer
}

// checkSeeds are FuzzCheckRequest's seeds beside testdata/fuzz: one or
// more of each class of hostile input (issue 15), which TestFuzzSeeds
// also sends to both stores.
var checkSeeds = []string{
	riverCheck,
	`{"geometry":{"type":"Polygon","coordinates":[[[119.904,31.788],[119.908,31.788],[119.908,31.792],[119.904,31.792],[119.904,31.788]]]},"category":"residential","as_of":"2026-06-01"}`,
	`{"geometry":"POINT (119.8 31.78)","category":"chemical","crs":"GCJ-02","reference":"a"}`,
	`{"geometry":{"type":"Point","coordinates":[475000,3517000]},"category":"chemical","crs":"EPSG:4549"}`,
	// 1: non-finite numbers
	`{"geometry":{"type":"Point","coordinates":[NaN,1]},"category":"x"}`,
	`{"geometry":"POINT(119.8 NaN)","category":"chemical"}`,
	`{"geometry":"POINT(478500 -Inf)","category":"chemical","crs":"EPSG:4549"}`,
	`{"geometry":{"type":"Point","coordinates":[119.8,31.78,1e999]},"category":"chemical"}`,
	// 2: degenerate sites
	`{"geometry":{"type":"LineString","coordinates":[[119.761976,31.784743],[119.761976,31.784743001]]},"category":"chemical"}`,
	`{"geometry":{"type":"Polygon","coordinates":[[[119.761976,31.784743],[119.7625,31.784743],[119.7625,31.7847430001],[119.761976,31.784743]]]},"category":"chemical"}`,
	`{"geometry":"LINESTRING(119.761976 31.784743, 119.761976 31.784743)","category":"chemical"}`,
	`{"geometry":"POINT(1_19.8 31.78)","category":"chemical"}`,
	// 3: exact member names
	`{"geometry":{"type":"Point","coordinates":[119.761976,31.784743]},"category":"residential","category":"chemical"}`,
	`{"geometry":{"type":"Point","coordinates":[119.761976,31.784743]},"Category":"chemical"}`,
	`{"geometry":{"type":"Point","coordinates":[119.761976,31.784743]},"category":"chemical","crſ":"GCJ-02"}`,
	`{"geometry":{"type":"Point","Coordinates":[1,2],"coordinates":[119.761976,31.784743]},"category":"chemical"}`,
	// 4: references as sent
	"{\"geometry\":\"POINT(119.8 31.78)\",\"category\":\"chemical\",\"reference\":\"\xc9\xf3\xc5\xfa\"}",
	`{"geometry":"POINT(119.8 31.78)","category":"chemical","reference":"\ud800x"}`,
	`{"geometry":"POINT(119.8 31.78)","category":"chemical","reference":"\u202eAPP"}`,
	`{"geometry":"POINT(119.8 31.78)","category":"chemical","reference":"A\u200bB"}`,
	// 6: bounded work
	`{"category":"chemical","geometry":` + strings.Repeat(`{"type":"Feature","geometry":`, 40) + `{"type":"Point","coordinates":[119.8,31.78]}` + strings.Repeat("}", 40) + `}`,
	`{"category":"chemical","geometry":{"type":"Feature","geometry":{"type":"Feature","geometry":{"type":"Point","coordinates":[119.8,31.78]}}}}`,
}

// batchSeeds are FuzzBatchRequest's, as checkSeeds.
var batchSeeds = []string{
	batchOf(3, map[int]string{1: `{"type":"Feature","geometry":{"type":"Point","coordinates":[31.78,119.8]},"properties":{"category":"chemical"}}`}),
	`{"type":"FeatureCollection","crs":"EPSG:4549","category":"chemical","features":[{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[475000,3517000]},"properties":{}}]}`,
	`{"type":"FeatureCollection","features":[null,1,"a",{"type":"Feature"}]}`,
	`{"type":"FeatureCollection","category":"chemical","features":[{"type":"Feature","geometry":"POINT(119.8 NaN)","properties":{}}]}`,
	`{"type":"FeatureCollection","category":"chemical","category":"residential","features":[{"type":"Feature","geometry":"POINT(119.8 31.78)","properties":{}}]}`,
	`{"type":"FeatureCollection","CRS":"GCJ-02","category":"chemical","features":[{"type":"Feature","geometry":"POINT(119.8 31.78)","properties":{}}]}`,
	`{"type":"FeatureCollection","category":"chemical","features":[{"type":"Feature","Geometry":"POINT(1 2)","geometry":"POINT(119.8 31.78)","properties":{"Category":"residential"}}]}`,
	"{\"type\":\"FeatureCollection\",\"category\":\"chemical\",\"features\":[{\"type\":\"Feature\",\"geometry\":\"POINT(119.8 31.78)\",\"properties\":{\"reference\":\"\xff\"}}]}",
	`{"type":"FeatureCollection","category":"chemical","features":[{"type":"Feature","geometry":"LINESTRING(119.761976 31.784743, 119.761976 31.7847430001)","properties":{"reference":"\u2066x"}}]}`,
}

// FuzzCheckRequest: whatever the body, POST /api/v1/checks answers a 2xx
// with a verdict or a 4xx problem; never a 5xx.
func FuzzCheckRequest(f *testing.F) {
	for _, s := range checkSeeds {
		f.Add([]byte(s))
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/checks", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		assertNo5xx(t, rec, body)
	})
}

// FuzzBatchRequest: the same for a batch; a 200 streams one line per
// feature.
func FuzzBatchRequest(f *testing.F) {
	for _, s := range batchSeeds {
		f.Add([]byte(s))
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/checks/batch", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/geo+json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		assertNo5xx(t, rec, body)
		if rec.Code == http.StatusOK {
			n := strings.Count(rec.Body.String(), "\n")
			if want := rec.Header().Get("X-Batch-Features"); want == "" || want != strconv.Itoa(n) {
				t.Fatalf("%d lines for X-Batch-Features %q", n, want)
			}
			if strings.Contains(rec.Body.String(), `"status":5`) {
				t.Fatalf("a feature got a 5xx problem: %s", rec.Body)
			}
		}
	})
}

func assertNo5xx(t *testing.T, rec *httptest.ResponseRecorder, body []byte) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%d for body %q: %s", rec.Code, body, rec.Body)
	}
	if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%d without problem+json for body %q", rec.Code, body)
	}
}

// fuzzCorpus reads the committed seeds of a fuzz target whose one
// argument is []byte.
func fuzzCorpus(t *testing.T, target string) [][]byte {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[1], "[]byte(") {
			t.Fatalf("%s: not a []byte seed", p)
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, []byte(s))
	}
	return out
}

// TestFuzzSeeds: every seed of the check and batch fuzzers (the lists
// above and testdata/fuzz) on both stores: never a 5xx.
func TestFuzzSeeds(t *testing.T) {
	for _, store := range []struct {
		name string
		app  func(testing.TB) *servertest.App
	}{{"embedded", servertest.Demo}, {"postgis", servertest.DemoPG}} {
		t.Run(store.name, func(t *testing.T) {
			cfg, _ := keyedConfigOn(t, store.app(t))
			s := New(cfg)
			for _, target := range []struct {
				name, path, ctype string
				seeds             []string
			}{{"FuzzCheckRequest", "/api/v1/checks", "application/json", checkSeeds}, {"FuzzBatchRequest", "/api/v1/checks/batch", "application/geo+json", batchSeeds}} {
				bodies := fuzzCorpus(t, target.name)
				for _, s := range target.seeds {
					bodies = append(bodies, []byte(s))
				}
				for _, body := range bodies {
					req := httptest.NewRequest(http.MethodPost, target.path, bytes.NewReader(body))
					req.Header.Set("Content-Type", target.ctype)
					rec := httptest.NewRecorder()
					s.ServeHTTP(rec, req)
					assertNo5xx(t, rec, body)
					if strings.Contains(rec.Body.String(), `"status":5`) {
						t.Errorf("%s: a 5xx problem for %q: %.300s", target.name, body, rec.Body)
					}
				}
			}
		})
	}
}
