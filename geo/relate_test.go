package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// A synthetic north–south river at easting 480 000 m, 10 km long, in
// EPSG:4549, so that every distance below is known exactly.
const riverX = 480_000.0

func lonlat(x, y float64) orb.Point {
	lon, lat := FromGK(x, y)
	return orb.Point{lon, lat}
}

func gkSquare(cx, cy, side float64) orb.Polygon {
	h := side / 2
	return UnprojectGeometry(orb.Polygon{{{cx - h, cy - h}, {cx + h, cy - h}, {cx + h, cy + h}, {cx - h, cy + h}, {cx - h, cy - h}}}).(orb.Polygon)
}

func river() orb.Geometry {
	return UnprojectGeometry(orb.LineString{{riverX, 3_515_000}, {riverX, 3_525_000}})
}

func mustPrepare(t *testing.T, z Zone) *PreparedZone {
	t.Helper()
	pz, err := PrepareZone(z)
	if err != nil {
		t.Fatal(err)
	}
	return pz
}

func mustSite(t *testing.T, g orb.Geometry) *Site {
	t.Helper()
	s, err := SiteFromLonLat(g)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRelateDistanceThresholds(t *testing.T) {
	band := mustPrepare(t, Zone{ID: "band", Layer: "band", ZoneKind: "river-band", Source: river(), DistanceM: 1000})
	tests := []struct {
		name string
		dx   float64
		hit  bool
	}{
		{"on the river", 0, true},
		{"east 999.5 m", 999.5, true},
		{"east 999.99 m", 999.99, true},
		{"east 1000.01 m", 1000.01, false},
		{"east 1000.5 m", 1000.5, false},
		{"west 999.5 m", -999.5, true},
		{"west 1000.5 m", -1000.5, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustSite(t, lonlat(riverX+tc.dx, 3_520_000))
			rel, ok, err := Relate(s, band)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.hit {
				t.Fatalf("hit = %v, want %v (distance %.4f)", ok, tc.hit, rel.DistanceM)
			}
			if ok && math.Abs(rel.DistanceM-math.Abs(tc.dx)) > 0.001 {
				t.Errorf("distance %.4f m, want %.4f", rel.DistanceM, math.Abs(tc.dx))
			}
			if ok && rel.Relation != RelWithinDistance {
				t.Errorf("relation %q", rel.Relation)
			}
		})
	}
}

func TestRelateBandWithMaskAndMinDistance(t *testing.T) {
	// The mask covers the east bank only.
	mask := UnprojectGeometry(orb.Polygon{{{riverX, 3_510_000}, {riverX + 5000, 3_510_000}, {riverX + 5000, 3_530_000}, {riverX, 3_530_000}, {riverX, 3_510_000}}})
	ring := mustPrepare(t, Zone{ID: "ring", Source: river(), Area: mask, DistanceM: 2000, MinDistanceM: 1000})
	tests := []struct {
		name string
		site orb.Geometry
		hit  bool
		dist float64
	}{
		{"east 500 m: inside the inner band", lonlat(riverX+500, 3_520_000), false, 0},
		{"east 999.99 m: inside the inner band", lonlat(riverX+999.99, 3_520_000), false, 0},
		{"east 1000.01 m: just past the inner edge", lonlat(riverX+1000.01, 3_520_000), true, 1000.01},
		{"east 1500 m", lonlat(riverX+1500, 3_520_000), true, 1500},
		{"west 1500 m: outside the mask", lonlat(riverX-1500, 3_520_000), false, 0},
		{"parcel across the inner edge", gkSquare(riverX+1000, 3_520_000, 200), true, 900},
		{"parcel wholly in the inner band", gkSquare(riverX+500, 3_520_000, 200), false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rel, ok, err := Relate(mustSite(t, tc.site), ring)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.hit {
				t.Fatalf("hit = %v, want %v (%+v)", ok, tc.hit, rel)
			}
			if ok && math.Abs(rel.DistanceM-tc.dist) > 0.01 {
				t.Errorf("distance %.3f, want %.3f", rel.DistanceM, tc.dist)
			}
		})
	}
	// The parcel across the inner edge: only its outer half is in the ring.
	rel, _, _ := Relate(mustSite(t, gkSquare(riverX+1000, 3_520_000, 200)), ring)
	if math.Abs(rel.OverlapM2-20000) > 20 || math.Abs(rel.OverlapRatio-0.5) > 0.001 {
		t.Errorf("overlap %.1f m² (%.4f), want 20 000 m² (0.5)", rel.OverlapM2, rel.OverlapRatio)
	}
}

func TestRelatePolygonZone(t *testing.T) {
	zone := mustPrepare(t, Zone{ID: "z", Layer: "zones", ZoneKind: "green-line", Area: gkSquare(490_000, 3_520_000, 1000)})
	tests := []struct {
		name    string
		site    orb.Geometry
		hit     bool
		rel     string
		overlap float64
		ratio   float64
	}{
		{"point inside", lonlat(490_000, 3_520_000), true, RelInside, 0, 1},
		{"point outside", lonlat(491_000, 3_520_000), false, "", 0, 0},
		{"parcel inside", gkSquare(490_000, 3_520_000, 100), true, RelInside, 10_000, 1},
		{"parcel straddling the east edge", gkSquare(490_500, 3_520_000, 100), true, RelOverlaps, 5_000, 0.5},
		// Closed sets (boundary.go): touching is overlapping, by nothing.
		{"point on the edge", lonlat(490_500, 3_520_000), true, RelInside, 0, 1},
		{"point on a corner", lonlat(490_500, 3_520_500), true, RelInside, 0, 1},
		{"point 1 mm outside", lonlat(490_500.001, 3_520_000), false, "", 0, 0},
		{"parcel touching the edge from outside", gkSquare(490_550, 3_520_000, 100), true, RelOverlaps, 0, 0},
		{"parcel 1 mm outside", gkSquare(490_550.001, 3_520_000, 100), false, "", 0, 0},
		{"parcel outside", gkSquare(492_000, 3_520_000, 100), false, "", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rel, ok, err := Relate(mustSite(t, tc.site), zone)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.hit {
				t.Fatalf("hit = %v, want %v (%+v)", ok, tc.hit, rel)
			}
			if !ok {
				return
			}
			if rel.Relation != tc.rel || math.Abs(rel.OverlapM2-tc.overlap) > tc.overlap*1e-3+1e-6 || math.Abs(rel.OverlapRatio-tc.ratio) > 1e-3 || rel.DistanceM != 0 {
				t.Errorf("got %s %.2f m² ratio %.4f distance %.2f, want %s %.0f m² ratio %.2f", rel.Relation, rel.OverlapM2, rel.OverlapRatio, rel.DistanceM, tc.rel, tc.overlap, tc.ratio)
			}
			if tc.overlap > 0 && ProjectedArea(rel.Conflict) < tc.overlap*0.999 {
				t.Errorf("conflict part %.1f m², want %.0f", ProjectedArea(rel.Conflict), tc.overlap)
			}
		})
	}
}

func TestRelateLineSite(t *testing.T) {
	band := mustPrepare(t, Zone{ID: "band", Source: river(), DistanceM: 1000})
	// A 3 km pipeline eastwards from the river: one third within 1 km.
	line := UnprojectGeometry(orb.LineString{{riverX + 10, 3_520_000}, {riverX + 3010, 3_520_000}})
	rel, ok, err := Relate(mustSite(t, line), band)
	if err != nil || !ok {
		t.Fatalf("ok %v err %v", ok, err)
	}
	if math.Abs(rel.DistanceM-10) > 0.01 || math.Abs(rel.OverlapRatio-(990.0/3000)) > 0.002 || rel.OverlapM2 != 0 {
		t.Errorf("got %+v", rel)
	}
}

func TestCoverPartlyOutside(t *testing.T) {
	district := mustPrepare(t, Zone{ID: "d", Area: gkSquare(490_000, 3_520_000, 1000)})
	tests := []struct {
		name   string
		site   orb.Geometry
		inside bool
		whole  bool
		ratio  float64
	}{
		{"inside", gkSquare(490_000, 3_520_000, 100), true, true, 1},
		{"a quarter inside", gkSquare(490_500, 3_520_500, 100), true, false, 0.25},
		{"outside", gkSquare(495_000, 3_520_000, 100), false, false, 0},
		{"point outside", lonlat(495_000, 3_520_000), false, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustSite(t, tc.site)
			c, part, err := Cover(s, []*PreparedZone{district})
			if err != nil {
				t.Fatal(err)
			}
			if c.Inside != tc.inside || c.Whole != tc.whole || math.Abs(c.InsideRatio-tc.ratio) > 1e-4 {
				t.Fatalf("coverage %+v", c)
			}
			if tc.inside && !tc.whole {
				if math.Abs(part.Measure-2500) > 1 || part.Whole != s.Whole {
					t.Errorf("clipped part %.1f m² of %.1f", part.Measure, part.Whole)
				}
			}
		})
	}
}

func TestBufferProjectedArea(t *testing.T) {
	// A 10 km segment buffered by 1 km: a 20 km² rectangle plus a disc of
	// radius 1 km, less the chord error of the 32-per-quarter polygon.
	b, err := BufferProjected(orb.LineString{{0, 0}, {0, 10_000}}, 1000, BufferQuadSegs)
	if err != nil {
		t.Fatal(err)
	}
	want := 20e6 + math.Pi*1e6
	got := toSF(b).Area()
	if got > want || got < want*0.999 {
		t.Errorf("area %.0f m², want just under %.0f", got, want)
	}
}

func BenchmarkRelatePoint(b *testing.B) {
	band, _ := PrepareZone(Zone{ID: "band", Source: river(), DistanceM: 1000})
	s, _ := SiteFromLonLat(lonlat(riverX+500, 3_520_000))
	for b.Loop() {
		if _, ok, _ := Relate(s, band); !ok {
			b.Fatal("no hit")
		}
	}
}
