package ogc

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// crsDef is a coordinate reference system the API serves (Part 2, CRS by
// reference). Coordinates are written in the axis order of the CRS as its
// authority defines it: that is what the crs parameter asks for, what the
// Content-Crs header names, and what GDAL ≥ 3.7 expects by default
// (SERVER_FEATURE_AXIS_ORDER=AUTHORITY_COMPLIANT).
//
//	CRS84      lon, lat            (OGC; RFC 7946 GeoJSON's own order)
//	EPSG:4326  lat, lon            (WGS 84 as EPSG defines it)
//	EPSG:4490  lat, lon            (CGCS2000 geographic 2D, EPSG CS 6422)
//	EPSG:4549  northing, easting   (CGCS2000 / 3-degree GK CM 120E, EPSG CS 4530: "X" is north)
type crsDef struct {
	code  string // short name used in messages and the HTML pages
	uri   string // the OGC http URI: what lists, Content-Crs and links carry
	title string
	// swap: the authority's first axis is latitude/northing, so positions
	// are written (y, x) of the (east, north) pair the code computes with.
	swap bool
	// fromLonLat converts CGCS2000/WGS84 lon/lat to (east, north) in this
	// CRS; nil for the geographic CRSs, where it is the identity.
	fromLonLat func(lon, lat float64) (x, y float64)
	toLonLat   func(x, y float64) (lon, lat float64)
	decimals   int // 6 for degrees (≈ 0.1 m), 3 for metres (1 mm)
}

var (
	crs84 = &crsDef{code: "CRS84", uri: "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
		title: "WGS 84 longitude, latitude (OGC CRS84)", decimals: 6}
	epsg4326 = &crsDef{code: "EPSG:4326", uri: "http://www.opengis.net/def/crs/EPSG/0/4326",
		title: "WGS 84 latitude, longitude (EPSG:4326)", swap: true, decimals: 6}
	epsg4490 = &crsDef{code: "EPSG:4490", uri: "http://www.opengis.net/def/crs/EPSG/0/4490",
		title: "CGCS2000 latitude, longitude (EPSG:4490)", swap: true, decimals: 6}
	epsg4549 = &crsDef{code: "EPSG:4549", uri: "http://www.opengis.net/def/crs/EPSG/0/4549",
		title: "CGCS2000 / 3-degree Gauss-Kruger CM 120E, northing, easting in metres (EPSG:4549)",
		swap:  true, fromLonLat: geo.ToGK, toLonLat: geo.FromGK, decimals: 3}

	// supportedCRS is every collection's crs list, default first.
	supportedCRS = []*crsDef{crs84, epsg4326, epsg4490, epsg4549}
	// storageCRS: layers are stored as CGCS2000 lon/lat (RFC 7946 GeoJSON,
	// WGS84 within centimetres), so CRS84 needs no transformation.
	storageCRS = crs84
)

func crsURIs() []string {
	out := make([]string, len(supportedCRS))
	for i, c := range supportedCRS {
		out[i] = c.uri
	}
	return out
}

// crsAliases maps every accepted spelling, lower-cased, to its CRS: the
// OGC http(s) URI (what Part 2 requires), the OGC URN, and the CURIE and
// safe-CURIE forms. EPSG:4326 is EPSG's latitude-first system here, never
// a synonym of CRS84: a client asking for it gets latitude first.
var crsAliases = func() map[string]*crsDef {
	m := map[string]*crsDef{}
	add := func(c *crsDef, names ...string) {
		for _, n := range names {
			m[strings.ToLower(n)] = c
			if rest, ok := strings.CutPrefix(n, "http://"); ok {
				m["https://"+strings.ToLower(rest)] = c
			}
		}
	}
	add(crs84, crs84.uri, "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "OGC:CRS84", "[OGC:CRS84]", "CRS84")
	for _, c := range []*crsDef{epsg4326, epsg4490, epsg4549} {
		n := strings.TrimPrefix(c.code, "EPSG:")
		add(c, c.uri, "urn:ogc:def:crs:EPSG::"+n, "urn:ogc:def:crs:EPSG:0:"+n, "EPSG:"+n, "[EPSG:"+n+"]")
	}
	return m
}()

// parseCRS resolves the value of a crs or bbox-crs parameter; "" is the
// default, CRS84.
func parseCRS(param, v string) (*crsDef, error) {
	if v == "" {
		return crs84, nil
	}
	if c, ok := crsAliases[strings.ToLower(strings.TrimSpace(v))]; ok {
		return c, nil
	}
	return nil, badParam(param, "unsupported-crs", "Unsupported CRS",
		"%s %q is not a CRS this API serves; use one of %s", param, clip(v), strings.Join(crsURIs(), ", "))
}

// contentCrs is the value of the Content-Crs header (Part 2: the URI in
// angle brackets).
func (c *crsDef) contentCrs() string { return "<" + c.uri + ">" }

// bboxQuery is a parsed bbox: the box in its own CRS's (east, north) plane
// and its lon/lat envelope for the store's pre-filter.
type bboxQuery struct {
	crs    *crsDef
	box    orb.Bound // (east, north) in crs: lon/lat for the geographic CRSs, metres for EPSG:4549
	lonlat orb.Bound
}

// parseBBox reads bbox in the axis order of bbox-crs: for CRS84
// minLon,minLat,maxLon,maxLat; for EPSG:4326 and EPSG:4490
// minLat,minLon,maxLat,maxLon; for EPSG:4549 minNorthing,minEasting,
// maxNorthing,maxEasting. Six numbers (with heights) are accepted and the
// heights ignored: every layer here is 2D.
func parseBBox(v string, c *crsDef) (*bboxQuery, error) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, badParam("bbox", "invalid-bbox", "Invalid bbox",
			"bbox needs 4 numbers (or 6 with heights) in the axis order of bbox-crs (%s: %s); got %d", c.code, bboxAxes(c), len(parts))
	}
	f := make([]float64, len(parts))
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, badParam("bbox", "invalid-bbox", "Invalid bbox", "bbox value %d (%q) is not a finite number", i+1, clip(p))
		}
		f[i] = x
	}
	lo, hi := [2]float64{f[0], f[1]}, [2]float64{f[2], f[3]}
	if len(f) == 6 {
		lo, hi = [2]float64{f[0], f[1]}, [2]float64{f[3], f[4]}
	}
	// (east, north) of the two corners.
	e0, n0, e1, n1 := lo[0], lo[1], hi[0], hi[1]
	if c.swap {
		e0, n0, e1, n1 = lo[1], lo[0], hi[1], hi[0]
	}
	if c.fromLonLat == nil {
		// Geographic: check the ranges first, so that a lat/lon swap reads
		// as one rather than as a box somewhere else.
		if n0 < -90 || n0 > 90 || n1 < -90 || n1 > 90 || e0 < -180 || e0 > 180 || e1 < -180 || e1 > 180 {
			return nil, badParam("bbox", "invalid-bbox", "Invalid bbox",
				"bbox %s is out of range for %s, whose axis order is %s (latitude within ±90, longitude within ±180)", clip(v), c.code, bboxAxes(c))
		}
		if e0 > e1 {
			return nil, badParam("bbox", "invalid-bbox", "Invalid bbox",
				"bbox crosses the antimeridian (minimum longitude %g > maximum %g); that is not supported here", e0, e1)
		}
	}
	if e0 > e1 || n0 > n1 {
		return nil, badParam("bbox", "invalid-bbox", "Invalid bbox",
			"bbox minimum exceeds maximum; the order for %s is %s", c.code, bboxAxes(c))
	}
	q := &bboxQuery{crs: c, box: orb.Bound{Min: orb.Point{e0, n0}, Max: orb.Point{e1, n1}}}
	if c.toLonLat == nil {
		q.lonlat = q.box
		return q, nil
	}
	// A projected box is curved in lon/lat; its outline is sampled, and the
	// envelope padded by about 0.1 m so that the pre-filter never cuts off
	// a bulge between samples. The exact test is done in the box's plane.
	ll, _ := geo.TransformGeometry(q.box, c.toLonLat).(orb.Bound)
	const pad = 1e-6
	ll.Min[0], ll.Min[1], ll.Max[0], ll.Max[1] = ll.Min[0]-pad, ll.Min[1]-pad, ll.Max[0]+pad, ll.Max[1]+pad
	if bad(ll.Min[0]) || bad(ll.Min[1]) || bad(ll.Max[0]) || bad(ll.Max[1]) ||
		ll.Min[1] < -90 || ll.Max[1] > 90 || ll.Min[0] < -180 || ll.Max[0] > 180 {
		return nil, badParam("bbox", "invalid-bbox", "Invalid bbox",
			"bbox %s is not a box in %s (order %s, metres)", clip(v), c.code, bboxAxes(c))
	}
	q.lonlat = ll
	return q, nil
}

func bad(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }

func bboxAxes(c *crsDef) string {
	switch c {
	case crs84:
		return "minLon,minLat,maxLon,maxLat"
	case epsg4549:
		return "minNorthing,minEasting,maxNorthing,maxEasting"
	default:
		return "minLat,minLon,maxLat,maxLon"
	}
}

// matches reports whether a feature's lon/lat geometry intersects the box
// (Part 1: only features whose geometry intersects the bbox are returned;
// the store's pre-filter only compares bounding boxes).
func (q *bboxQuery) matches(g orb.Geometry) bool {
	if q.crs.fromLonLat != nil {
		if !q.lonlat.Intersects(g.Bound()) {
			return false
		}
		g = geo.TransformGeometry(g, q.crs.fromLonLat)
	}
	return geo.BoundIntersects(q.box, g)
}

// clip shortens a client's value for an error message.
func clip(s string) string {
	const max = 80
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
