package layerfile

import (
	"errors"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// From the rings of a 地块 to a checked site. 圈号 1 is the outer ring;
// the others are holes when they lie inside another ring and further
// parts when they do not (the nesting decides, as for Shapefiles without
// orientation). Each ring is closed in the file (the last 界址点 repeats
// the first). The site is checked as a site sent to the API is
// (geo.NewSite), and its faults are reported at the file's lines.

// site assembles the rings (EPSG:4549 metres) and checks them.
func (b *txtBlock) site() (orb.Geometry, *geo.Site, *TXTError) {
	par := &b.parcel
	rings := make([]orb.Ring, len(b.rings))
	for i, r := range b.rings {
		first, last := r.lines[0], r.lines[len(r.lines)-1]
		if len(r.pts) < 4 {
			return nil, nil, txtErr(TXTGeometry, first, "ring 圈号 %d of 地块 %s has %d 界址点 (lines %d–%d); a closed ring needs at least 4, the last repeating the first", r.no, par.Reference, len(r.pts), first, last)
		}
		if r.pts[0] != r.pts[len(r.pts)-1] {
			return nil, nil, txtErr(TXTGeometry, last, "ring 圈号 %d of 地块 %s is not closed: its last 界址点 (line %d) does not repeat its first (line %d)", r.no, par.Reference, last, first)
		}
		// Counter-clockwise, so that assemblePolygons nests by containment
		// alone (the file's orientation means nothing).
		rr := append(orb.Ring(nil), r.pts...)
		if signedArea(rr) < 0 {
			rr.Reverse()
		}
		rings[i] = rr
	}
	g, err := assemblePolygons(rings)
	if err != nil {
		return nil, nil, txtErr(TXTGeometry, par.Line, "地块 %s: %v", par.Reference, err)
	}
	orientRFC7946(g)
	site, err := geo.NewSite(g, geo.GK120, "")
	if err != nil {
		return nil, nil, b.siteError(g, err)
	}
	if site.Dim != 2 {
		return nil, nil, txtErr(TXTGeometry, par.Line, "地块 %s has no measurable area (under 0.002 m²)", par.Reference)
	}
	return g, site, nil
}

// siteError reports a geo.NewSite refusal at the line of the 界址点 it
// points at, else at the 地块's header.
func (b *txtBlock) siteError(g orb.Geometry, err error) *TXTError {
	par := &b.parcel
	kind := TXTGeometry
	var tc *geo.TooComplexError
	if errors.As(err, &tc) {
		kind = TXTTooComplex
	}
	var ie *geo.InputError
	if !errors.As(err, &ie) {
		return txtErr(kind, par.Line, "地块 %s: %v", par.Reference, err)
	}
	detail := ie.Detail
	// Positions in messages are EPSG:4549 [easting, northing]; the file's
	// are X (northing), Y (easting).
	detail = strings.ReplaceAll(detail, "(EPSG:4549 metres)", "(EPSG:4549 [easting, northing] metres, the file's Y, X without the zone number)")
	line := par.Line
	if ring, pos, ok := b.locate(g, ie.Pointer); ok {
		line = b.rings[ring].lines[pos]
	}
	return txtErr(kind, line, "地块 %s: %s", par.Reference, detail)
}

// locate maps a pointer into the assembled geometry
// (/coordinates/[polygon/]ring/position) to a ring of the file and a
// position in it.
func (b *txtBlock) locate(g orb.Geometry, ptr string) (ring, pos int, ok bool) {
	var idx []int
	for _, s := range strings.Split(strings.TrimPrefix(ptr, "/coordinates"), "/") {
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, 0, false
		}
		idx = append(idx, n)
	}
	var r orb.Ring
	switch g := g.(type) {
	case orb.Polygon:
		if len(idx) < 1 || idx[0] >= len(g) {
			return 0, 0, false
		}
		r = g[idx[0]]
		idx = idx[1:]
	case orb.MultiPolygon:
		if len(idx) < 2 || idx[0] >= len(g) || idx[1] >= len(g[idx[0]]) {
			return 0, 0, false
		}
		r = g[idx[0]][idx[1]]
		idx = idx[2:]
	default:
		return 0, 0, false
	}
	for i, src := range b.rings {
		if len(src.pts) != len(r) || src.pts[0] != r[0] {
			continue
		}
		p := 0
		if len(idx) > 0 {
			p = idx[0]
		}
		if p >= len(r) {
			return i, 0, true
		}
		if len(r) > 1 && src.pts[1] != r[1] {
			p = len(r) - 1 - p // the ring was reversed
		}
		return i, p, true
	}
	return 0, 0, false
}

// TXTPoint is a 界址点 as the file writes it: its 点号, X (the northing)
// and Y (the easting) in EPSG:4549 metres, the zone number removed.
type TXTPoint struct {
	Name string
	X, Y float64
}

// ringPoints names the vertices of g, the assembled 地块, after the file:
// each ring of g is found among the file's rings by its positions (the
// same start or another, either direction), so that a table of 界址点
// keeps the file's 点号 and metres whatever assembling did. nil when a
// ring of g is none of the file's, which assembling (reordering rings,
// reversing them) cannot cause.
func (b *txtBlock) ringPoints(g orb.Geometry) [][]TXTPoint {
	var rings []orb.Ring
	switch g := g.(type) {
	case orb.Polygon:
		rings = g
	case orb.MultiPolygon:
		for _, p := range g {
			rings = append(rings, p...)
		}
	default:
		return nil
	}
	used := make([]bool, len(b.rings))
	out := make([][]TXTPoint, 0, len(rings))
	for _, r := range rings {
		found := false
		for i, src := range b.rings {
			if used[i] {
				continue
			}
			if pts, ok := src.matching(r); ok {
				used[i], found = true, true
				out = append(out, pts)
				break
			}
		}
		if !found {
			return nil
		}
	}
	return out
}

// matching gives the ring's 界址点 in the vertex order of r, a closed
// ring, when r has the ring's positions in the same cyclic order, either
// direction; false otherwise.
func (src *txtRing) matching(r orb.Ring) ([]TXTPoint, bool) {
	n := len(r) - 1 // distinct vertices; both rings are closed
	if n < 1 || len(src.pts) != len(r) {
		return nil, false
	}
	at := func(k, j, dir int) int { return ((k+dir*j)%n + n) % n }
	for k := 0; k < n; k++ {
		if src.pts[k] != r[0] {
			continue
		}
		for _, dir := range []int{1, -1} {
			ok := true
			for j := 1; j < n && ok; j++ {
				ok = src.pts[at(k, j, dir)] == r[j]
			}
			if !ok {
				continue
			}
			pts := make([]TXTPoint, n)
			for j := range pts {
				i := at(k, j, dir)
				pts[j] = TXTPoint{Name: src.names[i], X: src.pts[i][1], Y: src.pts[i][0]}
			}
			return pts, true
		}
	}
	return nil, false
}
