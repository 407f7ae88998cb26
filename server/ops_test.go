package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestMetricsLabelsFixed: a client that invents methods or paths adds no
// series to /metrics.
func TestMetricsLabelsFixed(t *testing.T) {
	s, _ := keyedServer(t, nil)
	count := func() int {
		return strings.Count(call(t, s, "GET", "/metrics", "").Body.String(), "\n")
	}
	call(t, s, "BREW", "/api/v1/layers", "")
	call(t, s, "GET", "/api/v1/no-such-thing-0", "")
	call(t, s, "GET", "/ogc/nothing", "")
	count()
	before := count()
	for i := range 20 {
		call(t, s, "BREW"+strings.Repeat("X", i), "/api/v1/layers", "")
		call(t, s, "GET", "/api/v1/no-such-thing-"+strings.Repeat("y", i), "")
		call(t, s, "GET", "/ogc/nothing/"+strings.Repeat("z", i), "")
	}
	if after := count(); after != before {
		t.Errorf("20 invented methods and paths added %d lines to /metrics:\n%s", after-before, grepLines(call(t, s, "GET", "/metrics", "").Body.String(), "ecospace_http"))
	}
	if body := call(t, s, "GET", "/metrics", "").Body.String(); !strings.Contains(body, `method="other"`) || strings.Contains(body, "BREW") {
		t.Errorf("invented methods are not counted as other:\n%s", grepLines(body, "ecospace_http_requests_total"))
	}
}

// TestMetricsKey: with --metrics-key, /metrics needs it.
func TestMetricsKey(t *testing.T) {
	s, k := keyedServer(t, func(c *Config) { c.MetricsKey = "scrape-secret" })
	wantProblem(t, call(t, s, "GET", "/metrics", ""), http.StatusUnauthorized, "missing-key")
	wantProblem(t, call(t, s, "GET", "/metrics", "", bearer("wrong")...), http.StatusUnauthorized, "missing-key")
	wantProblem(t, call(t, s, "GET", "/metrics", "", bearer(k.admin)...), http.StatusUnauthorized, "missing-key")
	if rec := call(t, s, "GET", "/metrics", "", bearer("scrape-secret")...); rec.Code != 200 || !strings.Contains(rec.Body.String(), "go_goroutines") {
		t.Errorf("with the key: %d", rec.Code)
	}
}

// TestHeadWhereGet: HEAD is answered wherever GET is, with GET's status
// and headers and no body; where GET is not, as GET would be.
func TestHeadWhereGet(t *testing.T) {
	s, _ := keyedServer(t, nil)
	for _, path := range []string{
		"/healthz", "/readyz", "/metrics", "/api/v1/layers", "/api/v1/layers/canal", "/api/v1/layers/canal/features",
		"/api/v1/categories", "/api/v1/rules", "/api/v1/config", "/api/v1/openapi.json", "/ogc", "/ogc/collections",
		"/ogc/collections/canal/items?limit=1", "/api/v1/layers/nope",
	} {
		get := call(t, s, "GET", path, "")
		head := call(t, s, "HEAD", path, "")
		if head.Code != get.Code || head.Body.Len() != 0 || head.Header().Get("Content-Type") != get.Header().Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q, %d bytes; GET: %d %q", path, head.Code, head.Header().Get("Content-Type"), head.Body.Len(), get.Code, get.Header().Get("Content-Type"))
		}
	}
}

// TestOGCQuerySemicolon: a ; in an OGC query string is refused as in /api.
func TestOGCQuerySemicolon(t *testing.T) {
	s, _ := keyedServer(t, nil)
	wantProblem(t, call(t, s, "GET", "/ogc/collections/canal/items?limit=1;bbox=0,0,1,1", ""), http.StatusBadRequest, "invalid-query")
}
