package geo

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// Degenerate sites. Relations count a line only where at least minLengthM
// of it lies in a zone, and an area only where at least minAreaM2 does
// (below that two shapes merely touch, and the stores' overlay arithmetic
// may differ). A site smaller than that could then meet nothing at all,
// not even the district: a line a tenth of a millimetre long on the river
// would be answered outside_coverage. Such a site is judged as the point
// it is; a polygon too thin to have an area but too long to be a point is
// refused with a 400 that says so.

// pointExtentM is the largest extent (the diagonal of its EPSG:4549
// bounds) of a polygon without a measurable area that is judged as a
// point.
const pointExtentM = 0.1

// tooSmall reports whether a projected site of dimension dim and measure
// m cannot be measured as what it is: shorter than twice minLengthM, or
// smaller than twice minAreaM2 (twice: the part inside the district is
// computed by overlay, whose rounding could take a site right at the
// threshold below it).
func tooSmall(dim int, m float64) bool {
	switch dim {
	case 1:
		return m < 2*minLengthM
	case 2:
		return m < 2*minAreaM2
	}
	return false
}

// asPoint is the point a site too small to measure is judged as: its
// first position (one the client sent), or an error for a polygon whose
// extent is too large for it to be a point.
func asPoint(lonlat, projected orb.Geometry, dim int, measure float64, pointer string) (orb.Point, error) {
	b := projected.Bound()
	extent := math.Hypot(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1])
	if dim == 2 && extent > pointExtentM {
		return orb.Point{}, inputErr(pointer, "the polygon encloses %.2g m² over %.3g m: too thin to have an area ecospace can measure (at least %g m²); send it as a LineString, or as a Point", measure, extent, 2*minAreaM2)
	}
	p, ok := firstPosition(lonlat)
	if !ok {
		return orb.Point{}, inputErr(pointer, "the geometry has no position")
	}
	return p, nil
}

// firstPosition is the first vertex of a geometry (lon/lat or
// projected: it only picks); ok is false when it has none.
func firstPosition(g orb.Geometry) (orb.Point, bool) {
	switch g := g.(type) {
	case orb.Point:
		return g, true
	case orb.LineString:
		if len(g) > 0 {
			return g[0], true
		}
	case orb.MultiLineString:
		for _, l := range g {
			if len(l) > 0 {
				return l[0], true
			}
		}
	case orb.Polygon:
		if len(g) > 0 && len(g[0]) > 0 {
			return g[0][0], true
		}
	case orb.MultiPolygon:
		for _, p := range g {
			if q, ok := firstPosition(p); ok {
				return q, true
			}
		}
	}
	return orb.Point{}, false
}

// strictWKT refuses what some WKT readers take and others do not: the
// reader used here takes digit separators ("1_0" as 10). WKT is keywords,
// numbers, parentheses, commas and white space.
func strictWKT(s, pointer string) error {
	if i := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune(" \t\r\n(),.+-", r))
	}); i >= 0 {
		return inputErr(pointer, "not valid WKT: %q at character %d has no place in WKT", fmt.Sprintf("%c", []rune(s[i:])[0]), len([]rune(s[:i]))+1)
	}
	return nil
}
