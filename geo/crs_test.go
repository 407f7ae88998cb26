package geo

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseCRS(t *testing.T) {
	tests := []struct {
		in   string
		want CRS
	}{
		{"", CRS84},
		{"EPSG:4326", CRS84},
		{"epsg:4326", CRS84},
		{"4326", CRS84},
		{"CRS84", CRS84},
		{"crs84", CRS84},
		{"OGC:CRS84", CRS84},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", CRS84},
		{"URN:OGC:DEF:CRS:OGC:1.3:CRS84", CRS84},
		{"urn:ogc:def:crs:EPSG::4326", CRS84},
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", CRS84},
		{"https://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84},
		{" EPSG:4326 ", CRS84},

		{"EPSG:4490", CGCS2000},
		{"epsg:4490", CGCS2000},
		{"4490", CGCS2000},
		{"urn:ogc:def:crs:EPSG::4490", CGCS2000},
		{"http://www.opengis.net/def/crs/EPSG/0/4490", CGCS2000},

		{"EPSG:4549", GK120},
		{"Epsg:4549", GK120},
		{"4549", GK120},
		{"urn:ogc:def:crs:EPSG::4549", GK120},
		{"http://www.opengis.net/def/crs/EPSG/0/4549", GK120},
		{"https://www.opengis.net/def/crs/EPSG/0/4549", GK120},

		{"GCJ-02", GCJ02},
		{"GCJ02", GCJ02},
		{"gcj02", GCJ02},
		{"gcj-02", GCJ02},
	}
	for _, tc := range tests {
		t.Run("ok "+tc.in, func(t *testing.T) {
			got, err := ParseCRS(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("ParseCRS(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}

	bad := []string{
		"EPSG:3857",
		"3857",
		"EPSG:4547", // CM 114E: a neighbouring GK zone, easy to confuse
		"EPSG:4528", // 3-degree GK with zone prefix
		"EPSG::4326",
		"OGC:CRS83",
		"urn:ogc:def:crs:OGC:1.3:CRS27",
		"http://www.opengis.net/def/crs/EPSG/0/3857",
		"WGS84",
		"BD-09",
		"4326 4549",
	}
	for _, in := range bad {
		t.Run("bad "+in, func(t *testing.T) {
			got, err := ParseCRS(in)
			if !errors.Is(err, ErrUnknownCRS) {
				t.Fatalf("ParseCRS(%q) = %q, %v; want ErrUnknownCRS", in, got, err)
			}
			msg := err.Error()
			// The message must echo the input and teach the alternatives.
			for _, want := range []string{in, "EPSG:4326", "CRS84", "EPSG:4490", "EPSG:4549", "GCJ-02", "urn:ogc:def:crs:EPSG::"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not mention %q", msg, want)
				}
			}
		})
	}
}

func TestCRSURI(t *testing.T) {
	tests := []struct {
		c    CRS
		want string
	}{
		{CRS84, "http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
		{CGCS2000, "http://www.opengis.net/def/crs/EPSG/0/4490"},
		{GK120, "http://www.opengis.net/def/crs/EPSG/0/4549"},
		{GCJ02, "GCJ-02"},
	}
	for _, tc := range tests {
		t.Run(string(tc.c), func(t *testing.T) {
			if got := tc.c.URI(); got != tc.want {
				t.Errorf("URI() = %q, want %q", got, tc.want)
			}
			// Whatever we write out we must read back.
			if back, err := ParseCRS(tc.c.URI()); err != nil || back != tc.c {
				t.Errorf("ParseCRS(URI()) = %q, %v", back, err)
			}
		})
	}
}

func TestCRSIsProjected(t *testing.T) {
	for _, c := range []CRS{CRS84, CGCS2000, GK120, GCJ02} {
		t.Run(string(c), func(t *testing.T) {
			if got, want := c.IsProjected(), c == GK120; got != want {
				t.Errorf("IsProjected() = %v, want %v", got, want)
			}
		})
	}
}

func TestCRSLonLatRoundTrip(t *testing.T) {
	points := []struct {
		name     string
		lon, lat float64
	}{
		{"zhonglou 119.9 31.8", 119.9, 31.8},
		{"zhonglou SW", 119.73, 31.74},
		{"zhonglou NE", 119.96, 31.85},
		{"shanghai", 121.47, 31.23},
	}
	for _, c := range []CRS{CRS84, CGCS2000, GK120, GCJ02} {
		for _, p := range points {
			t.Run(string(c)+"/"+p.name, func(t *testing.T) {
				x, y := c.FromLonLat(p.lon, p.lat)
				lon, lat := c.ToLonLat(x, y)
				if math.Abs(lon-p.lon) > 1e-8 || math.Abs(lat-p.lat) > 1e-8 {
					t.Errorf("ToLonLat(FromLonLat(%v, %v)) = (%.12f, %.12f) via (%v, %v)",
						p.lon, p.lat, lon, lat, x, y)
				}
			})
		}
	}
}

func TestCRSFromLonLatDelegates(t *testing.T) {
	// Pin each CRS to its transform, so that a swapped case (GCJ-02 treated
	// as identity, say) cannot hide behind a passing round trip.
	const lon, lat = 119.9, 31.8
	gx, gy := ToGK(lon, lat)
	jx, jy := WGS84ToGCJ02(lon, lat)
	tests := []struct {
		c      CRS
		wx, wy float64
	}{
		{CRS84, lon, lat},
		{CGCS2000, lon, lat},
		{GK120, gx, gy},
		{GCJ02, jx, jy},
		{"", lon, lat}, // zero value behaves as ParseCRS("")
	}
	for _, tc := range tests {
		t.Run("crs "+string(tc.c), func(t *testing.T) {
			if x, y := tc.c.FromLonLat(lon, lat); x != tc.wx || y != tc.wy {
				t.Errorf("FromLonLat = (%v, %v), want (%v, %v)", x, y, tc.wx, tc.wy)
			}
		})
	}
}

func TestCRSUnknownYieldsNaN(t *testing.T) {
	c := CRS("EPSG:3857")
	if x, y := c.FromLonLat(119.9, 31.8); !math.IsNaN(x) || !math.IsNaN(y) {
		t.Errorf("FromLonLat = (%v, %v), want NaN", x, y)
	}
	if lon, lat := c.ToLonLat(1, 2); !math.IsNaN(lon) || !math.IsNaN(lat) {
		t.Errorf("ToLonLat = (%v, %v), want NaN", lon, lat)
	}
}
