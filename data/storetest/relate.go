package storetest

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/geo"
)

// Relations: thresholds at the bands' edges, zones that straddle, sites
// outside the district, no layer version yet.

// offsetPoints finds places on both sides of a source line at exact
// distances: for each segment of the (projected) source, the point off its
// middle at distance d on the left (+1) or right (-1) side, kept when that
// segment is really the nearest part of the source and keep accepts it.
func offsetPoints(src orb.Geometry, d float64, side int, keep func(lonlat orb.Point) bool) []orb.Point {
	proj := geo.ProjectGeometry(src)
	var segs [][2]orb.Point
	var walk func(g orb.Geometry)
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.LineString:
			for i := 0; i+1 < len(g); i++ {
				segs = append(segs, [2]orb.Point{g[i], g[i+1]})
			}
		case orb.MultiLineString:
			for _, l := range g {
				walk(l)
			}
		case orb.Collection:
			for _, c := range g {
				walk(c)
			}
		}
	}
	walk(proj)
	var out []orb.Point
	for _, s := range segs {
		dx, dy := s[1][0]-s[0][0], s[1][1]-s[0][1]
		l := math.Hypot(dx, dy)
		if l < 50 {
			continue
		}
		m := orb.Point{(s[0][0] + s[1][0]) / 2, (s[0][1] + s[1][1]) / 2}
		p := orb.Point{m[0] - dy/l*d*float64(side), m[1] + dx/l*d*float64(side)}
		// The point must be nearer this segment than any other, by a margin.
		ok := true
		for _, o := range segs {
			if o == s {
				continue
			}
			if segDist(p, o) < d+5 {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		lon, lat := geo.FromGK(p[0], p[1])
		if keep(orb.Point{lon, lat}) {
			out = append(out, orb.Point{lon, lat})
		}
	}
	return out
}

func segDist(p orb.Point, s [2]orb.Point) float64 {
	dx, dy := s[1][0]-s[0][0], s[1][1]-s[0][1]
	t := ((p[0]-s[0][0])*dx + (p[1]-s[0][1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(p[0]-s[0][0]-t*dx, p[1]-s[0][1]-t*dy)
}

// inPolygons reports whether p lies inside any polygon of fs (lon/lat).
func inPolygons(fs []geo.Feature, p orb.Point) bool {
	for _, f := range fs {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			if planar.PolygonContains(g, p) {
				return true
			}
		case orb.MultiPolygon:
			if planar.MultiPolygonContains(g, p) {
				return true
			}
		}
	}
	return false
}

// boundaryDistance is how far p (lon/lat) lies from the boundary of fs, in
// metres, so that a test point is not ambiguous at a polygon edge.
func boundaryDistance(fs []geo.Feature, p orb.Point) float64 {
	pp := geo.ProjectGeometry(p).(orb.Point)
	best := math.Inf(1)
	for _, f := range fs {
		var rings []orb.Ring
		switch g := geo.ProjectGeometry(f.Geometry).(type) {
		case orb.Polygon:
			rings = g
		case orb.MultiPolygon:
			for _, pl := range g {
				rings = append(rings, pl...)
			}
		}
		for _, r := range rings {
			for i := 0; i+1 < len(r); i++ {
				best = math.Min(best, segDist(pp, [2]orb.Point{r[i], r[i+1]}))
			}
		}
	}
	return best
}

// testRiverBandThreshold: 999.5 m from the river is in the 1 km band and
// 1 000.5 m is not, on both banks.
func testRiverBandThreshold(t *testing.T, open Opener) {
	s := open(t)
	river := features(t, s, "xinmeng-river", data.FeatureQuery{Zoom: -1})
	district := features(t, s, "district", data.FeatureQuery{Zoom: -1})
	src := river[0].Geometry
	inDistrict := func(p orb.Point) bool { return inPolygons(district, p) && boundaryDistance(district, p) > 5 }
	for _, side := range []struct {
		name string
		sign int
	}{{"left bank", 1}, {"right bank", -1}} {
		t.Run(side.name, func(t *testing.T) {
			ins := offsetPoints(src, 999.5, side.sign, inDistrict)
			outs := offsetPoints(src, 1000.5, side.sign, inDistrict)
			if len(ins) == 0 || len(outs) == 0 {
				t.Fatalf("demo data: no stretch of the river with the %s inside the district (%d/%d points)", side.name, len(ins), len(outs))
			}
			for _, p := range ins {
				hs := hitsOf(relate(t, s, p, AsOf), "xinmeng-band")
				if len(hs) != 1 || math.Abs(hs[0].DistanceM-999.5) > 0.01 || hs[0].Relation != geo.RelWithinDistance {
					t.Errorf("%v at 999.5 m: band hits %+v", p, hs)
				}
			}
			for _, p := range outs {
				if hs := hitsOf(relate(t, s, p, AsOf), "xinmeng-band"); len(hs) != 0 {
					t.Errorf("%v at 1000.5 m: band hits %+v, want none", p, hs)
				}
			}
		})
	}
	// On the river itself the distance is 0.
	line := src.(orb.LineString)
	for i := 0; i+1 < len(line); i++ {
		mid := orb.Point{(line[i][0] + line[i+1][0]) / 2, (line[i][1] + line[i+1][1]) / 2}
		if !inDistrict(mid) {
			continue
		}
		hs := hitsOf(relate(t, s, mid, AsOf), "xinmeng-band")
		if len(hs) != 1 || hs[0].DistanceM > 0.01 {
			t.Errorf("on the river at %v: band hits %+v, want distance 0", mid, hs)
		}
		break
	}
}

// testCanalCoreThresholds: 2 000 m from the canal is the core zone's edge
// and 1 000 m its riverside ecological space's, on both banks.
func testCanalCoreThresholds(t *testing.T, open Opener) {
	s := open(t)
	canal := features(t, s, "canal", data.FeatureQuery{Zoom: -1})
	district := features(t, s, "district", data.FeatureQuery{Zoom: -1})
	built := features(t, s, "canal-built-up", data.FeatureQuery{Zoom: -1})
	var src orb.Collection
	for _, f := range canal {
		src = append(src, f.Geometry)
	}
	clear := func(p orb.Point) bool {
		return inPolygons(district, p) && boundaryDistance(district, p) > 5 && boundaryDistance(built, p) > 5
	}
	builtUp := func(p orb.Point) bool { return clear(p) && inPolygons(built, p) }
	open_ := func(p orb.Point) bool { return clear(p) && !inPolygons(built, p) }
	found := map[string]int{}
	for _, side := range []int{1, -1} {
		for _, tc := range []struct {
			name    string
			d       float64
			keep    func(orb.Point) bool
			subzone string // "" no canal-core hit
		}{
			{"built-up 1999.5", 1999.5, builtUp, "built-up"},
			{"built-up 2000.5", 2000.5, builtUp, ""},
			{"open 999.5", 999.5, open_, "riverside-eco"},
			{"open 1000.5", 1000.5, open_, "non-built-up"},
			{"open 1999.5", 1999.5, open_, "non-built-up"},
			{"open 2000.5", 2000.5, open_, ""},
		} {
			pts := offsetPoints(src, tc.d, side, tc.keep)
			for _, p := range pts {
				hs := hitsOf(relate(t, s, p, AsOf), "canal-core")
				if tc.subzone == "" {
					if len(hs) != 0 {
						t.Errorf("side %d %s at %v: hits %+v, want none", side, tc.name, p, hs)
					}
					continue
				}
				if len(hs) != 1 || hs[0].Subzone != tc.subzone || math.Abs(hs[0].DistanceM-tc.d) > 0.01 {
					t.Errorf("side %d %s at %v: hits %+v, want one %s at %.1f m", side, tc.name, p, hs, tc.subzone, tc.d)
				}
			}
			found[tc.name] += len(pts)
			found[fmt.Sprintf("side %d", side)] += len(pts)
		}
	}
	for name, n := range found {
		if n == 0 {
			t.Errorf("demo data: no test point for %s", name)
		}
	}
	t.Logf("threshold points: %v", found)
}

// square is a lon/lat square of side m metres centred at c.
func square(c orb.Point, m float64) orb.Polygon {
	p := geo.ProjectGeometry(c).(orb.Point)
	h := m / 2
	ring := orb.Ring{{p[0] - h, p[1] - h}, {p[0] + h, p[1] - h}, {p[0] + h, p[1] + h}, {p[0] - h, p[1] + h}, {p[0] - h, p[1] - h}}
	return geo.UnprojectGeometry(orb.Polygon{ring}).(orb.Polygon)
}

// testStraddle: a parcel across the built-up line near the canal lies in
// two canal-core subzones; both are hits and their areas add up.
func testStraddle(t *testing.T, open Opener) {
	s := open(t)
	canal := features(t, s, "canal", data.FeatureQuery{Zoom: -1})
	built := features(t, s, "canal-built-up", data.FeatureQuery{Zoom: -1})
	district := features(t, s, "district", data.FeatureQuery{Zoom: -1})
	var src orb.Collection
	for _, f := range canal {
		src = append(src, f.Geometry)
	}
	// Walk along the mask boundary for a point 300–700 m from the canal
	// and well inside the district.
	var centre *orb.Point
	for _, f := range built {
		for _, r := range geo.Rings(f.Geometry) {
			for i := 0; i+1 < len(r) && centre == nil; i++ {
				for k := 0; k < 20; k++ {
					t := float64(k) / 20
					v := orb.Point{r[i][0] + t*(r[i+1][0]-r[i][0]), r[i][1] + t*(r[i+1][1]-r[i][1])}
					d := geo.DistanceM(v, src)
					if d > 300 && d < 700 && inPolygons(district, v) && boundaryDistance(district, v) > 300 {
						centre = &v
						break
					}
				}
			}
		}
	}
	if centre == nil {
		t.Fatal("demo data: no built-up boundary 300–700 m from the canal")
	}
	site := square(*centre, 120)
	rel := relate(t, s, site, AsOf)
	hs := hitsOf(rel, "canal-core")
	subs := map[string]geo.Relation{}
	for _, h := range hs {
		subs[h.Subzone] = h
	}
	b, r := subs["built-up"], subs["riverside-eco"]
	if b.ZoneID == "" || r.ZoneID == "" {
		t.Fatalf("straddling parcel at %v: canal-core hits %+v, want built-up and riverside-eco", *centre, hs)
	}
	area := geo.ProjectedArea(site)
	if sum := b.OverlapM2 + r.OverlapM2; math.Abs(sum-area) > area*0.001 {
		t.Errorf("overlaps %.1f + %.1f = %.1f m², site %.1f m²", b.OverlapM2, r.OverlapM2, sum, area)
	}
	if math.Abs(b.OverlapRatio+r.OverlapRatio-1) > 0.001 {
		t.Errorf("ratios %.4f + %.4f != 1", b.OverlapRatio, r.OverlapRatio)
	}
	for _, h := range []geo.Relation{b, r} {
		if h.Relation != geo.RelWithinDistance || h.Conflict == nil || h.DistanceM <= 0 {
			t.Errorf("hit %+v: want within_distance with a conflict part and a distance", h)
		}
	}
}

func testOutside(t *testing.T, open Opener) {
	s := open(t)
	for name, g := range map[string]orb.Geometry{
		"Shanghai point":  orb.Point{121.4737, 31.2304},
		"Nanjing parcel":  square(orb.Point{118.7969, 32.0603}, 200),
		"Danyang, nearby": orb.Point{119.60, 31.99},
	} {
		rel := relate(t, s, g, AsOf)
		if rel.Coverage.Inside || len(rel.Hits) != 0 {
			t.Errorf("%s: coverage %+v hits %d, want outside and no hits", name, rel.Coverage, len(rel.Hits))
		}
		if len(rel.Layers) != len(demoLayers) {
			t.Errorf("%s: %d layer versions reported, want %d", name, len(rel.Layers), len(demoLayers))
		}
	}
}

func testPartlyOutside(t *testing.T, open Opener) {
	s := open(t)
	district := features(t, s, "district", data.FeatureQuery{Zoom: -1})
	// A square centred on a vertex of the district boundary lies partly in.
	r := geo.Rings(district[0].Geometry)[0]
	site := square(r[len(r)/3], 400)
	rel := relate(t, s, site, AsOf)
	if !rel.Coverage.Inside || rel.Coverage.Whole || rel.Coverage.InsideRatio <= 0.01 || rel.Coverage.InsideRatio >= 0.99 {
		t.Fatalf("coverage %+v, want partly inside", rel.Coverage)
	}
	for _, h := range rel.Hits {
		if h.OverlapRatio > rel.Coverage.InsideRatio+1e-6 {
			t.Errorf("hit %s/%s has ratio %.4f beyond the inside share %.4f", h.Layer, h.ZoneID, h.OverlapRatio, rel.Coverage.InsideRatio)
		}
	}
}

// corridorPoint is a point inside the clear-water corridor, away from its
// edge.
func corridorPoint(t *testing.T, s data.Store) orb.Point {
	fs := features(t, s, "xinmeng-corridor", data.FeatureQuery{Zoom: -1})
	c, _ := planar.CentroidArea(fs[0].Geometry)
	if !inPolygons(fs, c) {
		t.Fatalf("corridor centroid %v is not inside it", c)
	}
	return c
}

func testNoVersion(t *testing.T, open Opener) {
	s := open(t)
	_, err := s.Relate(ctx(t), mustSite(t, orb.Point{119.8, 31.8}), demo.ValidFrom.AddDate(0, 0, -1))
	if !errors.Is(err, data.ErrNoVersion) {
		t.Errorf("relate before the data: err %v, want ErrNoVersion", err)
	}
}
