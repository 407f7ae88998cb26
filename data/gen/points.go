package gen

import (
	"fmt"
	"io"
	"strconv"

	"github.com/paulmach/orb"
)

// The register of points a sweep checks, as CSV or GeoJSON.

// Point is one register point.
type Point struct {
	ID       string
	Lon, Lat float64
}

func (g *generator) points(n int) []Point {
	out := make([]Point, n)
	for i := range out {
		var p orb.Point
		if g.rng.Float64() < g.o.PointDistrictShare {
			p = g.inDistrict(0)
		} else {
			p = g.inProvince()
		}
		out[i] = Point{ID: fmt.Sprintf("P%07d", i+1), Lon: p[0], Lat: p[1]}
	}
	return out
}

// WritePointsCSV writes id,lon,lat rows under a header.
func WritePointsCSV(w io.Writer, pts []Point) error {
	if _, err := io.WriteString(w, "id,lon,lat\n"); err != nil {
		return err
	}
	buf := make([]byte, 0, 64)
	for _, p := range pts {
		buf = append(buf[:0], p.ID...)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, p.Lon, 'f', 6, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, p.Lat, 'f', 6, 64)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

func writePointsGeoJSON(w io.Writer, pts []Point) error {
	if _, err := io.WriteString(w, `{"type":"FeatureCollection","features":[`); err != nil {
		return err
	}
	buf := make([]byte, 0, 128)
	for i, p := range pts {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ",\n"...)
		}
		buf = append(buf, `{"type":"Feature","id":"`...)
		buf = append(buf, p.ID...)
		buf = append(buf, `","geometry":{"type":"Point","coordinates":[`...)
		buf = strconv.AppendFloat(buf, p.Lon, 'f', 6, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, p.Lat, 'f', 6, 64)
		buf = append(buf, `]},"properties":{}}`...)
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]}\n")
	return err
}
