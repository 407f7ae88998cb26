package data

import (
	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// ClipMarginPixels is how far beyond a drawn box (FeatureQuery.Clip) the
// geometries are kept, in pixels of a 256-pixel tile at the query's zoom:
// the cut edges fall outside the box by more than a stroke's width.
const ClipMarginPixels = 4

// ClipBound is the box a store cuts each geometry to before simplifying
// it, when the caller only draws q.BBox at q.Zoom (q.Clip): the box grown
// by ClipMarginPixels on every side. ok is false when nothing is cut: no
// Clip, no BBox, or full resolution (geo.ZoomTolerance 0).
//
// Cutting first makes the work of a simplification the size of what is
// drawn, not of the whole feature: a corridor crossing a city-sized box
// is simplified over the few hundred vertices inside it, not its
// hundred thousand.
func (q FeatureQuery) ClipBound() (b orb.Bound, ok bool) {
	tol := geo.ZoomTolerance(q.Zoom)
	if !q.Clip || q.BBox == nil || tol == 0 {
		return orb.Bound{}, false
	}
	// tol is half a pixel.
	m := 2 * ClipMarginPixels * tol
	b = *q.BBox
	return orb.Bound{Min: orb.Point{b.Min[0] - m, b.Min[1] - m}, Max: orb.Point{b.Max[0] + m, b.Max[1] + m}}, true
}
