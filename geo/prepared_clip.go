package geo

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip/smartclip"
	sf "github.com/peterstace/simplefeatures/geom"
)

// clipMinVertices is the polygon size from which a zone's area, band or
// inner band is cut to a site's neighbourhood before the overlay with the
// site. simplefeatures' overlay re-nodes both inputs whole, at a few
// microseconds a vertex: a 50-vertex parcel against a 200 000-vertex
// red-line polygon took a second. Below this size the overlay runs on the
// whole polygon as before (every bundled demo zone is far below it, so
// their answers are unchanged to the bit).
//
// Cutting does not change what the overlay computes (the site lies inside
// the cut box, so site ∩ zone = site ∩ (zone ∩ box)), but the overlay then
// sees other input, and its floating-point output (a ring's first vertex,
// the last bits of an area) may differ in the last place; every decision
// compares measures with thresholds far above that.
const clipMinVertices = 512

// localPolygon is a big projected polygon (a zone's area, drawn band or
// inner band) ready to be cut to a box.
type localPolygon struct {
	full   sf.Geometry      // the whole polygon, for small ones
	mp     orb.MultiPolygon // exteriors counter-clockwise, holes clockwise
	bounds []orb.Bound      // of each polygon
	ix     *PolygonIndex    // point tests on mp's polygons, in order
}

// newLocalPolygon prepares mp (projected) for cutting when it is big;
// full is its simplefeatures form. ix indexes mp (nil: built here).
func newLocalPolygon(mp orb.MultiPolygon, full sf.Geometry, ix *PolygonIndex) *localPolygon {
	lp := &localPolygon{full: full}
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += len(r)
		}
	}
	if n < clipMinVertices {
		return lp
	}
	if ix == nil {
		ix = NewPolygonIndex(mp)
	}
	lp.ix = ix
	lp.mp = make(orb.MultiPolygon, len(mp))
	lp.bounds = make([]orb.Bound, len(mp))
	for i, p := range mp {
		q := make(orb.Polygon, len(p))
		for j, r := range p {
			want := orb.CCW
			if j > 0 {
				want = orb.CW
			}
			if r.Orientation() != want {
				r = append(orb.Ring(nil), r...) // a copy: the original stays as read
				r.Reverse()
			}
			q[j] = r
		}
		lp.mp[i] = q
		lp.bounds[i] = p.Bound()
	}
	return lp
}

// near returns the polygon as simplefeatures for an overlay with a site
// whose bound is b: the whole polygon when it is small, else its part in b
// grown by a margin (so that the cut lies well away from the site).
func (lp *localPolygon) near(b orb.Bound) sf.Geometry {
	if lp == nil {
		return sf.Geometry{}
	}
	if lp.mp == nil {
		return lp.full
	}
	margin := max(50, 0.5*max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]))
	box := grow(b, margin)
	var out orb.MultiPolygon
	for i, p := range lp.mp {
		if !lp.bounds[i].Intersects(box) {
			continue
		}
		cut := smartclip.Polygon(box, p, orb.CCW)
		if len(cut) == 0 {
			// No ring meets the box: it lies wholly inside or outside.
			if lp.ix.polygonContains(i, box.Center()) {
				out = append(out, box.ToPolygon())
			}
			continue
		}
		out = append(out, cut...)
	}
	return toSF(out)
}

// polygonContains tests p against the i-th polygon alone.
func (pi *PolygonIndex) polygonContains(i int, p orb.Point) bool {
	rings := pi.polys[i]
	if len(rings) == 0 || !rings[0].contains(p) {
		return false
	}
	for j := 1; j < len(rings); j++ {
		if rings[j].contains(p) {
			return false
		}
	}
	return true
}

// disjoint reports whether a site with bound b, one of whose vertices is
// v, certainly shares no point with the polygons: no ring edge meets b and
// v lies outside. (The boundary then stays out of b, so all of b is
// outside.) False means they may meet.
func (pi *PolygonIndex) disjoint(b orb.Bound, v orb.Point) bool {
	if pi == nil {
		return true
	}
	if !pi.bound.Intersects(b) {
		return true
	}
	for _, rings := range pi.polys {
		for i := range rings {
			if rings[i].meets(b) {
				return false
			}
		}
	}
	return !pi.Contains(v)
}

// meets reports whether an edge of the ring meets box b.
func (ix *ringIndex) meets(b orb.Bound) bool {
	if !ix.bound.Intersects(b) {
		return false
	}
	r, n := ix.r, len(ix.r)
	edgeMeets := func(i int) bool {
		a, c := r[i], r[ringNext(i, n)]
		return segBound([2]orb.Point{a, c}).Intersects(b)
	}
	if ix.edges == nil {
		for i := 0; i < n; i++ {
			if edgeMeets(i) {
				return true
			}
		}
		return false
	}
	for k := ix.slabOf(b.Min[0]); k <= ix.slabOf(b.Max[0]); k++ {
		for _, e := range ix.edges[ix.start[k]:ix.start[k+1]] {
			if edgeMeets(int(e)) {
				return true
			}
		}
	}
	return false
}
