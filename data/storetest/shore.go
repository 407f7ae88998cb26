package storetest

import (
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/geo"
)

// Distances from the shore: sources are water surfaces, bands are
// measured from their edge (0 in the water), membership is exact (≤ d, a
// point at exactly d is in). The river thresholds need land 1 000 m from
// the shore on both banks inside the district, which the demo river (on
// the district's western border, as the sources put it) does not have: the
// tests import a river of their own (riverFixture).

// shore is a source in EPSG:4549: its lines' and rings' segments and its
// surfaces.
type shore struct {
	segs  [][2]orb.Point
	polys orb.MultiPolygon
}

func shoreOf(feats []geo.Feature) shore {
	var s shore
	var walk func(g orb.Geometry)
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.LineString:
			for i := 0; i+1 < len(g); i++ {
				s.segs = append(s.segs, [2]orb.Point{g[i], g[i+1]})
			}
		case orb.MultiLineString:
			for _, l := range g {
				walk(l)
			}
		case orb.Polygon:
			s.polys = append(s.polys, g)
			for _, r := range g {
				walk(orb.LineString(r))
			}
		case orb.MultiPolygon:
			for _, p := range g {
				walk(p)
			}
		case orb.Collection:
			for _, c := range g {
				walk(c)
			}
		}
	}
	for _, f := range feats {
		walk(geo.ProjectGeometry(f.Geometry))
	}
	return s
}

// dist is the exact distance from projected p to the source: 0 in the
// water or on its edge.
func (s shore) dist(p orb.Point) float64 {
	for _, poly := range s.polys {
		if polygonHas(poly, p) {
			return 0
		}
	}
	best := math.Inf(1)
	for _, sg := range s.segs {
		best = math.Min(best, segDist(p, sg))
	}
	return best
}

// shorePoint is a point off the shore (projected) and the unit normal it
// was set off along: P + k·N is k metres further from the water.
type shorePoint struct {
	P, N orb.Point
}

func (sp shorePoint) at(k float64) orb.Point {
	lon, lat := geo.FromGK(sp.P[0]+k*sp.N[0], sp.P[1]+k*sp.N[1])
	return orb.Point{lon, lat}
}

// pointsAt finds points at exactly d from the source: off the middle of
// every edge of at least 50 m, on the side away from the water, kept when
// that edge is the nearest part of the source by a margin of 5 m (so that
// nudging the point along the normal changes its distance by as much) and
// keep accepts the point (lon/lat).
func (s shore) pointsAt(d float64, keep func(lonlat orb.Point) bool) []shorePoint {
	var out []shorePoint
	for i, sg := range s.segs {
		dx, dy := sg[1][0]-sg[0][0], sg[1][1]-sg[0][1]
		l := math.Hypot(dx, dy)
		if l < 50 {
			continue
		}
		m := orb.Point{(sg[0][0] + sg[1][0]) / 2, (sg[0][1] + sg[1][1]) / 2}
		for _, side := range []float64{1, -1} {
			n := orb.Point{-dy / l * side, dx / l * side}
			p := orb.Point{m[0] + d*n[0], m[1] + d*n[1]}
			if math.Abs(s.dist(p)-d) > 1e-6 {
				continue // in the water, or another part is nearer
			}
			ok := true
			for j, o := range s.segs {
				if j != i && segDist(p, o) < d+5 {
					ok = false
					break
				}
			}
			sp := shorePoint{P: p, N: n}
			if ok && keep(sp.at(0)) {
				out = append(out, sp)
			}
		}
	}
	return out
}

// RiverFixture is the test river: a channel 80 m wide through the middle
// of the district, with land 1 km from its shore on both banks, given as
// a centre line and a half-width of 40 m (as a steward who has only the
// line imports it). 980 m from its shore is 1 020 m from the centre line.
var RiverFixture = struct {
	Centre     orb.LineString
	HalfWidthM float64
	From       time.Time
}{
	Centre:     orb.LineString{{119.8000, 31.7740}, {119.8060, 31.7930}, {119.8010, 31.8110}},
	HalfWidthM: 40,
	From:       time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
}

// importRiverFixture imports RiverFixture as the next version of
// xinmeng-river, valid from RiverFixture.From, the way `ecospace import
// --half-width` does (data.SurfacesFromCentreLines), and returns the
// river's surface as the store then serves it.
func importRiverFixture(t *testing.T, s data.Store) []geo.Feature {
	t.Helper()
	man := manifestOf(t, s)
	def, _ := man.Def("xinmeng-river")
	line := []geo.Feature{{ID: "fixture-river", Geometry: RiverFixture.Centre, Properties: map[string]any{
		"name_zh": "测试河道", "name_en": "test river", "status": "illustrative"}}}
	feats, err := data.SurfacesFromCentreLines(def, line, RiverFixture.HalfWidthM)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx(t), "xinmeng-river", feats, data.ImportOptions{ValidFrom: RiverFixture.From}); err != nil {
		t.Fatal(err)
	}
	return features(t, s, "xinmeng-river", data.FeatureQuery{AsOf: RiverFixture.From, Zoom: -1})
}

// testRiverBandThreshold: on both banks of the fixture river, a point at
// exactly 1 000 m from the shore is in the band and so is one 1 mm nearer;
// one 1 mm farther is not; 999.5 m in, 1 000.5 m out; in the water and on
// its edge the distance is 0; every hit says the surface was derived from
// a centre line.
func testRiverBandThreshold(t *testing.T, open Opener) {
	s := open(t)
	river := importRiverFixture(t, s)
	on := RiverFixture.From
	district := features(t, s, "district", data.FeatureQuery{Zoom: -1})
	inDistrict := func(p orb.Point) bool { return inPolygons(district, p) && boundaryDistance(district, p) > 5 }
	sh := shoreOf(river)
	pts := sh.pointsAt(1000, func(p orb.Point) bool {
		return inDistrict(p) && geo.DistanceM(p, RiverFixture.Centre) > 1000 // the land side
	})
	east, west := 0, 0
	for _, sp := range pts {
		if sp.N[0] > 0 {
			east++
		} else {
			west++
		}
	}
	if east == 0 || west == 0 {
		t.Fatalf("fixture: points 1 000 m from the shore: %d east, %d west; want both banks", east, west)
	}
	want := geo.CentreLineOrigin(RiverFixture.HalfWidthM)
	for _, sp := range pts {
		for _, tc := range []struct {
			k  float64
			in bool
		}{{0, true}, {-0.001, true}, {0.001, false}, {-0.5, true}, {0.5, false}} {
			p := sp.at(tc.k)
			hs := hitsOf(relate(t, s, p, on), "xinmeng-band")
			if !tc.in {
				if len(hs) != 0 {
					t.Errorf("%v at 1 000 %+.3f m from the shore: band hits %+v, want none", p, tc.k, hs)
				}
				continue
			}
			if len(hs) != 1 || math.Abs(hs[0].DistanceM-(1000+tc.k)) > 1e-6 || hs[0].Relation != geo.RelWithinDistance {
				t.Errorf("%v at 1 000 %+.3f m from the shore: band hits %+v", p, tc.k, hs)
				continue
			}
			if o := hs[0].Origin; o == nil || *o != *want {
				t.Errorf("%v: hit origin %+v, want %+v", p, o, want)
			}
		}
	}
	// In the water (on the centre line) and on the shore: distance 0.
	var water []orb.Point
	for i := 0; i+1 < len(RiverFixture.Centre); i++ {
		a, b := RiverFixture.Centre[i], RiverFixture.Centre[i+1]
		water = append(water, orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2})
	}
	for _, r := range geo.Rings(river[0].Geometry) {
		for i := 0; i < len(r); i += 7 {
			water = append(water, r[i])
		}
	}
	for _, p := range water {
		if !inDistrict(p) {
			continue
		}
		hs := hitsOf(relate(t, s, p, on), "xinmeng-band")
		if len(hs) != 1 || hs[0].DistanceM > 1e-6 || len(hs[0].Nearest) != 0 {
			t.Errorf("in the water or on its edge at %v: band hits %+v, want distance 0", p, hs)
		}
	}
	for _, id := range []string{"xinmeng-river", "xinmeng-band"} {
		info, err := s.Layer(ctx(t), id, on)
		if err != nil || info.Origin == nil || *info.Origin != *want {
			t.Errorf("layer %s from %s: origin %+v (%v), want %+v", id, on.Format(time.DateOnly), info.Origin, err, want)
		}
	}
	if info, _ := s.Layer(ctx(t), "xinmeng-river", demo.ValidFrom); info.Origin != nil {
		t.Errorf("the drawn demo river: origin %+v, want none", info.Origin)
	}
	t.Logf("threshold points: %d east, %d west of the river", east, west)
}

// testDoneWhen is the test: a chemical plant 1 020 m from the
// centre line and 980 m from the shore is prohibited (in the band); one
// 1 001 m from the shore is not in the band; distance_m is to the shore.
func testDoneWhen(t *testing.T, open Opener) {
	s := open(t)
	river := importRiverFixture(t, s)
	on := RiverFixture.From
	rules := demoRules(t)
	district := features(t, s, "district", data.FeatureQuery{Zoom: -1})
	sh := shoreOf(river)
	pts := sh.pointsAt(980, func(p orb.Point) bool {
		return inPolygons(district, p) && boundaryDistance(district, p) > 50 && math.Abs(geo.DistanceM(p, RiverFixture.Centre)-1020) < 0.01
	})
	if len(pts) == 0 {
		t.Fatal("fixture: no point 980 m from the shore and 1 020 m from the centre line")
	}
	sp := pts[0]
	p := sp.at(0)
	rel := relate(t, s, p, on)
	hs := hitsOf(rel, "xinmeng-band")
	if len(hs) != 1 || math.Abs(hs[0].DistanceM-980) > 1e-6 {
		t.Fatalf("980 m from the shore: band hits %+v, want one at 980 m", hs)
	}
	v, err := geo.Judge(rules, rel, "chemical", nil, on)
	if err != nil || v.Verdict != geo.EffectProhibited {
		t.Errorf("chemical plant 980 m from the shore, 1 020 m from the centre line: %q (%v), want prohibited", v.Verdict, err)
	}
	if hs := hitsOf(relate(t, s, sp.at(21), on), "xinmeng-band"); len(hs) != 0 {
		t.Errorf("1 001 m from the shore: band hits %+v, want none", hs)
	}
}

func demoRules(t *testing.T) *geo.RuleSet {
	t.Helper()
	rs, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}
