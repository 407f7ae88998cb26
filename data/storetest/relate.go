package storetest

import (
	"errors"
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

// testCanalCoreThresholds: 2 000 m from the canal's water edge is the
// core zone's edge and 1 000 m its riverside ecological space's: exactly
// at the distance a point is in, 1 mm farther it is out.
func testCanalCoreThresholds(t *testing.T, open Opener) {
	s := open(t)
	canal := features(t, s, "canal", data.FeatureQuery{Zoom: -1})
	district := features(t, s, "district", data.FeatureQuery{Zoom: -1})
	built := features(t, s, "canal-built-up", data.FeatureQuery{Zoom: -1})
	sh := shoreOf(canal)
	clear := func(p orb.Point) bool {
		return inPolygons(district, p) && boundaryDistance(district, p) > 5 && boundaryDistance(built, p) > 5
	}
	builtUp := func(p orb.Point) bool { return clear(p) && inPolygons(built, p) }
	open_ := func(p orb.Point) bool { return clear(p) && !inPolygons(built, p) }
	found := map[string]int{}
	for _, tc := range []struct {
		name          string
		d             float64
		keep          func(orb.Point) bool
		inner, beyond string // the subzone at and within d, and just beyond it ("" none)
	}{
		{"built-up 2000", 2000, builtUp, "built-up", ""},
		{"open 1000", 1000, open_, "riverside-eco", "non-built-up"},
		{"open 2000", 2000, open_, "non-built-up", ""},
	} {
		pts := sh.pointsAt(tc.d, tc.keep)
		for _, sp := range pts {
			for _, k := range []float64{0, -0.001, 0.001, -0.5, 0.5} {
				p := sp.at(k)
				want := tc.inner
				if k > 0 {
					want = tc.beyond
				}
				hs := hitsOf(relate(t, s, p, AsOf), "canal-core")
				if want == "" {
					if len(hs) != 0 {
						t.Errorf("%s %+.3f m at %v: hits %+v, want none", tc.name, k, p, hs)
					}
					continue
				}
				if len(hs) != 1 || hs[0].Subzone != want || math.Abs(hs[0].DistanceM-(tc.d+k)) > 1e-6 {
					t.Errorf("%s %+.3f m at %v: hits %+v, want one %s at %.3f m", tc.name, k, p, hs, want, tc.d+k)
				}
			}
		}
		found[tc.name] += len(pts)
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
		if len(rel.Layers) != len(answerLayers) {
			t.Errorf("%s: %d layer versions reported, want %d", name, len(rel.Layers), len(answerLayers))
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
	_, err := s.Relate(ctx(t), mustSite(t, orb.Point{119.8, 31.8}), data.At{AsOf: demo.ValidFrom.AddDate(0, 0, -1)})
	if !errors.Is(err, data.ErrNoVersion) {
		t.Errorf("relate before the data: err %v, want ErrNoVersion", err)
	}
}
