package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/problem"
)

// batchPoint is site i of a generated batch: a grid over the district's
// middle, so that verdicts vary (river band, canal core, corridors, none).
func batchPoint(i int) (float64, float64) {
	return 119.76 + float64(i%97)*0.0019, 31.77 + float64((i/97)%53)*0.00066
}

// writeBatch writes a FeatureCollection of n chemical sites; replace
// swaps in feature i's JSON.
func writeBatch(w io.Writer, n int, replace map[int]string) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			bw.WriteByte(',')
		}
		if f, ok := replace[i]; ok {
			bw.WriteString(f)
			continue
		}
		lon, lat := batchPoint(i)
		fmt.Fprintf(bw, `{"type":"Feature","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"properties":{"category":"chemical","reference":"ref-%d"}}`, lon, lat, i)
	}
	bw.WriteString(`]}`)
	return bw.Flush()
}

func batchOf(n int, replace map[int]string) string {
	var b strings.Builder
	writeBatch(&b, n, replace)
	return b.String()
}

// readLines decodes a JSON Lines answer.
func readLines(t testing.TB, r io.Reader) []BatchResult {
	t.Helper()
	var out []BatchResult
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var br BatchResult
		if err := json.Unmarshal(sc.Bytes(), &br); err != nil {
			t.Fatalf("line %d: %v: %.200s", len(out), err, sc.Text())
		}
		out = append(out, br)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBatchOneBadAmongGood(t *testing.T) {
	s := demoServer(t)
	body := `{"type":"FeatureCollection","features":[` + strings.Join([]string{
		/*0*/ `{"type":"Feature","geometry":{"type":"Point","coordinates":[119.7594,31.794999]},"properties":{"category":"chemical","reference":"on-river"}}`,
		/*1*/ `{"type":"Feature","id":"bowtie","geometry":{"type":"Polygon","coordinates":[[[119.80,31.78],[119.81,31.79],[119.81,31.78],[119.80,31.79],[119.80,31.78]]]},"properties":{"category":"chemical"}}`,
		/*2*/ `{"type":"Feature","geometry":{"type":"Point","coordinates":[119.7594,31.794999]},"properties":{"category":"ecological","reference":"eco"}}`,
		/*3*/ `{"type":"Feature","geometry":{"type":"Point","coordinates":[119.8,31.78]},"properties":{"category":"casino","reference":"x"}}`,
		/*4*/ `{"type":"Feature","id":17,"geometry":{"type":"Point","coordinates":[31.78,119.8]},"properties":{"category":"chemical"}}`,
		/*5*/ `{"type":"Feature","geometry":null,"properties":{"category":"chemical","reference":"no-geom"}}`,
		/*6*/ `"not a feature"`,
		/*7*/ `{"type":"Feature","geometry":{"type":"Point","coordinates":[121.4737,31.2304]},"properties":{"category":"chemical","reference":"shanghai"}}`,
		/*8*/ `{"type":"Feature","geometry":{"type":"Point","coordinates":[119.8,31.78]},"properties":{"category":"chemical","as_of":"2026-13-01"}}`,
		/*9*/ `{"type":"Feature","geometry":{"type":"Point","coordinates":[119.8,31.78]},"properties":{"reference":"no-category"}}`,
		/*10*/ `{"type":"Feature","geometry":{"type":"Point","coordinates":[119.8,31.78]},"properties":{"category":"chemical","known_at":"2999-01-01T00:00:00Z"}}`,
		/*11*/ `{"type":"Feature","geometry":{"type":"Point","coordinates":[119.8,31.78]},"properties":{"category":"chemical","known_at":"2026-06-01"}}`,
	}, ",") + `]}`
	rec := call(t, s, "POST", "/api/v1/checks/batch", body)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != mediaNDJSON || rec.Header().Get("X-Batch-Features") != "12" {
		t.Fatalf("%d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	got := readLines(t, rec.Body)
	if len(got) != 12 {
		t.Fatalf("%d results, want 12", len(got))
	}
	want := []struct {
		ref, verdict, problem, pointer string
	}{
		{"on-river", "prohibited", "", ""},
		{"bowtie", "", "invalid-geometry", "/features/1/geometry/coordinates/0"},
		{"eco", "restricted", "", ""}, // on the river: inside the 岸线, 太湖条例 第四十三条
		{"x", "", "unknown-category", "/features/3/properties/category"},
		{"17", "", "invalid-geometry", "/features/4/geometry/coordinates"},
		{"no-geom", "", "invalid-geometry", "/features/5/geometry"},
		{"", "", "invalid-feature", "/features/6"},
		{"shanghai", "outside_coverage", "", ""},
		{"", "", "invalid-date", "/features/8/properties/as_of"},
		{"no-category", "", "missing-category", "/features/9/properties/category"},
		{"", "", "known-at-in-future", "/features/10/properties/known_at"},
		{"", "", "invalid-known-at", "/features/11/properties/known_at"},
	}
	for i, w := range want {
		r := got[i]
		if r.Index != i || r.Reference != w.ref {
			t.Errorf("result %d: index %d reference %q, want %d %q", i, r.Index, r.Reference, i, w.ref)
		}
		switch {
		case w.problem == "":
			if r.Check == nil || r.Problem != nil || r.Check.Verdict != w.verdict || r.Check.Reference != w.ref {
				t.Errorf("result %d: %+v, want verdict %s", i, r, w.verdict)
			}
		default:
			if r.Check != nil || r.Problem == nil || r.Problem.Type != problem.TypePrefix+w.problem || r.Problem.Pointer != w.pointer || r.Problem.Detail == "" {
				t.Errorf("result %d: check %v problem %+v, want %s at %s", i, r.Check != nil, r.Problem, w.problem, w.pointer)
			}
		}
	}
	if !strings.Contains(got[4].Problem.Detail, "[lat, lon]") {
		t.Errorf("swapped axes detail: %s", got[4].Problem.Detail)
	}
	// Each checked feature is audited like a single check.
	if _, err := s.store.Check(context.Background(), got[0].Check.CheckID); err != nil {
		t.Errorf("batch check not audited: %v", err)
	}
}

func TestBatchDefaultsAndCRS(t *testing.T) {
	s := demoServer(t)
	// The river point in EPSG:4549, from the feature, the properties, or a
	// top-level member that comes after the features.
	x, y := geo.ToGK(119.7594, 31.794999)
	pt := fmt.Sprintf(`{"type":"Point","coordinates":[%.3f,%.3f]}`, x, y)
	body := `{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","geometry":` + pt + `,"properties":{"reference":"top"}},` +
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[119.7594,31.794999]},"properties":{"crs":"EPSG:4326","category":"ecological"}},` +
		`{"type":"Feature","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"geometry":` + pt + `,"properties":{}}` +
		`],"crs":{"type":"name","properties":{"name":"EPSG:4549"}},"category":"chemical","as_of":"2026-06-01","name":"register"}`
	got := readLines(t, call(t, s, "POST", "/api/v1/checks/batch", body).Body)
	if len(got) != 3 {
		t.Fatalf("%d results", len(got))
	}
	for i, want := range []string{"prohibited", "restricted", "prohibited"} {
		if got[i].Check == nil || got[i].Check.Verdict != want || got[i].Check.AsOf.String() != "2026-06-01" {
			t.Errorf("feature %d: %+v %+v, want %s", i, got[i].Check, got[i].Problem, want)
		}
	}
	if got[0].Check != nil && got[0].Check.CRS != "EPSG:4549" || got[1].Check != nil && got[1].Check.CRS != "EPSG:4326" {
		t.Error("crs precedence")
	}
}

func TestBatchGeoJSON(t *testing.T) {
	s := demoServer(t)
	rec := call(t, s, "POST", "/api/v1/checks/batch", batchOf(5, map[int]string{2: `{"type":"Feature","geometry":{"type":"Point","coordinates":["a",1]},"properties":{"category":"chemical"}}`}),
		"Accept", "application/geo+json")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != mediaGeoJSON {
		t.Fatalf("%d %s", rec.Code, rec.Header())
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string          `json:"type"`
			ID         int             `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties BatchResult     `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 5 {
		t.Fatalf("%+v", fc)
	}
	for i, f := range fc.Features {
		if f.ID != i || f.Properties.Index != i {
			t.Errorf("feature %d has id %d index %d", i, f.ID, f.Properties.Index)
		}
		if i == 2 {
			if string(f.Geometry) != "null" || f.Properties.Problem == nil || f.Properties.Problem.Pointer != "/features/2/geometry/coordinates/0" {
				t.Errorf("bad feature: %s %+v", f.Geometry, f.Properties.Problem)
			}
		} else if !strings.Contains(string(f.Geometry), `"Point"`) || f.Properties.Check == nil {
			t.Errorf("feature %d: %s", i, f.Geometry)
		}
	}
	wantProblem(t, call(t, s, "POST", "/api/v1/checks/batch", batchOf(1, nil), "Accept", "text/csv"), 406, "not-acceptable")
}

func TestBatchRefusals(t *testing.T) {
	s := demoServer(t)
	for _, tc := range []struct {
		name, body, slug string
		status           int
		detail           string
	}{
		{"broken json", "{\"type\":\"FeatureCollection\",\n\"features\":[{]}", "invalid-json", 400, "line 2"},
		{"not an object", `[1,2]`, "invalid-batch", 400, "FeatureCollection"},
		{"a feature", `{"type":"Feature","geometry":null,"properties":{}}`, "invalid-batch", 400, "POST /api/v1/checks"},
		{"no features", `{"type":"FeatureCollection","features":[]}`, "invalid-batch", 400, "no features"},
		{"features not array", `{"type":"FeatureCollection","features":{}}`, "invalid-batch", 400, "array"},
		{"no type", `{"features":[{"type":"Feature"}]}`, "invalid-batch", 400, "missing"},
		{"unknown crs", `{"type":"FeatureCollection","crs":"EPSG:3857","features":[{}]}`, "unknown-crs", 400, "3857"},
		{"bad as_of", `{"type":"FeatureCollection","as_of":"yesterday","features":[{}]}`, "invalid-date", 400, "yesterday"},
		{"bad known_at", `{"type":"FeatureCollection","known_at":"yesterday","features":[{}]}`, "invalid-known-at", 400, "yesterday"},
		{"future known_at", `{"type":"FeatureCollection","known_at":"2999-01-01T00:00:00Z","features":[{}]}`, "known-at-in-future", 422, "2999"},
		{"known_at not a string", `{"type":"FeatureCollection","known_at":1,"features":[{}]}`, "invalid-json", 400, "known_at must be a string"},
		{"unknown category", `{"type":"FeatureCollection","category":"casino","features":[{}]}`, "unknown-category", 400, "casino"},
		{"two values", `{"type":"FeatureCollection","features":[{}]} {}`, "invalid-json", 400, "more than one"},
		{"repeated member", `{"type":"FeatureCollection","features":[{}],"features":[{}]}`, "invalid-json", 400, "twice"},
		{"truncated", `{"type":"FeatureCollection","features":[{"type":"Feature"`, "invalid-json", 400, "ends"},
		{"too many", batchOf(MaxBatchFeatures+1, nil), "too-many-features", 413, "10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := wantProblem(t, call(t, s, "POST", "/api/v1/checks/batch", tc.body), tc.status, tc.slug)
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("detail %q lacks %q", p.Detail, tc.detail)
			}
		})
	}
	req := httptest.NewRequest("POST", "/api/v1/checks/batch", strings.NewReader(batchOf(1, nil)))
	req.Header.Set("Content-Type", "application/geo+json")
	req.ContentLength = MaxBatchBodyBytes + 1
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	wantProblem(t, rec, 413, "too-large")
	wantProblem(t, call(t, s, "POST", "/api/v1/checks/batch", batchOf(1, nil), "Content-Type", "text/plain"), 415, "unsupported-media-type")
}

// failAfter fails every Relate after the first n with ErrUnavailable.
type failAfter struct {
	data.Store
	n, calls atomic.Int64
}

func (f *failAfter) Relate(ctx context.Context, s *geo.Site, at data.At) (geo.Relations, error) {
	if f.calls.Add(1) > f.n.Load() {
		return geo.Relations{}, fmt.Errorf("relate: %w: connection reset", data.ErrUnavailable)
	}
	return f.Store.Relate(ctx, s, at)
}

// The database going away mid-batch: the features it fails for get 503
// problems, never a verdict, and every feature still gets its line.
func TestBatchStoreFailsMidway(t *testing.T) {
	cfg, _ := keyedConfig(t)
	fa := &failAfter{Store: cfg.Store}
	fa.n.Store(20)
	cfg.Store = fa
	s := New(cfg)
	rec := call(t, s, "POST", "/api/v1/checks/batch", batchOf(50, nil))
	got := readLines(t, rec.Body)
	if rec.Code != 200 || len(got) != 50 {
		t.Fatalf("%d with %d lines", rec.Code, len(got))
	}
	ok, unavailable := 0, 0
	for i, r := range got {
		switch {
		case r.Index != i:
			t.Errorf("line %d has index %d", i, r.Index)
		case r.Check != nil:
			ok++
		case r.Problem != nil && r.Problem.Status == 503 && r.Problem.Type == problem.TypePrefix+"unavailable":
			unavailable++
		default:
			t.Errorf("line %d: %+v", i, r.Problem)
		}
	}
	if ok != 20 || unavailable != 30 {
		t.Errorf("%d checked, %d unavailable; want 20 and 30", ok, unavailable)
	}
}

// auditless drops audit records, so that a memory measurement sees the
// batch and not the embedded store's retention of 100 000 checks.
type auditless struct{ data.Store }

func (auditless) SaveCheck(context.Context, *data.CheckRecord) error { return nil }

// TestBatch10000 sends 10 000 features over a real connection, reads the
// answer as it streams, checks the order, and measures the heap while the
// batch runs (reported with -v; see the report in the test log).
func TestBatch10000(t *testing.T) {
	cfg, _ := keyedConfig(t)
	cfg.Store = auditless{cfg.Store}
	ts := httptest.NewServer(New(cfg))
	defer ts.Close()

	run := func(n int) (peak uint64, elapsed time.Duration) {
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var maxHeap atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > maxHeap.Load() {
					maxHeap.Store(ms.HeapAlloc)
				}
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
		}()
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeBatch(pw, n, nil)) }()
		start := time.Now()
		resp, err := http.Post(ts.URL+"/api/v1/checks/batch", "application/geo+json", pr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("X-Batch-Features") != fmt.Sprint(n) {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%d: %s", resp.StatusCode, b)
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		i := 0
		for sc.Scan() {
			var r BatchResult
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("line %d: %v", i, err)
			}
			if r.Index != i || r.Reference != fmt.Sprintf("ref-%d", i) || r.Check == nil {
				t.Fatalf("line %d: index %d reference %q problem %+v", i, r.Index, r.Reference, r.Problem)
			}
			i++
		}
		if sc.Err() != nil || i != n {
			t.Fatalf("read %d of %d lines: %v", i, n, sc.Err())
		}
		elapsed = time.Since(start)
		close(stop)
		wg.Wait()
		if p := maxHeap.Load(); p > base.HeapAlloc {
			peak = p - base.HeapAlloc
		}
		return peak, elapsed
	}
	old := debug.SetGCPercent(20) // keep the heap close to what is live
	defer debug.SetGCPercent(old)
	small, ts1 := run(1_000)
	large, ts2 := run(MaxBatchFeatures)
	t.Logf("peak heap above baseline: %.1f MiB for 1 000 features (%s), %.1f MiB for 10 000 features (%s)",
		float64(small)/(1<<20), ts1.Round(time.Millisecond), float64(large)/(1<<20), ts2.Round(time.Millisecond))
	// Constant memory: ten times the features must not take anywhere near
	// ten times the heap.
	if large > 3*small+16<<20 {
		t.Errorf("peak heap grows with the batch: %d bytes for 1 000, %d for 10 000", small, large)
	}
}

// stallAfter answers the first n relations and then holds every other
// until its request gives up.
type stallAfter struct {
	data.Store
	n, calls atomic.Int64
}

func (f *stallAfter) Relate(ctx context.Context, s *geo.Site, at data.At) (geo.Relations, error) {
	if f.calls.Add(1) > f.n.Load() {
		<-ctx.Done()
		return geo.Relations{}, ctx.Err()
	}
	return f.Store.Relate(ctx, s, at)
}

// A batch that runs out of time still answers every feature: those it had
// no time for get a 503 problem each, and none a verdict.
func TestBatchOutOfTime(t *testing.T) {
	cfg, _ := keyedConfig(t)
	st := &stallAfter{Store: cfg.Store}
	st.n.Store(5)
	cfg.Store = st
	s := New(cfg)
	req := httptest.NewRequest("POST", "/api/v1/checks/batch", strings.NewReader(batchOf(40, nil)))
	req.Header.Set("Content-Type", "application/geo+json")
	ctx, cancel := context.WithTimeout(req.Context(), 300*time.Millisecond)
	defer cancel()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req.WithContext(ctx))
	got := readLines(t, rec.Body)
	if rec.Code != 200 || len(got) != 40 {
		t.Fatalf("%d with %d lines", rec.Code, len(got))
	}
	checked := 0
	for i, r := range got {
		switch {
		case r.Index != i:
			t.Fatalf("line %d has index %d", i, r.Index)
		case r.Check != nil:
			checked++
		case r.Problem == nil || r.Problem.Status != 503 || r.Problem.Type != problem.TypePrefix+"unavailable":
			t.Errorf("line %d: %+v", i, r.Problem)
		}
	}
	if checked != 5 {
		t.Errorf("%d checked, want 5", checked)
	}
}

// TestBatchFacts: a collection's facts are every feature's defaults; a
// feature's own properties.facts override them one by one; an unknown
// fact or a value that is not a boolean is that feature's 400, pointing
// at it, and a bad collection-wide fact refuses the batch.
func TestBatchFacts(t *testing.T) {
	s := demoServer(t)
	// Outside every named zone: only the Taihu tier judges.
	pt := `{"type":"Point","coordinates":[119.8,31.78]}`
	body := `{"type":"FeatureCollection","category":"polluting-industry","as_of":"2026-06-01","facts":{"discharges_to_water":true,"emits_n_p":false},"features":[` +
		`{"type":"Feature","geometry":` + pt + `,"properties":{"reference":"defaults"}},` +
		`{"type":"Feature","geometry":` + pt + `,"properties":{"reference":"own","facts":{"discharges_to_water":false}}},` +
		`{"type":"Feature","geometry":` + pt + `,"properties":{"reference":"np","facts":{"emits_n_p":true}}},` +
		`{"type":"Feature","geometry":` + pt + `,"properties":{"reference":"bad","facts":{"emits_np":true}}},` +
		`{"type":"Feature","geometry":` + pt + `,"properties":{"reference":"worse","facts":{"emits_n_p":"yes"}}}` +
		`]}`
	got := readLines(t, call(t, s, "POST", "/api/v1/checks/batch", body).Body)
	if len(got) != 5 {
		t.Fatalf("%d results", len(got))
	}
	for i, want := range []struct {
		verdict, facts string
	}{
		{"restricted", `{"discharges_to_water":true,"emits_n_p":false}`},
		{"allowed", `{"discharges_to_water":false,"emits_n_p":false}`},
		{"prohibited", `{"discharges_to_water":true,"emits_n_p":true}`},
	} {
		c := got[i].Check
		if c == nil {
			t.Fatalf("feature %d: %+v", i, got[i].Problem)
		}
		facts, _ := json.Marshal(c.Facts)
		if c.Verdict != want.verdict || string(facts) != want.facts || len(c.Questions) != 0 {
			t.Errorf("feature %d: %s with facts %s (questions %v), want %s with %s", i, c.Verdict, facts, c.Questions, want.verdict, want.facts)
		}
	}
	for i, want := range map[int]string{3: "unknown-fact /features/3/properties/facts/emits_np", 4: "invalid-fact /features/4/properties/facts/emits_n_p"} {
		p := got[i].Problem
		if p == nil || strings.TrimPrefix(p.Type, problem.TypePrefix)+" "+p.Pointer != want || p.Status != 400 {
			t.Errorf("feature %d: %+v, want %s", i, p, want)
		}
	}
	rec := call(t, s, "POST", "/api/v1/checks/batch", `{"type":"FeatureCollection","facts":{"casino":true},"features":[{"type":"Feature","geometry":`+pt+`,"properties":{"category":"chemical"}}]}`)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"pointer":"/facts/casino"`) {
		t.Errorf("bad collection facts: %d %s", rec.Code, rec.Body)
	}
}
