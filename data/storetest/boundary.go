package storetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// The boundary rule, held on both stores at once: zones are closed sets.
// A site on a zone's boundary is in the zone (a point on the shared edge of
// the built-up mask and the land outside it is in both sub-zones), and a
// point exactly at a band's distance from the shore is in the band. Edges
// are straight in EPSG:4549, the plane every relation is computed in, so an
// edge's midpoint is taken there.

// BoundarySite is one point the boundary walk relates: where it came from
// and the point (lon/lat).
type BoundarySite struct {
	What string
	P    orb.Point
}

// BoundarySites lists every vertex and every edge midpoint (taken in
// EPSG:4549) of every feature of the layers that take part in a check —
// the coverage, the zones (informational ones too), the masks, the
// sources (water surfaces) and the bands the derived layers draw — as
// store s holds them on AsOf. Repeated points are listed once.
func BoundarySites(t testing.TB, s data.Store, man *data.Manifest) []BoundarySite {
	t.Helper()
	var out []BoundarySite
	seen := map[orb.Point]bool{}
	add := func(what string, p orb.Point) {
		if !seen[p] {
			seen[p] = true
			out = append(out, BoundarySite{what, p})
		}
	}
	for _, d := range man.Layers {
		if d.Kind == geo.LayerDisplay || d.Kind == geo.LayerRegister {
			continue
		}
		var feats []geo.Feature
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := s.Features(c, d.ID, data.FeatureQuery{AsOf: AsOf, Zoom: -1}, func(f geo.Feature) error {
			feats = append(feats, f)
			return nil
		})
		cancel()
		if err != nil {
			t.Fatalf("features %s: %v", d.ID, err)
		}
		for _, f := range feats {
			var paths [][]orb.Point
			switch g := f.Geometry.(type) {
			case orb.LineString:
				paths = append(paths, g)
			case orb.MultiLineString:
				for _, l := range g {
					paths = append(paths, l)
				}
			default:
				for _, r := range geo.Rings(g) {
					paths = append(paths, r)
				}
			}
			for _, ps := range paths {
				for i, v := range ps {
					add(fmt.Sprintf("%s/%s vertex %d", d.ID, f.ID, i), v)
					if i+1 < len(ps) {
						a := geo.ProjectGeometry(v).(orb.Point)
						b := geo.ProjectGeometry(ps[i+1]).(orb.Point)
						lon, lat := geo.FromGK((a[0]+b[0])/2, (a[1]+b[1])/2)
						add(fmt.Sprintf("%s/%s edge %d midpoint", d.ID, f.ID, i), orb.Point{lon, lat})
					}
				}
			}
		}
	}
	return out
}

// SameDecisions relates every site with both stores and requires the same
// answer: the same coverage, the same hits (layer, zone, subzone,
// relation) and, for every category of rules, the same verdict and
// decision hash. It returns the number of sites compared.
func SameDecisions(t *testing.T, a, b data.Store, rules *geo.RuleSet, sites []BoundarySite) int {
	t.Helper()
	type answer struct {
		ra, rb     geo.Relations
		errA, errB error
	}
	res := make([]answer, len(sites))
	c, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				site, err := geo.SiteFromLonLat(sites[i].P)
				if err != nil {
					res[i].errA = err
					continue
				}
				res[i].ra, res[i].errA = a.Relate(c, site, data.At{AsOf: AsOf})
				res[i].rb, res[i].errB = b.Relate(c, site, data.At{AsOf: AsOf})
			}
		}()
	}
	for i := range sites {
		next <- i
	}
	close(next)
	wg.Wait()
	failures := 0
	fail := func(format string, args ...any) {
		failures++
		if failures <= 25 {
			t.Errorf(format, args...)
		}
	}
	for i, s := range sites {
		r := res[i]
		if r.errA != nil || r.errB != nil {
			fail("%s %v: errors %v / %v", s.What, s.P, r.errA, r.errB)
			continue
		}
		if ha, hb := hitKeys(r.ra), hitKeys(r.rb); ha != hb || r.ra.Coverage.Inside != r.rb.Coverage.Inside {
			fail("%s (%.9f, %.9f): coverage %v / %v, hits\n  %s\n  %s", s.What, s.P[0], s.P[1], r.ra.Coverage.Inside, r.rb.Coverage.Inside, ha, hb)
			continue
		}
		for _, cat := range rules.CategoryIDs() {
			va, errA := geo.Judge(rules, r.ra, cat, nil, AsOf)
			vb, errB := geo.Judge(rules, r.rb, cat, nil, AsOf)
			if errA != nil || errB != nil {
				fail("%s %v %s: judge %v / %v", s.What, s.P, cat, errA, errB)
				break
			}
			if ha, hb := geo.DecisionHash(s.P, va), geo.DecisionHash(s.P, vb); va.Verdict != vb.Verdict || ha != hb {
				fail("%s %v %s: verdict %s / %s, hash %s / %s", s.What, s.P, cat, va.Verdict, vb.Verdict, ha, hb)
				break
			}
		}
	}
	if failures > 0 {
		t.Errorf("%d of %d boundary sites differ between the stores", failures, len(sites))
	}
	return len(sites)
}

// hitKeys is a relation's hits as one comparable string.
func hitKeys(r geo.Relations) string {
	ks := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ks[i] = fmt.Sprintf("[%s %s %s %s]", h.Layer, h.ZoneID, h.Subzone, h.Relation)
	}
	slices.Sort(ks)
	return strings.Join(ks, " ")
}

// ShoreDistance is the exact distance in EPSG:4549 from projected point p
// to the surfaces (projected polygons) of a source: 0 inside or on them.
func ShoreDistance(p orb.Point, surfaces orb.MultiPolygon) float64 {
	best := math.Inf(1)
	for _, poly := range surfaces {
		if polygonHas(poly, p) {
			return 0
		}
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				best = math.Min(best, segDist(p, [2]orb.Point{r[i], r[i+1]}))
			}
		}
	}
	return best
}

func polygonHas(p orb.Polygon, pt orb.Point) bool {
	in := false
	for _, r := range p {
		if ringHas(r, pt) {
			in = !in
		}
	}
	return in
}

func ringHas(r orb.Ring, pt orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > pt[1]) != (b[1] > pt[1]) && pt[0] < (b[0]-a[0])*(pt[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// ThresholdSites lists, for every band distance (and minimum distance) of
// every derived layer, the points at exactly that distance from the
// source's water edge — off the middle of each edge, where that edge is
// the nearest part of the water — and the same points nudged 1 mm nearer
// and 1 mm farther, as store s holds the sources on AsOf.
func ThresholdSites(t testing.TB, s data.Store, man *data.Manifest) []BoundarySite {
	t.Helper()
	var out []BoundarySite
	for _, d := range man.Layers {
		if d.Derived == nil {
			continue
		}
		var src []geo.Feature
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := s.Features(c, d.Derived.Source, data.FeatureQuery{AsOf: AsOf, Zoom: -1}, func(f geo.Feature) error {
			src = append(src, f)
			return nil
		})
		cancel()
		if err != nil {
			t.Fatalf("features %s: %v", d.Derived.Source, err)
		}
		sh := shoreOf(src)
		dists := map[float64]bool{}
		for _, b := range d.Derived.Bands {
			dists[b.DistanceM] = true
			if b.MinDistanceM > 0 {
				dists[b.MinDistanceM] = true
			}
		}
		for dist := range dists {
			if dist == 0 {
				continue // the water's own edge: the vertices and midpoints above
			}
			for _, sp := range sh.pointsAt(dist, func(orb.Point) bool { return true }) {
				for _, k := range []float64{0, -0.001, 0.001} {
					out = append(out, BoundarySite{fmt.Sprintf("%s: %g %+g m from the water", d.ID, dist, k), sp.at(k)})
				}
			}
		}
	}
	return out
}
