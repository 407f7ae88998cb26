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
	fw := &featureWriter{w: w}
	for _, f := range feats {
		if err := fw.add(f); err != nil {
			return err
		}
	}
	return fw.close()
}

// featureWriter writes a FeatureCollection one feature at a time.
type featureWriter struct {
	w   io.Writer
	n   int
	buf []byte
}

func (fw *featureWriter) add(f Feature) error {
	b := fw.buf[:0]
	if fw.n == 0 {
		b = append(b, `{"type":"FeatureCollection","features":[`+"\n"...)
	} else {
		b = append(b, ",\n"...)
	}
	fw.n++
	b = append(b, `{"type":"Feature","id":`...)
	b = geo.AppendString(b, f.ID)
	b = append(b, `,"geometry":`...)
	b = appendGeometry(b, f.Geom)
	pb, err := json.Marshal(f.Props)
	if err != nil {
		return err
	}
	b = append(b, `,"properties":`...)
	b = append(b, pb...)
	b = append(b, '}')
	fw.buf = b
	_, err = fw.w.Write(b)
	return err
}

func (fw *featureWriter) close() error {
	if fw.n == 0 {
		if _, err := io.WriteString(fw.w, `{"type":"FeatureCollection","features":[`+"\n"); err != nil {
			return err
		}
	}
	_, err := io.WriteString(fw.w, "\n]}\n")
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
