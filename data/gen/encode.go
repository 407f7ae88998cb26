package gen

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// Writing the layer files: GeoJSON by hand, one feature a line.

// Decimals is the precision of the layer files: 7 decimals of a degree is
// about 1 cm, finer than any vertex spacing generated.
const Decimals = 7

// WriteGeoJSON writes features as a FeatureCollection, one feature a line.
func WriteGeoJSON(w io.Writer, feats []Feature) error {
	if _, err := io.WriteString(w, `{"type":"FeatureCollection","features":[`+"\n"); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for i, f := range feats {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ",\n"...)
		}
		buf = append(buf, `{"type":"Feature","id":`...)
		buf = geo.AppendString(buf, f.ID)
		buf = append(buf, `,"geometry":`...)
		buf = appendGeometry(buf, f.Geom)
		pb, err := json.Marshal(f.Props)
		if err != nil {
			return err
		}
		buf = append(buf, `,"properties":`...)
		buf = append(buf, pb...)
		buf = append(buf, '}')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "\n]}\n")
	return err
}

func appendGeometry(b []byte, g orb.Geometry) []byte {
	switch g := g.(type) {
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = appendRings(b, g)
	case orb.LineString:
		b = append(b, `{"type":"LineString","coordinates":`...)
		b = appendPts(b, g)
	default:
		panic(fmt.Sprintf("gen: geometry %T", g))
	}
	return append(b, '}')
}

func appendRings(b []byte, p orb.Polygon) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPts(b, r)
	}
	return append(b, ']')
}

func appendPts[S ~[]orb.Point](b []byte, ps S) []byte {
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendFloat(b, p[0], 'f', Decimals, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, p[1], 'f', Decimals, 64)
		b = append(b, ']')
	}
	return append(b, ']')
}
