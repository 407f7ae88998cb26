package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/ogc"
	"github.com/zhonglou/ecospace/server/problem"
)

// Context keys set by authenticate.
const (
	ctxKey   = "key"    // *data.APIKey
	ctxKeyID = "key_id" // string, read by keyID() and recorded with each check
)

// openPaths never need a key and are never rate limited: probes and
// scrapers must see the process as it is.
var openPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// requestID keeps a client's X-Request-Id when it is short and plain (so
// that it can be followed through logs) and makes one otherwise: a hostile
// id must not reach the logs.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !plainID(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func plainID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':') {
			return false
		}
	}
	return true
}

// apiHeaders adds headers that only make sense for API responses (JSON is
// never a document to render or frame) and refuses a query string that
// does not parse: Go would silently drop the offending parameter (a
// semicolon cuts "bbox=…;…" away), answering a different question than
// the one asked.
func apiHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if strings.HasPrefix(req.URL.Path, "/api/") {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
			if req.Method != http.MethodGet && req.Method != http.MethodHead {
				h.Set("Cache-Control", "no-store")
			}
		}
		if strings.HasPrefix(req.URL.Path, "/api/") || req.URL.Path == ogc.Prefix || strings.HasPrefix(req.URL.Path, ogc.Prefix+"/") {
			if _, err := url.ParseQuery(req.URL.RawQuery); err != nil {
				return problem.BadRequest("invalid-query", "Invalid query string", "?",
					"the query string does not parse (%v); separate parameters with & and percent-encode ; and other reserved characters", err)
			}
		}
		return next(c)
	}
}

// corsMiddleware allows the listed origins (and only them) to call the API
// from a browser with a bearer key; no cookies are involved.
func corsMiddleware(origins []string) echo.MiddlewareFunc {
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  origins,
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodOptions},
		AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, echo.HeaderAccept, echo.HeaderXRequestID, "Valid-From"},
		ExposeHeaders: []string{echo.HeaderXRequestID, "Retry-After", "X-Layer-Version", "X-Batch-Features", echo.HeaderLocation},
		MaxAge:        600,
	})
}

// authenticate reads a bearer key when one is sent (a bad key is refused
// even where none is needed: a client with a broken key should learn it at
// once), applies the per-key rate limit, and enforces RequireKeyForReads.
// Scopes are checked per route by need.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if openPaths[req.URL.Path] || req.Method == http.MethodOptions {
			return next(c)
		}
		var key *data.APIKey
		if h := req.Header.Get(echo.HeaderAuthorization); h != "" {
			k, err := s.lookupKey(c, h)
			if err != nil {
				return err
			}
			key = k
			c.Set(ctxKey, key)
			c.Set(ctxKeyID, key.ID)
		}
		if s.limiter != nil && strings.HasPrefix(req.URL.Path, "/api/") {
			// Keys are limited on every call; keyless clients (the map,
			// tried by address) only on what costs: checks and writes.
			id := ""
			if key != nil {
				id = "key:" + key.ID
			} else if req.Method != http.MethodGet && req.Method != http.MethodHead {
				id = "addr:" + c.RealIP()
			}
			if id != "" {
				if ok, wait := s.limiter.allow(id, time.Now()); !ok {
					s.metrics.rateLimited()
					p := problem.New(http.StatusTooManyRequests, "rate-limited", "Too many requests",
						fmt.Sprintf("this %s may make %g requests a second (bursts of %d); try again in %s",
							strings.Split(id, ":")[0], float64(s.limiter.r), s.limiter.burst, wait.Round(time.Millisecond)))
					p.RetryAfter = int(math.Ceil(wait.Seconds()))
					return p
				}
			}
		}
		// Map reads are open unless configured otherwise; the map's own
		// static files (the catch-all route) always are.
		if key == nil && s.requireRead && c.Path() != "/*" {
			return s.missingKey(c, "")
		}
		return next(c)
	}
}

// lookupKey resolves an Authorization header to a key.
func (s *Server) lookupKey(c echo.Context, h string) (*data.APIKey, error) {
	scheme, secret, _ := strings.Cut(strings.TrimSpace(h), " ")
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return nil, s.invalidKey(c, "invalid-key", "Invalid credentials", "send the API key as \"Authorization: Bearer <key>\"")
	}
	if s.keys == nil {
		return nil, s.invalidKey(c, "invalid-key", "Invalid API key", "this server accepts no API keys")
	}
	k, err := s.keys.LookupKey(c.Request().Context(), secret)
	switch {
	case err == nil:
		return &k, nil
	case errors.Is(err, data.ErrKeyRevoked):
		when := ""
		if k.RevokedAt != nil {
			when = " on " + k.RevokedAt.Format(time.DateOnly)
		}
		return nil, s.invalidKey(c, "revoked-key", "API key revoked", fmt.Sprintf("API key %s (%s) was revoked%s; ask for a new one", k.ID, k.Name, when))
	case errors.Is(err, data.ErrNotFound):
		return nil, s.invalidKey(c, "invalid-key", "Invalid API key", "the API key is not known")
	}
	// The key store cannot answer: nobody is let in, and nobody is told
	// their key is bad.
	return nil, fmt.Errorf("api key lookup: %w: %w", data.ErrUnavailable, err)
}

func (s *Server) invalidKey(c echo.Context, slug, title, detail string) *problem.Problem {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="ecospace", error="invalid_token"`)
	return problem.New(http.StatusUnauthorized, slug, title, detail)
}

func (s *Server) missingKey(c echo.Context, scope string) *problem.Problem {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="ecospace"`)
	need := "an API key"
	if scope != "" {
		need = "an API key with scope " + scope
	}
	return problem.New(http.StatusUnauthorized, "missing-key", "API key required",
		"this request needs "+need+", sent as \"Authorization: Bearer <key>\"")
}

// need guards a route with a scope (any of scopes). Writes (scope admin)
// always need a key; checks need one when the server requires keys.
func (s *Server) need(scopes ...string) echo.MiddlewareFunc {
	scope := strings.Join(scopes, " or ")
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			key, _ := c.Get(ctxKey).(*data.APIKey)
			if key == nil {
				if scopes[0] == data.ScopeAdmin || s.requireKey {
					return s.missingKey(c, scope)
				}
				return next(c)
			}
			if !slices.ContainsFunc(scopes, key.Has) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate,
					fmt.Sprintf(`Bearer realm="ecospace", error="insufficient_scope", scope=%q`, scope))
				return problem.New(http.StatusForbidden, "insufficient-scope", "Insufficient scope",
					fmt.Sprintf("API key %s has scope %s; this request needs %s", key.ID, strings.Join(key.Scopes, ","), scope))
			}
			return next(c)
		}
	}
}

// limiter is a token bucket per client: rate r, burst b. Buckets not
// used for a while are forgotten (a full bucket is the same as a new one).
type limiter struct {
	r     rate.Limit
	burst int

	mu    sync.Mutex
	m     map[string]*bucket
	swept time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiter(perSecond float64, burst int) *limiter {
	if perSecond <= 0 {
		return nil
	}
	if burst < 1 {
		burst = max(1, int(math.Ceil(perSecond)))
	}
	return &limiter{r: rate.Limit(perSecond), burst: burst, m: map[string]*bucket{}}
}

// allow takes a token for id, or says how long until one is free.
func (l *limiter) allow(id string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		idle := time.Duration(float64(l.burst)/float64(l.r)*float64(time.Second)) + time.Minute
		for k, b := range l.m {
			if now.Sub(b.seen) > idle {
				delete(l.m, k)
			}
		}
		l.swept = now
	}
	b := l.m[id]
	if b == nil {
		b = &bucket{l: rate.NewLimiter(l.r, l.burst)}
		l.m[id] = b
	}
	b.seen = now
	r := b.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
