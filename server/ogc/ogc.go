// Package ogc serves ecospace's layers through OGC API – Features, so that
// desktop GIS (QGIS, ArcGIS Pro) and GDAL read them directly: Part 1 (Core,
// GeoJSON, HTML, OpenAPI 3.0) and Part 2 (CRS by reference: CRS84,
// EPSG:4326, EPSG:4490, EPSG:4549), all under /ogc. One collection is one
// layer; its items are the features of the layer version in force on the
// requested date. Both stores serve it through data.Store. FEATURES.md
// lists what is and is not implemented.
package ogc

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/problem"
)

// Prefix is where the API is mounted.
const Prefix = "/ogc"

// Paging limits (Part 1, /req/core/fc-limit-definition). A larger limit is
// not an error: it is served as MaxLimit, as Part 1 asks.
const (
	DefaultLimit = 100
	MaxLimit     = 10_000
)

// Media types.
const (
	mtJSON    = "application/json"
	mtGeoJSON = "application/geo+json"
	mtHTML    = "text/html"
	mtOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	mtProblem = "application/problem+json"
)

// Conformance classes declared at /ogc/conformance.
var conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
}

// Config wires the API.
type Config struct {
	Store    data.Store
	Manifest *data.Manifest
	// Title of the landing page; empty: a default naming the district.
	Title string
	// BaseURL returns the absolute URL of the landing page (…/ogc, no
	// trailing slash) as the client sees it; every link is built on it.
	// nil: derived from the request's Host, or (with TrustProxy)
	// X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-Prefix.
	BaseURL func(r *http.Request) string
	// TrustProxy: the server runs behind a reverse proxy that sets
	// X-Forwarded-*; without it those headers, which any client can send,
	// are ignored.
	TrustProxy bool
	Log        *slog.Logger
	// Now is the clock for timeStamp and for "today" (the default
	// datetime); nil: time.Now.
	Now func() time.Time
	// Cache keeps encoded items pages per layer version and query, with
	// ETag and gzip (the *server.Server the API is mounted on); nil: every
	// page is encoded per request.
	Cache Cache
}

// Cache answers a GET from a kept response or streams it with write and
// keeps it; see server.(*Server).StreamCached.
type Cache interface {
	StreamCached(c echo.Context, key, ctype string, write func(w io.Writer) error) error
}

type handler struct {
	cfg   Config
	store data.Store
	log   *slog.Logger
	now   func() time.Time

	propMu sync.Mutex
	props  map[string][]property // by layer id + "@" + version
}

// Register mounts the API under /ogc on e; server.New calls it on its
// router. Its errors are returned as *problem.Problem, which the error
// handler of that router (server's) writes as application/problem+json.
func Register(e *echo.Echo, cfg Config) {
	h := &handler{cfg: cfg, store: cfg.Store, log: cfg.Log, now: cfg.Now, props: map[string][]property{}}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.cfg.Title == "" {
		h.cfg.Title = "ecospace 钟楼区生态空间管控图层 (Zhonglou District ecological-space control layers)"
	}
	g := e.Group(Prefix)
	g.GET("", h.landing)
	g.GET("/", h.landing)
	g.GET("/conformance", h.conformance)
	g.GET("/api", h.api)
	g.GET("/collections", h.collections)
	g.GET("/collections/:collectionId", h.collection)
	g.GET("/collections/:collectionId/items", h.items)
	g.GET("/collections/:collectionId/items/:featureId", h.item)
	g.Any("/*", func(c echo.Context) error {
		return paramProblem(http.StatusNotFound, "not-found", "Not found",
			"no such OGC API resource: "+c.Request().URL.Path+"; the landing page is "+Prefix, "")
	})
}

// china decides which calendar day a date-time falls on.
var china = time.FixedZone("CST", 8*3600)

func (h *handler) today() time.Time { return data.DateOf(h.now().In(china)) }

// ---- problems -------------------------------------------------------------

// paramProblem is a problem pointing at query parameter param, if any.
func paramProblem(status int, slug, title, detail, param string) *problem.Problem {
	p := problem.New(status, slug, title, detail)
	if param != "" {
		p.Pointer = "?" + param
	}
	return p
}

func badParam(param, slug, title, format string, args ...any) *problem.Problem {
	return paramProblem(http.StatusBadRequest, slug, title, fmt.Sprintf(format, args...), param)
}

func collectionNotFound(id string) *problem.Problem {
	return paramProblem(http.StatusNotFound, "not-found", "Collection not found",
		fmt.Sprintf("there is no collection %q; GET %s/collections lists them", clip(id), Prefix), "")
}

// ---- parameters -----------------------------------------------------------

// query checks the request's query parameters against those the resource
// defines (Part 1 /req/core/query-param-unknown: anything else is a 400)
// and returns them with one value each. A parameter repeated with the
// same value is accepted (GDAL repeats the query of its connection string
// on links that already carry it); repeated with different values it is a
// 400. known == nil accepts any name (checked later by the caller).
func query(c echo.Context, known ...string) (url.Values, error) {
	q := c.QueryParams()
	out := url.Values{}
	for k, vs := range q {
		if known != nil && !contains(known, k) {
			return nil, unknownParam(k, known)
		}
		for _, v := range vs[1:] {
			if v != vs[0] {
				return nil, badParam(k, "repeated-parameter", "Repeated parameter",
					"%s is given more than once with different values", clip(k))
			}
		}
		out.Set(k, vs[0])
	}
	return out, nil
}

func unknownParam(k string, known []string) *problem.Problem {
	known = append([]string(nil), known...)
	sort.Strings(known)
	return badParam(k, "unknown-parameter", "Unknown parameter",
		"%q is not a parameter of this resource; it takes %s", clip(k), strings.Join(known, ", "))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// format negotiates the representation: ?f= wins, then Accept. Anything
// that is not clearly a browser asking for HTML gets JSON.
func format(c echo.Context, q url.Values) (string, error) {
	c.Response().Header().Add("Vary", "Accept")
	switch strings.ToLower(q.Get("f")) {
	case "":
	case "json", "geojson", mtJSON, mtGeoJSON:
		return "json", nil
	case "html", mtHTML:
		return "html", nil
	default:
		return "", badParam("f", "invalid-format", "Unsupported format",
			"f=%q is not offered; use f=json (GeoJSON for features) or f=html", clip(q.Get("f")))
	}
	htmlQ, jsonQ := 0.0, 0.0
	for _, part := range strings.Split(c.Request().Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		qv := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				qv = f
			}
		}
		switch {
		case mt == mtHTML || mt == "application/xhtml+xml":
			htmlQ = max(htmlQ, qv)
		case mt == mtJSON || mt == mtGeoJSON || strings.HasSuffix(mt, "+json"):
			jsonQ = max(jsonQ, qv)
		case mt == "*/*" || mt == "application/*":
			jsonQ = max(jsonQ, qv)
		}
	}
	if htmlQ > jsonQ {
		return "html", nil
	}
	return "json", nil
}

// pathParam returns a path parameter unescaped.
func pathParam(c echo.Context, name string) string {
	v := c.Param(name)
	if c.Request().URL.RawPath != "" {
		if u, err := url.PathUnescape(v); err == nil {
			return u
		}
	}
	return v
}

// ---- links ----------------------------------------------------------------

type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// base is the absolute URL of the landing page as the client sees it.
func (h *handler) base(r *http.Request) string {
	if h.cfg.BaseURL != nil {
		return strings.TrimRight(h.cfg.BaseURL(r), "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if !h.cfg.TrustProxy {
		return scheme + "://" + r.Host + Prefix
	}
	if p := firstValue(r.Header.Get("X-Forwarded-Proto")); p == "http" || p == "https" {
		scheme = p
	}
	host := r.Host
	if fh := firstValue(r.Header.Get("X-Forwarded-Host")); fh != "" && !strings.ContainsAny(fh, "/ \\@?#") {
		host = fh
	}
	prefix := ""
	if fp := firstValue(r.Header.Get("X-Forwarded-Prefix")); strings.HasPrefix(fp, "/") && !strings.ContainsAny(fp, " ?#") {
		prefix = strings.TrimRight(fp, "/")
	}
	return scheme + "://" + host + prefix + Prefix
}

func firstValue(h string) string {
	v, _, _ := strings.Cut(h, ",")
	return strings.TrimSpace(v)
}

// withQuery returns href with the parameters q (sorted, escaped).
func withQuery(href string, q url.Values) string {
	if len(q) == 0 {
		return href
	}
	return href + "?" + q.Encode()
}

// alt copies q with f set (or removed when f is "").
func alt(q url.Values, f string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	if f == "" {
		out.Del("f")
	} else {
		out.Set("f", f)
	}
	return out
}

// selfLinks are the self and alternate links of a JSON/HTML resource.
func selfLinks(href string, q url.Values, format, jsonType, what string) []link {
	j := link{Href: withQuery(href, alt(q, "json")), Type: jsonType, Title: what + " as JSON"}
	ht := link{Href: withQuery(href, alt(q, "html")), Type: mtHTML, Title: what + " as HTML"}
	if format == "html" {
		ht.Rel, j.Rel = "self", "alternate"
		return []link{ht, j}
	}
	j.Rel, ht.Rel = "self", "alternate"
	return []link{j, ht}
}

// ---- store errors ---------------------------------------------------------

// isNotFound: the collection is not in the manifest.
func isNotFound(err error) bool { return errors.Is(err, data.ErrNotFound) }

// isNoVersion: the layer exists but no version is in force on the date.
func isNoVersion(err error) bool { return errors.Is(err, data.ErrNoVersion) }
