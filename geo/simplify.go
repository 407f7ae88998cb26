package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"
)

// MaxSimplifyZoom is the zoom from which layers are served at full
// resolution.
const MaxSimplifyZoom = 16

// ZoomTolerance is the simplification tolerance in degrees for a web-map
// zoom level: half a 256-pixel tile pixel, so that simplification is not
// visible on screen. Zoom < 0 or ≥ MaxSimplifyZoom means full resolution (0).
func ZoomTolerance(zoom int) float64 {
	if zoom < 0 || zoom >= MaxSimplifyZoom {
		return 0
	}
	return 360 / (512 * math.Exp2(float64(zoom)))
}

// SimplifyForZoom returns g (lon/lat) simplified for a zoom level; g itself
// is not changed. Rings that collapse below a triangle are dropped, and a
// polygon whose exterior collapses is kept as its bounding box's ring so
// that small zones stay visible.
func SimplifyForZoom(g orb.Geometry, zoom int) orb.Geometry {
	tol := ZoomTolerance(zoom)
	if tol == 0 {
		return g
	}
	switch g := g.(type) {
	case orb.Polygon:
		return simplifyPolygon(g, tol)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, 0, len(g))
		for _, p := range g {
			out = append(out, simplifyPolygon(p, tol))
		}
		return out
	case orb.LineString, orb.MultiLineString:
		return simplify.DouglasPeucker(tol).Simplify(orb.Clone(g))
	}
	return g
}

func simplifyPolygon(p orb.Polygon, tol float64) orb.Polygon {
	out := make(orb.Polygon, 0, len(p))
	for i, r := range p {
		s := simplify.DouglasPeucker(tol).Ring(append(orb.Ring(nil), r...))
		if len(s) < 4 {
			if i > 0 {
				continue // a hole smaller than a pixel
			}
			s = r.Bound().ToRing()
		}
		out = append(out, s)
	}
	return out
}
