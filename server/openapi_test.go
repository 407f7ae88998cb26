package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/google/uuid"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/reeval"
)

func init() {
	// JSON Lines: the document describes the answer as text (one
	// BatchResult a line); checkLines validates each line.
	openapi3filter.RegisterBodyDecoder(mediaNDJSON, func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
}

// checkLines validates each line of a JSON Lines batch answer as one
// BatchResult of the document.
func checkLines(t *testing.T, doc *openapi3.T, body []byte) {
	t.Helper()
	schema := doc.Components.Schemas["BatchResult"].Value
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if err := schema.VisitJSON(v); err != nil {
			t.Errorf("line %d is not a BatchResult: %v", n, err)
		}
	}
}

// loadOpenAPI reads the document as served and checks that it is a valid
// OpenAPI 3 document.
func loadOpenAPI(t *testing.T, h http.Handler) (*openapi3.T, routers.Router) {
	t.Helper()
	rec := call(t, h, "GET", "/api/v1/openapi.json", "")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	doc.Servers = nil // match request paths as they are
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// TestOpenAPIConformance sends real requests to every endpoint, for
// success and for each kind of problem it documents, and validates each
// real response (status, headers, body) against the document. For the
// successful requests the request itself is validated too, so that the
// documented request schemas accept what the server accepts.
func TestOpenAPIConformance(t *testing.T) {
	cfg, k := keyedConfig(t)
	s := New(cfg)
	doc, router := loadOpenAPI(t, s)

	limited := func() http.Handler {
		c, _ := keyedConfig(t)
		c.Keys = cfg.Keys
		c.RateLimit, c.RateBurst = 0.001, 1
		return New(c)
	}()
	ds := &downStore{Store: cfg.Store}
	down := func() http.Handler {
		c := cfg
		c.Store = ds
		return New(c)
	}()
	ds.down.Store(true)
	locked := func() http.Handler {
		c := cfg
		c.RequireKey, c.RequireKeyForReads = true, true
		return New(c)
	}()
	metered := func() http.Handler {
		c := cfg
		c.MetricsKey = "scrape"
		return New(c)
	}()

	// A check to read back.
	first := call(t, s, "POST", "/api/v1/checks", riverCheck)
	var cr check.Response
	json.Unmarshal(first.Body.Bytes(), &cr)
	// A check filed before known_at was kept: not replayable (409).
	legacy, err := cfg.Store.Check(context.Background(), cr.CheckID)
	if err != nil {
		t.Fatal(err)
	}
	lid, _ := uuid.NewV7()
	old := *legacy // a copy: the embedded store hands out the record it keeps
	old.ID, old.KnownAt = lid.String(), time.Time{}
	legacy = &old
	if err := cfg.Store.SaveCheck(context.Background(), legacy); err != nil {
		t.Fatal(err)
	}
	knownAt := cr.KnownAt.Format(time.RFC3339Nano)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)

	river := `{"type":"FeatureCollection","features":[{"type":"Feature","id":"r","properties":{"name":"新孟河"},"geometry":{"type":"LineString","coordinates":[[119.7615,31.7500],[119.7620,31.7850],[119.7650,31.8540]]}}]}`
	bowtie := `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","properties":{},"geometry":{"type":"Polygon","coordinates":[[[119.80,31.78],[119.81,31.79],[119.81,31.78],[119.80,31.79],[119.80,31.78]]]}}]}`
	admin, check := bearer(k.admin), bearer(k.check)
	geoCT := []string{"Content-Type", "application/geo+json"}
	txtCT := []string{"Content-Type", "text/plain"}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}

	hookID, deliveryID := hookWithDelivery(t, s, cfg.Store, admin)

	tileURL := "/api/v1/layers/xinmeng-river/tiles/12/3459/1667.mvt"
	tileRec := httptest.NewRecorder()
	s.ServeHTTP(tileRec, httptest.NewRequest(http.MethodGet, tileURL, nil))
	tileETag := tileRec.Header().Get("ETag")
	if tileRec.Code != http.StatusOK || tileETag == "" {
		t.Fatalf("tile: %d, ETag %q", tileRec.Code, tileETag)
	}

	cases := []struct {
		name         string
		h            http.Handler
		method, path string
		body         string
		hdr          []string
		status       int
		clen         int64 // a Content-Length to claim, when not 0
	}{
		{"layers", s, "GET", "/api/v1/layers", "", nil, 200, 0},
		{"layers as_of", s, "GET", "/api/v1/layers?as_of=2026-06-01", "", nil, 200, 0},
		{"layers bad as_of", s, "GET", "/api/v1/layers?as_of=june", "", nil, 400, 0},
		{"layers without key", locked, "GET", "/api/v1/layers", "", nil, 401, 0},
		{"layers store down", down, "GET", "/api/v1/layers", "", nil, 503, 0},
		{"layers known_at", s, "GET", "/api/v1/layers?as_of=2026-06-01&known_at=" + knownAt, "", nil, 200, 0},
		{"layers known before anything", s, "GET", "/api/v1/layers?known_at=2020-01-01T00:00:00Z", "", nil, 200, 0},
		{"layers known_at future", s, "GET", "/api/v1/layers?known_at=" + future, "", nil, 422, 0},
		{"layer known_at", s, "GET", "/api/v1/layers/canal-core?known_at=" + knownAt, "", nil, 200, 0},
		{"features known_at", s, "GET", "/api/v1/layers/canal/features?known_at=" + knownAt, "", nil, 200, 0},
		{"tile known_at", s, "GET", tileURL + "?known_at=" + knownAt, "", nil, 200, 0},
		{"layer", s, "GET", "/api/v1/layers/canal-core", "", nil, 200, 0},
		{"layer derived", s, "GET", "/api/v1/layers/xinmeng-band", "", nil, 200, 0},
		{"layer unknown", s, "GET", "/api/v1/layers/nope", "", nil, 404, 0},
		{"layer before data", s, "GET", "/api/v1/layers/district?as_of=2001-01-01", "", nil, 422, 0},
		{"layer without key", locked, "GET", "/api/v1/layers/district", "", nil, 401, 0},
		{"layer store down", down, "GET", "/api/v1/layers/district", "", nil, 503, 0},
		{"layer bad as_of", s, "GET", "/api/v1/layers/district?as_of=2026-02-30", "", nil, 400, 0},
		{"features", s, "GET", "/api/v1/layers/green-corridors/features?zoom=12&bbox=119.73,31.74,119.96,31.85", "", nil, 200, 0},
		{"features derived", s, "GET", "/api/v1/layers/xinmeng-band/features", "", nil, 200, 0},
		{"features without key", locked, "GET", "/api/v1/layers/canal/features", "", nil, 401, 0},
		{"features store down", down, "GET", "/api/v1/layers/canal/features", "", nil, 503, 0},
		{"features bad bbox", s, "GET", "/api/v1/layers/canal/features?bbox=1,2,3", "", nil, 400, 0},
		{"features unknown", s, "GET", "/api/v1/layers/nope/features", "", nil, 404, 0},
		{"features before data", s, "GET", "/api/v1/layers/canal/features?as_of=2001-01-01", "", nil, 422, 0},
		{"tile", s, "GET", tileURL, "", nil, 200, 0},
		{"tile not modified", s, "GET", tileURL, "", []string{"If-None-Match", tileETag}, 304, 0},
		{"tile bad z", s, "GET", "/api/v1/layers/xinmeng-river/tiles/99/0/0.mvt", "", nil, 400, 0},
		{"tile unknown", s, "GET", "/api/v1/layers/nope/tiles/12/3459/1667.mvt", "", nil, 404, 0},
		{"tile before data", s, "GET", "/api/v1/layers/canal/tiles/12/3459/1667.mvt?as_of=2001-01-01", "", nil, 422, 0},
		{"tile without key", locked, "GET", "/api/v1/layers/canal/tiles/12/3459/1667.mvt", "", nil, 401, 0},
		{"tile store down", down, "GET", "/api/v1/layers/canal/tiles/12/3459/1667.mvt", "", nil, 503, 0},
		{"categories", s, "GET", "/api/v1/categories", "", nil, 200, 0},
		{"categories without key", locked, "GET", "/api/v1/categories", "", nil, 401, 0},
		{"rules", s, "GET", "/api/v1/rules", "", nil, 200, 0},
		{"rules without key", locked, "GET", "/api/v1/rules", "", nil, 401, 0},
		{"config", s, "GET", "/api/v1/config", "", nil, 200, 0},
		{"config without key", locked, "GET", "/api/v1/config", "", nil, 401, 0},
		{"config with a Tianditu key", func() http.Handler { c := cfg; c.TiandituKey = "browser-key"; return New(c) }(), "GET", "/api/v1/config", "", nil, 200, 0},
		{"openapi", s, "GET", "/api/v1/openapi.json", "", nil, 200, 0},
		{"openapi without key", locked, "GET", "/api/v1/openapi.json", "", nil, 401, 0},
		{"check point", s, "POST", "/api/v1/checks", riverCheck, nil, 200, 0},
		{"check parcel as_of", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[119.904,31.788],[119.908,31.788],[119.908,31.792],[119.904,31.792],[119.904,31.788]]]}},"category":"residential","as_of":"2026-06-01","crs":"EPSG:4490"}`, check, 200, 0},
		{"check restricted", s, "POST", "/api/v1/checks", `{"geometry":"POINT (119.905 31.790)","category":"residential"}`, nil, 200, 0},
		{"check partly outside", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Polygon","coordinates":[[[119.725,31.770],[119.745,31.770],[119.745,31.775],[119.725,31.775],[119.725,31.770]]]},"category":"chemical"}`, nil, 200, 0},
		{"check outside", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Point","coordinates":[121.4737,31.2304]},"category":"chemical"}`, nil, 200, 0},
		{"check with questions", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"polluting-industry"}`, nil, 200, 0},
		{"check with facts", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"polluting-industry","facts":{"discharges_to_water":true,"emits_n_p":false}}`, nil, 200, 0},
		{"check unknown fact", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","facts":{"emits_np":true}}`, nil, 400, 0},
		{"check fact not boolean", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","facts":{"emits_n_p":"yes"}}`, nil, 400, 0},
		{"check before valid_from", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","as_of":"2020-01-07"}`, nil, 422, 0},
		{"check bad json", s, "POST", "/api/v1/checks", `{"geometry":`, nil, 400, 0},
		{"check bad geometry", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Polygon","coordinates":[[[119.8,31.78],[119.81,31.78],[119.81,31.79]]]},"category":"chemical"}`, nil, 400, 0},
		{"check no key", locked, "POST", "/api/v1/checks", riverCheck, nil, 401, 0},
		{"check revoked key", s, "POST", "/api/v1/checks", riverCheck, bearer(k.revoked), 401, 0},
		{"check too many vertices", s, "POST", "/api/v1/checks", manyVertices(100_001), nil, 413, 0},
		{"check media type", s, "POST", "/api/v1/checks", riverCheck, []string{"Content-Type", "text/plain"}, 415, 0},
		{"check known_at", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","known_at":"` + knownAt + `"}`, nil, 200, 0},
		{"check known_at future", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","known_at":"` + future + `"}`, nil, 422, 0},
		{"check before rules", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","as_of":"2001-01-01"}`, nil, 422, 0},
		{"check rate limited", limited, "POST", "/api/v1/checks", riverCheck, check, 200, 0},
		{"check rate limited again", limited, "POST", "/api/v1/checks", riverCheck, check, 429, 0},
		{"check store down", down, "POST", "/api/v1/checks", riverCheck, nil, 503, 0},
		{"read check", s, "GET", "/api/v1/checks/" + cr.CheckID, "", nil, 200, 0},
		{"read check unknown", s, "GET", "/api/v1/checks/0190b4d6-0000-7000-8000-000000000000", "", nil, 404, 0},
		{"read check store down", down, "GET", "/api/v1/checks/" + cr.CheckID, "", nil, 503, 0},
		{"read check no key", locked, "GET", "/api/v1/checks/" + cr.CheckID, "", nil, 401, 0},
		{"replay", s, "GET", "/api/v1/checks/" + cr.CheckID + "/replay", "", nil, 200, 0},
		{"replay unknown", s, "GET", "/api/v1/checks/0190b4d6-0000-7000-8000-000000000000/replay", "", nil, 404, 0},
		{"replay parameter", s, "GET", "/api/v1/checks/" + cr.CheckID + "/replay?as_of=2026-06-01", "", nil, 400, 0},
		{"replay no key", locked, "GET", "/api/v1/checks/" + cr.CheckID + "/replay", "", nil, 401, 0},
		{"replay store down", down, "GET", "/api/v1/checks/" + cr.CheckID + "/replay", "", nil, 503, 0},
		{"replay filed before known_at", s, "GET", "/api/v1/checks/" + legacy.ID + "/replay", "", nil, 409, 0},
		{"diff", s, "GET", "/api/v1/checks/" + cr.CheckID + "/diff", "", nil, 200, 0},
		{"diff another day", s, "GET", "/api/v1/checks/" + cr.CheckID + "/diff?as_of=2022-06-30&known_at=" + knownAt, "", nil, 200, 0},
		{"diff bad known_at", s, "GET", "/api/v1/checks/" + cr.CheckID + "/diff?known_at=tomorrow", "", nil, 400, 0},
		{"diff known_at future", s, "GET", "/api/v1/checks/" + cr.CheckID + "/diff?known_at=" + future, "", nil, 422, 0},
		{"diff unknown", s, "GET", "/api/v1/checks/0190b4d6-0000-7000-8000-000000000000/diff", "", nil, 404, 0},
		{"diff no key", locked, "GET", "/api/v1/checks/" + cr.CheckID + "/diff", "", nil, 401, 0},
		{"diff store down", down, "GET", "/api/v1/checks/" + cr.CheckID + "/diff", "", nil, 503, 0},
		{"diff filed before known_at", s, "GET", "/api/v1/checks/" + legacy.ID + "/diff", "", nil, 409, 0},
		{"batch lines", s, "POST", "/api/v1/checks/batch", batchOf(20, map[int]string{3: `{"type":"Feature","geometry":{"type":"Point","coordinates":[31.78,119.8]},"properties":{"category":"chemical","reference":"swapped"}}`}), geoCT, 200, 0},
		{"batch collection", s, "POST", "/api/v1/checks/batch.geojson", batchOf(5, map[int]string{1: `{"type":"Feature","geometry":null,"properties":{"category":"casino"}}`}), geoCT, 200, 0},
		{"batch collection bad json", s, "POST", "/api/v1/checks/batch.geojson", `{"type":"FeatureCollection","features":[`, nil, 400, 0},
		{"batch collection no key", locked, "POST", "/api/v1/checks/batch.geojson", batchOf(1, nil), nil, 401, 0},
		{"batch collection too many", s, "POST", "/api/v1/checks/batch.geojson", batchOf(MaxBatchFeatures+1, nil), nil, 413, 0},
		{"batch collection media type", s, "POST", "/api/v1/checks/batch.geojson", batchOf(1, nil), []string{"Content-Type", "text/csv"}, 415, 0},
		{"batch collection before rules", s, "POST", "/api/v1/checks/batch.geojson", `{"type":"FeatureCollection","as_of":"2001-01-01","features":[{}]}`, nil, 422, 0},
		{"batch collection rate limited", limited, "POST", "/api/v1/checks/batch.geojson", batchOf(1, nil), check, 429, 0},
		{"batch collection store down", down, "POST", "/api/v1/checks/batch.geojson", batchOf(2, nil), nil, 503, 0},
		{"batch bad json", s, "POST", "/api/v1/checks/batch", `{"type":"FeatureCollection","features":[`, nil, 400, 0},
		{"batch no key", locked, "POST", "/api/v1/checks/batch", batchOf(1, nil), nil, 401, 0},
		{"batch accept", s, "POST", "/api/v1/checks/batch", batchOf(1, nil), []string{"Accept", "text/html"}, 406, 0},
		{"batch too many", s, "POST", "/api/v1/checks/batch", batchOf(MaxBatchFeatures+1, nil), nil, 413, 0},
		{"batch media type", s, "POST", "/api/v1/checks/batch", batchOf(1, nil), []string{"Content-Type", "text/csv"}, 415, 0},
		{"batch before rules", s, "POST", "/api/v1/checks/batch", `{"type":"FeatureCollection","as_of":"2001-01-01","features":[{}]}`, nil, 422, 0},
		{"batch rate limited", limited, "POST", "/api/v1/checks/batch", batchOf(1, nil), check, 429, 0},
		{"batch store down", down, "POST", "/api/v1/checks/batch", batchOf(2, nil), nil, 503, 0},
		{"upload", s, "PUT", "/api/v1/layers/xinmeng-river?valid_from=2030-01-01&half_width=50", river, cat(admin, geoCT), 201, 0},
		{"upload header date", s, "PUT", "/api/v1/layers/xinmeng-river?half_width=50", river, cat(admin, geoCT, []string{"Valid-From", "2030-06-01"}), 201, 0},
		{"upload back-dated", s, "PUT", "/api/v1/layers/xinmeng-river?valid_from=2029-01-01&half_width=50", river, cat(admin, geoCT), 409, 0},
		{"upload backdate", s, "PUT", "/api/v1/layers/xinmeng-river?valid_from=2029-01-01&half_width=50&backdate=true", river, cat(admin, geoCT), 201, 0},
		{"check measured from a derived shore", s, "POST", "/api/v1/checks", `{"geometry":{"type":"Point","coordinates":[119.7620,31.7850]},"category":"chemical","as_of":"2030-06-02"}`, nil, 200, 0},
		{"layer derived from a centre line", s, "GET", "/api/v1/layers/xinmeng-band?as_of=2030-06-02", "", nil, 200, 0},
		{"upload half-width for a zone", s, "PUT", "/api/v1/layers/xinmeng-corridor?half_width=50", river, cat(admin, geoCT), 400, 0},
		{"upload bad date", s, "PUT", "/api/v1/layers/xinmeng-river?valid_from=soon", river, cat(admin, geoCT), 400, 0},
		{"upload no key", s, "PUT", "/api/v1/layers/xinmeng-river", river, geoCT, 401, 0},
		{"upload check key", s, "PUT", "/api/v1/layers/xinmeng-river", river, cat(check, geoCT), 403, 0},
		{"upload unknown layer", s, "PUT", "/api/v1/layers/nope", river, cat(admin, geoCT), 404, 0},
		{"upload media type", s, "PUT", "/api/v1/layers/xinmeng-river", river, cat(admin, []string{"Content-Type", "text/csv"}), 415, 0},
		{"upload invalid geometry", s, "PUT", "/api/v1/layers/xinmeng-corridor?valid_from=2030-01-01", bowtie, cat(admin, geoCT), 422, 0},
		{"upload derived", s, "PUT", "/api/v1/layers/xinmeng-band", river, cat(admin, geoCT), 422, 0},
		{"upload too large", s, "PUT", "/api/v1/layers/xinmeng-river", river, cat(admin, geoCT), 413, MaxLayerBodyBytes + 1},
		{"upload store down", down, "PUT", "/api/v1/layers/xinmeng-river", river, cat(admin, geoCT), 503, 0},
		{"upload rate limited", limited, "PUT", "/api/v1/layers/xinmeng-river?half_width=50", river, cat(admin, geoCT), 201, 0},
		{"upload rate limited again", limited, "PUT", "/api/v1/layers/xinmeng-river", river, cat(admin, geoCT), 429, 0},
		{"healthz", s, "GET", "/healthz", "", nil, 200, 0},
		{"readyz", s, "GET", "/readyz", "", nil, 200, 0},
		{"readyz store down", down, "GET", "/readyz", "", nil, 503, 0},
		{"metrics", s, "GET", "/metrics", "", nil, 200, 0},
		{"metrics without its key", metered, "GET", "/metrics", "", nil, 401, 0},
		{"list checks", s, "GET", "/api/v1/checks?limit=1", "", nil, 200, 0},
		{"list checks of a key", s, "GET", "/api/v1/checks?reference=r-1&from=2020-01-01&to=2100-01-01T00:00:00Z", "", check, 200, 0},
		{"list checks bad limit", s, "GET", "/api/v1/checks?limit=0", "", nil, 400, 0},
		{"list checks no key", locked, "GET", "/api/v1/checks", "", nil, 401, 0},
		{"list checks rate limited", limited, "GET", "/api/v1/checks", "", check, 429, 0},
		{"list checks store down", down, "GET", "/api/v1/checks", "", nil, 503, 0},
		// The surveyor's file (用地报盘 TXT) and the parcel register.
		{"check txt", s, "POST", "/api/v1/checks?category=chemical&as_of=2026-06-01&reference=T-1", singleTXT(t), txtCT, 200, 0},
		{"check txt facts", s, "POST", "/api/v1/checks?category=polluting-industry&fact=discharges_to_water=true&fact=emits_n_p=false", singleTXT(t), txtCT, 200, 0},
		{"check txt several 地块", s, "POST", "/api/v1/checks?category=chemical", txtFixture(t, "zhonglou-gbk-crlf.txt"), txtCT, 400, 0},
		{"check txt wrong datum", s, "POST", "/api/v1/checks?category=chemical", txtFixture(t, "xian80-gbk.txt"), txtCT, 422, 0},
		{"batch txt", s, "POST", "/api/v1/checks/batch?category=chemical&as_of=2026-06-01", txtFixture(t, "zhonglou-gbk-crlf.txt"), txtCT, 200, 0},
		{"batch txt collection", s, "POST", "/api/v1/checks/batch.geojson?category=chemical", txtFixture(t, "zhonglou-gbk-crlf.txt"), txtCT, 200, 0},
		{"batch txt zone 39", s, "POST", "/api/v1/checks/batch?category=chemical", txtFixture(t, "zone39-gbk.txt"), txtCT, 422, 0},
		{"parse", s, "POST", "/api/v1/sites/parse", txtFixture(t, "zhonglou-gbk-crlf.txt"), txtCT, 200, 0},
		{"parse utf-8", s, "POST", "/api/v1/sites/parse", txtFixture(t, "single-utf8-bom.txt"), []string{"Content-Type", "text/plain; charset=utf-8"}, 200, 0},
		{"parse malformed", s, "POST", "/api/v1/sites/parse", txtFixture(t, "malformed-gbk.txt"), txtCT, 400, 0},
		{"parse wrong datum", s, "POST", "/api/v1/sites/parse", txtFixture(t, "xian80-gbk.txt"), txtCT, 422, 0},
		{"parse media type", s, "POST", "/api/v1/sites/parse", `{}`, nil, 415, 0},
		{"parse too large", s, "POST", "/api/v1/sites/parse", singleTXT(t), txtCT, 413, MaxBodyBytes + 1},
		{"parse without key", locked, "POST", "/api/v1/sites/parse", singleTXT(t), txtCT, 401, 0},
		{"parse rate limited", limited, "POST", "/api/v1/sites/parse", singleTXT(t), txtCT, 200, 0},
		{"parse rate limited again", limited, "POST", "/api/v1/sites/parse", singleTXT(t), txtCT, 429, 0},
		{"parcel without a register", s, "GET", "/api/v1/parcels/320404001001GB00001", "", nil, 404, 0},
		{"upload parcels", s, "PUT", "/api/v1/layers/parcels?valid_from=2026-01-01&parcel_field=%E5%AE%97%E5%9C%B0%E5%8F%B7", parcelSample(t), cat(admin, geoCT), 201, 0},
		{"parcel", s, "GET", "/api/v1/parcels/320404001001GB00001?as_of=2026-06-01", "", nil, 200, 0},
		{"parcel unknown", s, "GET", "/api/v1/parcels/320404001001GB99999?as_of=2026-06-01", "", nil, 404, 0},
		{"parcel bad as_of", s, "GET", "/api/v1/parcels/320404001001GB00001?as_of=soon", "", nil, 400, 0},
		{"parcel without key", locked, "GET", "/api/v1/parcels/320404001001GB00001", "", nil, 401, 0},
		{"parcel rate limited", limited, "GET", "/api/v1/parcels/320404001001GB00001", "", check, 429, 0},
		{"parcel store down", down, "GET", "/api/v1/parcels/320404001001GB00001", "", nil, 503, 0},
		{"list changes", s, "GET", "/api/v1/changes?since=2020-01-01&limit=5", "", check, 200, 0},
		{"list changes bad since", s, "GET", "/api/v1/changes?since=soon", "", nil, 400, 0},
		{"list changes no key", locked, "GET", "/api/v1/changes", "", nil, 401, 0},
		{"list changes rate limited", limited, "GET", "/api/v1/changes", "", check, 429, 0},
		{"add hook", s, "POST", "/api/v1/hooks", `{"url":"https://permits.example.gov.cn/hook","events":["decision.changed"]}`, admin, 201, 0},
		{"add hook bad url", s, "POST", "/api/v1/hooks", `{"url":"permits","events":["decision.changed"]}`, admin, 400, 0},
		{"add hook no key", s, "POST", "/api/v1/hooks", `{"url":"https://x.example/","events":["decision.changed"]}`, nil, 401, 0},
		{"add hook check key", s, "POST", "/api/v1/hooks", `{"url":"https://x.example/","events":["decision.changed"]}`, check, 403, 0},
		{"add hook media type", s, "POST", "/api/v1/hooks", `{}`, cat(admin, []string{"Content-Type", "text/plain"}), 415, 0},
		{"list hooks", s, "GET", "/api/v1/hooks", "", admin, 200, 0},
		{"list hooks no key", s, "GET", "/api/v1/hooks", "", nil, 401, 0},
		{"list hooks check key", s, "GET", "/api/v1/hooks", "", check, 403, 0},
		{"deliveries", s, "GET", "/api/v1/hooks/" + hookID + "/deliveries?limit=10", "", admin, 200, 0},
		{"deliveries bad limit", s, "GET", "/api/v1/hooks/" + hookID + "/deliveries?limit=x", "", admin, 400, 0},
		{"deliveries unknown hook", s, "GET", "/api/v1/hooks/0190b4d6-0000-7000-8000-000000000000/deliveries", "", admin, 404, 0},
		{"deliveries check key", s, "GET", "/api/v1/hooks/" + hookID + "/deliveries", "", check, 403, 0},
		{"redeliver", s, "POST", "/api/v1/deliveries/" + deliveryID + "/redeliver", "", admin, 202, 0},
		{"redeliver unknown", s, "POST", "/api/v1/deliveries/0190b4d6-0000-7000-8000-000000000000/redeliver", "", admin, 404, 0},
		{"redeliver check key", s, "POST", "/api/v1/deliveries/" + deliveryID + "/redeliver", "", check, 403, 0},
		{"deliveries no key", s, "GET", "/api/v1/hooks/" + hookID + "/deliveries", "", nil, 401, 0},
		{"redeliver no key", s, "POST", "/api/v1/deliveries/" + deliveryID + "/redeliver", "", nil, 401, 0},
		{"delete hook no key", s, "DELETE", "/api/v1/hooks/" + hookID, "", nil, 401, 0},
		{"delete hook check key", s, "DELETE", "/api/v1/hooks/" + hookID, "", check, 403, 0},
		{"delete hook", s, "DELETE", "/api/v1/hooks/" + hookID, "", admin, 204, 0},
		{"delete hook again", s, "DELETE", "/api/v1/hooks/" + hookID, "", admin, 404, 0},
		{"matrix point", s, "POST", "/api/v1/checks/matrix", matrixBody, nil, 200, 0},
		{"matrix parcel facts", s, "POST", "/api/v1/checks/matrix", `{"geometry":{"type":"Polygon","coordinates":[[[478400,3519380],[478700,3519380],[478700,3519680],[478400,3519680],[478400,3519380]]]},"crs":"EPSG:4549","facts":{"emits_n_p":false},"reference":"筛查-1"}`, check, 200, 0},
		{"matrix line", s, "POST", "/api/v1/checks/matrix", `{"geometry":{"type":"LineString","coordinates":[[119.76,31.80],[119.80,31.80]]}}`, nil, 200, 0},
		{"matrix outside", s, "POST", "/api/v1/checks/matrix", `{"geometry":{"type":"Point","coordinates":[121.4737,31.2304]}}`, nil, 200, 0},
		{"matrix with a category", s, "POST", "/api/v1/checks/matrix", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical"}`, nil, 400, 0},
		{"matrix no key", locked, "POST", "/api/v1/checks/matrix", matrixBody, nil, 401, 0},
		{"matrix too many vertices", s, "POST", "/api/v1/checks/matrix", strings.Replace(manyVertices(100_001), `"category":"chemical",`, "", 1), nil, 413, 0},
		{"matrix media type", s, "POST", "/api/v1/checks/matrix", matrixBody, []string{"Content-Type", "text/plain"}, 415, 0},
		{"matrix before rules", s, "POST", "/api/v1/checks/matrix", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"as_of":"2001-01-01"}`, nil, 422, 0},
		{"matrix rate limited", limited, "POST", "/api/v1/checks/matrix", matrixBody, check, 429, 0},
		{"matrix store down", down, "POST", "/api/v1/checks/matrix", matrixBody, nil, 503, 0},
		{"move point", s, "POST", "/api/v1/checks/move", moveBody, nil, 200, 0},
		{"move parcel", s, "POST", "/api/v1/checks/move", `{"geometry":{"type":"Polygon","coordinates":[[[478400,3519380],[478700,3519380],[478700,3519680],[478400,3519680],[478400,3519380]]]},"crs":"EPSG:4549","category":"chemical","target":"restricted","as_of":"2026-06-01"}`, check, 200, 0},
		{"move already", s, "POST", "/api/v1/checks/move", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","target":"restricted"}`, nil, 200, 0},
		{"move nothing within", s, "POST", "/api/v1/checks/move", `{"geometry":{"type":"Point","coordinates":[119.767488,31.804581]},"category":"chemical","radius_m":100}`, nil, 200, 0},
		{"move no category", s, "POST", "/api/v1/checks/move", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]}}`, nil, 400, 0},
		{"move bad target", s, "POST", "/api/v1/checks/move", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","target":"prohibited"}`, nil, 400, 0},
		{"move bad radius", s, "POST", "/api/v1/checks/move", `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","radius_m":20001}`, nil, 400, 0},
		{"move outside", s, "POST", "/api/v1/checks/move", `{"geometry":{"type":"Point","coordinates":[121.4737,31.2304]},"category":"chemical"}`, nil, 422, 0},
		{"move no key", locked, "POST", "/api/v1/checks/move", moveBody, nil, 401, 0},
		{"move too many vertices", s, "POST", "/api/v1/checks/move", manyVertices(100_001), nil, 413, 0},
		{"move media type", s, "POST", "/api/v1/checks/move", moveBody, []string{"Content-Type", "text/plain"}, 415, 0},
		{"move rate limited", limited, "POST", "/api/v1/checks/move", moveBody, check, 429, 0},
		{"move store down", down, "POST", "/api/v1/checks/move", moveBody, nil, 503, 0},
	}
	seen := map[string]map[int]bool{} // operationId → statuses validated
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if tc.clen == 0 {
				rec = call(t, tc.h, tc.method, tc.path, tc.body, tc.hdr...)
			} else {
				r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
				r.ContentLength = tc.clen
				for i := 0; i+1 < len(tc.hdr); i += 2 {
					r.Header.Set(tc.hdr[i], tc.hdr[i+1])
				}
				rec = httptest.NewRecorder()
				tc.h.ServeHTTP(rec, r)
			}
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %.300s", rec.Code, tc.status, rec.Body)
			}
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for i := 0; i+1 < len(tc.hdr); i += 2 {
				req.Header.Set(tc.hdr[i], tc.hdr[i+1])
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("the document has no %s %s: %v", tc.method, tc.path, err)
			}
			in := &openapi3filter.RequestValidationInput{
				Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true},
			}
			if rec.Code < 300 {
				if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
					t.Errorf("the document refuses a request the server answers: %v", err)
				}
			}
			out := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
				Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes())), Options: in.Options,
			}
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Errorf("response does not conform: %v\n%.600s", err, rec.Body)
			}
			if rec.Header().Get("Content-Type") == mediaNDJSON {
				checkLines(t, doc, rec.Body.Bytes())
			}
			if seen[route.Operation.OperationID] == nil {
				seen[route.Operation.OperationID] = map[int]bool{}
			}
			seen[route.Operation.OperationID][rec.Code] = true
		})
	}

	// Every documented operation was exercised, with success and (where
	// it has any) an error.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			got := seen[op.OperationID]
			if len(got) == 0 {
				t.Errorf("%s %s (%s) was never called", method, path, op.OperationID)
				continue
			}
			var missing []string
			for code := range op.Responses.Map() {
				var n int
				fmt.Sscan(code, &n)
				// 500 cannot be provoked; 408 (a body arriving too slowly)
				// needs a real connection: TestSlowUploadsDoNotLockOutBatches.
				if n != 0 && !got[n] && n != http.StatusInternalServerError && n != http.StatusRequestTimeout {
					missing = append(missing, code)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("%s %s: documented statuses never validated: %v", method, path, missing)
			}
		}
	}
}

func manyVertices(n int) string {
	var b strings.Builder
	b.WriteString(`{"category":"chemical","geometry":{"type":"LineString","coordinates":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.6f,31.78]", 119.8+float64(i%50000)*1e-6)
	}
	b.WriteString(`]}}`)
	return b.String()
}

// parcelSample is the illustrative parcel register of data/demo.
func parcelSample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../data/demo/parcels-sample.geojson")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// hookWithDelivery registers a hook for layer.published and records a
// layer version, so that the hook has a delivery to list and send again.
func hookWithDelivery(t *testing.T, s http.Handler, st data.Store, admin []string) (hookID, deliveryID string) {
	t.Helper()
	rec := call(t, s, "POST", "/api/v1/hooks", `{"url":"https://permits.example.gov.cn/layers","events":["layer.published"]}`, admin...)
	var h Hook
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil || rec.Code != http.StatusCreated {
		t.Fatalf("add hook: %d %s", rec.Code, rec.Body)
	}
	res := data.ImportResult{Layer: geo.LayerVersion{ID: "canal", Version: 9, ValidFrom: geo.Date{Time: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	if _, err := reeval.Enqueue(context.Background(), st.(data.ChangeStore), res, time.Now()); err != nil {
		t.Fatal(err)
	}
	ds, err := st.(data.HookStore).Deliveries(context.Background(), h.ID, "", 1)
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries %v, err %v", ds, err)
	}
	return h.ID, ds[0].ID
}

const matrixBody = `{"geometry":{"type":"Point","coordinates":[119.7594,31.794999]},"as_of":"2026-06-01"}`

const moveBody = `{"geometry":{"type":"Point","coordinates":[119.767488,31.804581]},"category":"chemical","target":"restricted","as_of":"2026-06-01"}`
