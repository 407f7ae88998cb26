package geo

import (
	"github.com/paulmach/orb"
)

// RingSelfIntersection finds where a closed ring crosses or touches itself
// (other than adjacent segments meeting at their shared vertex). It returns
// the indexes of the two segments (segment i runs from vertex i to i+1) and
// a point of contact; ok is false for a simple ring.
func RingSelfIntersection(r orb.Ring) (i, j int, at orb.Point, ok bool) {
	i, j, at, ok, _ = ringSelfIntersection(r, unbounded())
	return i, j, at, ok
}

func cross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

func onSegment(p, a, b orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// segmentIntersection reports whether segments ab and cd share a point.
func segmentIntersection(a, b, c, d orb.Point) (orb.Point, bool) {
	d1 := cross(c, d, a)
	d2 := cross(c, d, b)
	d3 := cross(a, b, c)
	d4 := cross(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		t := d1 / (d1 - d2)
		return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}, true
	}
	switch {
	case d1 == 0 && onSegment(a, c, d):
		return a, true
	case d2 == 0 && onSegment(b, c, d):
		return b, true
	case d3 == 0 && onSegment(c, a, b):
		return c, true
	case d4 == 0 && onSegment(d, a, b):
		return d, true
	}
	return orb.Point{}, false
}

// collinearOverlap reports whether two segments that share an endpoint run
// back over each other (a spike).
func collinearOverlap(a, b, c, d orb.Point) bool {
	if cross(a, b, c) != 0 || cross(a, b, d) != 0 {
		return false
	}
	// Both on one line: they overlap beyond a single point when the
	// projections of the segments overlap over a positive length.
	dx, dy := b[0]-a[0], b[1]-a[1]
	proj := func(p orb.Point) float64 { return (p[0]-a[0])*dx + (p[1]-a[1])*dy }
	l := dx*dx + dy*dy
	if l == 0 {
		return false
	}
	lo, hi := proj(c), proj(d)
	if lo > hi {
		lo, hi = hi, lo
	}
	return min(hi, l)-max(lo, 0) > 0
}
