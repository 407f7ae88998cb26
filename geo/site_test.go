package geo

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestNewSiteRejects(t *testing.T) {
	tests := []struct {
		name    string
		geom    string
		crs     CRS
		pointer string
		detail  string
	}{
		{"missing", ``, CRS84, "/geometry", "missing"},
		{"null", `null`, CRS84, "/geometry", "missing"},
		{"array", `[1,2]`, CRS84, "/geometry", "GeoJSON object"},
		{"no type", `{"coordinates":[1,2]}`, CRS84, "/geometry/type", "missing"},
		{"unknown type", `{"type":"Circle","coordinates":[1,2]}`, CRS84, "/geometry/type", "unknown GeoJSON type"},
		{"feature collection", `{"type":"FeatureCollection","features":[]}`, CRS84, "/geometry/type", "batch"},
		{"geometry collection", `{"type":"GeometryCollection","geometries":[]}`, CRS84, "/geometry/type", "not accepted"},
		{"no coordinates", `{"type":"Point"}`, CRS84, "/geometry/coordinates", "missing"},
		{"empty polygon", `{"type":"Polygon","coordinates":[]}`, CRS84, "/geometry/coordinates", "empty geometry"},
		{"empty ring", `{"type":"Polygon","coordinates":[[]]}`, CRS84, "/geometry/coordinates/0", "empty geometry"},
		{"one number", `{"type":"Point","coordinates":[119.9]}`, CRS84, "/geometry/coordinates", "2 (or 3) numbers"},
		{"string number", `{"type":"Point","coordinates":["119.9",31.8]}`, CRS84, "/geometry/coordinates/0", "expected a number"},
		{"NaN", `{"type":"Point","coordinates":[NaN,31.8]}`, CRS84, "/geometry", "not a GeoJSON object"},
		{"huge number", `{"type":"Point","coordinates":[1e400,31.8]}`, CRS84, "/geometry/coordinates/0", "finite"},
		{"unclosed ring", `{"type":"Polygon","coordinates":[[[119.9,31.8],[119.91,31.8],[119.91,31.81],[119.9,31.81]]]}`, CRS84, "/geometry/coordinates/0", "not closed"},
		{"short ring", `{"type":"Polygon","coordinates":[[[119.9,31.8],[119.91,31.8],[119.9,31.8]]]}`, CRS84, "/geometry/coordinates/0", "at least 4"},
		{"bow tie", `{"type":"Polygon","coordinates":[[[119.9,31.8],[119.91,31.81],[119.91,31.8],[119.9,31.81],[119.9,31.8]]]}`, CRS84, "/geometry/coordinates/0", "intersects itself: segment 0–1 meets segment 2–3 near [119.905"},
		{"swapped", `{"type":"Point","coordinates":[31.8,119.9]}`, CRS84, "/geometry/coordinates", "[lat, lon]"},
		{"swapped vertex", `{"type":"Polygon","coordinates":[[[119.9,31.8],[119.91,31.8],[31.81,119.91],[119.9,31.8]]]}`, CRS84, "/geometry/coordinates/0/2", "[lat, lon]"},
		{"far outside China", `{"type":"Point","coordinates":[-0.1276,51.5072]}`, CRS84, "/geometry/coordinates", "outside China"},
		{"metres as degrees", `{"type":"Point","coordinates":[476000,3520000]}`, CRS84, "/geometry/coordinates", "EPSG:4549"},
		{"degrees as metres", `{"type":"Point","coordinates":[119.9,31.8]}`, GK120, "/geometry/coordinates", "looks like degrees"},
		{"zone prefix", `{"type":"Point","coordinates":[40476000,3520000]}`, GK120, "/geometry/coordinates", "zone prefix"},
		{"multipoint", `{"type":"MultiPoint","coordinates":[[119.9,31.8]]}`, CRS84, "/geometry/type", "batch"},
		{"bad WKT", `"POLYGON((1 2, 3"`, CRS84, "/geometry", "WKT"},
		{"hole outside", `{"type":"Polygon","coordinates":[[[119.9,31.8],[119.91,31.8],[119.91,31.81],[119.9,31.81],[119.9,31.8]],[[119.92,31.8],[119.93,31.8],[119.93,31.81],[119.92,31.8]]]}`, CRS84, "/geometry/coordinates", "invalid polygon"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := DecodeGeometry([]byte(tc.geom), "/geometry", MaxVertices)
			if err == nil {
				_, err = NewSite(g, tc.crs, "/geometry")
			}
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInput) {
				t.Fatalf("err = %v, want an InputError", err)
			}
			if ie.Pointer != tc.pointer || !strings.Contains(ie.Detail, tc.detail) {
				t.Errorf("got %q at %q, want %q at %q", ie.Detail, ie.Pointer, tc.detail, tc.pointer)
			}
		})
	}
}

func TestNewSiteAccepts(t *testing.T) {
	x, y := ToGK(119.9, 31.8)
	gx, gy := WGS84ToGCJ02(119.9, 31.8)
	tests := []struct {
		name    string
		geom    string
		crs     CRS
		dim     int
		measure float64 // approximate
		lon     float64 // of the first position, after conversion
	}{
		{"point", `{"type":"Point","coordinates":[119.9,31.8]}`, CRS84, 0, 1, 119.9},
		{"point with elevation", `{"type":"Point","coordinates":[119.9,31.8,5]}`, CRS84, 0, 1, 119.9},
		{"feature", `{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[119.9,31.8]}}`, CGCS2000, 0, 1, 119.9},
		{"EPSG:4549 point", `{"type":"Point","coordinates":[` + ftoa(x) + `,` + ftoa(y) + `]}`, GK120, 0, 1, 119.9},
		{"GCJ-02 point", `{"type":"Point","coordinates":[` + ftoa(gx) + `,` + ftoa(gy) + `]}`, GCJ02, 0, 1, 119.9},
		{"clockwise polygon", `{"type":"Polygon","coordinates":[[[119.9,31.8],[119.9,31.801],[119.901,31.801],[119.901,31.8],[119.9,31.8]]]}`, CRS84, 2, 94.7 * 111.2, 119.9},
		{"WKT", `"POINT (119.9 31.8)"`, CRS84, 0, 1, 119.9},
		{"line", `{"type":"LineString","coordinates":[[119.9,31.8],[119.9,31.81]]}`, CRS84, 1, 1109, 119.9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := DecodeGeometry([]byte(tc.geom), "/geometry", MaxVertices)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewSite(g, tc.crs, "/geometry")
			if err != nil {
				t.Fatal(err)
			}
			if s.Dim != tc.dim {
				t.Errorf("dim %d, want %d", s.Dim, tc.dim)
			}
			if rel := s.Measure / tc.measure; rel < 0.97 || rel > 1.03 {
				t.Errorf("measure %.1f, want about %.1f", s.Measure, tc.measure)
			}
			var first orb.Point
			_ = walkPositions(s.Geometry, "", func(p orb.Point) string {
				if first == (orb.Point{}) {
					first = p
				}
				return ""
			})
			if d := first[0] - tc.lon; d > 1e-8 || d < -1e-8 {
				t.Errorf("first lon %.9f, want %.9f", first[0], tc.lon)
			}
		})
	}
}

func ftoa(f float64) string { return strings.TrimRight(strings.TrimRight(fmtFloat(f), "0"), ".") }

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', 10, 64) }
