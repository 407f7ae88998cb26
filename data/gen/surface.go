package gen

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// surface is the water surface of a river or canal drawn along a centre
// line (lon/lat): the line offset by half metres to either side in
// EPSG:4549, with mitred joins (the mitre capped at twice half) and flat
// ends, as the demo layers draw theirs. Source layers hold surfaces (the
// bands are measured from the shore). Should a sharp bend fold the strip
// onto itself, the surface is the exact buffer of the line instead
// (geo.SurfaceFromCentreLine), which is valid by construction.
func surface(ls orb.LineString, half float64) orb.Geometry {
	p := geo.ProjectGeometry(ls).(orb.LineString)
	n := len(p)
	left, right := make([]orb.Point, n), make([]orb.Point, n)
	normal := func(a, b orb.Point) (float64, float64) {
		dx, dy := b[0]-a[0], b[1]-a[1]
		l := math.Hypot(dx, dy)
		return -dy / l, dx / l
	}
	for i := range p {
		var nx, ny float64
		switch i {
		case 0:
			nx, ny = normal(p[0], p[1])
		case n - 1:
			nx, ny = normal(p[n-2], p[n-1])
		default:
			ax, ay := normal(p[i-1], p[i])
			bx, by := normal(p[i], p[i+1])
			mx, my := ax+bx, ay+by
			ml := math.Hypot(mx, my)
			cos := (ax*mx + ay*my) / ml // of half the turn
			k := 1 / math.Max(cos, 0.5)
			nx, ny = mx/ml*k, my/ml*k
		}
		left[i] = orb.Point{p[i][0] + half*nx, p[i][1] + half*ny}
		right[i] = orb.Point{p[i][0] - half*nx, p[i][1] - half*ny}
	}
	ring := make(orb.Ring, 0, 2*n+1)
	ring = append(ring, right...)
	for i := n - 1; i >= 0; i-- {
		ring = append(ring, left[i])
	}
	ring = append(ring, right[0])
	poly := geo.UnprojectGeometry(orb.Polygon{ring}).(orb.Polygon)
	if geo.CheckGeometry(poly) == nil {
		return poly
	}
	g, err := geo.SurfaceFromCentreLine(ls, half)
	if err != nil {
		panic("gen: " + err.Error()) // a line of two distinct points and a positive width always buffers
	}
	return g
}
