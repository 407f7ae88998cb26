package geo

import (
	"math"
	"testing"
)

func TestWGS84ToGCJ02Reference(t *testing.T) {
	// Published test vectors of two independent implementations of the same
	// reconstruction; they pin the constants and every term of the series.
	// eviltransform lists them as (lat, lng), swapped here to lon, lat.
	tests := []struct {
		name             string
		lon, lat         float64
		wantLon, wantLat float64
	}{
		// github.com/googollee/eviltransform test suite.
		{"eviltransform shanghai", 121.5272106, 31.1774276, 121.531541859215, 31.17530398364597},
		{"eviltransform shenzhen", 113.912316, 22.543847, 113.9171764808363, 22.540796131694766},
		{"eviltransform beijing", 116.377817, 39.911954, 116.38404722455657, 39.91334545536069},
		// github.com/wandergis/coordtransform README example, as also
		// asserted by the coordtransform-rs port.
		{"coordtransform beijing", 116.404, 39.915, 116.41024449916938, 39.91640428150164},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lon, lat := WGS84ToGCJ02(tc.lon, tc.lat)
			// Only evaluation order can differ, so allow a few ulps.
			if math.Abs(lon-tc.wantLon) > 1e-12 || math.Abs(lat-tc.wantLat) > 1e-12 {
				t.Errorf("WGS84ToGCJ02(%v, %v) = (%.17g, %.17g), want (%.17g, %.17g)",
					tc.lon, tc.lat, lon, lat, tc.wantLon, tc.wantLat)
			}
		})
	}
}

func TestGCJ02OffsetAroundZhonglou(t *testing.T) {
	// The design notes say GCJ-02 sits about 445 m east and 232 m south of
	// WGS84 here. The formula agrees on direction and size: measured in GK
	// metres it gives 443.7 m E / 238.7 m S at 119.9/31.8, 475.9 E / 219.1 S
	// at the SW corner and 447.0 E / 231.3 S at the NE corner. The bands
	// below allow for that variation across the district.
	tests := []struct {
		name     string
		lon, lat float64
	}{
		{"SW corner", 119.73, 31.74},
		{"SE corner", 119.96, 31.74},
		{"NW corner", 119.73, 31.85},
		{"NE corner", 119.96, 31.85},
		{"119.9 31.8", 119.9, 31.8},
		{"centre", 119.845, 31.795},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			glon, glat := WGS84ToGCJ02(tc.lon, tc.lat)
			x0, y0 := ToGK(tc.lon, tc.lat)
			x1, y1 := ToGK(glon, glat)
			east, south := x1-x0, y0-y1
			if east < 400 || east > 500 || south < 150 || south > 300 {
				t.Errorf("offset = %.1f m east, %.1f m south; want 400–500 E, 150–300 S", east, south)
			}
		})
	}
}

func TestGCJ02RoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		lon, lat float64
	}{
		{"zhonglou SW", 119.73, 31.74},
		{"zhonglou NE", 119.96, 31.85},
		{"zhonglou 119.9 31.8", 119.9, 31.8},
		{"zhonglou centre", 119.845, 31.795},
		{"shanghai", 121.47, 31.23},
		{"beijing", 116.404, 39.915},
		{"urumqi", 87.6, 43.8},
		{"haikou", 110.33, 20.03},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			glon, glat := WGS84ToGCJ02(tc.lon, tc.lat)
			if glon == tc.lon && glat == tc.lat {
				t.Fatalf("no offset applied inside China")
			}
			lon, lat := GCJ02ToWGS84(glon, glat)
			if math.Abs(lon-tc.lon) > 1e-8 || math.Abs(lat-tc.lat) > 1e-8 {
				t.Errorf("GCJ02ToWGS84(WGS84ToGCJ02(p)) = (%.12f, %.12f), want (%v, %v)", lon, lat, tc.lon, tc.lat)
			}
			// The other way round too: a GCJ-02 input taken as given.
			wlon, wlat := GCJ02ToWGS84(tc.lon, tc.lat)
			flon, flat := WGS84ToGCJ02(wlon, wlat)
			if math.Abs(flon-tc.lon) > 1e-8 || math.Abs(flat-tc.lat) > 1e-8 {
				t.Errorf("WGS84ToGCJ02(GCJ02ToWGS84(p)) = (%.12f, %.12f), want (%v, %v)", flon, flat, tc.lon, tc.lat)
			}
		})
	}
}

func TestGCJ02OutsideChina(t *testing.T) {
	tests := []struct {
		name     string
		lon, lat float64
	}{
		{"paris", 2.35, 48.85},
		{"new york", -74.0, 40.7},
		{"tokyo, east of the box", 139.7, 35.7},
		{"singapore, just south of the box", 103.8, 0.8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if lon, lat := WGS84ToGCJ02(tc.lon, tc.lat); lon != tc.lon || lat != tc.lat {
				t.Errorf("WGS84ToGCJ02 moved the point to (%v, %v)", lon, lat)
			}
			if lon, lat := GCJ02ToWGS84(tc.lon, tc.lat); lon != tc.lon || lat != tc.lat {
				t.Errorf("GCJ02ToWGS84 moved the point to (%v, %v)", lon, lat)
			}
		})
	}
}

func TestGCJ02ToWGS84NaNTerminates(t *testing.T) {
	// NaN is "inside" the box (every comparison is false), so this exercises
	// the iteration cap rather than the early exit.
	lon, lat := GCJ02ToWGS84(math.NaN(), math.NaN())
	if !math.IsNaN(lon) || !math.IsNaN(lat) {
		t.Errorf("got (%v, %v), want NaN", lon, lat)
	}
}
