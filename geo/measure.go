package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// ProjectedArea is the area of a lon/lat geometry in EPSG:4549 square metres.
func ProjectedArea(g orb.Geometry) float64 {
	return toSF(ProjectGeometry(g)).Area()
}

// CountVertices counts the positions of a geometry.
func CountVertices(g orb.Geometry) int { return countVertices(g) }

// Rings lists the rings of a polygonal geometry.
func Rings(g orb.Geometry) []orb.Ring {
	var out []orb.Ring
	for _, p := range polygonsOf(g) {
		out = append(out, p...)
	}
	return out
}

// DistanceM is the exact distance in EPSG:4549 metres from a lon/lat point
// to the lines and polygon boundaries of a lon/lat geometry.
func DistanceM(p orb.Point, g orb.Geometry) float64 {
	pp := ProjectGeometry(p).(orb.Point)
	q := NearestPoint(ProjectGeometry(g), pp)
	return math.Hypot(pp[0]-q[0], pp[1]-q[1])
}

// NearestPoint is the point of g's lines and boundaries nearest to p (both
// in the same planar coordinates).
func NearestPoint(g orb.Geometry, p orb.Point) orb.Point {
	var z PreparedZone
	collectSource(g, &z)
	z.srcPolys = nil // the boundary, not the interior
	_, q := z.pointDistance(p)
	return q
}
