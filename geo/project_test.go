// BenchmarkToGK: ~115 ns/op (107–129 over 5 runs), 0 B/op, 0 allocs/op;
// BenchmarkFromGK: ~235 ns/op, 0 allocs. go1.26.8 linux/amd64, 2 vCPU
// "Oxide Virtual Turin-like Processor". For comparison, wroge/wgs84's
// TransverseMercator measured ~900 ns/op and 1 alloc/op on the same box.

package geo

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// gkRefs were produced with PROJ 9.1.1 by
//
//	cs2cs -f "%.6f" +proj=longlat +ellps=GRS80 +no_defs +to \
//	  +proj=tmerc +lon_0=120 +lat_0=0 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs
//
// fed "lon lat" lines; output is "easting northing". The same numbers come
// out of `gdaltransform -s_srs EPSG:4490 -t_srs EPSG:4549 -output_xy`
// (lon lat in, easting northing out) and of `cs2cs EPSG:4490 EPSG:4549`,
// which takes "lat lon" and prints "northing easting" because both EPSG
// definitions list the latitude/northing axis first.
var gkRefs = []struct {
	name     string
	lon, lat float64
	x, y     float64
}{
	{"zhonglou SW corner", 119.73, 31.74, 474415.076936, 3513054.167297},
	{"zhonglou SE corner", 119.96, 31.74, 496209.647202, 3513023.150345},
	{"zhonglou NW corner", 119.73, 31.85, 474445.361274, 3525251.383142},
	{"zhonglou NE corner", 119.96, 31.85, 496214.133716, 3525220.306809},
	{"zhonglou 119.9 31.8", 119.9, 31.8, 490530.229839, 3519679.776598},
	{"zhonglou 119.8 31.78", 119.8, 31.78, 481056.368652, 3517475.171952},
	{"zhonglou 119.85 31.81", 119.85, 31.81, 485796.870651, 3520794.055751},
	{"zhonglou 119.76 31.83", 119.76, 31.83, 477279.872796, 3523027.025596},
	{"zhonglou 119.94 31.76", 119.94, 31.76, 494315.692580, 3515241.669806},
	{"zhonglou 119.88 31.845", 119.88, 31.845, 488641.785145, 3524671.464438},
	{"zhonglou centre", 119.845, 31.795, 485321.061270, 3519131.466851},
	{"central meridian 31.8", 120, 31.8, 500000.000000, 3519675.421868},
	{"central meridian 31.74", 120, 31.74, 500000.000000, 3513022.454317},
	{"central meridian 31.3", 120, 31.3, 500000.000000, 3464235.937544},
	{"central meridian 32.3", 120, 32.3, 500000.000000, 3575119.265832},
	{"far SW 119.3 31.3", 119.3, 31.3, 433356.453019, 3464447.441489},
	{"far NE 120.7 32.3", 120.7, 32.3, 565929.631412, 3575334.478105},
	{"far NW 119.3 32.3", 119.3, 32.3, 434070.368588, 3575334.478105},
	{"far SE 120.7 31.3", 120.7, 31.3, 566643.546981, 3464447.441489},
	{"shanghai 121.47 31.23", 121.47, 31.23, 640060.337694, 3457406.435497},
}

func TestToGKMatchesPROJ(t *testing.T) {
	// PROJ's figures are printed to the micrometre, so 1 cm leaves the
	// implementation itself all the slack; measured worst case against a
	// 0.01-degree grid over lon 119.3-120.7, lat 31.3-32.3 was 4e-9 m.
	const tol = 0.01
	for _, tc := range gkRefs {
		t.Run(tc.name, func(t *testing.T) {
			x, y := ToGK(tc.lon, tc.lat)
			if dx, dy := x-tc.x, y-tc.y; math.Abs(dx) > tol || math.Abs(dy) > tol {
				t.Errorf("ToGK(%v, %v) = (%.6f, %.6f), want (%.6f, %.6f); Δ = (%.3g, %.3g) m",
					tc.lon, tc.lat, x, y, tc.x, tc.y, dx, dy)
			}
		})
	}
}

func TestFromGK(t *testing.T) {
	const tol = 1e-9 // degrees, ≈ 0.1 mm
	for _, tc := range gkRefs {
		t.Run(tc.name+"/round trip", func(t *testing.T) {
			x, y := ToGK(tc.lon, tc.lat)
			lon, lat := FromGK(x, y)
			if math.Abs(lon-tc.lon) > tol || math.Abs(lat-tc.lat) > tol {
				t.Errorf("FromGK(ToGK(%v, %v)) = (%.12f, %.12f)", tc.lon, tc.lat, lon, lat)
			}
		})
		t.Run(tc.name+"/PROJ inverse", func(t *testing.T) {
			// PROJ's rounded output must invert to the input, which checks
			// FromGK independently of ToGK.
			lon, lat := FromGK(tc.x, tc.y)
			if math.Abs(lon-tc.lon) > tol || math.Abs(lat-tc.lat) > tol {
				t.Errorf("FromGK(%.6f, %.6f) = (%.12f, %.12f), want (%v, %v)",
					tc.x, tc.y, lon, lat, tc.lon, tc.lat)
			}
		})
	}
}

func TestMeridianLength(t *testing.T) {
	// A degree of latitude near 31.8N is about 110.88 km on GRS80; anything
	// else means the scale or the ellipsoid is wrong.
	tests := []struct {
		name string
		lon  float64
	}{
		{"central meridian", 120},
		{"zhonglou meridian", 119.85},
		{"zone edge", 118.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ls := orb.LineString{{tc.lon, 31.3}, {tc.lon, 32.3}}
			got := planar.Length(ProjectGeometry(ls))
			// Off the central meridian GK scale grows as 1+(Δλ·cosφ)²/2, so
			// even at the zone edge the excess is < 0.03%: 30 m here.
			if got < 110850 || got > 110950 {
				t.Errorf("projected length = %.1f m, want ≈ 110 900 m", got)
			}
		})
	}
}

// everyGeometry returns one non-trivial value of each orb geometry type.
func everyGeometry() []orb.Geometry {
	ring := orb.Ring{{119.8, 31.78}, {119.9, 31.78}, {119.9, 31.82}, {119.8, 31.82}, {119.8, 31.78}}
	hole := orb.Ring{{119.84, 31.79}, {119.86, 31.79}, {119.86, 31.81}, {119.84, 31.79}}
	poly := orb.Polygon{ring, hole}
	line := orb.LineString{{119.73, 31.74}, {119.9, 31.8}, {119.96, 31.85}}
	return []orb.Geometry{
		orb.Point{119.9, 31.8},
		orb.MultiPoint{{119.9, 31.8}, {119.85, 31.81}},
		line,
		orb.MultiLineString{line, {{119.8, 31.78}, {119.76, 31.83}}},
		ring,
		poly,
		orb.MultiPolygon{poly, {ring}},
		orb.Bound{Min: orb.Point{119.73, 31.74}, Max: orb.Point{119.96, 31.85}},
		orb.Collection{orb.Point{119.9, 31.8}, line, orb.Collection{poly}},
	}
}

func TestProjectGeometryDoesNotMutate(t *testing.T) {
	for _, g := range everyGeometry() {
		t.Run(fmt.Sprintf("%T", g), func(t *testing.T) {
			before := orb.Clone(g)
			p := ProjectGeometry(g)
			if !orb.Equal(g, before) {
				t.Fatalf("input changed: %v, was %v", g, before)
			}
			if p.GeoJSONType() != g.GeoJSONType() {
				t.Fatalf("type %s became %s", g.GeoJSONType(), p.GeoJSONType())
			}
			// Writing through the result must not reach the input either:
			// a shallow copy would pass the check above and fail this one.
			scribble(p)
			if !orb.Equal(g, before) {
				t.Fatalf("result aliases input")
			}
		})
	}
}

// scribble overwrites every coordinate of g in place.
func scribble(g orb.Geometry) {
	switch g := g.(type) {
	case orb.MultiPoint:
		for i := range g {
			g[i] = orb.Point{-1, -1}
		}
	case orb.LineString:
		scribble(orb.MultiPoint(g))
	case orb.Ring:
		scribble(orb.MultiPoint(g))
	case orb.MultiLineString:
		for _, ls := range g {
			scribble(ls)
		}
	case orb.Polygon:
		for _, r := range g {
			scribble(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			scribble(p)
		}
	case orb.Collection:
		for _, c := range g {
			scribble(c)
		}
	}
}

func TestProjectGeometryRoundTrip(t *testing.T) {
	for _, g := range everyGeometry() {
		if _, ok := g.(orb.Bound); ok {
			continue // a bound grows when transformed, so it does not round-trip
		}
		t.Run(fmt.Sprintf("%T", g), func(t *testing.T) {
			back := UnprojectGeometry(ProjectGeometry(g))
			if back.GeoJSONType() != g.GeoJSONType() {
				t.Fatalf("type %s became %s", g.GeoJSONType(), back.GeoJSONType())
			}
			got, want := coords(back), coords(g)
			if len(got) != len(want) {
				t.Fatalf("%d coordinates came back, want %d", len(got), len(want))
			}
			for i := range want {
				if math.Abs(got[i][0]-want[i][0]) > 1e-9 || math.Abs(got[i][1]-want[i][1]) > 1e-9 {
					t.Errorf("coordinate %d: got %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

// coords lists g's coordinates in traversal order.
func coords(g orb.Geometry) []orb.Point {
	var ps []orb.Point
	TransformGeometry(g, func(x, y float64) (float64, float64) {
		ps = append(ps, orb.Point{x, y})
		return x, y
	})
	return ps
}

func TestProjectPointMatchesToGK(t *testing.T) {
	p := ProjectGeometry(orb.Point{119.9, 31.8}).(orb.Point)
	x, y := ToGK(119.9, 31.8)
	if p != (orb.Point{x, y}) {
		t.Errorf("ProjectGeometry(point) = %v, ToGK = (%v, %v)", p, x, y)
	}
}

func TestTransformGeometryKeepsNil(t *testing.T) {
	id := func(x, y float64) (float64, float64) { return x, y }
	tests := []struct {
		name string
		g    orb.Geometry
	}{
		{"nil interface", nil},
		{"nil MultiPoint", orb.MultiPoint(nil)},
		{"nil LineString", orb.LineString(nil)},
		{"nil MultiLineString", orb.MultiLineString(nil)},
		{"nil Ring", orb.Ring(nil)},
		{"nil Polygon", orb.Polygon(nil)},
		{"nil MultiPolygon", orb.MultiPolygon(nil)},
		{"nil Collection", orb.Collection(nil)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := TransformGeometry(tc.g, id)
			if tc.g == nil {
				if got != nil {
					t.Fatalf("got %#v, want nil", got)
				}
				return
			}
			if got == nil || !orb.Equal(got, tc.g) {
				t.Fatalf("got %#v, want %#v", got, tc.g)
			}
		})
	}
}

func TestProjectBound(t *testing.T) {
	tests := []struct {
		name string
		b    orb.Bound
	}{
		{"zhonglou", orb.Bound{Min: orb.Point{119.73, 31.74}, Max: orb.Point{119.96, 31.85}}},
		// Straddles 120E, where each parallel dips to its lowest northing:
		// at 31.3N that is 211 m below the corners, which a corners-only
		// transform would miss.
		{"straddling central meridian", orb.Bound{Min: orb.Point{119.3, 31.3}, Max: orb.Point{120.7, 32.3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ProjectGeometry(tc.b).(orb.Bound)
			// The result must hold every point of the original box, and be
			// tight: within 1 m of the envelope of a dense sample.
			const steps = 100
			env := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
			for i := 0; i <= steps; i++ {
				for j := 0; j <= steps; j++ {
					lon := tc.b.Min[0] + float64(i)/steps*(tc.b.Max[0]-tc.b.Min[0])
					lat := tc.b.Min[1] + float64(j)/steps*(tc.b.Max[1]-tc.b.Min[1])
					x, y := ToGK(lon, lat)
					if !got.Pad(1e-6).Contains(orb.Point{x, y}) {
						t.Fatalf("ToGK(%v, %v) = (%.3f, %.3f) outside %v", lon, lat, x, y, got)
					}
					env = env.Union(orb.Point{x, y}.Bound())
				}
			}
			for k := range 2 {
				if d := math.Max(math.Abs(got.Min[k]-env.Min[k]), math.Abs(got.Max[k]-env.Max[k])); d > 1 {
					t.Errorf("axis %d: bound %v is %.3f m off the sampled envelope %v", k, got, d, env)
				}
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		e := orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{-1, -1}}
		if got := ProjectGeometry(e).(orb.Bound); !got.IsEmpty() {
			t.Errorf("empty bound became %v", got)
		}
	})
}

var sinkX, sinkY float64

func BenchmarkToGK(b *testing.B) {
	b.ReportAllocs()
	lon, lat := 119.9, 31.8
	for b.Loop() {
		sinkX, sinkY = ToGK(lon, lat)
	}
}

func BenchmarkFromGK(b *testing.B) {
	b.ReportAllocs()
	x, y := 490530.229839, 3519679.776598
	for b.Loop() {
		sinkX, sinkY = FromGK(x, y)
	}
}
