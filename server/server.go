// Package server is ecospace's HTTP API (echo): routes, handlers,
// middleware and the one error handler that turns every error into
// application/problem+json. It mounts OGC API – Features (server/ogc)
// under /ogc; one siting check runs in server/check.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/ogc"
	"github.com/zhonglou/ecospace/server/problem"
	"github.com/zhonglou/ecospace/server/reeval"
)

// Limits on requests.
const (
	MaxBodyBytes   = 10 << 20 // 10 MiB
	RequestTimeout = 30 * time.Second
)

// Per-connection limits of the http.Server that serves the API
// (HTTPServer): a client that sends or reads slowly holds a connection
// only so long. Batch and layer-upload bodies may take BodyReadTimeout to
// arrive, and their answers as long as the work may take.
var (
	ReadHeaderTimeout = 10 * time.Second
	ConnReadTimeout   = time.Minute // a request, body included
	ConnWriteTimeout  = RequestTimeout + 30*time.Second
	BodyReadTimeout   = 5 * time.Minute
	IdleTimeout       = 2 * time.Minute
)

// HTTPServer is the http.Server to serve h (the API) with: every
// connection is bounded in time (reading headers, reading a request,
// writing its answer, idling).
func HTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ConnReadTimeout,
		WriteTimeout: ConnWriteTimeout, IdleTimeout: IdleTimeout, MaxHeaderBytes: 64 << 10}
}

// Basemap is the tile layer the map shows; nil means an offline plain
// background.
type Basemap struct {
	URL         string `json:"url"`
	Attribution string `json:"attribution"`
	Subdomains  string `json:"subdomains,omitempty"`
}

// Config wires a server.
type Config struct {
	// LayerCacheBytes bounds the encoded layer responses kept (0: the
	// default, DefaultLayerCacheBytes; negative: none are kept, so that
	// every read measures the store).
	LayerCacheBytes int64

	Store    data.Store
	Rules    *geo.RuleSet
	Manifest *data.Manifest
	Log      *slog.Logger
	Basemap  *Basemap
	Web      http.Handler // the map; nil serves none
	Now      func() time.Time

	// TiandituKey, when set, lets the map offer Tianditu's map and imagery
	// (GET /api/v1/config says it).
	TiandituKey string

	// Keys checks API keys (Authorization: Bearer); nil accepts none, so
	// that writes, which always need an admin key, are refused.
	Keys data.KeyStore
	// RequireKey makes checks need a key with scope check.
	RequireKey bool
	// RequireKeyForReads makes the map reads (layers, features, rules, …)
	// need a key too; the map's static files stay open.
	RequireKeyForReads bool
	// RateLimit is the sustained requests per second each key may make
	// (and each keyless client address, for checks); RateBurst its burst.
	// 0 disables the limit.
	RateLimit float64
	RateBurst int
	// CORSOrigins are the browser origins allowed to call the API
	// (e.g. https://permits.example.gov.cn); empty allows none.
	CORSOrigins []string
	// TrustProxy takes the client address from X-Forwarded-For, and the
	// OGC API's links from X-Forwarded-Proto, -Host and -Prefix (behind a
	// reverse proxy that sets them); otherwise those headers are ignored.
	TrustProxy bool
	// MetricsKey, when set, is needed for /metrics (Authorization: Bearer).
	MetricsKey string
	// Reeval, when set, is told of every layer version an upload records
	// (changes.go).
	Reeval *reeval.Worker
}

// Server is the HTTP API.
type Server struct {
	store data.Store
	rules *geo.RuleSet
	man   *data.Manifest
	log   *slog.Logger
	base  *Basemap
	now   func() time.Time
	echo  *echo.Echo

	tianditu string // Config.TiandituKey

	keys        data.KeyStore
	requireKey  bool
	requireRead bool
	limiter     *limiter
	metrics     *metrics
	batchSlots  chan struct{}
	cache       *respCache     // encoded layer responses (cache.go)
	tiles       data.TileStore // the store's own tiles, if it makes them (tiles.go)
	checker     *check.Checker // one check, from a decoded request to the filed answer
	reeval      *reeval.Worker // re-evaluation after uploads (changes.go)
	events      eventStores    // changes and webhooks (changes.go, hooks.go)
	replay      *replayMetrics // replays of filed decisions (replay.go)
}

// New builds the API and its routes.
func New(cfg Config) *Server {
	s := &Server{store: cfg.Store, rules: cfg.Rules, man: cfg.Manifest, log: cfg.Log, base: cfg.Basemap, now: cfg.Now}
	s.tianditu = cfg.TiandituKey
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.keys, s.requireKey, s.requireRead = cfg.Keys, cfg.RequireKey, cfg.RequireKeyForReads
	s.limiter = newLimiter(cfg.RateLimit, cfg.RateBurst)
	s.metrics = newMetrics(cfg.Store)
	s.store = countingStore{Store: cfg.Store, m: s.metrics}
	s.checker = check.New(check.Config{Store: s.store, Rules: s.rules, Now: s.now})
	s.replay = newReplayMetrics(s.metrics.reg)
	s.batchSlots = make(chan struct{}, MaxBatches)
	cacheBytes := cfg.LayerCacheBytes
	switch {
	case cacheBytes == 0:
		cacheBytes = DefaultLayerCacheBytes
	case cacheBytes < 0:
		cacheBytes = 0
	}
	s.cache = newRespCache(cacheBytes)
	s.tiles, _ = cfg.Store.(data.TileStore)
	s.reeval, s.events = cfg.Reeval, eventStoresOf(cfg.Store)
	if cfg.Reeval != nil {
		s.metrics.reg.MustRegister(newReevalCollector(cfg.Reeval))
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = echo.ExtractIPDirect()
	if cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	e.Pre(headAsGet)
	e.Use(s.requestID)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		s.log.Error("panic", "error", err, "path", c.Request().URL.Path, "stack", string(stack))
		return err
	}}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "SAMEORIGIN",
		ReferrerPolicy: "same-origin",
	}))
	e.Use(apiHeaders)
	if len(cfg.CORSOrigins) > 0 {
		e.Use(corsMiddleware(cfg.CORSOrigins))
	}
	e.Use(s.metrics.middleware)
	e.Use(s.requestContext)
	e.Use(s.accessLog)
	e.Use(s.authenticate)

	api := e.Group("/api/v1")
	api.GET("/layers", s.listLayers)
	api.GET("/layers/:id", s.getLayer)
	api.GET("/layers/:id/features", s.layerFeatures)
	api.GET("/layers/:id/tiles/:z/:x/:y", s.layerTile)
	api.GET("/categories", s.listCategories)
	api.GET("/rules", s.getRules)
	api.GET("/config", s.getConfig)
	api.PUT("/layers/:id", s.putLayer, s.need(data.ScopeAdmin))
	api.POST("/checks", s.postCheck, s.need(data.ScopeCheck))
	api.POST("/checks/batch", s.postBatch, s.need(data.ScopeCheck))
	api.POST("/checks/batch.geojson", s.postBatch, s.need(data.ScopeCheck))
	api.GET("/checks", s.listChecks, s.need(data.ScopeCheck, data.ScopeAudit))
	api.GET("/checks/:id", s.getCheck, s.need(data.ScopeCheck, data.ScopeAudit))
	api.POST("/checks/matrix", s.postMatrix, s.need(data.ScopeCheck))
	api.POST("/checks/move", s.postMove, s.need(data.ScopeCheck))
	api.GET("/checks/:id/replay", s.getReplay, s.need(data.ScopeCheck, data.ScopeAudit))
	api.GET("/checks/:id/diff", s.getDiff, s.need(data.ScopeCheck, data.ScopeAudit))
	api.GET("/openapi.json", s.openAPI)
	api.POST("/sites/parse", s.parseSites) // converts, files nothing: open as map reads are
	api.GET("/parcels/:number", s.getParcel)
	api.GET("/changes", s.listChanges, s.need(data.ScopeCheck, data.ScopeAudit))
	api.POST("/hooks", s.postHook, s.need(data.ScopeAdmin))
	api.GET("/hooks", s.listHooks, s.need(data.ScopeAdmin))
	api.DELETE("/hooks/:id", s.deleteHook, s.need(data.ScopeAdmin))
	api.GET("/hooks/:id/deliveries", s.listDeliveries, s.need(data.ScopeAdmin))
	api.POST("/deliveries/:id/redeliver", s.redeliver, s.need(data.ScopeAdmin))
	api.Any("/*", s.notRouted)
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metrics.handler(cfg.MetricsKey))
	ogc.Register(e, ogc.Config{Store: cfg.Store, Manifest: cfg.Manifest, Log: s.log, Now: cfg.Now, Cache: s, TrustProxy: cfg.TrustProxy})
	if cfg.Web != nil {
		e.GET("/*", echo.WrapHandler(cfg.Web))
	}
	s.echo = e
	return s
}

// routedMethods are the methods the API answers anywhere; Allow lists
// those of them a path has.
var routedMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete}

// headAsGet answers HEAD wherever GET is answered: the request is routed
// as a GET and its body is not sent (RFC 9110 §9.3.2: the same headers,
// no content). requestMethod still says HEAD.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodHead {
			return next(c)
		}
		c.Set(ctxMethod, http.MethodHead)
		r.Method = http.MethodGet
		c.Response().Writer = headWriter{c.Response().Writer}
		return next(c)
	}
}

const ctxMethod = "method"

// requestMethod is the method the client sent (HEAD is routed as GET).
func requestMethod(c echo.Context) string {
	if m, ok := c.Get(ctxMethod).(string); ok {
		return m
	}
	return c.Request().Method
}

// headWriter drops the body of a HEAD answer and keeps its headers.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(b []byte) (int, error) { return len(b), nil }

// Unwrap lets http.ResponseController reach the connection.
func (w headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// notRouted answers what no API route takes: 405 with Allow when the path
// exists for other methods (DELETE /api/v1/checks, say), else 404. The
// catch-all route that brings requests here also keeps echo from
// answering them itself in plain text.
func (s *Server) notRouted(c echo.Context) error {
	r := c.Request()
	var allow []string
	for _, m := range routedMethods {
		if m == r.Method {
			continue
		}
		probe := s.echo.NewContext(nil, nil)
		s.echo.Router().Find(m, echo.GetPath(r), probe)
		if p := probe.Path(); p != "" && p != c.Path() {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		return echo.ErrNotFound
	}
	c.Response().Header().Set(echo.HeaderAllow, strings.Join(allow, ", "))
	return problem.New(http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed",
		fmt.Sprintf("%s is not allowed on %s; it takes %s", r.Method, clip(r.URL.Path), strings.Join(allow, ", ")))
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// requestContext bounds every request in time and in body size. Batch
// and upload bodies may take BodyReadTimeout to arrive (spooled before
// any work starts) and their answers as long as their work may take.
func (s *Server) requestContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit, timeout := int64(MaxBodyBytes), RequestTimeout
		long := true
		switch {
		case c.Path() == "/api/v1/checks/batch" || c.Path() == batchGeoJSONPath:
			limit, timeout = MaxBatchBodyBytes, BatchTimeout
		case c.Path() == "/api/v1/layers/:id" && c.Request().Method == http.MethodPut:
			limit, timeout = MaxLayerBodyBytes, LayerUploadTimeout
		default:
			long = false
		}
		if long {
			// Not supported by every ResponseWriter (a test recorder):
			// then the server's own limits stand.
			rc := http.NewResponseController(c.Response())
			_ = rc.SetReadDeadline(time.Now().Add(BodyReadTimeout))
			_ = rc.SetWriteDeadline(time.Now().Add(BodyReadTimeout + timeout + 30*time.Second))
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), timeout)
		defer cancel()
		r := c.Request().WithContext(ctx)
		if r.ContentLength > limit {
			return problem.New(http.StatusRequestEntityTooLarge, "too-large", "Request too large",
				fmt.Sprintf("the request body is larger than %d bytes, the most this endpoint takes (it has %d)", limit, r.ContentLength))
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
		c.SetRequest(r)
		return next(c)
	}
}

func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		level := slog.LevelInfo
		if openPaths[c.Request().URL.Path] {
			level = slog.LevelDebug // probes and scrapes would drown the log
		}
		s.log.Log(c.Request().Context(), level, "request", "method", c.Request().Method, "path", c.Request().URL.Path,
			"route", c.Path(), "status", c.Response().Status, "bytes", c.Response().Size, "ms", time.Since(start).Milliseconds(),
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "key_id", keyID(c))
		return nil
	}
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		p := problem.New(http.StatusServiceUnavailable, "unavailable", "Not ready", "the layer store does not answer: "+err.Error())
		p.RetryAfter = 5
		return p
	}
	layers, err := s.store.Layers(ctx, data.Today())
	if err != nil {
		return err
	}
	if cov, ok := s.man.Coverage(); ok {
		for _, l := range layers {
			if l.ID == cov.ID {
				return c.JSON(http.StatusOK, map[string]any{"status": "ready", "layers": len(layers)})
			}
		}
	}
	p := problem.New(http.StatusServiceUnavailable, "unavailable", "Not ready", "no layers are loaded")
	p.RetryAfter = 5
	return p
}
