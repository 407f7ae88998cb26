package geo

import (
	"errors"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// TestDegenerateSites: a site too small to measure is judged as the point
// it is (never as nothing, which would read as outside the district); a
// polygon too thin to have an area but too long to be a point is refused
// with a message that says so.
func TestDegenerateSites(t *testing.T) {
	p := orb.Point{119.761976, 31.784743}
	x, y := ToGK(p[0], p[1])
	at := func(dx, dy float64) orb.Point {
		lon, lat := FromGK(x+dx, y+dy)
		return orb.Point{lon, lat}
	}
	for name, g := range map[string]orb.Geometry{
		"line 0.1 mm":        orb.LineString{p, at(0.0001, 0)},
		"line of one spot":   orb.LineString{p, p},
		"lines 0.5 mm":       orb.MultiLineString{{p, at(0, 0.0005)}, {p, at(0.0005, 0)}},
		"polygon 1 mm²":      orb.Polygon{{p, at(0.001, 0), at(0.001, 0.001), p}},
		"polygon 3 cm wide":  orb.Polygon{{p, at(0.03, 0), at(0.03, 0.03), p}},
		"multipolygon small": orb.MultiPolygon{{{p, at(0.01, 0), at(0.01, 0.01), p}}},
	} {
		s, err := NewSite(g, CRS84, "/geometry")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		q, ok := s.Geometry.(orb.Point)
		if !ok || s.Dim != 0 || q != p {
			t.Errorf("%s judged as %v (dim %d), want the point %v", name, s.Geometry, s.Dim, p)
		}
	}
	// Measurable sites stay what they are.
	for name, g := range map[string]orb.Geometry{
		"line 5 mm":     orb.LineString{p, at(0.005, 0)},
		"polygon 10 cm": orb.Polygon{{p, at(0.1, 0), at(0.1, 0.1), p}},
	} {
		if s, err := NewSite(g, CRS84, "/geometry"); err != nil || s.Dim == 0 {
			t.Errorf("%s: %v, dim %d", name, err, s.Dim)
		}
	}
	// A sliver 50 m long with no measurable area.
	_, err := NewSite(orb.Polygon{{p, at(50, 0), at(50, 0.00001), p}}, CRS84, "/geometry")
	var ie *InputError
	if !errors.As(err, &ie) || ie.Pointer != "/geometry/coordinates" || !strings.Contains(ie.Detail, "too thin") {
		t.Errorf("a 50 m sliver: %v", err)
	}
}

// TestStrictWKT: WKT that some readers take and others refuse is refused.
func TestStrictWKT(t *testing.T) {
	for _, s := range []string{`"POINT(119_8 31.78)"`, `"POINT(119.8 31.78);"`, `"POINT(119.8 31.78) -- x"`} {
		if _, err := DecodeGeometry([]byte(s), "/geometry", 10); err == nil || !strings.Contains(err.Error(), "WKT") {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := DecodeGeometry([]byte(`"POINT (119.8 31.78)"`), "/geometry", 10); err != nil {
		t.Error(err)
	}
}
