package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/zhonglou/ecospace/cmd/ecospace/gctune"
	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server"
	"github.com/zhonglou/ecospace/web"
)

// defaultGCHeadroomMB is what the heap may grow by between collections at
// the least: a PostGIS-backed server keeps about 3 MB live, and GOGC=100
// had it collecting 30 times a second under load (PERF.md).
const defaultGCHeadroomMB = 64

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	addr := fs.String("addr", envOr("ECOSPACE_ADDR", "127.0.0.1:8080"), "listen address (ECOSPACE_ADDR)")
	basemapURL := fs.String("basemap-url", envOr("ECOSPACE_BASEMAP_URL", ""), "XYZ tile URL template for the map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png or a Tianditu URL with its key (ECOSPACE_BASEMAP_URL); empty: offline plain background")
	tiandituKey := fs.String("tianditu-key", envOr("ECOSPACE_TIANDITU_KEY", ""), "Tianditu (天地图) browser key: the map then offers Tianditu's map and imagery as basemaps (ECOSPACE_TIANDITU_KEY); empty: none")
	basemapAttr := fs.String("basemap-attribution", envOr("ECOSPACE_BASEMAP_ATTRIBUTION", ""), "attribution shown for the basemap (ECOSPACE_BASEMAP_ATTRIBUTION)")
	logLevel := fs.String("log-level", envOr("ECOSPACE_LOG_LEVEL", "info"), "debug, info, warn or error (ECOSPACE_LOG_LEVEL)")
	databaseURL := fs.String("database-url", envOr("DATABASE_URL", ""), "PostGIS database, e.g. postgres://user@host:5432/ecospace (DATABASE_URL); empty: the embedded store with the demo layers")
	databaseReadURL := fs.String("database-read-url", envOr("DATABASE_READ_URL", ""), "read-only PostGIS database (a streaming replica of --database-url) for layer, feature and check reads; imports, audit rows and keys stay on the primary (DATABASE_READ_URL); empty: the primary takes everything")
	migrate := fs.Bool("migrate", false, "apply the schema migrations at start (else a database whose schema is behind is refused)")
	rulesFile := fs.String("rules", envOr("ECOSPACE_RULES", ""), "rules file (YAML) to use instead of the bundled data/rules.yaml (ECOSPACE_RULES)")
	dataDir := fs.String("data-dir", defaultDataDir(), dataDirHelp)
	keysFile := fs.String("keys-file", "", "API keys file (ECOSPACE_KEYS_FILE; see 'ecospace keys'); default keys.json in --data-dir; with a PostGIS store its api_keys table is used unless this is set")
	requireKey := fs.Bool("require-key", false, "checks need an API key with scope check (layer uploads always need scope admin)")
	requireKeyReads := fs.Bool("require-key-reads", false, "map reads (layers, features, rules, OGC API) need an API key too")
	rateLimit := fs.Float64("rate-limit", 20, "requests per second each API key, and each keyless address for checks, may make; 0: no limit")
	rateBurst := fs.Int("rate-burst", 40, "requests an API key may make at once above --rate-limit")
	corsOrigins := fs.String("cors-origins", envOr("ECOSPACE_CORS_ORIGINS", ""), "comma-separated browser origins allowed to call the API, e.g. https://permits.example.gov.cn (ECOSPACE_CORS_ORIGINS); empty: none")
	trustProxy := fs.Bool("trust-proxy", false, "behind a reverse proxy: take client addresses (for rate limits and logs) from X-Forwarded-For and the OGC API's links from X-Forwarded-Proto, -Host and -Prefix; without it those headers are ignored")
	metricsKey := fs.String("metrics-key", envOr("ECOSPACE_METRICS_KEY", ""), "a secret /metrics then needs as \"Authorization: Bearer <key>\" (ECOSPACE_METRICS_KEY); empty: /metrics is open")
	layerCacheMB := fs.Int("layer-cache-mb", envInt("ECOSPACE_LAYER_CACHE_MB", -1), "MB of encoded layer responses (GeoJSON, tiles, OGC pages) kept in memory (ECOSPACE_LAYER_CACHE_MB); 0: none, so that every read measures the store; default 256")
	gcHeadroom := fs.Uint64("gc-headroom-mb", defaultGCHeadroomMB, "let the heap grow at least this many MB above what is live between garbage collections (GOGC tuned to the live heap, never below 100); 0, or GOGC set in the environment: Go's own setting")
	events := addEventFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// Every flag is checked, and the address bound, before the store is
	// opened: a typo costs no store load.
	if err := checkServeFlags(fs); err != nil {
		return err
	}
	if err := events.check(); err != nil {
		return err
	}
	origins, _ := parseOrigins(*corsOrigins)
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		return err
	}
	rules, err := loadRules(*rulesFile)
	if err != nil {
		return err
	}
	ln, err := listen(fs, *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	dir, err := ensureDataDir(*dataDir)
	if err != nil {
		return err
	}
	audit := ""
	if *databaseURL == "" {
		audit = filepath.Join(dir, auditFileName)
	}
	app, err := openApp(ctx, log, rules, *databaseURL, *databaseReadURL, *migrate, audit)
	if err != nil {
		return err
	}
	defer app.store.Close()
	reevalWorker, stopEvents := startEvents(ctx, log, app, events)
	defer stopEvents()
	var bm *server.Basemap
	if *basemapURL != "" {
		bm = &server.Basemap{URL: *basemapURL, Attribution: *basemapAttr}
	}
	explicitKeys := os.Getenv("ECOSPACE_KEYS_FILE") != ""
	fs.Visit(func(f *flag.Flag) { explicitKeys = explicitKeys || f.Name == "keys-file" })
	kf := keysFileIn(dir, *keysFile)
	keys, keysWhere, err := serveKeyStore(app.store, kf, explicitKeys)
	if err != nil {
		return err
	}
	if hint := legacyKeysHint(kf); hint != "" && !explicitKeys {
		log.Warn(hint)
	}
	log.Info("api keys", "store", keysWhere, "require_key", *requireKey, "require_key_reads", *requireKeyReads,
		"rate_limit", *rateLimit, "rate_burst", *rateBurst, "cors_origins", origins)
	if *requireKey && activeKeys(ctx, keys) == 0 {
		log.Warn("--require-key is set but there is no active API key: every check is refused until 'ecospace keys create'", "store", keysWhere)
	}
	srv := server.New(server.Config{Store: app.store, Rules: app.rules, Manifest: app.manifest, Log: log, Basemap: bm, TiandituKey: *tiandituKey, Web: web.Handler(),
		Keys: keys, RequireKey: *requireKey, RequireKeyForReads: *requireKeyReads, RateLimit: *rateLimit, RateBurst: *rateBurst,
		CORSOrigins: origins, TrustProxy: *trustProxy, MetricsKey: *metricsKey, LayerCacheBytes: layerCacheBytes(*layerCacheMB),
		Reeval: reevalWorker})
	if gctune.Start(ctx, *gcHeadroom<<20, time.Second) {
		log.Info("garbage collector", "headroom_mb", *gcHeadroom)
	}
	return serveUntilDone(ctx, log, ln, srv)
}

// serveUntilDone serves until ctx ends, then lets in-flight requests finish.
func serveUntilDone(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler) error {
	hs := server.HTTPServer(h) // read, write and idle timeouts per connection
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("ecospace serving", "addr", "http://"+ln.Addr().String()+"/")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// app is what every store-backed subcommand needs.
type app struct {
	store    data.Store
	rules    *geo.RuleSet
	manifest *data.Manifest
}

// loadRules reads a steward's rules file, or the bundled one when path is
// empty. A malformed file stops start-up: its error names the line.
func loadRules(path string) (*geo.RuleSet, error) {
	src, name := data.RulesFile(), "bundled rules.yaml"
	if path != "" {
		var err error
		if src, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
		name = path
	}
	rules, err := geo.ParseRules(src)
	if err != nil {
		return nil, fmt.Errorf("rules %s: %w", name, err)
	}
	return rules, nil
}

// openApp opens the store (PostGIS when databaseURL is set, with reads on
// readURL if set; else the embedded store with the demo layers) with the
// layer manifest.
//
// auditFile is where the embedded store keeps filed checks ("": in memory).
func openApp(ctx context.Context, log *slog.Logger, rules *geo.RuleSet, databaseURL, readURL string, migrate bool, auditFile string) (*app, error) {
	man, err := demo.Manifest()
	if err != nil {
		return nil, err
	}
	if err := man.CheckRules(rules); err != nil {
		return nil, err
	}
	store, err := openStoreWith(ctx, log, databaseURL, migrate, postgis.Options{ReadURL: readURL}, auditFile)
	if err != nil {
		return nil, err
	}
	return &app{store: store, rules: rules, manifest: man}, nil
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}
