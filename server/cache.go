package server

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// Layers change rarely (an import makes a new version) and are read often
// and whole by the map, so encoded layer responses (GeoJSON, vector tiles)
// are kept: plain and gzip-compressed, per layer version and query. The
// key holds the version in force, so an import needs no invalidation: the
// next request resolves the new version, misses, and the old entries age
// out of the LRU. A response's ETag is derived from the same key, so it is
// known before anything is encoded and If-None-Match costs one version
// look-up.

// DefaultLayerCacheBytes bounds the encoded layer responses kept per
// server (plain and gzip together) unless Config.LayerCacheBytes says
// otherwise. A response larger than a quarter of the bound is streamed and
// not kept.
const DefaultLayerCacheBytes = 256 << 20

// cacheFormat is part of every ETag: bump it when the encoding of layer
// responses changes, so that no client keeps an old body as current.
const cacheFormat = "2"

// layerMaxAge is how long a client may reuse a layer response without
// asking again; after it, If-None-Match revalidates it cheaply.
const layerMaxAge = 60

type cacheEntry struct {
	key   string
	plain []byte
	gz    []byte // nil until first asked for
	size  int64
}

// doorkeeperSize is how many keys seen once a doorkeeper generation holds.
const doorkeeperSize = 1 << 14

// respCache is an LRU of encoded responses, bounded in bytes, with an
// admission doorkeeper.
type respCache struct {
	mu  sync.Mutex
	max int64
	// admitAll keeps every response that fits at once. Off (the default),
	// a response is kept only when its key is asked for a second time
	// while the doorkeeper still remembers the first (the last
	// doorkeeperSize to 2×doorkeeperSize misses): a map panned over a big
	// layer, or a GIS client's one-off boxes, ask for thousands of keys
	// once each; kept on first sight, they would push out the whole
	// layers and tiles that are asked for again and again, and each would
	// cost a copy of its bytes.
	admitAll bool
	size     int64
	ll       *list.List // front: most recently used
	items    map[string]*list.Element
	// seen and seenBefore are the doorkeeper's two generations: hashes of
	// keys missed once and not kept. When seen fills it becomes
	// seenBefore, and the oldest generation is forgotten.
	seen, seenBefore map[uint64]struct{}

	hits, misses, refused atomic.Int64
}

func newRespCache(max int64) *respCache {
	return &respCache{max: max, ll: list.New(), items: map[string]*list.Element{}, seen: map[uint64]struct{}{}}
}

// get returns a kept response.
func (c *respCache) get(key string) (*cacheEntry, bool) {
	e, ok, _ := c.lookup(key)
	return e, ok
}

// lookup returns a kept response, or says whether a response for key
// should be kept once made (admit): on its second miss.
func (c *respCache) lookup(key string) (e *cacheEntry, ok, admit bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.hits.Add(1)
		c.ll.MoveToFront(el)
		return el.Value.(*cacheEntry), true, true
	}
	c.misses.Add(1)
	if c.admitAll {
		return nil, false, true
	}
	h := keyHash(key)
	if _, ok := c.seen[h]; ok {
		delete(c.seen, h)
		return nil, false, true
	}
	if _, ok := c.seenBefore[h]; ok {
		delete(c.seenBefore, h)
		return nil, false, true
	}
	if len(c.seen) >= doorkeeperSize {
		c.seenBefore, c.seen = c.seen, make(map[uint64]struct{}, doorkeeperSize)
	}
	c.seen[h] = struct{}{}
	c.refused.Add(1)
	return nil, false, false
}

// keyHash is FNV-1a over the key: the doorkeeper keeps 8 bytes a key, not
// the key (a collision only admits a response early).
func keyHash(key string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	return h
}

// fits reports whether a response of n bytes may be kept.
func (c *respCache) fits(n int) bool { return int64(n) <= c.max/4 }

// put keeps a response (and its gzip form, if made), evicting the least
// recently used ones beyond the bound.
func (c *respCache) put(key string, plain, gz []byte) *cacheEntry {
	e := &cacheEntry{key: key, plain: plain, gz: gz, size: int64(len(plain) + len(gz) + len(key) + 64)}
	if !c.fits(len(plain) + len(gz)) {
		return e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*cacheEntry)
	}
	c.items[key] = c.ll.PushFront(e)
	c.size += e.size
	c.evict()
	return e
}

// gzipOf returns the entry's gzip form, compressing it on first use.
func (c *respCache) gzipOf(e *cacheEntry) []byte {
	c.mu.Lock()
	gz := e.gz
	c.mu.Unlock()
	if gz != nil {
		return gz
	}
	gz = gzipBytes(e.plain)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.gz == nil {
		e.gz = gz
		if el, kept := c.items[e.key]; kept && el.Value.(*cacheEntry) == e {
			c.size += int64(len(gz))
			e.size += int64(len(gz))
			c.evict()
		}
	}
	return e.gz
}

// evict drops entries from the back until the cache fits; callers hold mu.
func (c *respCache) evict() {
	for c.size > c.max && c.ll.Len() > 0 {
		el := c.ll.Back()
		e := el.Value.(*cacheEntry)
		c.ll.Remove(el)
		delete(c.items, e.key)
		c.size -= e.size
	}
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// etagFor is a strong validator for a response identified by key (layer,
// version in force, normalised query, encoding format); the gzip
// representation gets its own, as RFC 9110 asks of strong validators.
func etagFor(key string, gz bool) string {
	sum := sha256.Sum256([]byte(cacheFormat + "\x00" + key))
	t := `"` + hex.EncodeToString(sum[:12])
	if gz {
		t += "-gz"
	}
	return t + `"`
}

// notModified reports whether If-None-Match names either representation
// of the response (RFC 9110 §13.1.2: weak comparison).
func notModified(r *http.Request, key string) bool {
	inm := r.Header.Get("If-None-Match")
	if inm == "" {
		return false
	}
	plain, gz := etagFor(key, false), etagFor(key, true)
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == plain || t == gz {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether the client takes Content-Encoding: gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get(echo.HeaderAcceptEncoding), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(name) != "*" {
			continue
		}
		q = strings.TrimSpace(q)
		if v, ok := strings.CutPrefix(q, "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// cacheHeaders sets the validators and caching policy of a layer response.
func (s *Server) cacheHeaders(h http.Header, key string, gz bool) {
	h.Set("ETag", etagFor(key, gz))
	scope := "public"
	if s.requireRead {
		scope = "private" // keyed reads must not sit in shared caches
	}
	h.Set(echo.HeaderCacheControl, scope+", max-age="+strconv.Itoa(layerMaxAge)+", must-revalidate")
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	if s.requireRead {
		h.Add(echo.HeaderVary, echo.HeaderAuthorization)
	}
}

// serveCached answers from a kept response: 304 when the client has it,
// else the body, gzip-compressed when the client takes it.
func (s *Server) serveCached(c echo.Context, cache *respCache, e *cacheEntry, ctype string) error {
	r, w := c.Request(), c.Response()
	gz := acceptsGzip(r)
	s.cacheHeaders(w.Header(), e.key, gz)
	body := e.plain
	if gz {
		body = cache.gzipOf(e)
		w.Header().Set(echo.HeaderContentEncoding, "gzip")
	}
	w.Header().Set(echo.HeaderContentType, ctype)
	w.Header().Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write(body)
	return err
}

// StreamCached answers a GET whose body is wholly determined by key, which
// must name the layer versions in force (so that an import needs no
// invalidation) and the normalised query: 304 when If-None-Match names it,
// the kept body when there is one (X-Cache: hit), else the body write
// produces (X-Cache: miss), streamed to the client (gzip when it takes it)
// and kept for next time if it fits and the doorkeeper admits it.
// Once write has begun the status line is gone, so if write fails for any
// reason but the client's going away the connection is dropped rather
// than a truncated body made to look whole.
func (s *Server) StreamCached(c echo.Context, key, ctype string, write func(w io.Writer) error) error {
	r, w := c.Request(), c.Response()
	if notModified(r, key) {
		s.cacheHeaders(w.Header(), key, acceptsGzip(r))
		return c.NoContent(http.StatusNotModified)
	}
	cache := s.layerCache()
	e, ok, admit := cache.lookup(key)
	if ok {
		w.Header().Set("X-Cache", "hit")
		return s.serveCached(c, cache, e, ctype)
	}
	w.Header().Set("X-Cache", "miss")
	gz := acceptsGzip(r)
	s.cacheHeaders(w.Header(), key, gz)
	w.Header().Set(echo.HeaderContentType, ctype)
	// A response not to be kept is not copied either.
	limit := int(min(cache.max/4, math.MaxInt32))
	if !admit {
		limit = -1
	}
	client := &clientWriter{w: w}
	var out io.Writer = client
	var zw *gzip.Writer
	var zcap *capture
	if gz {
		w.Header().Set(echo.HeaderContentEncoding, "gzip")
		zcap = &capture{w: client, limit: limit}
		zw, _ = gzip.NewWriterLevel(zcap, gzip.BestSpeed)
		out = zw
	}
	w.WriteHeader(http.StatusOK)
	pcap := &capture{w: out, limit: limit}
	err := write(pcap)
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if client.err != nil {
		return nil // the client went away; nothing to keep
	}
	if err != nil {
		if ctx := r.Context(); ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
			s.log.Error("stream response", "key", key, "error", err)
		}
		panic(http.ErrAbortHandler)
	}
	if !pcap.over {
		var zb []byte
		if zcap != nil && !zcap.over {
			zb = zcap.buf
		}
		cache.put(key, pcap.buf, zb)
	}
	return nil
}

// clientWriter remembers the first error writing to the client, which
// tells a departed client from a failing producer.
type clientWriter struct {
	w   io.Writer
	err error
}

func (c *clientWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err != nil {
		c.err = err
	}
	return n, err
}

// capture keeps a copy of what passes through, up to limit bytes; over it,
// the copy is dropped (the response is too big to keep).
type capture struct {
	w     io.Writer
	buf   []byte
	limit int
	over  bool
}

func (c *capture) Write(p []byte) (int, error) {
	if !c.over {
		if len(c.buf)+len(p) > c.limit {
			c.over, c.buf = true, nil
		} else {
			c.buf = append(c.buf, p...)
		}
	}
	return c.w.Write(p)
}

// CacheStats reports the layer response cache: entries, bytes, hits and
// misses (for /metrics and tests).
func (s *Server) CacheStats() (entries int, bytes, hits, misses int64) {
	c := s.layerCache()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len(), c.size, c.hits.Load(), c.misses.Load()
}

// CacheRefused is how many responses the doorkeeper did not keep: misses
// of keys asked for the first time (respCache.admitAll off).
func (s *Server) CacheRefused() int64 { return s.layerCache().refused.Load() }

// layerCache is the server's response cache.
func (s *Server) layerCache() *respCache { return s.cache }

// OverviewZoom is the highest zoom whose GeoJSON is written with fewer
// decimals than geo.Decimals: up to it a map shows a layer whole, a pixel
// spans tens of metres or more, and the full 6 decimals (0.1 m) would be
// most of the bytes of an already simplified layer.
const OverviewZoom = 10

// DecimalsForZoom is the number of decimals GeoJSON positions get at a
// zoom: full precision above OverviewZoom (and for zoom < 0, full
// resolution); below, the fewest that keep rounding within a quarter of
// the simplification tolerance (half a pixel), e.g. 4 at zoom 10 (≈ 10 m).
func DecimalsForZoom(zoom int) int {
	if zoom < 0 || zoom > OverviewZoom {
		return geo.Decimals
	}
	tol := geo.ZoomTolerance(zoom)
	d := int(math.Ceil(math.Log10(2 / tol)))
	return max(1, min(d, geo.Decimals))
}

// roundGeometry returns a copy of g with positions rounded to decimals and
// repeated positions dropped (a ring keeps at least four).
func roundGeometry(g orb.Geometry, decimals int) orb.Geometry {
	f := math.Pow(10, float64(decimals))
	rnd := func(x, y float64) (float64, float64) { return math.Round(x*f) / f, math.Round(y*f) / f }
	g = geo.TransformGeometry(g, rnd)
	switch g := g.(type) {
	case orb.LineString:
		return dedup(g, 2)
	case orb.MultiLineString:
		for i := range g {
			g[i] = dedup(g[i], 2)
		}
	case orb.Polygon:
		dedupPolygon(g)
	case orb.MultiPolygon:
		for _, p := range g {
			dedupPolygon(p)
		}
	}
	return g
}

func dedupPolygon(p orb.Polygon) {
	for i := range p {
		p[i] = orb.Ring(dedup(orb.LineString(p[i]), 4))
	}
}

// dedup drops positions equal to the one before, unless fewer than keep
// would be left.
func dedup(ls orb.LineString, keep int) orb.LineString {
	out := ls[:0:0]
	for i, p := range ls {
		if i > 0 && p == ls[i-1] {
			continue
		}
		out = append(out, p)
	}
	if len(out) < keep {
		return ls
	}
	return out
}
