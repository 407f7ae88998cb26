package check_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/servertest"
)

// The golden legal cases run through the real check pipeline (check.Check:
// validate, relate, judge, hash) on both stores, on the demo layers. A
// case names a place by the zones it lies in, not by coordinates: the
// places are found on the layers at test time (a grid point whose hits are
// exactly those zones, as are its neighbours 40 m away), so that the cases
// hold wherever the demo layers put the river and the corridors. Where the
// demo has no such place (the water, 绿线 land, a corridor site beyond the
// band, tiers 1 and 2) the test adds one: a new version of the layer, from
// fixtureFrom, with the demo's features and a fixture placed in open
// country (tier 3 only, nothing else within 1.2 km).

type place int

const (
	placeEcoLand place = iota
	placeEco
	placeLand
	placeWater
	placeBuiltUp
	placeRiverside
	placeNonBuiltUp
	placeGreenLine
	placeCorridor
	placeTier3
	placeTier1
	placeTier2
	placeLand500 // in the band's land, 450–550 m from the Xinmeng shore
	placeFar1500 // tier 3 only, 1 400–1 600 m from the Xinmeng River
	placeCount
)

// placeHits are the zones (zone kind/subzone, sorted) of each place.
var placeHits = [placeCount]string{
	placeEcoLand:    "eco-control/ + river-band/land + taihu-tier/tier-3",
	placeEco:        "eco-control/ + taihu-tier/tier-3",
	placeLand:       "river-band/land + taihu-tier/tier-3",
	placeWater:      "river-band/water + taihu-tier/tier-3",
	placeBuiltUp:    "canal-core/built-up + taihu-tier/tier-3",
	placeRiverside:  "canal-core/riverside-eco + taihu-tier/tier-3",
	placeNonBuiltUp: "canal-core/non-built-up + taihu-tier/tier-3",
	placeGreenLine:  "green-corridor/green-line + taihu-tier/tier-3",
	placeCorridor:   "green-corridor/corridor + taihu-tier/tier-3",
	placeTier3:      "taihu-tier/tier-3",
	placeTier1:      "taihu-tier/tier-1",
	placeTier2:      "taihu-tier/tier-2",
	placeLand500:    "river-band/land + taihu-tier/tier-3",
	placeFar1500:    "taihu-tier/tier-3",
}

func (p place) String() string { return placeHits[p] }

// fixtureFrom: the fixtures' layer versions are valid from this day; cases
// before it run on the demo layers alone.
var fixtureFrom = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

var goldenDay = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

// goldenEnv is the demo app on one store with the fixtures imported and
// the places found.
type goldenEnv struct {
	app     *servertest.App
	checker *check.Checker
	places  [placeCount]orb.Point
	// knownAt, when set, is every check's known_at: two stores loaded at
	// different times give the same hash only at the same knowledge time.
	knownAt string
}

// hitKey is the sorted "zone_kind/subzone" list of a site's hits.
func hitKey(rel geo.Relations) string {
	var ks []string
	for _, h := range rel.Hits {
		ks = append(ks, h.ZoneKind+"/"+h.Subzone)
	}
	sort.Strings(ks)
	return strings.Join(ks, " + ")
}

func relateAt(t testing.TB, s data.Store, p orb.Point, asOf time.Time) geo.Relations {
	t.Helper()
	site, err := geo.SiteFromLonLat(p)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := s.Relate(context.Background(), site, data.At{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// offset moves a lon/lat point by metres east and north (EPSG:4549).
func offset(p orb.Point, east, north float64) orb.Point {
	q := geo.ProjectGeometry(p).(orb.Point)
	return geo.UnprojectGeometry(orb.Point{q[0] + east, q[1] + north}).(orb.Point)
}

// squareAt is a square of side m metres centred on c, counter-clockwise
// (cw: clockwise, for a hole).
func squareAt(c orb.Point, m float64, cw bool) orb.Ring {
	h := m / 2
	r := orb.Ring{offset(c, -h, -h), offset(c, h, -h), offset(c, h, h), offset(c, -h, h), offset(c, -h, -h)}
	if cw {
		slices.Reverse(r)
	}
	return r
}

// grid is the district's points on a grid of about 150 m, classified by
// their hits on the day asked.
type grid struct {
	pts  []orb.Point
	keys []string
	step [2]float64
}

func scanGrid(t testing.TB, s data.Store, asOf time.Time) *grid {
	g := &grid{step: [2]float64{0.0016, 0.0014}}
	for lat := 31.7435; lat < 31.851; lat += g.step[1] {
		for lon := 119.7315; lon < 119.955; lon += g.step[0] {
			p := orb.Point{lon, lat}
			rel := relateAt(t, s, p, asOf)
			if !rel.Coverage.Inside {
				continue
			}
			g.pts = append(g.pts, p)
			g.keys = append(g.keys, hitKey(rel))
		}
	}
	return g
}

// clear reports whether every grid point within r metres of c is in the
// district with tier 3 alone (and at least one is).
func (g *grid) clear(c orb.Point, r float64) bool {
	pc := geo.ProjectGeometry(c).(orb.Point)
	n := 0
	for i, p := range g.pts {
		q := geo.ProjectGeometry(p).(orb.Point)
		if math.Hypot(q[0]-pc[0], q[1]-pc[1]) > r {
			continue
		}
		if g.keys[i] != "taihu-tier/tier-3" {
			return false
		}
		n++
	}
	// a disc cut by the district's edge is not clear: it must hold as
	// many grid points as the whole disc would
	full := math.Pi * r * r / (g.step[0] * 95_000 * g.step[1] * 111_000)
	return float64(n) > 0.9*full
}

// newGoldenEnv builds the demo app on a store (servertest.Demo or
// DemoPG), adds the fixtures at places found on the demo layers, and
// finds every place.
func newGoldenEnv(t *testing.T, open func(testing.TB) *servertest.App) *goldenEnv {
	t.Helper()
	app := open(t)
	e := &goldenEnv{app: app, checker: check.New(check.Config{Store: app.Store, Rules: app.Rules})}
	// Open country for the fixtures, found on the demo layers.
	demoGrid := scanGrid(t, app.Store, goldenDay)
	var pond, q orb.Point
	found := 0
	for _, p := range demoGrid.pts {
		if found == 0 && demoGrid.clear(p, 1200) {
			pond, found = p, 1
			continue
		}
		if found == 1 && demoGrid.clear(p, 600) && planar.Distance(geo.ProjectGeometry(p).(orb.Point), geo.ProjectGeometry(pond).(orb.Point)) > 2500 {
			q, found = p, 2
			break
		}
	}
	if found < 2 {
		t.Fatalf("the demo layers leave no open country for the fixtures (found %d of 2 places)", found)
	}
	ecoAt, greenAt, tier1At, tier2At := offset(q, -250, 250), offset(q, 250, 250), offset(q, -250, -250), offset(q, 250, -250)
	ctx := context.Background()
	add := func(layer string, extra ...geo.Feature) {
		t.Helper()
		var feats []geo.Feature
		if err := app.Store.Features(ctx, layer, data.FeatureQuery{AsOf: goldenDay, Zoom: -1}, func(f geo.Feature) error {
			feats = append(feats, f)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.Import(ctx, layer, append(feats, extra...), data.ImportOptions{ValidFrom: fixtureFrom, Source: "golden fixture"}); err != nil {
			t.Fatalf("fixture %s: %v", layer, err)
		}
	}
	props := func(id, zh string, more ...any) map[string]any {
		m := map[string]any{"id": id, "name_zh": zh, "name_en": id, "status": "illustrative", "note": "test fixture"}
		for i := 0; i+1 < len(more); i += 2 {
			m[more[i].(string)] = more[i+1]
		}
		return m
	}
	add("xinmeng-river", geo.Feature{ID: "golden-pond", Geometry: orb.Polygon{squareAt(pond, 60, false)}, Properties: props("golden-pond", "测试水面")})
	add("xinmeng-corridor", geo.Feature{ID: "golden-eco", Geometry: orb.Polygon{squareAt(ecoAt, 150, false)}, Properties: props("golden-eco", "测试维护区")})
	add("green-corridors", geo.Feature{ID: "golden-green-line", Geometry: orb.Polygon{squareAt(greenAt, 150, false)},
		Properties: props("golden-green-line", "测试绿线", "green_line", true)})
	// The tiers: the demo's tier 3 with two holes, and tiers 1 and 2 in them.
	var tiers []geo.Feature
	if err := app.Store.Features(ctx, "taihu-tier", data.FeatureQuery{AsOf: goldenDay, Zoom: -1}, func(f geo.Feature) error {
		tiers = append(tiers, f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(tiers) != 1 {
		t.Fatalf("%d tier features, want the demo's one", len(tiers))
	}
	outer, ok := tiers[0].Geometry.(orb.Polygon)
	if !ok || len(outer) != 1 {
		t.Fatalf("the demo tier is a %T", tiers[0].Geometry)
	}
	tiers[0].Geometry = orb.Polygon{outer[0], squareAt(tier1At, 150, true), squareAt(tier2At, 150, true)}
	tiers = append(tiers,
		geo.Feature{ID: "golden-tier-1", Geometry: orb.Polygon{squareAt(tier1At, 150, false)}, Properties: props("golden-tier-1", "测试一级保护区", "tier", 1.0)},
		geo.Feature{ID: "golden-tier-2", Geometry: orb.Polygon{squareAt(tier2At, 150, false)}, Properties: props("golden-tier-2", "测试二级保护区", "tier", 2.0)})
	if _, err := app.Store.Import(ctx, "taihu-tier", tiers, data.ImportOptions{ValidFrom: fixtureFrom, Source: "golden fixture"}); err != nil {
		t.Fatalf("fixture taihu-tier: %v", err)
	}
	e.places[placeWater], e.places[placeEco], e.places[placeGreenLine] = pond, ecoAt, greenAt
	e.places[placeTier1], e.places[placeTier2] = tier1At, tier2At
	// The places the demo has, found after the fixtures went in.
	after := scanGrid(t, app.Store, goldenDay)
	river := riverSource(t, app.Store)
	early := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	stable := func(p orb.Point, key string) bool {
		// the same place on the demo layers alone, for the cases before
		// the fixtures
		if hitKey(relateAt(t, app.Store, p, early)) != key {
			return false
		}
		for _, d := range [][2]float64{{40, 0}, {-40, 0}, {0, 40}, {0, -40}} {
			if hitKey(relateAt(t, app.Store, offset(p, d[0], d[1]), goldenDay)) != key {
				return false
			}
		}
		return true
	}
	for pl := range placeCount {
		if e.places[pl] != (orb.Point{}) {
			continue
		}
		for i, p := range after.pts {
			if after.keys[i] != placeHits[pl] || !stable(p, placeHits[pl]) {
				continue
			}
			switch pl {
			case placeLand500:
				d := relateAt(t, app.Store, p, goldenDay).Hits
				if i := slices.IndexFunc(d, func(h geo.Relation) bool { return h.Subzone == "land" }); d[i].DistanceM < 450 || d[i].DistanceM > 550 {
					continue
				}
			case placeFar1500:
				if d := planar.DistanceFrom(river, geo.ProjectGeometry(p).(orb.Point)); d < 1400 || d > 1600 {
					continue
				}
			}
			e.places[pl] = p
			break
		}
		if e.places[pl] == (orb.Point{}) {
			t.Fatalf("no place on the demo layers is in exactly %s", pl)
		}
	}
	for pl := range placeCount {
		if got := hitKey(relateAt(t, app.Store, e.places[pl], goldenDay)); got != placeHits[pl] {
			t.Fatalf("place %v at %v is in %s", pl, e.places[pl], got)
		}
		t.Logf("place %-55s at %.6f, %.6f", pl, e.places[pl][0], e.places[pl][1])
	}
	return e
}

// riverSource is the Xinmeng River source (the demo's, with the pond) in
// EPSG:4549.
func riverSource(t testing.TB, s data.Store) orb.Geometry {
	var c orb.Collection
	if err := s.Features(context.Background(), "xinmeng-river", data.FeatureQuery{AsOf: goldenDay, Zoom: -1}, func(f geo.Feature) error {
		c = append(c, geo.ProjectGeometry(f.Geometry))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// memGolden and pgGolden are the demo app on each store.
func memGolden(t testing.TB) *servertest.App { return servertest.Demo(t) }
func pgGolden(t testing.TB) *servertest.App  { return servertest.DemoPG(t) }

// checkAt runs one check through the pipeline at a place.
func (e *goldenEnv) checkAt(t *testing.T, pl place, category string, facts map[string]bool, asOf string) *check.Response {
	t.Helper()
	req := check.Request{
		Geometry: []byte(fmt.Sprintf(`{"type":"Point","coordinates":[%.7f,%.7f]}`, e.places[pl][0], e.places[pl][1])),
		Category: category, AsOf: asOf, Reference: "golden", KnownAt: e.knownAt,
	}
	if facts != nil {
		b := []byte("{")
		for i, k := range slices.Sorted(maps.Keys(facts)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = fmt.Appendf(b, "%q:%t", k, facts[k])
		}
		req.Facts = append(b, '}')
	}
	ans, err := e.checker.Check(context.Background(), "", req)
	if err != nil {
		t.Fatalf("%s at %v on %s: %v", category, pl, asOf, err)
	}
	return ans.Response
}
