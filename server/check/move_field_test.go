package check

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/servertest"
)

// TestMoveFieldAgreesWithChecks walks seeded random points over the whole
// demo district (the Xinmeng band and corridor, the canal's masked core
// zone, the green corridors, the Taihu tiers) for categories and targets
// that make different zones bad, and holds the field the move search builds
// to the checks: a point the field calls good checks at least as mild as
// the target and one it calls bad checks worse (away from boundaries, where
// 1 cm decides); the point search's nearest move is never farther than the
// best of 1 440 exact directions, nor nearer than they allow; and
// that move checks as the target asks.
func TestMoveFieldAgreesWithChecks(t *testing.T) {
	ctx := context.Background()
	app := servertest.Demo(t)
	c := New(Config{Store: app.Store, Rules: app.Rules, Unaudited: true})
	rng := rand.New(rand.NewPCG(11, 17))
	moves := 0
	for _, q := range []struct{ category, target string }{
		{"chemical", "restricted"}, {"hazardous-storage", "allowed"}, {"residential", "allowed"},
		{"theme-park", "allowed"}, {"livestock-farm", "restricted"}, {"floating-catering", "allowed"},
	} {
		for range 25 {
			lon, lat := 119.74+rng.Float64()*0.2, 31.74+rng.Float64()*0.12
			in, err := c.ValidateContext(ctx, Request{Geometry: json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[%.7f,%.7f]}`, lon, lat)),
				Category: q.category, AsOf: "2026-06-01"}, "")
			if err != nil {
				t.Fatal(err)
			}
			v, err := c.judgeSite(ctx, in, in.Site)
			if err != nil {
				t.Fatal(err)
			}
			if v.Verdict == geo.VerdictOutsideCoverage {
				continue
			}
			f, err := c.moveField(ctx, in, q.target, 3000)
			if err != nil {
				t.Fatal(err)
			}
			p := in.Site.Projected.(orb.Point)
			if good := f.Good(p); good != meets(v, q.target) && !nearBoundary(f, p) {
				t.Errorf("%s at [%.7f, %.7f]: the field says good %v, the check %s", q.category, lon, lat, good, v.Verdict)
			}
			if meets(v, q.target) {
				continue
			}
			pts, err := f.PointMoves(ctx, p, 3000, 4)
			if err != nil {
				t.Fatal(err)
			}
			trs, err := f.Translations(ctx, p, 3000, 1440)
			if err != nil {
				t.Fatal(err)
			}
			if len(pts) == 0 != (len(trs) == 0) {
				t.Errorf("%s at [%.7f, %.7f]: %d point moves, %d directions", q.category, lon, lat, len(pts), len(trs))
				continue
			}
			if len(pts) == 0 {
				continue
			}
			d, dd := math.Hypot(pts[0][0]-p[0], pts[0][1]-p[1]), trs[0].Length()
			if d > dd+0.05 || d < dd-0.002*dd-0.05 {
				t.Errorf("%s at [%.7f, %.7f]: the point search moves %.3f m, the best of 1 440 directions %.3f m", q.category, lon, lat, d, dd)
			}
			m, err := c.Move(ctx, MoveRequest{Geometry: json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[%.7f,%.7f]}`, lon, lat)),
				Category: q.category, Target: q.target, AsOf: "2026-06-01", RadiusM: ptr(3000.0)})
			if err != nil {
				t.Fatal(err)
			}
			if !m.Found || math.Abs(*m.DistanceM-d) > 0.05 {
				t.Errorf("%s at [%.7f, %.7f]: Move answers %+v, the field's nearest is %.3f m", q.category, lon, lat, m, d)
			}
			moves++
		}
	}
	if moves < 20 {
		t.Errorf("only %d moves were searched: the walk misses the zones", moves)
	}
	t.Logf("%d moves searched", moves)
}

func ptr[T any](v T) *T { return &v }

// nearBoundary: within 5 cm of p the field changes its mind.
func nearBoundary(f *geo.MoveField, p orb.Point) bool {
	g := f.Good(p)
	for a := 0.0; a < 2*math.Pi; a += math.Pi / 8 {
		if f.Good(orb.Point{p[0] + 0.05*math.Cos(a), p[1] + 0.05*math.Sin(a)}) != g {
			return true
		}
	}
	return false
}

// Parcels by the canal (residential: prohibited in the core zone outside
// the built-up area, restricted in it): a 40 m parcel's move is never
// shorter than its centre's (every point of a clear parcel is good), nor
// longer than the centre's and the parcel's diagonal, and leads across the
// mask's edge where that is nearest, not only out of the 2 km.
func TestMoveParcelsByTheCanal(t *testing.T) {
	ctx := context.Background()
	app := servertest.Demo(t)
	c := New(Config{Store: app.Store, Rules: app.Rules, Unaudited: true})
	rng := rand.New(rand.NewPCG(3, 4))
	for n, tries := 0, 0; n < 8; tries++ {
		if tries > 200 {
			t.Fatalf("%d parcels in the canal's prohibited sub-zones in 200 tries", n)
		}
		lon, lat := 119.85+rng.Float64()*0.1, 31.74+rng.Float64()*0.1
		x, y := geo.ToGK(lon, lat)
		g := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`, x-20, y-20, x+20, y-20, x+20, y+20, x-20, y+20, x-20, y-20)
		req := MoveRequest{Geometry: json.RawMessage(g), CRS: "EPSG:4549", Category: "residential", Target: "restricted", AsOf: "2026-06-01", RadiusM: ptr(3000.0)}
		m, err := c.Move(ctx, req)
		var ie *InputError
		if errors.As(err, &ie) {
			continue // outside the district
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.FromVerdict != geo.EffectProhibited {
			continue
		}
		n++
		req.Geometry = json.RawMessage(fmt.Sprintf(`{"type":"Point","coordinates":[%f,%f]}`, x, y))
		pm, err := c.Move(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !m.Found || !pm.Found {
			t.Errorf("[%f, %f]: parcel found %v, its centre %v", x, y, m.Found, pm.Found)
			continue
		}
		if d, pd := *m.DistanceM, *pm.DistanceM; d < pd-0.05 || d > pd+2*20*math.Sqrt2+1 {
			t.Errorf("[%f, %f]: the parcel moves %.3f m, its centre %.3f m", x, y, d, pd)
		}
	}
}
