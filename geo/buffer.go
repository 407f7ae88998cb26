package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"
)

// BufferQuadSegs is the number of segments per quarter circle in buffer
// polygons. With 32 the polygon lies at most d·(1−cos(π/128)) inside the
// true buffer: 0.3 m at 1 000 m, 0.6 m at 2 000 m. Buffers only draw zones
// and measure conflict areas; membership uses exact distances.
const BufferQuadSegs = 32

// BufferProjected returns everything within d metres of g, which is in
// projected metres, as a polygon approximation with quadSegs segments per
// quarter circle. Points, lines and polygon boundaries are buffered;
// polygons also keep their interior.
func BufferProjected(g orb.Geometry, d float64, quadSegs int) (orb.MultiPolygon, error) {
	if d <= 0 {
		return nil, fmt.Errorf("buffer: distance %g must be positive", d)
	}
	var parts []sf.Geometry
	addSegs := func(ps []orb.Point) {
		if len(ps) == 1 {
			parts = append(parts, capsule(ps[0], ps[0], d, quadSegs))
		}
		for i := 0; i+1 < len(ps); i++ {
			parts = append(parts, capsule(ps[i], ps[i+1], d, quadSegs))
		}
	}
	var walk func(g orb.Geometry)
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			addSegs([]orb.Point{g})
		case orb.MultiPoint:
			for _, p := range g {
				addSegs([]orb.Point{p})
			}
		case orb.LineString:
			addSegs(g)
		case orb.MultiLineString:
			for _, l := range g {
				addSegs(l)
			}
		case orb.Ring:
			walk(orb.Polygon{g})
		case orb.Polygon:
			for _, r := range g {
				addSegs(r)
			}
			parts = append(parts, toSF(g))
		case orb.MultiPolygon:
			for _, p := range g {
				walk(p)
			}
		case orb.Collection:
			for _, c := range g {
				walk(c)
			}
		}
	}
	walk(g)
	if len(parts) == 0 {
		return nil, fmt.Errorf("buffer: empty geometry")
	}
	u, err := unionTree(parts)
	if err != nil {
		return nil, fmt.Errorf("buffer: %w", err)
	}
	return areaOf(u), nil
}

// unionTree unions pairwise, which keeps each overlay small.
func unionTree(gs []sf.Geometry) (sf.Geometry, error) {
	for len(gs) > 1 {
		next := make([]sf.Geometry, 0, (len(gs)+1)/2)
		for i := 0; i < len(gs); i += 2 {
			if i+1 == len(gs) {
				next = append(next, gs[i])
				continue
			}
			u, err := sf.Union(gs[i], gs[i+1])
			if err != nil {
				return sf.Geometry{}, err
			}
			next = append(next, u)
		}
		gs = next
	}
	return gs[0], nil
}

// capsule is the convex polygon within d of segment ab: exact straight
// sides, round ends with vertices on the circle.
func capsule(a, b orb.Point, d float64, quadSegs int) sf.Geometry {
	n := 4 * quadSegs
	pts := make([]float64, 0, 4*(n+2))
	for _, c := range []orb.Point{a, b} {
		for k := 0; k < n; k++ {
			t := 2 * math.Pi * float64(k) / float64(n)
			pts = append(pts, c[0]+d*math.Cos(t), c[1]+d*math.Sin(t))
		}
	}
	if dx, dy := b[0]-a[0], b[1]-a[1]; dx != 0 || dy != 0 {
		l := math.Hypot(dx, dy)
		nx, ny := -dy/l*d, dx/l*d
		pts = append(pts, a[0]+nx, a[1]+ny, a[0]-nx, a[1]-ny, b[0]+nx, b[1]+ny, b[0]-nx, b[1]-ny)
	}
	return sf.NewMultiPoint(pointsOf(pts)).AsGeometry().ConvexHull()
}

func pointsOf(flat []float64) []sf.Point {
	out := make([]sf.Point, len(flat)/2)
	for i := range out {
		out[i] = sf.NewPoint(sf.Coordinates{XY: sf.XY{X: flat[2*i], Y: flat[2*i+1]}, Type: sf.DimXY})
	}
	return out
}
