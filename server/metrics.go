package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/problem"
)

// PoolStatser is implemented by stores with a connection pool; /metrics
// exports each figure as ecospace_store_pool_<name> (a counter when the
// name ends in _total, else a gauge).
type PoolStatser interface {
	PoolStats() map[string]float64
}

// metrics are the server's Prometheus metrics, in a registry of its own
// (two servers in one process, as in tests, do not collide).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
	verdicts *prometheus.CounterVec
	batch    *prometheus.CounterVec
	limited  prometheus.Counter
}

func newMetrics(store data.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecospace_http_requests_total", Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ecospace_http_request_duration_seconds", Help: "HTTP request latency by route template and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 120, 600},
		}, []string{"route", "method"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ecospace_http_requests_in_flight", Help: "HTTP requests being served.",
		}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecospace_check_verdicts_total", Help: "Audited siting checks by verdict and project category (single and batch).",
		}, []string{"verdict", "category"}),
		batch: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecospace_batch_features_total", Help: "Batch features answered, by outcome (checked or problem).",
		}, []string{"outcome"}),
		limited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ecospace_rate_limited_total", Help: "Requests refused by the per-key rate limit.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.inflight, m.verdicts, m.batch, m.limited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if ps, ok := store.(PoolStatser); ok {
		m.reg.MustRegister(poolCollector{ps})
	}
	return m
}

// middleware counts and times every request, by route template (so that
// ids in paths do not make new series).
func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		m.inflight.Inc()
		defer m.inflight.Dec()
		if err := next(c); err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		method := metricMethod(c)
		m.requests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
		m.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		return nil
	}
}

// metricMethod is the request's method as a label: one of a fixed set,
// so that a client inventing methods cannot add series.
func metricMethod(c echo.Context) string {
	m := requestMethod(c)
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		return m
	}
	return "other"
}

// handler serves the metrics; with a key, only to a request that sends
// it as "Authorization: Bearer <key>".
func (m *metrics) handler(key string) echo.HandlerFunc {
	h := echo.WrapHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	if key == "" {
		return h
	}
	want := sha256.Sum256([]byte(key))
	return func(c echo.Context) error {
		scheme, got, _ := strings.Cut(strings.TrimSpace(c.Request().Header.Get(echo.HeaderAuthorization)), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="ecospace metrics"`)
			return problem.New(http.StatusUnauthorized, "missing-key", "Metrics key required",
				"this server's /metrics needs its metrics key (--metrics-key), sent as \"Authorization: Bearer <key>\"")
		}
		return h(c)
	}
}

func (m *metrics) rateLimited() { m.limited.Inc() }

func (m *metrics) batchFeature(ok bool) {
	if ok {
		m.batch.WithLabelValues("checked").Inc()
	} else {
		m.batch.WithLabelValues("problem").Inc()
	}
}

// poolCollector reads the pool figures at scrape time.
type poolCollector struct{ p PoolStatser }

func (pc poolCollector) Describe(chan<- *prometheus.Desc) {} // unchecked: names come from the store

func (pc poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, v := range pc.p.PoolStats() {
		name = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
				return r
			}
			return '_'
		}, strings.ToLower(name))
		typ := prometheus.GaugeValue
		if strings.HasSuffix(name, "_total") {
			typ = prometheus.CounterValue
		}
		desc := prometheus.NewDesc("ecospace_store_pool_"+name, "Store connection pool: "+name+".", nil, nil)
		ch <- prometheus.MustNewConstMetric(desc, typ, v)
	}
}

// countingStore counts verdicts as they are audited: a verdict is counted
// once it is on record, whichever handler produced it.
type countingStore struct {
	data.Store
	m *metrics
}

func (s countingStore) SaveCheck(ctx context.Context, rec *data.CheckRecord) error {
	err := s.Store.SaveCheck(ctx, rec)
	if err == nil {
		s.m.verdicts.WithLabelValues(rec.Verdict, rec.Category).Inc()
	}
	return err
}
