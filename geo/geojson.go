package geo

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Decimals is the precision of GeoJSON output: 6 decimals of a degree is
// about 0.1 m, finer than any layer here is drawn.
const Decimals = 6

// AppendGeometry appends g as an RFC 7946 GeoJSON geometry: lon/lat, at
// most Decimals decimals, exterior rings counter-clockwise and holes
// clockwise. It appends to dst so that features can be streamed one at a
// time into a reused buffer.
func AppendGeometry(dst []byte, g orb.Geometry) []byte {
	switch g := g.(type) {
	case nil:
		return append(dst, "null"...)
	case orb.Point:
		dst = append(dst, `{"type":"Point","coordinates":`...)
		return append(appendPos(dst, g), '}')
	case orb.MultiPoint:
		dst = append(dst, `{"type":"MultiPoint","coordinates":`...)
		return append(appendPositions(dst, g, 0), '}')
	case orb.LineString:
		dst = append(dst, `{"type":"LineString","coordinates":`...)
		return append(appendPositions(dst, g, 0), '}')
	case orb.MultiLineString:
		dst = append(dst, `{"type":"MultiLineString","coordinates":[`...)
		for i, l := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendPositions(dst, l, 0)
		}
		return append(dst, "]}"...)
	case orb.Ring:
		return AppendGeometry(dst, orb.Polygon{g})
	case orb.Polygon:
		dst = append(dst, `{"type":"Polygon","coordinates":`...)
		return append(appendPolygon(dst, g), '}')
	case orb.MultiPolygon:
		dst = append(dst, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendPolygon(dst, p)
		}
		return append(dst, "]}"...)
	case orb.Collection:
		dst = append(dst, `{"type":"GeometryCollection","geometries":[`...)
		for i, c := range g {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendGeometry(dst, c)
		}
		return append(dst, "]}"...)
	case orb.Bound:
		return AppendGeometry(dst, g.ToPolygon())
	}
	return append(dst, "null"...)
}

// AppendFeature appends a GeoJSON Feature with the given id and properties
// (marshalled with encoding/json, keys sorted).
func AppendFeature(dst []byte, id string, g orb.Geometry, props map[string]any) ([]byte, error) {
	p := []byte("{}")
	if props != nil {
		var err error
		if p, err = json.Marshal(props); err != nil {
			return dst, err
		}
	}
	return AppendFeatureJSON(dst, id, g, p), nil
}

// AppendFeatureJSON appends a GeoJSON Feature whose properties object the
// caller has already encoded (compact JSON).
func AppendFeatureJSON(dst []byte, id string, g orb.Geometry, props []byte) []byte {
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = AppendString(dst, id)
	dst = append(dst, `,"geometry":`...)
	dst = AppendGeometry(dst, g)
	dst = append(dst, `,"properties":`...)
	dst = append(dst, props...)
	return append(dst, '}')
}

// appendNum writes f rounded to 6 decimals as the shortest decimal that
// reads back as that rounded value (what strconv's 'f', -1 writes for it),
// by integer arithmetic: formatting positions is most of the cost of a
// GeoJSON response. Below 1e9 a double's spacing is under 1e-7, so the
// decimal of n millionths is the only one of that length that reads back
// as the rounded double; larger values take strconv.
func appendNum(dst []byte, f float64) []byte {
	r := math.Round(f * 1e6)
	if !(math.Abs(r) < 1e15) {
		return appendNumSlow(dst, f)
	}
	n := int64(r)
	if n == 0 {
		return append(dst, '0') // no "-0"
	}
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	// Written backwards into buf: the fraction's digits without trailing
	// zeros, the point, the integer part.
	var buf [24]byte
	i := len(buf)
	ip, frac := uint64(n)/1e6, uint64(n)%1e6
	if frac != 0 {
		w := 6
		for frac%10 == 0 {
			frac /= 10
			w--
		}
		for ; w > 0; w-- {
			i--
			buf[i] = byte('0' + frac%10)
			frac /= 10
		}
		i--
		buf[i] = '.'
	}
	if ip == 0 {
		i--
		buf[i] = '0'
	}
	for ; ip > 0; ip /= 10 {
		i--
		buf[i] = byte('0' + ip%10)
	}
	return append(dst, buf[i:]...)
}

// appendNumSlow is appendNum by strconv, for any value.
func appendNumSlow(dst []byte, f float64) []byte {
	r := math.Round(f*1e6) / 1e6
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.AppendFloat(dst, r, 'f', -1, 64)
}

func appendPos(dst []byte, p orb.Point) []byte {
	dst = append(dst, '[')
	dst = appendNum(dst, p[0])
	dst = append(dst, ',')
	dst = appendNum(dst, p[1])
	return append(dst, ']')
}

// appendPositions writes positions forwards (dir ≥ 0) or backwards (dir < 0).
func appendPositions(dst []byte, ps []orb.Point, dir int) []byte {
	dst = append(dst, '[')
	n := len(ps)
	for i := 0; i < n; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		j := i
		if dir < 0 {
			j = n - 1 - i
		}
		dst = appendPos(dst, ps[j])
	}
	return append(dst, ']')
}

func appendPolygon(dst []byte, p orb.Polygon) []byte {
	dst = append(dst, '[')
	for i, r := range p {
		if i > 0 {
			dst = append(dst, ',')
		}
		ccw := planar.Area(r) > 0
		// RFC 7946 §3.1.6: exterior counter-clockwise, holes clockwise.
		dir := 1
		if (i == 0) != ccw {
			dir = -1
		}
		dst = appendPositions(dst, r, dir)
	}
	return append(dst, ']')
}
