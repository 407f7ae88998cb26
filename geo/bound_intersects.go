package geo

import "github.com/paulmach/orb"

// BoundIntersects reports whether g meets the closed box b (both in the
// same plane): a point of g lies in the box or on its edge. It is the
// planar test PostGIS's ST_Intersects makes with ST_MakeEnvelope, which the
// stores' exact bbox selection relies on.
func BoundIntersects(b orb.Bound, g orb.Geometry) bool {
	if g == nil || !b.Intersects(g.Bound()) {
		return false
	}
	switch g := g.(type) {
	case orb.Point:
		return b.Contains(g)
	case orb.MultiPoint:
		for _, p := range g {
			if b.Contains(p) {
				return true
			}
		}
		return false
	case orb.LineString:
		return pathMeetsBound(b, g)
	case orb.MultiLineString:
		for _, l := range g {
			if pathMeetsBound(b, l) {
				return true
			}
		}
		return false
	case orb.Ring:
		return polygonMeetsBound(b, orb.Polygon{g})
	case orb.Polygon:
		return polygonMeetsBound(b, g)
	case orb.MultiPolygon:
		for _, p := range g {
			if polygonMeetsBound(b, p) {
				return true
			}
		}
		return false
	case orb.Collection:
		for _, c := range g {
			if BoundIntersects(b, c) {
				return true
			}
		}
		return false
	case orb.Bound:
		return true // bounds already intersect
	}
	return true
}

func pathMeetsBound(b orb.Bound, ps []orb.Point) bool {
	if len(ps) == 1 {
		return b.Contains(ps[0])
	}
	for i := 1; i < len(ps); i++ {
		if segmentMeetsBound(b, ps[i-1], ps[i]) {
			return true
		}
	}
	return false
}

// polygonMeetsBound: either a ring's boundary meets the box, or the box
// lies wholly inside or wholly outside the polygon, which its centre tells
// (a box inside a hole is outside).
func polygonMeetsBound(b orb.Bound, p orb.Polygon) bool {
	for _, r := range p {
		if pathMeetsBound(b, r) {
			return true
		}
	}
	return polygonHasPoint(p, b.Center())
}

func polygonHasPoint(p orb.Polygon, pt orb.Point) bool {
	if len(p) == 0 || !ringHasPoint(p[0], pt) {
		return false
	}
	for _, h := range p[1:] {
		if ringHasPoint(h, pt) {
			return false
		}
	}
	return true
}

// ringContains is the even-odd rule; points exactly on the boundary never
// reach it (pathMeetsBound has caught them).
func ringHasPoint(r orb.Ring, pt orb.Point) bool {
	in := false
	n := len(r)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > pt[1]) != (b[1] > pt[1]) &&
			pt[0] < (b[0]-a[0])*(pt[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// segmentIntersects is Liang–Barsky clipping of segment pq by the closed
// box b.
func segmentMeetsBound(b orb.Bound, p, q orb.Point) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := q[0]-p[0], q[1]-p[1]
	clip := func(den, num float64) bool {
		if den == 0 {
			return num >= 0
		}
		t := num / den
		if den < 0 {
			if t > t1 {
				return false
			}
			if t > t0 {
				t0 = t
			}
		} else {
			if t < t0 {
				return false
			}
			if t < t1 {
				t1 = t
			}
		}
		return true
	}
	return clip(-dx, p[0]-b.Min[0]) && clip(dx, b.Max[0]-p[0]) &&
		clip(-dy, p[1]-b.Min[1]) && clip(dy, b.Max[1]-p[1])
}
