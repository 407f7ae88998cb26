package ogc

import (
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/zhonglou/ecospace/geo"
)

// appendFeature appends one GeoJSON Feature with its geometry in c. In
// CRS84 it is exactly what /api/v1 writes (geo.AppendFeature); in the
// other CRSs positions are in the CRS's authority axis order, with
// exterior rings counter-clockwise and holes clockwise on the map (as in
// CRS84: the order of vertices does not change with the CRS). extra, if
// not empty, is written as further members ("links":[…]).
func appendFeature(dst []byte, f geo.Feature, c *crsDef, extra []byte) ([]byte, error) {
	props, err := f.EncodedProperties()
	if err != nil {
		return dst, err
	}
	if c == crs84 {
		dst = geo.AppendFeatureJSON(dst, f.ID, f.Geometry, props)
	} else {
		dst = append(dst, `{"type":"Feature","id":`...)
		dst = geo.AppendString(dst, f.ID)
		dst = append(dst, `,"geometry":`...)
		g := f.Geometry
		if c.fromLonLat != nil {
			g = geo.TransformGeometry(g, c.fromLonLat)
		}
		dst = appendGeometry(dst, g, c)
		dst = append(dst, `,"properties":`...)
		dst = append(dst, props...)
		dst = append(dst, '}')
	}
	if len(extra) > 0 {
		dst = dst[:len(dst)-1]
		dst = append(dst, ',')
		dst = append(dst, extra...)
		dst = append(dst, '}')
	}
	return dst, nil
}

// appendGeometry writes g, given in c's (east, north) plane, as a GeoJSON
// geometry in c's axis order.
func appendGeometry(dst []byte, g orb.Geometry, c *crsDef) []byte {
	switch g := g.(type) {
	case nil:
		return append(dst, "null"...)
	case orb.Point:
		dst = append(dst, `{"type":"Point","coordinates":`...)
		return append(appendPos(dst, g, c), '}')
	case orb.MultiPoint:
		dst = append(dst, `{"type":"MultiPoint","coordinates":`...)
		return append(appendPositions(dst, g, false, c), '}')
	case orb.LineString:
		dst = append(dst, `{"type":"LineString","coordinates":`...)
		return append(appendPositions(dst, g, false, c), '}')
	case orb.MultiLineString:
		dst = append(dst, `{"type":"MultiLineString","coordinates":[`...)
		for i, l := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendPositions(dst, l, false, c)
		}
		return append(dst, "]}"...)
	case orb.Ring:
		return appendGeometry(dst, orb.Polygon{g}, c)
	case orb.Polygon:
		dst = append(dst, `{"type":"Polygon","coordinates":`...)
		return append(appendPolygon(dst, g, c), '}')
	case orb.MultiPolygon:
		dst = append(dst, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendPolygon(dst, p, c)
		}
		return append(dst, "]}"...)
	case orb.Collection:
		dst = append(dst, `{"type":"GeometryCollection","geometries":[`...)
		for i, x := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendGeometry(dst, x, c)
		}
		return append(dst, "]}"...)
	case orb.Bound:
		return appendGeometry(dst, g.ToPolygon(), c)
	}
	return append(dst, "null"...)
}

func appendNum(dst []byte, f float64, decimals int) []byte {
	scale := math.Pow10(decimals)
	r := math.Round(f*scale) / scale
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.AppendFloat(dst, r, 'f', -1, 64)
}

func appendPos(dst []byte, p orb.Point, c *crsDef) []byte {
	a, b := p[0], p[1]
	if c.swap {
		a, b = b, a
	}
	dst = append(dst, '[')
	dst = appendNum(dst, a, c.decimals)
	dst = append(dst, ',')
	dst = appendNum(dst, b, c.decimals)
	return append(dst, ']')
}

func appendPositions(dst []byte, ps []orb.Point, reverse bool, c *crsDef) []byte {
	dst = append(dst, '[')
	n := len(ps)
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		j := i
		if reverse {
			j = n - 1 - i
		}
		dst = appendPos(dst, ps[j], c)
	}
	return append(dst, ']')
}

// appendPolygon orients rings in the (east, north) plane, where
// counter-clockwise means what it means on the map, whatever order the
// axes are then written in.
func appendPolygon(dst []byte, p orb.Polygon, c *crsDef) []byte {
	dst = append(dst, '[')
	for i, r := range p {
		if i > 0 {
			dst = append(dst, ',')
		}
		ccw := planar.Area(r) > 0
		dst = appendPositions(dst, r, (i == 0) != ccw, c)
	}
	return append(dst, ']')
}
