package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// The geometry of "how far to move": where a site may go so that no zone
// whose rule is worse than the verdict asked for meets it, within the
// district. Everything here is in EPSG:4549 metres and does no I/O; the
// caller (server/check) builds the field from the store's features and
// verifies every candidate with a real check, so a candidate this file
// gets wrong costs a check, never a wrong answer.
//
// Membership follows the stores' rule (zones are closed; a band holds the
// points within its distance of the source, inclusive, farther than its
// inner distance, on its side of the mask), and a moved site is put
// MoveEpsilonM past the boundary it crosses, so that which side a boundary
// point falls on never decides a move.

// MoveEpsilonM is how far past the boundary it leaves a moved site is put.
const MoveEpsilonM = 0.01

// MoveZone is one zone a moved site must not meet: a polygon zone (Area),
// or a distance band (Source, DistanceM, MinDistanceM, and optionally a
// mask: the band is then its part inside Mask, or with MaskOutside its part
// in the district outside Mask).
type MoveZone struct {
	Area         orb.MultiPolygon
	Source       *MoveSource
	DistanceM    float64
	MinDistanceM float64
	Mask         orb.MultiPolygon
	MaskOutside  bool

	areaIx, maskIx *PolygonIndex
}

// MoveSource is a band's source: water surfaces (a point on one is at
// distance 0), lines and points, indexed for exact distances as the
// embedded store measures them.
type MoveSource struct {
	pz PreparedZone // only its source fields are set
}

// NewMoveSource indexes projected source geometries.
func NewMoveSource(gs []orb.Geometry) *MoveSource {
	s := &MoveSource{}
	for _, g := range gs {
		collectSource(g, &s.pz)
	}
	s.pz.srcIx = newSegIndex(s.pz.srcSegs)
	if len(s.pz.srcPolys) > 0 {
		s.pz.srcPolyIx = NewPolygonIndex(s.pz.srcPolys)
	}
	return s
}

// Distance is the exact distance from p to the source when it is at most
// limit, and some distance beyond limit otherwise.
func (s *MoveSource) Distance(p orb.Point, limit float64) float64 {
	d, _ := s.pz.pointDistanceWithin(p, limit)
	return d
}

// MoveField is what a moved site must keep to: inside Coverage (the
// district), meeting none of Zones.
type MoveField struct {
	Coverage orb.MultiPolygon
	Zones    []MoveZone
	covIx    *PolygonIndex
}

// NewMoveField indexes a field's polygons.
func NewMoveField(coverage orb.MultiPolygon, zones []MoveZone) *MoveField {
	f := &MoveField{Coverage: coverage, Zones: zones, covIx: NewPolygonIndex(coverage)}
	for i := range f.Zones {
		z := &f.Zones[i]
		if len(z.Area) > 0 {
			z.areaIx = NewPolygonIndex(z.Area)
		}
		if len(z.Mask) > 0 {
			z.maskIx = NewPolygonIndex(z.Mask)
		}
	}
	return f
}

// contains reports whether the zone holds p (closed, as the stores judge).
func (z *MoveZone) contains(p orb.Point, cov *PolygonIndex) bool {
	if z.Source == nil {
		return z.areaIx.Contains(p)
	}
	switch {
	case z.MaskOutside:
		// The district outside the mask (its edge, shared with the mask,
		// is passed over: a move ends MoveEpsilonM away from it).
		if !cov.Contains(p) || z.maskIx.Contains(p) {
			return false
		}
	case z.Mask != nil:
		if !z.maskIx.Contains(p) {
			return false
		}
	}
	d := z.Source.Distance(p, z.DistanceM+1)
	if d > z.DistanceM+BoundaryToleranceM {
		return false
	}
	return z.MinDistanceM == 0 || d > z.MinDistanceM+BoundaryToleranceM
}

// Good reports whether a point site at p is in the district and in none of
// the zones.
func (f *MoveField) Good(p orb.Point) bool {
	if !f.covIx.Contains(p) {
		return false
	}
	for i := range f.Zones {
		if f.Zones[i].contains(p, f.covIx) {
			return false
		}
	}
	return true
}

// moveClearM is the room a moved point must have around it: a push that
// slips along a boundary (at a corner, the way into the good region may be
// nearly parallel to one of its sides) could leave a point a millimetre
// from it, where rounding its lon/lat to 1e-8° (about 1 mm) could put it
// back.
const moveClearM = 0.003

// goodAround reports whether p and the points moveClearM around it (eight
// directions) are good.
func (f *MoveField) goodAround(p orb.Point) bool {
	if !f.Good(p) {
		return false
	}
	for i := 0; i < len(pushDirs); i += 2 {
		u := pushDirs[i]
		if !f.Good(orb.Point{p[0] + u[0]*moveClearM, p[1] + u[1]*moveClearM}) {
			return false
		}
	}
	return true
}

// primitive is a piece of curve a zone's or the district's boundary lies
// on: a segment (a, b), or a circle (centre a, radius r) of a band around
// a source vertex.
type primitive struct {
	a, b   orb.Point
	r      float64
	circle bool
}

// dist is the distance from p to the primitive.
func (q primitive) dist(p orb.Point) float64 {
	if q.circle {
		return math.Abs(math.Hypot(p[0]-q.a[0], p[1]-q.a[1]) - q.r)
	}
	c := closestOnSegment(p, q.a, q.b)
	return math.Hypot(p[0]-c[0], p[1]-c[1])
}

// primitives lists the pieces of curve within r of p on which the
// boundary of the field's bad region (the zones, the district) lies:
// polygon edges, and for each band the source's edges offset by the
// band's distances on both sides and the circles of those radii around
// the source's vertices.
func (f *MoveField) primitives(p orb.Point, r float64) []primitive {
	var out []primitive
	add := func(q primitive) {
		if q.dist(p) <= r {
			out = append(out, q)
		}
	}
	rings := func(mp orb.MultiPolygon) {
		for _, poly := range mp {
			for _, ring := range poly {
				for i := 0; i+1 < len(ring); i++ {
					add(primitive{a: ring[i], b: ring[i+1]})
				}
			}
		}
	}
	rings(f.Coverage)
	for i := range f.Zones {
		z := &f.Zones[i]
		rings(z.Area)
		rings(z.Mask)
		if z.Source == nil {
			continue
		}
		ds := []float64{z.DistanceM}
		if z.MinDistanceM > 0 {
			ds = append(ds, z.MinDistanceM)
		}
		for _, d := range ds {
			for _, s := range z.Source.pz.srcSegs {
				if (primitive{a: s[0], b: s[1]}).dist(p) > r+d {
					continue
				}
				add(primitive{a: s[0], r: d, circle: true})
				add(primitive{a: s[1], r: d, circle: true})
				dx, dy := s[1][0]-s[0][0], s[1][1]-s[0][1]
				l := math.Hypot(dx, dy)
				if l == 0 || d == 0 {
					if d == 0 && l > 0 {
						add(primitive{a: s[0], b: s[1]})
					}
					continue
				}
				nx, ny := -dy/l*d, dx/l*d
				add(primitive{a: orb.Point{s[0][0] + nx, s[0][1] + ny}, b: orb.Point{s[1][0] + nx, s[1][1] + ny}})
				add(primitive{a: orb.Point{s[0][0] - nx, s[0][1] - ny}, b: orb.Point{s[1][0] - nx, s[1][1] - ny}})
			}
		}
	}
	return out
}

// nearestOn is the point of the primitive nearest p, with the segment's
// ends (a corner of the boundary may be where it lies).
func (q primitive) nearestOn(p orb.Point, out []orb.Point) []orb.Point {
	if q.circle {
		dx, dy := p[0]-q.a[0], p[1]-q.a[1]
		l := math.Hypot(dx, dy)
		if l == 0 {
			return append(out, orb.Point{q.a[0] + q.r, q.a[1]}, orb.Point{q.a[0] - q.r, q.a[1]},
				orb.Point{q.a[0], q.a[1] + q.r}, orb.Point{q.a[0], q.a[1] - q.r})
		}
		return append(out, orb.Point{q.a[0] + dx/l*q.r, q.a[1] + dy/l*q.r})
	}
	return append(out, closestOnSegment(p, q.a, q.b), q.a, q.b)
}

// meet appends where two primitives cross.
func meet(q, s primitive, out []orb.Point) []orb.Point {
	switch {
	case !q.circle && !s.circle:
		if x, ok := segmentIntersection(q.a, q.b, s.a, s.b); ok {
			out = append(out, x)
		}
	case q.circle && s.circle:
		out = circleCircle(q.a, q.r, s.a, s.r, out)
	case q.circle:
		out = segmentCircle(s.a, s.b, q.a, q.r, out)
	default:
		out = segmentCircle(q.a, q.b, s.a, s.r, out)
	}
	return out
}

func circleCircle(c0 orb.Point, r0 float64, c1 orb.Point, r1 float64, out []orb.Point) []orb.Point {
	dx, dy := c1[0]-c0[0], c1[1]-c0[1]
	d := math.Hypot(dx, dy)
	if d == 0 || d > r0+r1 || d < math.Abs(r0-r1) {
		return out
	}
	a := (r0*r0 - r1*r1 + d*d) / (2 * d)
	h := math.Sqrt(math.Max(0, r0*r0-a*a))
	mx, my := c0[0]+a*dx/d, c0[1]+a*dy/d
	return append(out, orb.Point{mx + h*dy/d, my - h*dx/d}, orb.Point{mx - h*dy/d, my + h*dx/d})
}

func segmentCircle(a, b, c orb.Point, r float64, out []orb.Point) []orb.Point {
	dx, dy := b[0]-a[0], b[1]-a[1]
	fx, fy := a[0]-c[0], a[1]-c[1]
	A := dx*dx + dy*dy
	if A == 0 {
		return out
	}
	B := 2 * (fx*dx + fy*dy)
	C := fx*fx + fy*fy - r*r
	disc := B*B - 4*A*C
	if disc < 0 {
		return out
	}
	sq := math.Sqrt(disc)
	for _, t := range []float64{(-B - sq) / (2 * A), (-B + sq) / (2 * A)} {
		if t >= 0 && t <= 1 {
			out = append(out, orb.Point{a[0] + t*dx, a[1] + t*dy})
		}
	}
	return out
}

// pushDirs are the directions a boundary point is pushed in, after the
// one straight on from the site, to find the side where the site may go.
var pushDirs = func() [16]orb.Point {
	var ds [16]orb.Point
	for i := range ds {
		a := float64(i) * math.Pi / 8
		ds[i] = orb.Point{math.Cos(a), math.Sin(a)}
	}
	return ds
}()

// PointMoves lists where a point site at p may go, nearest first: at most
// max positions within radius of p, each in the district and in none of
// the zones (Good). The nearest position of the closure of the good region
// lies on the boundary of the bad region, either at the foot of the
// perpendicular from p onto one of the curves it lies on, or at a corner:
// an end of one of them or where two of them cross. PointMoves tries them
// all, nearest first, each pushed MoveEpsilonM on into the good region
// (with room around it: goodAround; 2 or 4 times as far where 1× leaves
// none), so the first is the minimum move to within a few centimetres (a
// good region narrower than that is passed over).
func (f *MoveField) PointMoves(p orb.Point, radius float64, max int) []orb.Point {
	prims := f.primitives(p, radius)
	var bases []orb.Point
	for _, q := range prims {
		bases = q.nearestOn(p, bases)
	}
	good := f.pushAll(p, bases, radius, max)
	// Corners where two curves cross: only those nearer than the nearest
	// move found so far can improve on it.
	u := radius
	if len(good) > 0 {
		u = math.Hypot(good[0][0]-p[0], good[0][1]-p[1])
	}
	var near []primitive
	for _, q := range prims {
		if q.dist(p) <= u+MoveEpsilonM {
			near = append(near, q)
		}
	}
	var corners []orb.Point
	for i := range near {
		for j := i + 1; j < len(near); j++ {
			corners = meet(near[i], near[j], corners)
		}
	}
	good = append(good, f.pushAll(p, corners, radius, max)...)
	byDist := func(a, b orb.Point) int {
		return cmpFloat(math.Hypot(a[0]-p[0], a[1]-p[1]), math.Hypot(b[0]-p[0], b[1]-p[1]))
	}
	slices.SortFunc(good, byDist)
	return dedupe(good, max)
}

// pushAll pushes each base point MoveEpsilonM into the good region (first
// straight on from p, then each of pushDirs), nearest base first, and
// keeps the good ones within radius: at most max, distinct.
func (f *MoveField) pushAll(p orb.Point, bases []orb.Point, radius float64, max int) []orb.Point {
	dist := func(q orb.Point) float64 { return math.Hypot(q[0]-p[0], q[1]-p[1]) }
	slices.SortFunc(bases, func(a, b orb.Point) int { return cmpFloat(dist(a), dist(b)) })
	var good []orb.Point
	for _, q := range bases {
		d := dist(q)
		if d > radius {
			break
		}
		if len(good) >= max && d > dist(good[len(good)-1]) {
			break
		}
		var dirs []orb.Point
		if d > 0 {
			dirs = append(dirs, orb.Point{(q[0] - p[0]) / d, (q[1] - p[1]) / d})
		}
		dirs = append(dirs, pushDirs[:]...)
		best, bestD := orb.Point{}, math.Inf(1)
		for _, e := range []float64{MoveEpsilonM, 2 * MoveEpsilonM, 4 * MoveEpsilonM} {
			for _, u := range dirs {
				c := orb.Point{q[0] + u[0]*e, q[1] + u[1]*e}
				if cd := dist(c); cd < bestD && cd <= radius && f.goodAround(c) {
					best, bestD = c, cd
				}
			}
			if !math.IsInf(bestD, 1) {
				break
			}
		}
		if !math.IsInf(bestD, 1) {
			good = append(good, best)
			if len(good) > 4*max {
				good = dedupe(good, 4*max)
			}
		}
	}
	return good
}

// dedupe drops positions within a millimetre of an earlier one and keeps
// at most max.
func dedupe(ps []orb.Point, max int) []orb.Point {
	var out []orb.Point
	for _, q := range ps {
		dup := false
		for _, o := range out {
			if math.Hypot(q[0]-o[0], q[1]-o[1]) < 1e-3 {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, q)
			if len(out) == max {
				break
			}
		}
	}
	return out
}
