package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
	"github.com/zhonglou/ecospace/server/servertest"
)

// testKeys are the API keys keyedServer makes.
type testKeys struct {
	check, admin, revoked string
	checkID               string
	store                 *data.FileKeys
}

// keyedServer is the demo API with a keys file holding a check key, an
// admin key and a revoked key; tweak adjusts the config.
func keyedServer(t testing.TB, tweak func(*Config)) (*Server, testKeys) {
	t.Helper()
	cfg, keys := keyedConfig(t)
	if tweak != nil {
		tweak(&cfg)
	}
	return New(cfg), keys
}

func keyedConfig(t testing.TB) (Config, testKeys) {
	t.Helper()
	return keyedConfigOn(t, servertest.Demo(t))
}

// keyedConfigOn is keyedConfig on the demo app given (e.g. on PostGIS).
func keyedConfigOn(t testing.TB, app *servertest.App) (Config, testKeys) {
	t.Helper()
	ks, err := data.OpenFileKeys(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var k testKeys
	var ck data.APIKey
	k.check, ck, _ = ks.CreateKey(ctx, "permit-system", []string{data.ScopeCheck})
	k.checkID = ck.ID
	k.admin, _, _ = ks.CreateKey(ctx, "steward", []string{data.ScopeAdmin})
	var rk data.APIKey
	k.revoked, rk, _ = ks.CreateKey(ctx, "old", []string{data.ScopeCheck})
	if err := ks.RevokeKey(ctx, rk.ID); err != nil {
		t.Fatal(err)
	}
	k.store = ks
	return Config{Store: app.Store, Rules: app.Rules, Manifest: app.Manifest, Log: discardLog(), Keys: ks}, k
}

// call makes one request; hdr alternates names and values.
func call(t testing.TB, h http.Handler, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func bearer(key string) []string { return []string{"Authorization", "Bearer " + key} }

// wantProblem asserts a problem+json answer of the given status and type.
func wantProblem(t testing.TB, rec *httptest.ResponseRecorder, status int, slug string) problem.Problem {
	t.Helper()
	var p problem.Problem
	if rec.Code != status {
		t.Errorf("status %d, want %d: %s", rec.Code, status, clip(rec.Body.String()))
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body: %v: %s", err, rec.Body)
	}
	if p.Type != problem.TypePrefix+slug {
		t.Errorf("type %q, want %s%s (%s)", p.Type, problem.TypePrefix, slug, p.Detail)
	}
	if p.Status != status || p.Title == "" || p.Detail == "" || p.RequestID == "" {
		t.Errorf("problem %+v lacks status, title, detail or request id", p)
	}
	return p
}

const riverCheck = `{"geometry":{"type":"Point","coordinates":[119.7594,31.794999]},"category":"chemical","reference":"r-1"}`

func TestKeysAndScopes(t *testing.T) {
	cfg, k := keyedConfig(t)
	open := New(cfg)
	cfg.RequireKey = true
	locked := New(cfg)
	cfg.RequireKeyForReads = true
	private := New(cfg)
	post := func(h http.Handler, hdr ...string) *httptest.ResponseRecorder {
		return call(t, h, http.MethodPost, "/api/v1/checks", riverCheck, hdr...)
	}

	// Open server: checks without a key, and the key id is recorded when sent.
	if rec := post(open); rec.Code != http.StatusOK {
		t.Fatalf("keyless check on an open server: %d %s", rec.Code, rec.Body)
	}
	rec := post(open, bearer(k.check)...)
	var resp check.Response
	json.Unmarshal(rec.Body.Bytes(), &resp)
	saved, err := open.store.Check(context.Background(), resp.CheckID)
	if err != nil || saved.KeyID != k.checkID {
		t.Errorf("audited key id %q, want %q (%v)", saved.KeyID, k.checkID, err)
	}
	// A bad key is refused even where none is needed.
	wantProblem(t, post(open, bearer("esk_not-a-key")...), 401, "invalid-key")
	wantProblem(t, post(open, "Authorization", "Basic dXNlcjpwYXNz"), 401, "invalid-key")
	p := wantProblem(t, post(open, bearer(k.revoked)...), 401, "revoked-key")
	if !strings.Contains(p.Detail, "revoked") {
		t.Errorf("revoked detail: %s", p.Detail)
	}
	if h := post(open, bearer("esk_x")...).Header().Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
		t.Errorf("WWW-Authenticate %q", h)
	}

	// --require-key: checks need scope check; admin includes check.
	wantProblem(t, post(locked), 401, "missing-key")
	if rec := post(locked, bearer(k.check)...); rec.Code != 200 {
		t.Errorf("check key: %d", rec.Code)
	}
	if rec := post(locked, bearer(k.admin)...); rec.Code != 200 {
		t.Errorf("admin key on a check: %d", rec.Code)
	}
	// Reads stay open unless configured.
	if rec := call(t, locked, "GET", "/api/v1/layers", ""); rec.Code != 200 {
		t.Errorf("open read: %d", rec.Code)
	}
	wantProblem(t, call(t, private, "GET", "/api/v1/layers", ""), 401, "missing-key")
	if rec := call(t, private, "GET", "/api/v1/layers", "", bearer(k.check)...); rec.Code != 200 {
		t.Errorf("keyed read: %d", rec.Code)
	}
	if rec := call(t, private, "GET", "/healthz", ""); rec.Code != 200 {
		t.Errorf("healthz needs no key: %d", rec.Code)
	}

	// Writes always need admin.
	fc := `{"type":"FeatureCollection","features":[]}`
	for _, h := range []http.Handler{open, locked} {
		wantProblem(t, call(t, h, "PUT", "/api/v1/layers/xinmeng-river", fc), 401, "missing-key")
		p := wantProblem(t, call(t, h, "PUT", "/api/v1/layers/xinmeng-river", fc, bearer(k.check)...), 403, "insufficient-scope")
		if !strings.Contains(p.Detail, "admin") {
			t.Errorf("scope detail: %s", p.Detail)
		}
	}

	// A key revoked while the server runs stops working.
	_, k2 := keyedServer(t, nil)
	srv2 := New(Config{Store: open.store, Rules: open.rules, Manifest: open.man, Log: discardLog(), Keys: k2.store, RequireKey: true})
	if rec := post(srv2, bearer(k2.check)...); rec.Code != 200 {
		t.Fatalf("before revoke: %d", rec.Code)
	}
	ks, _ := data.OpenFileKeys(k2.store.Path()) // the CLI, another process
	list, _ := ks.ListKeys(context.Background())
	ks.RevokeKey(context.Background(), list[0].ID)
	k2.store.ReloadEvery = 0
	wantProblem(t, post(srv2, bearer(k2.check)...), 401, "revoked-key")
}

func TestRateLimit(t *testing.T) {
	s, k := keyedServer(t, func(c *Config) { c.RateLimit, c.RateBurst = 1, 2 })
	for i := 0; i < 2; i++ {
		if rec := call(t, s, "POST", "/api/v1/checks", riverCheck, bearer(k.check)...); rec.Code != 200 {
			t.Fatalf("request %d within the burst: %d", i, rec.Code)
		}
	}
	rec := call(t, s, "POST", "/api/v1/checks", riverCheck, bearer(k.check)...)
	wantProblem(t, rec, 429, "rate-limited")
	if ra := rec.Header().Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After %q, want 1", ra)
	}
	// Another key has its own bucket; keyless map reads are not limited.
	if rec := call(t, s, "POST", "/api/v1/checks", riverCheck, bearer(k.admin)...); rec.Code != 200 {
		t.Errorf("other key: %d", rec.Code)
	}
	for i := 0; i < 5; i++ {
		if rec := call(t, s, "GET", "/api/v1/layers", ""); rec.Code != 200 {
			t.Errorf("keyless read %d: %d", i, rec.Code)
		}
	}
	// Keyless checks are limited by address.
	for i := 0; i < 2; i++ {
		call(t, s, "POST", "/api/v1/checks", riverCheck)
	}
	wantProblem(t, call(t, s, "POST", "/api/v1/checks", riverCheck), 429, "rate-limited")
}

func TestLimiterForgetsIdleBuckets(t *testing.T) {
	l := newLimiter(10, 10)
	now := time.Now()
	for i := 0; i < 1000; i++ {
		l.allow(fmt.Sprint("addr:", i), now)
	}
	l.allow("x", now.Add(10*time.Minute))
	if len(l.m) != 1 {
		t.Errorf("%d buckets kept, want 1", len(l.m))
	}
}

func TestSecurityHeadersAndRequestID(t *testing.T) {
	s := demoServer(t)
	rec := call(t, s, "GET", "/api/v1/layers", "", "X-Request-Id", "permit-42.a")
	h := rec.Header()
	for name, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN", "Referrer-Policy": "same-origin",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Request-Id": "permit-42.a",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	// A hostile request id is replaced, not echoed into logs.
	rec = call(t, s, "GET", "/api/v1/layers", "", "X-Request-Id", "x\"} injected "+strings.Repeat("a", 100))
	if id := rec.Header().Get("X-Request-Id"); !plainID(id) || strings.Contains(id, "injected") {
		t.Errorf("request id %q", id)
	}
	p := wantProblem(t, call(t, s, "GET", "/api/v1/layers/nope", ""), 404, "not-found")
	if p.RequestID == "" {
		t.Error("problem without request id")
	}
}

func TestCORS(t *testing.T) {
	s, k := keyedServer(t, func(c *Config) { c.CORSOrigins = []string{"https://permits.example.cn"} })
	pre := call(t, s, "OPTIONS", "/api/v1/checks", "", "Origin", "https://permits.example.cn",
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type")
	if pre.Code != http.StatusNoContent || pre.Header().Get("Access-Control-Allow-Origin") != "https://permits.example.cn" ||
		!strings.Contains(strings.ToLower(pre.Header().Get("Access-Control-Allow-Headers")), "authorization") {
		t.Errorf("preflight: %d %v", pre.Code, pre.Header())
	}
	rec := call(t, s, "POST", "/api/v1/checks", riverCheck, append(bearer(k.check), "Origin", "https://permits.example.cn")...)
	if rec.Header().Get("Access-Control-Allow-Origin") != "https://permits.example.cn" ||
		!strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "X-Request-Id") {
		t.Errorf("CORS answer headers: %v", rec.Header())
	}
	evil := call(t, s, "OPTIONS", "/api/v1/checks", "", "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
	if evil.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an unlisted origin was allowed: %v", evil.Header())
	}
	// Without the flag no origin is allowed.
	plain := demoServer(t)
	if got := call(t, plain, "GET", "/api/v1/layers", "", "Origin", "https://permits.example.cn").Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("CORS without configuration: %q", got)
	}
}

// downStore is a store whose database can be switched off.
type downStore struct {
	data.Store
	down atomic.Bool
}

func (d *downStore) err() error {
	if d.down.Load() {
		return fmt.Errorf("postgis: %w: connection refused", data.ErrUnavailable)
	}
	return nil
}
func (d *downStore) Ping(ctx context.Context) error {
	if err := d.err(); err != nil {
		return err
	}
	return d.Store.Ping(ctx)
}
func (d *downStore) Relate(ctx context.Context, s *geo.Site, at data.At) (geo.Relations, error) {
	if err := d.err(); err != nil {
		return geo.Relations{}, err
	}
	return d.Store.Relate(ctx, s, at)
}
func (d *downStore) SaveCheck(ctx context.Context, rec *data.CheckRecord) error {
	if err := d.err(); err != nil {
		return err
	}
	return d.Store.SaveCheck(ctx, rec)
}
func (d *downStore) Layers(ctx context.Context, asOf time.Time) ([]geo.LayerInfo, error) {
	if err := d.err(); err != nil {
		return nil, err
	}
	return d.Store.Layers(ctx, asOf)
}
func (d *downStore) Layer(ctx context.Context, id string, asOf time.Time) (geo.LayerInfo, error) {
	if err := d.err(); err != nil {
		return geo.LayerInfo{}, err
	}
	return d.Store.Layer(ctx, id, asOf)
}
func (d *downStore) Features(ctx context.Context, id string, q data.FeatureQuery, fn func(geo.Feature) error) error {
	if err := d.err(); err != nil {
		return err
	}
	return d.Store.Features(ctx, id, q, fn)
}
func (d *downStore) Check(ctx context.Context, id string) (*data.CheckRecord, error) {
	if err := d.err(); err != nil {
		return nil, err
	}
	return d.Store.Check(ctx, id)
}
func (d *downStore) ListChecks(ctx context.Context, q data.CheckQuery) ([]data.CheckSummary, error) {
	if err := d.err(); err != nil {
		return nil, err
	}
	return d.Store.ListChecks(ctx, q)
}

func (d *downStore) Import(ctx context.Context, layer string, feats []geo.Feature, opts data.ImportOptions) (data.ImportResult, error) {
	if err := d.err(); err != nil {
		return data.ImportResult{}, err
	}
	return d.Store.Import(ctx, layer, feats, opts)
}

func TestStoreDown(t *testing.T) {
	cfg, _ := keyedConfig(t)
	ds := &downStore{Store: cfg.Store}
	cfg.Store = ds
	s := New(cfg)
	if rec := call(t, s, "GET", "/readyz", ""); rec.Code != 200 {
		t.Fatalf("readyz up: %d", rec.Code)
	}
	ds.down.Store(true)
	rec := call(t, s, "POST", "/api/v1/checks", riverCheck)
	wantProblem(t, rec, 503, "unavailable")
	if rec.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if strings.Contains(rec.Body.String(), `"verdict":`) {
		t.Errorf("a 503 carries a verdict: %s", rec.Body)
	}
	wantProblem(t, call(t, s, "GET", "/readyz", ""), 503, "unavailable")
	b := call(t, s, "POST", "/api/v1/checks/batch", batchOf(3, nil))
	wantProblem(t, b, 503, "unavailable")
	ds.down.Store(false)
	if rec := call(t, s, "POST", "/api/v1/checks", riverCheck); rec.Code != 200 {
		t.Errorf("after recovery: %d %s", rec.Code, rec.Body)
	}
	if rec := call(t, s, "GET", "/readyz", ""); rec.Code != 200 {
		t.Errorf("readyz after recovery: %d", rec.Code)
	}
}

// slowStore holds every Relate until release is closed.
type slowStore struct {
	data.Store
	started chan struct{}
	release chan struct{}
}

func (s *slowStore) Relate(ctx context.Context, site *geo.Site, at data.At) (geo.Relations, error) {
	select {
	case s.started <- struct{}{}:
	default:
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		return geo.Relations{}, ctx.Err()
	}
	return s.Store.Relate(ctx, site, at)
}

func TestLimits(t *testing.T) {
	s := demoServer(t)
	big := `{"category":"chemical","geometry":{"type":"Point","coordinates":[119.76,31.78]},"reference":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	wantProblem(t, call(t, s, "POST", "/api/v1/checks", big), 413, "too-large")
	// Chunked (no Content-Length): the limit still holds while reading.
	req := httptest.NewRequest("POST", "/api/v1/checks", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	wantProblem(t, rec, 413, "too-large")

	var ring strings.Builder
	ring.WriteString(`{"category":"chemical","geometry":{"type":"LineString","coordinates":[`)
	for i := 0; i <= geo.MaxVertices; i++ {
		if i > 0 {
			ring.WriteByte(',')
		}
		fmt.Fprintf(&ring, "[119.8%05d,31.78]", i%100000)
	}
	ring.WriteString(`]}}`)
	wantProblem(t, call(t, s, "POST", "/api/v1/checks", ring.String()), 413, "too-many-vertices")
	wantProblem(t, call(t, s, "POST", "/api/v1/checks/batch", batchOf(MaxBatchFeatures+1, nil)), 413, "too-many-features")

	// A request that outlives its time gets a 503, never a verdict.
	cfg, _ := keyedConfig(t)
	slow := &slowStore{Store: cfg.Store, started: make(chan struct{}, 1), release: make(chan struct{})}
	cfg.Store = slow
	ts := New(cfg)
	req = httptest.NewRequest("POST", "/api/v1/checks", strings.NewReader(riverCheck))
	req.Header.Set("Content-Type", "application/json")
	ctx, cancel := context.WithTimeout(req.Context(), 50*time.Millisecond)
	defer cancel()
	rec = httptest.NewRecorder()
	ts.ServeHTTP(rec, req.WithContext(ctx))
	wantProblem(t, rec, 503, "unavailable")
}

func TestMetrics(t *testing.T) {
	s, k := keyedServer(t, nil)
	call(t, s, "POST", "/api/v1/checks", riverCheck, bearer(k.check)...)
	call(t, s, "POST", "/api/v1/checks", `{"geometry":{"type":"Point","coordinates":[121.47,31.23]},"category":"chemical"}`)
	call(t, s, "GET", "/api/v1/layers/nope", "")
	call(t, s, "POST", "/api/v1/checks/batch", batchOf(3, map[int]string{1: `{"type":"Feature","geometry":null,"properties":{"category":"chemical"}}`}))
	rec := call(t, s, "GET", "/metrics", "")
	if rec.Code != 200 {
		t.Fatalf("metrics: %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`ecospace_http_requests_total{method="POST",route="/api/v1/checks",status="200"} 2`,
		`ecospace_http_requests_total{method="GET",route="/api/v1/layers/:id",status="404"} 1`,
		`ecospace_check_verdicts_total{category="chemical",verdict="outside_coverage"} 1`,
		`ecospace_batch_features_total{outcome="checked"} 2`,
		`ecospace_batch_features_total{outcome="problem"} 1`,
		`ecospace_http_request_duration_seconds_bucket{method="POST",route="/api/v1/checks",le=`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Every audited verdict is counted once: 2 single checks, 2 in the batch.
	total := 0.0
	for _, l := range strings.Split(grepLines(body, "ecospace_check_verdicts_total{"), "\n") {
		var v float64
		fmt.Sscan(l[strings.LastIndexByte(l, ' ')+1:], &v)
		total += v
	}
	if total != 4 {
		t.Errorf("%g verdicts counted, want 4:\n%s", total, grepLines(body, "verdicts"))
	}
	// Pool figures appear when the store has them.
	cfg, _ := keyedConfig(t)
	cfg.Store = poolStore{cfg.Store}
	rec = call(t, New(cfg), "GET", "/metrics", "")
	if !strings.Contains(rec.Body.String(), "ecospace_store_pool_acquired_conns 3") || !strings.Contains(rec.Body.String(), "# TYPE ecospace_store_pool_acquire_total counter") {
		t.Errorf("pool metrics missing:\n%s", grepLines(rec.Body.String(), "pool"))
	}
}

type poolStore struct{ data.Store }

func (poolStore) PoolStats() map[string]float64 {
	return map[string]float64{"acquired_conns": 3, "max_conns": 8, "acquire_total": 17}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Access logs are structured and carry the request id and key id.
func TestAccessLog(t *testing.T) {
	cfg, k := keyedConfig(t)
	var buf safeBuffer
	cfg.Log = slog.New(slog.NewJSONHandler(&buf, nil))
	s := New(cfg)
	call(t, s, "POST", "/api/v1/checks", riverCheck, append(bearer(k.check), "X-Request-Id", "trace-1")...)
	var entry map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) == nil && e["msg"] == "request" {
			entry = e
		}
	}
	if entry == nil || entry["request_id"] != "trace-1" || entry["key_id"] != k.checkID || entry["route"] != "/api/v1/checks" || entry["status"] != float64(200) {
		t.Errorf("access log entry %v\n%s", entry, buf.String())
	}
	if strings.Contains(buf.String(), k.check) {
		t.Error("the key itself reached the log")
	}
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// pgCluster is a PostgreSQL cluster of the test's own, in a temporary
// directory on a free port, that the test can stop and start without
// touching the machine's main cluster (which other tests use).
type pgCluster struct {
	t            *testing.T
	bin, dir     string
	port         int
	runAs        []string // runuser prefix when the test runs as root
	uid, gid     int
	url, logFile string
}

// pgBinDir finds PostgreSQL's server binaries: $ECOSPACE_PG_BINDIR, else
// the newest /usr/lib/postgresql/*/bin (Debian), else $PATH.
func pgBinDir() (string, error) {
	if d := os.Getenv("ECOSPACE_PG_BINDIR"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no PostgreSQL server binaries (pg_ctl, initdb): on Debian, as root, `apt-get install -y postgresql-15-postgis-3`, or set ECOSPACE_PG_BINDIR")
}

func newPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	bin, err := pgBinDir()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "ecospace-pgdown-")
	if err != nil {
		t.Fatal(err)
	}
	c := &pgCluster{t: t, bin: bin, dir: dir, logFile: filepath.Join(dir, "log")}
	t.Cleanup(func() {
		c.pgctl("stop", "-m", "immediate", "-w")
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, and there is no postgres user to run a private cluster as: %v", err)
		}
		c.uid, _ = strconv.Atoi(u.Uid)
		c.gid, _ = strconv.Atoi(u.Gid)
		c.runAs = []string{"runuser", "-u", "postgres", "--"}
		if err := os.Chown(dir, c.uid, c.gid); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(dir, 0o755)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	if out, err := c.cmd("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.start()
	return c
}

func (c *pgCluster) cmd(name string, args ...string) *exec.Cmd {
	argv := append(append([]string{}, c.runAs...), append([]string{filepath.Join(c.bin, name)}, args...)...)
	return exec.Command(argv[0], argv[1:]...)
}

func (c *pgCluster) pgctl(args ...string) ([]byte, error) {
	all := append([]string{"-D", filepath.Join(c.dir, "data"), "-l", c.logFile}, args...)
	return c.cmd("pg_ctl", all...).CombinedOutput()
}

func (c *pgCluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", c.port, c.dir)
	if out, err := c.pgctl("start", "-w", "-t", "60", "-o", opts); err != nil {
		log, _ := os.ReadFile(c.logFile)
		c.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// stop kills the server the way a crash or a pulled cable does: no
// goodbye to the clients.
func (c *pgCluster) stop() {
	c.t.Helper()
	if out, err := c.pgctl("stop", "-m", "immediate", "-w"); err != nil {
		c.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

type probe struct {
	start, end time.Time
	status     int
	retryAfter string
	ptype      string
	verdict    string
	err        error
}

// TestPostGISDownAndBack stops the database under a stream of checks:
// while it is down every check is a 503 problem with Retry-After (never a
// verdict), /readyz fails, and once it is back the service answers again
// by itself within 5 s.
func TestPostGISDownAndBack(t *testing.T) {
	pg := newPGCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The demo app on this cluster, with short timeouts, so that a check
	// fails fast while the database is down.
	app := servertest.On(t, func(t testing.TB, man *data.Manifest) *postgis.Store {
		store, err := postgis.Open(ctx, pg.url, man, postgis.Options{Migrate: true, AcquireTimeout: time.Second, StatementTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		if err := demo.Load(ctx, store, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
			t.Fatal(err)
		}
		return store
	})
	ts := httptest.NewServer(serve(app))
	defer ts.Close()
	client := &http.Client{Timeout: 20 * time.Second}

	check := func() probe {
		p := probe{start: time.Now()}
		resp, err := client.Post(ts.URL+"/api/v1/checks", "application/json", strings.NewReader(riverCheck))
		p.end = time.Now()
		if err != nil {
			p.err = err
			return p
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		p.status, p.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
		var body struct {
			Type    string `json:"type"`
			Verdict string `json:"verdict"`
		}
		json.Unmarshal(b, &body)
		p.ptype, p.verdict = body.Type, body.Verdict
		if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
			p.err = fmt.Errorf("%d without problem+json", resp.StatusCode)
		}
		return p
	}
	ready := func() int {
		resp, err := client.Get(ts.URL + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	var mu sync.Mutex
	var probes []probe
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := check()
				mu.Lock()
				probes = append(probes, p)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}

	time.Sleep(time.Second)
	if got := ready(); got != 200 {
		t.Fatalf("readyz before the outage: %d", got)
	}
	pg.stop()
	downAt := time.Now()
	time.Sleep(3 * time.Second)
	if got := ready(); got != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database down: %d, want 503", got)
	}
	// A batch with the database down is a 503 too.
	resp, err := client.Post(ts.URL+"/api/v1/checks/batch", "application/geo+json", strings.NewReader(batchOf(5, nil)))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("batch with the database down: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	upAt := time.Now()
	pg.start()
	upDone := time.Now()

	// Recovery: the first 200 after the restart, by itself.
	var recovered time.Time
	for time.Since(upDone) < 15*time.Second {
		if p := check(); p.status == 200 {
			recovered = p.end
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if recovered.IsZero() {
		t.Fatal("the service did not recover within 15 s of the database's restart")
	}
	if d := recovered.Sub(upDone); d > 5*time.Second {
		t.Errorf("recovered %s after the database came back; want within 5 s", d.Round(time.Millisecond))
	}
	if got := ready(); got != 200 {
		t.Errorf("readyz after recovery: %d", got)
	}

	counts := map[string]int{}
	for _, p := range probes {
		if p.err != nil {
			t.Errorf("check at %s: %v", p.start.Format("15:04:05.000"), p.err)
			continue
		}
		switch p.status {
		case 200:
			counts["200"]++
			if p.verdict != geo.EffectProhibited {
				t.Errorf("a 200 with verdict %q", p.verdict)
			}
			if p.start.After(downAt) && p.end.Before(upAt) {
				t.Errorf("a verdict (%s) was given while the database was down", p.verdict)
			}
		case http.StatusServiceUnavailable:
			counts["503"]++
			if p.retryAfter == "" || p.ptype != problem.TypePrefix+"unavailable" || p.verdict != "" {
				t.Errorf("503 without Retry-After or of type %q", p.ptype)
			}
		default:
			t.Errorf("status %d (%s) at %s", p.status, p.ptype, p.start.Format("15:04:05.000"))
		}
	}
	if counts["503"] == 0 || counts["200"] == 0 {
		t.Errorf("probes %v: the outage was not seen", counts)
	}
	t.Logf("%d checks: %v; recovered %s after the restart finished", len(probes), counts, recovered.Sub(upDone).Round(time.Millisecond))
}
