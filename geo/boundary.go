package geo

import (
	"math"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"
)

// The boundary rule, defined once for both stores: zones are closed sets
// in the EPSG:4549 plane. A site touching a zone is in it: a point on a
// polygon zone's (or mask side's) boundary is inside, a line or area that
// shares only boundary points with a polygon zone overlaps it (with an
// overlap of 0), and a point exactly at a band's distance from its source
// is in the band. "Touching" is decided with the tolerance below, not by
// the last bit of floating point: a point within BoundaryToleranceM of a
// zone is on it, and a distance within BoundaryToleranceM of a band's
// limit is at it. The tolerance is far above the arithmetic of either
// store (projecting a lon/lat point and back moves it by nanometres; GEOS
// and Go measure the same distance to within a nanometre) and far below
// anything a survey can draw, so a vertex of a zone, the midpoint of its
// edge or a point computed at exactly 1 000 m gets the same answer from
// both stores. Sub-bands by distance share their common edge the other
// way: the inner one keeps it (≤ d), the outer one starts beyond it
// (> d), so the land 1 000 m from the canal is riverside-eco, not also
// non-built-up.
//
// PostGIS implements the same rule with ST_DWithin(zone, site,
// BoundaryToleranceM) and ST_DWithin(source, site, d + BoundaryToleranceM)
// (data/postgis/relate.go).
const BoundaryToleranceM = 1e-6

// Within reports whether p lies in the polygons or within eps of their
// boundary (eps far below the grid's margin).
func (pi *PolygonIndex) Within(p orb.Point, eps float64) bool {
	if pi == nil || len(pi.polys) == 0 {
		return false
	}
	b := pi.bound
	if p[0] < b.Min[0]-eps || p[0] > b.Max[0]+eps || p[1] < b.Min[1]-eps || p[1] > b.Max[1]+eps {
		return false
	}
	switch pi.grid.at(p) {
	case cellInside:
		return true
	case cellOutside:
		return false
	}
	if pi.containsExact(p) {
		return true
	}
	for _, rings := range pi.polys {
		for i := range rings {
			if rings[i].near(p, eps) {
				return true
			}
		}
	}
	return false
}

// near reports whether p lies within eps of an edge of the ring.
func (ix *ringIndex) near(p orb.Point, eps float64) bool {
	b := ix.bound
	if p[0] < b.Min[0]-eps || p[0] > b.Max[0]+eps || p[1] < b.Min[1]-eps || p[1] > b.Max[1]+eps {
		return false
	}
	r, n := ix.r, len(ix.r)
	edgeNear := func(i int) bool {
		q := closestOnSegment(p, r[i], r[ringNext(i, n)])
		return math.Hypot(p[0]-q[0], p[1]-q[1]) <= eps
	}
	if ix.edges == nil {
		for i := 0; i < n; i++ {
			if edgeNear(i) {
				return true
			}
		}
		return false
	}
	for k := ix.slabOf(p[0] - eps); k <= ix.slabOf(p[0]+eps); k++ {
		for _, e := range ix.edges[ix.start[k]:ix.start[k+1]] {
			a, c := r[e], r[ringNext(int(e), n)]
			if a[1] < p[1]-eps && c[1] < p[1]-eps {
				break // this edge and every later one lies below p
			}
			if edgeNear(int(e)) {
				return true
			}
		}
	}
	return false
}

// edgesNear appends the edges of the polygons whose boxes meet b.
func (pi *PolygonIndex) edgesNear(b orb.Bound, out [][2]orb.Point) [][2]orb.Point {
	if pi == nil || !pi.bound.Intersects(b) {
		return out
	}
	for _, rings := range pi.polys {
		for i := range rings {
			ix := &rings[i]
			if !ix.bound.Intersects(b) {
				continue
			}
			r, n := ix.r, len(ix.r)
			add := func(i int) {
				s := [2]orb.Point{r[i], r[ringNext(i, n)]}
				if segBound(s).Intersects(b) {
					out = append(out, s)
				}
			}
			if ix.edges == nil {
				for i := 0; i < n; i++ {
					add(i)
				}
				continue
			}
			seen := map[int32]bool{}
			for k := ix.slabOf(b.Min[0]); k <= ix.slabOf(b.Max[0]); k++ {
				for _, e := range ix.edges[ix.start[k]:ix.start[k+1]] {
					if !seen[e] {
						seen[e] = true
						add(int(e))
					}
				}
			}
		}
	}
	return out
}

// touchesArea reports whether a line or area site g (projected, with
// bound b) comes within BoundaryToleranceM of the zone's area: they
// intersect, or an edge of one passes that close to an edge of the other.
func (z *PreparedZone) touchesArea(g sf.Geometry, b orb.Bound) bool {
	if sf.Intersects(g, z.areaLP.near(b)) {
		return true
	}
	edges := z.areaIx.edgesNear(grow(b, BoundaryToleranceM), nil)
	if len(edges) == 0 {
		return false
	}
	var segs [][2]orb.Point
	collectSegs(g, &segs)
	d, _, _ := nearestPair(segs, edges)
	return d <= BoundaryToleranceM
}

// drawBand draws a band's outer polygon (projected): everything within d
// of the source, or the source's surfaces themselves when d is 0.
func drawBand(src orb.Geometry, surfaces orb.MultiPolygon, d float64) (sf.Geometry, error) {
	if d > 0 {
		outer, err := BufferProjected(src, d, BufferQuadSegs)
		if err != nil {
			return sf.Geometry{}, err
		}
		return toSF(outer), nil
	}
	parts := make([]sf.Geometry, len(surfaces))
	for i, p := range surfaces {
		parts[i] = toSF(p)
	}
	u, err := unionTree(parts)
	if err != nil {
		return sf.Geometry{}, err
	}
	return toSF(areaOf(u)), nil
}
