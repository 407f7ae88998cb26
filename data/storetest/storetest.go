// Package storetest is the conformance suite every data.Store must pass:
// the same test functions run against the embedded store and PostGIS, so
// that both give the same answers.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
)

// AsOf is the date the suite checks on.
var AsOf = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// Opener returns a fresh store with the demo layers loaded
// (demo.Load with ValidFrom demo.ValidFrom). Tests that import change
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
		{"DoneWhen", testDoneWhen},
		{"DemoTestPoints", testDemoPoints},
		{"CanalCoreThresholds", testCanalCoreThresholds},
		{"StraddleTwoZones", testStraddle},
		{"OutsideCoverage", testOutside},
		{"PartlyOutside", testPartlyOutside},
		{"AsOfTwoVersions", testAsOfTwoVersions},
		{"TwoTimes", testTwoTimes},
		{"BackdateRederives", testBackdateRederives},
		{"DerivedRecomputed", testDerivedRecomputed},
		{"ImportRefusesInvalid", testImportRefusesInvalid},
		{"AuditRoundTrip", testAudit},
		{"AuditIDSpellings", testAuditSpellings},
		{"ListChecks", testListChecks},
		{"NoVersionBeforeData", testNoVersion},
		{"NoVersionFirstDay", testNoVersionFirstDay},
		{"SubzoneFrom", testSubzoneFrom},
		{"XinmengWaterLand", testWaterLand},
		{"ResolvedVersion", testResolvedVersion},
		{"TileProperties", testTileProperties},
		{"FeaturesExactBBox", testFeaturesExactBBox},
		{"FeaturesClipped", testFeaturesClipped},
		{"RawProperties", testRawProperties},
		{"ReevalJobs", testReevalJobs},
		{"ReevalRulesAndClaims", testReevalRulesAndClaims},
		{"Outbox", testOutbox},
		{"ParcelLookup", testParcelLookup},
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
var demoLayers = []string{"district", "xinmeng-river", "xinmeng-corridor", "xinmeng-band", "canal", "canal-built-up", "canal-core", "green-corridors",
	"taihu-tier", "xinmeng-centreline", "canal-centreline", "plan-places"}

// answerLayers lists the layers an answer names (geo.LayerDef.Decides):
// not the display and informational ones.
var answerLayers = []string{"district", "xinmeng-river", "xinmeng-corridor", "xinmeng-band", "canal", "canal-built-up", "canal-core", "green-corridors", "taihu-tier"}

func manifestOf(t *testing.T, _ data.Store) *data.Manifest {
	t.Helper()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	return man
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

func relate(t *testing.T, s data.Store, g orb.Geometry, asOf time.Time) geo.Relations {
	t.Helper()
	site, err := geo.SiteFromLonLat(g)
	if err != nil {
		t.Fatalf("site %v: %v", g, err)
	}
	rel, err := s.Relate(ctx(t), site, data.At{AsOf: asOf})
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

func mustSite(t *testing.T, g orb.Geometry) *geo.Site {
	s, err := geo.SiteFromLonLat(g)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// DemoMem is an embedded store for man with the demo layers loaded, valid
// from demo.ValidFrom: what the API, map and OGC tests run on.
func DemoMem(t testing.TB, man *data.Manifest) *memory.Store {
	t.Helper()
	mem := memory.New(man)
	if err := demo.Load(context.Background(), mem, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
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
	if err := demo.Load(ctx, s, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
		t.Fatal(err)
	}
	return s
}
