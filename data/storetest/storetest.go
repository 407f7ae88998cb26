// Package storetest is the conformance suite every data.Store must pass:
// the same test functions run against the embedded store and PostGIS, so
// that both give the same answers.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
)

// DemoValidFrom is the valid_from the suite expects the demo layers to
// have been loaded with.
var DemoValidFrom = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

// AsOf is the date the suite checks on.
var AsOf = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// Opener returns a fresh store with the demo layers loaded
// (demo.Load with ValidFrom DemoValidFrom). Tests that import change
// their store, so every test opens its own.
type Opener func(t *testing.T) data.Store

// Run runs every conformance test against the stores open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		f    func(*testing.T, Opener)
	}{
		{"Layers", testLayers},
		{"Features", testFeatures},
		{"RiverBandThreshold", testRiverBandThreshold},
		{"CanalCoreThresholds", testCanalCoreThresholds},
		{"StraddleTwoZones", testStraddle},
		{"OutsideCoverage", testOutside},
		{"PartlyOutside", testPartlyOutside},
		{"AsOfTwoVersions", testAsOfTwoVersions},
		{"DerivedRecomputed", testDerivedRecomputed},
		{"ImportRefusesInvalid", testImportRefusesInvalid},
		{"AuditRoundTrip", testAudit},
		{"NoVersionBeforeData", testNoVersion},
		{"ResolvedVersion", testResolvedVersion},
		{"TileProperties", testTileProperties},
		{"FeaturesExactBBox", testFeaturesExactBBox},
		{"RawProperties", testRawProperties},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, open) })
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// demoLayers lists the demo layer ids in manifest order.
var demoLayers = []string{"district", "xinmeng-river", "xinmeng-corridor", "xinmeng-band", "canal", "canal-built-up", "canal-core", "green-corridors"}

func testLayers(t *testing.T, open Opener) {
	s := open(t)
	layers, err := s.Layers(ctx(t), AsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != len(demoLayers) {
		t.Fatalf("got %d layers, want %d", len(layers), len(demoLayers))
	}
	for i, l := range layers {
		if l.ID != demoLayers[i] {
			t.Errorf("layer %d is %s, want %s", i, l.ID, demoLayers[i])
		}
		if l.Version != 1 || !l.ValidFrom.Equal(DemoValidFrom) {
			t.Errorf("layer %s: version %d from %s, want 1 from %s", l.ID, l.Version, l.ValidFrom, DemoValidFrom)
		}
		if l.FeatureCount == 0 || l.Title.ZH == "" || l.Title.EN == "" {
			t.Errorf("layer %s: %d features, title %+v", l.ID, l.FeatureCount, l.Title)
		}
		if l.Status != "illustrative" {
			t.Errorf("layer %s: status %q, want illustrative", l.ID, l.Status)
		}
		b := l.BBox
		if b[0] < 119.5 || b[2] > 120.2 || b[1] < 31.5 || b[3] > 32.1 || b[0] >= b[2] || b[1] >= b[3] {
			t.Errorf("layer %s: bbox %v is not around Zhonglou", l.ID, b)
		}
	}
	if _, err := s.Layer(ctx(t), "no-such-layer", AsOf); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("unknown layer: err %v, want ErrNotFound", err)
	}
}

func features(t *testing.T, s data.Store, id string, q data.FeatureQuery) []geo.Feature {
	t.Helper()
	if q.AsOf.IsZero() {
		q.AsOf = AsOf
	}
	var out []geo.Feature
	if err := s.Features(ctx(t), id, q, func(f geo.Feature) error {
		out = append(out, f)
		return nil
	}); err != nil {
		t.Fatalf("features %s: %v", id, err)
	}
	return out
}

func testFeatures(t *testing.T, open Opener) {
	s := open(t)
	for _, id := range demoLayers {
		info, err := s.Layer(ctx(t), id, AsOf)
		if err != nil {
			t.Fatal(err)
		}
		fs := features(t, s, id, data.FeatureQuery{Zoom: -1})
		if len(fs) != info.FeatureCount {
			t.Errorf("%s: %d features, info says %d", id, len(fs), info.FeatureCount)
		}
		for i := 1; i < len(fs); i++ {
			if fs[i-1].ID >= fs[i].ID {
				t.Errorf("%s: features not ordered by id: %q then %q", id, fs[i-1].ID, fs[i].ID)
			}
		}
	}
	band := features(t, s, "xinmeng-band", data.FeatureQuery{Zoom: -1})
	if len(band) != 1 || band[0].Properties["distance_m"] != 1000.0 || band[0].Properties["source"] != "xinmeng-river" {
		t.Fatalf("xinmeng-band features: %+v", band)
	}
	if a := geo.ProjectedArea(band[0].Geometry); a < 5e6 {
		t.Errorf("xinmeng-band drawn area %.0f m², want a 2 km wide band", a)
	}
	core := features(t, s, "canal-core", data.FeatureQuery{Zoom: -1})
	subs := map[string]bool{}
	for _, f := range core {
		subs[geo.PropString(f.Properties, "subzone")] = true
	}
	for _, want := range []string{"built-up", "riverside-eco", "non-built-up"} {
		if !subs[want] {
			t.Errorf("canal-core has no %s subzone (has %v)", want, subs)
		}
	}
	// A bbox far away selects nothing; one around the river selects it.
	if fs := features(t, s, "green-corridors", data.FeatureQuery{Zoom: -1, BBox: &orb.Bound{Min: orb.Point{100, 20}, Max: orb.Point{100.1, 20.1}}}); len(fs) != 0 {
		t.Errorf("far bbox selected %d features", len(fs))
	}
	river := features(t, s, "xinmeng-river", data.FeatureQuery{Zoom: -1})
	rb := river[0].Geometry.Bound()
	if fs := features(t, s, "xinmeng-river", data.FeatureQuery{Zoom: -1, BBox: &rb}); len(fs) != 1 {
		t.Errorf("river bbox selected %d features", len(fs))
	}
	// Low zoom simplifies.
	full := countVertices(features(t, s, "district", data.FeatureQuery{Zoom: -1}))
	low := countVertices(features(t, s, "district", data.FeatureQuery{Zoom: 8}))
	if low >= full {
		t.Errorf("zoom 8 has %d vertices, full %d: not simplified", low, full)
	}
	// Limit and offset page through in order.
	all := features(t, s, "green-corridors", data.FeatureQuery{Zoom: -1})
	page := features(t, s, "green-corridors", data.FeatureQuery{Zoom: -1, Limit: 2, Offset: 1})
	if len(all) < 3 || len(page) != 2 || page[0].ID != all[1].ID || page[1].ID != all[2].ID {
		t.Errorf("paging: all %d, page %v", len(all), ids(page))
	}
}

func ids(fs []geo.Feature) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func countVertices(fs []geo.Feature) int {
	n := 0
	for _, f := range fs {
		n += geo.CountVertices(f.Geometry)
	}
	return n
}

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

func relate(t *testing.T, s data.Store, g orb.Geometry, asOf time.Time) geo.Relations {
	t.Helper()
	site, err := geo.SiteFromLonLat(g)
	if err != nil {
		t.Fatalf("site %v: %v", g, err)
	}
	rel, err := s.Relate(ctx(t), site, asOf)
	if err != nil {
		t.Fatalf("relate %v: %v", g, err)
	}
	return rel
}

func hitsOf(rel geo.Relations, layer string) []geo.Relation {
	var out []geo.Relation
	for _, h := range rel.Hits {
		if h.Layer == layer {
			out = append(out, h)
		}
	}
	return out
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

// testAsOfTwoVersions: a new version of a zone is in force from its date;
// checks before it see the old one.
func testAsOfTwoVersions(t *testing.T, open Opener) {
	s := open(t)
	p := corridorPoint(t, s)
	// Version 2 moves the corridor 5 km east, away from p.
	old := features(t, s, "xinmeng-corridor", data.FeatureQuery{Zoom: -1})
	moved := make([]geo.Feature, len(old))
	for i, f := range old {
		moved[i] = geo.Feature{ID: f.ID, Properties: f.Properties, Geometry: geo.TransformGeometry(f.Geometry, func(x, y float64) (float64, float64) { return x + 0.05, y })}
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v, err := s.Import(ctx(t), "xinmeng-corridor", moved, data.ImportOptions{ValidFrom: from})
	if err != nil {
		t.Fatal(err)
	}
	if v.Layer.Version != 2 || !v.Layer.ValidFrom.Equal(from) || v.Layer.ID != "xinmeng-corridor" || len(v.Derived) != 0 {
		t.Fatalf("import gave %+v, want version 2 from %s and no derived layer", v, from)
	}
	for _, tc := range []struct {
		asOf    time.Time
		hit     bool
		version int64
	}{
		{time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), true, 1},
		{from, false, 2},
		{AsOf, false, 2},
	} {
		rel := relate(t, s, p, tc.asOf)
		if got := len(hitsOf(rel, "xinmeng-corridor")) > 0; got != tc.hit {
			t.Errorf("as_of %s: corridor hit %v, want %v", tc.asOf.Format(time.DateOnly), got, tc.hit)
		}
		if got := versionOf(rel, "xinmeng-corridor"); got != tc.version {
			t.Errorf("as_of %s: corridor version %d, want %d", tc.asOf.Format(time.DateOnly), got, tc.version)
		}
		info, err := s.Layer(ctx(t), "xinmeng-corridor", tc.asOf)
		if err != nil || info.Version != tc.version {
			t.Errorf("as_of %s: layer info %+v, %v", tc.asOf.Format(time.DateOnly), info, err)
		}
	}
	// A version resolved before is read as it was, whatever is in force.
	if got := features(t, s, "xinmeng-corridor", data.FeatureQuery{Version: 1, Zoom: -1}); len(got) != len(old) || !boundsClose(got[0].Geometry.Bound(), old[0].Geometry.Bound()) {
		t.Errorf("version 1 read by number: %d features, first bound %v; want %d, %v", len(got), got[0].Geometry.Bound(), len(old), old[0].Geometry.Bound())
	}
	// Backdating before the version in force is refused; nothing changes.
	if _, err := s.Import(ctx(t), "xinmeng-corridor", old, data.ImportOptions{ValidFrom: from.AddDate(0, -1, 0)}); !errors.Is(err, data.ErrInvalidImport) {
		t.Errorf("backdated import: err %v, want ErrInvalidImport", err)
	}
	if info, _ := s.Layer(ctx(t), "xinmeng-corridor", AsOf); info.Version != 2 {
		t.Errorf("after refused import: version %d, want 2", info.Version)
	}
}

func versionOf(rel geo.Relations, layer string) int64 {
	for _, l := range rel.Layers {
		if l.ID == layer {
			return l.Version
		}
	}
	return 0
}

// testDerivedRecomputed: importing the river recomputes its 1 km band.
func testDerivedRecomputed(t *testing.T, open Opener) {
	s := open(t)
	river := features(t, s, "xinmeng-river", data.FeatureQuery{Zoom: -1})
	district := features(t, s, "district", data.FeatureQuery{Zoom: -1})
	// A point 1 500 m east of the river: outside the band until the river
	// moves 1 000 m east.
	pts := offsetPoints(river[0].Geometry, 1500, -1, func(p orb.Point) bool {
		return inPolygons(district, p) && boundaryDistance(district, p) > 5
	})
	pts = append(pts, offsetPoints(river[0].Geometry, 1500, 1, func(p orb.Point) bool {
		return inPolygons(district, p) && boundaryDistance(district, p) > 5
	})...)
	if len(pts) == 0 {
		t.Fatal("demo data: no point 1 500 m from the river inside the district")
	}
	p := pts[0]
	if hs := hitsOf(relate(t, s, p, AsOf), "xinmeng-band"); len(hs) != 0 {
		t.Fatalf("before: band hits %+v", hs)
	}
	pp := geo.ProjectGeometry(p).(orb.Point)
	// Move the river to pass 200 m from p.
	moved := geo.TransformGeometry(river[0].Geometry, func(lon, lat float64) (float64, float64) { return lon, lat })
	nearest := geo.NearestPoint(geo.ProjectGeometry(moved), pp)
	dx, dy := (pp[0]-nearest[0])*(1300.0/1500.0), (pp[1]-nearest[1])*(1300.0/1500.0)
	moved = geo.UnprojectGeometry(geo.TransformGeometry(geo.ProjectGeometry(moved), func(x, y float64) (float64, float64) { return x + dx, y + dy }))
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	res, err := s.Import(ctx(t), "xinmeng-river", []geo.Feature{{ID: river[0].ID, Properties: river[0].Properties, Geometry: moved}}, data.ImportOptions{ValidFrom: from})
	if err != nil {
		t.Fatal(err)
	}
	// The import names the band version it made, as the store then serves it.
	if len(res.Derived) != 1 || res.Derived[0].ID != "xinmeng-band" || res.Derived[0].Version != 2 || !res.Derived[0].ValidFrom.Equal(from) {
		t.Errorf("import of the river reports derived %+v, want xinmeng-band version 2 from %s", res.Derived, from)
	}
	info, err := s.Layer(ctx(t), "xinmeng-band", from)
	if err != nil || info.Version != 2 || !info.ValidFrom.Equal(from) {
		t.Fatalf("band after river import: %+v %v, want version 2 from %s", info, err, from)
	}
	hs := hitsOf(relate(t, s, p, from), "xinmeng-band")
	if len(hs) != 1 || math.Abs(hs[0].DistanceM-200) > 1 {
		t.Errorf("after: band hits %+v, want one at about 200 m", hs)
	}
	if hs := hitsOf(relate(t, s, p, from.AddDate(0, 0, -1)), "xinmeng-band"); len(hs) != 0 {
		t.Errorf("the day before: band hits %+v, want none", hs)
	}
}

func testImportRefusesInvalid(t *testing.T, open Opener) {
	s := open(t)
	good := features(t, s, "green-corridors", data.FeatureQuery{Zoom: -1})
	bow := geo.Feature{ID: "bow-tie", Properties: map[string]any{"name_zh": "坏"}, Geometry: orb.Polygon{{{119.80, 31.80}, {119.81, 31.81}, {119.81, 31.80}, {119.80, 31.81}, {119.80, 31.80}}}}
	feats := append(append([]geo.Feature{}, good...), bow)
	_, err := s.Import(ctx(t), "green-corridors", feats, data.ImportOptions{ValidFrom: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
	var ie *data.ImportError
	if !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Index != len(good) {
		t.Fatalf("err %v, want an ImportError naming feature %d", err, len(good))
	}
	if info, _ := s.Layer(ctx(t), "green-corridors", AsOf); info.Version != 1 {
		t.Errorf("after refused import: version %d, want 1", info.Version)
	}
	if _, err := s.Import(ctx(t), "xinmeng-band", good, data.ImportOptions{}); !errors.Is(err, data.ErrInvalidImport) {
		t.Errorf("import into a derived layer: err %v, want ErrInvalidImport", err)
	}
	if _, err := s.Import(ctx(t), "nope", good, data.ImportOptions{}); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("import into unknown layer: err %v, want ErrNotFound", err)
	}
}

func testAudit(t *testing.T, open Opener) {
	s := open(t)
	rec := &data.CheckRecord{
		ID: "0190f000-0000-7000-8000-000000000001", CheckedAt: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC),
		Reference: "审批-2026-001'; DROP TABLE checks; --", Category: "chemical", AsOf: AsOf,
		Geometry: orb.Point{119.8, 31.8}, Verdict: "prohibited", DecisionHash: "sha256:abc",
		Document: []byte(`{"check_id":"0190f000-0000-7000-8000-000000000001","verdict":"prohibited"}`),
	}
	if err := s.SaveCheck(ctx(t), rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.Check(ctx(t), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Reference != rec.Reference || got.Verdict != rec.Verdict || got.DecisionHash != rec.DecisionHash || !got.CheckedAt.Equal(rec.CheckedAt) {
		t.Errorf("read back %+v", got)
	}
	if string(got.Document) == "" || !jsonEqual(got.Document, rec.Document) {
		t.Errorf("document %s, want %s", got.Document, rec.Document)
	}
	if _, err := s.Check(ctx(t), "0190f000-0000-7000-8000-0000000000ff"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("unknown check: err %v, want ErrNotFound", err)
	}
}

func testNoVersion(t *testing.T, open Opener) {
	s := open(t)
	_, err := s.Relate(ctx(t), mustSite(t, orb.Point{119.8, 31.8}), DemoValidFrom.AddDate(0, 0, -1))
	if !errors.Is(err, data.ErrNoVersion) {
		t.Errorf("relate before the data: err %v, want ErrNoVersion", err)
	}
}

// testResolvedVersion: a caller that has resolved the version in force
// (the server, for its cache key) passes it on, and the store reads that
// version without a second look-up; a version the layer does not have is
// refused, by Features and by Tile alike.
func testResolvedVersion(t *testing.T, open Opener) {
	s := open(t)
	for _, id := range []string{"green-corridors", "xinmeng-band"} {
		info, err := s.Layer(ctx(t), id, AsOf)
		if err != nil {
			t.Fatal(err)
		}
		byDate := features(t, s, id, data.FeatureQuery{Zoom: 12})
		byNumber := features(t, s, id, data.FeatureQuery{Version: info.Version, AsOf: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), Zoom: 12})
		if len(byNumber) != len(byDate) || len(byDate) == 0 {
			t.Fatalf("%s: %d features by version number, %d by date", id, len(byNumber), len(byDate))
		}
		for i := range byDate {
			if byNumber[i].ID != byDate[i].ID || !boundsClose(byNumber[i].Geometry.Bound(), byDate[i].Geometry.Bound()) {
				t.Errorf("%s feature %d: %s %v by number, %s %v by date", id, i, byNumber[i].ID, byNumber[i].Geometry.Bound(), byDate[i].ID, byDate[i].Geometry.Bound())
			}
		}
		// Nothing selected in a version that exists is no error.
		far := orb.Bound{Min: orb.Point{10, 10}, Max: orb.Point{10.1, 10.1}}
		if got := features(t, s, id, data.FeatureQuery{Version: info.Version, BBox: &far, Zoom: -1}); len(got) != 0 {
			t.Errorf("%s: %d features far away", id, len(got))
		}
		missing := data.FeatureQuery{Version: info.Version + 100, Zoom: -1}
		if err := s.Features(ctx(t), id, missing, func(geo.Feature) error { return nil }); !errors.Is(err, data.ErrNoVersion) {
			t.Errorf("%s version %d: err %v, want ErrNoVersion", id, missing.Version, err)
		}
		if ts, ok := s.(data.TileStore); ok {
			if _, err := ts.Tile(ctx(t), id, info.Version+100, 10, 864, 418); !errors.Is(err, data.ErrNoVersion) {
				t.Errorf("%s tile of version %d: err %v, want ErrNoVersion", id, info.Version+100, err)
			}
		}
	}
	if err := s.Features(ctx(t), "no-such-layer", data.FeatureQuery{Version: 1}, func(geo.Feature) error { return nil }); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("unknown layer by version: err %v, want ErrNotFound", err)
	}
	if ts, ok := s.(data.TileStore); ok {
		if _, err := ts.Tile(ctx(t), "no-such-layer", 1, 10, 864, 418); !errors.Is(err, data.ErrNotFound) {
			t.Errorf("tile of an unknown layer: err %v, want ErrNotFound", err)
		}
	}
}

// boundsClose compares bounds read back from a store, to a nanodegree.
func boundsClose(a, b orb.Bound) bool {
	for i := range 2 {
		if math.Abs(a.Min[i]-b.Min[i]) > 1e-9 || math.Abs(a.Max[i]-b.Max[i]) > 1e-9 {
			return false
		}
	}
	return true
}

func mustSite(t *testing.T, g orb.Geometry) *geo.Site {
	s, err := geo.SiteFromLonLat(g)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// DemoMem is an embedded store for man with the demo layers loaded, valid
// from DemoValidFrom: what the API, map and OGC tests run on.
func DemoMem(t testing.TB, man *data.Manifest) *memory.Store {
	t.Helper()
	mem := memory.New(man)
	if err := demo.Load(context.Background(), mem, man, data.ImportOptions{ValidFrom: DemoValidFrom}); err != nil {
		t.Fatal(err)
	}
	return mem
}

// DemoPG is the PostGIS store on a fresh database (pgtest: it fails, never
// skips, without PostgreSQL and PostGIS) with the demo layers loaded like
// DemoMem's: what the API and OGC tests run on PostGIS.
func DemoPG(t testing.TB, man *data.Manifest) *postgis.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := postgis.Open(ctx, pgtest.NewDatabase(t), man, postgis.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := demo.Load(ctx, s, man, data.ImportOptions{ValidFrom: DemoValidFrom}); err != nil {
		t.Fatal(err)
	}
	return s
}
