package postgis_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
)

// TestDistancesHeldToPostGIS: seeded random sites (points, small polygons,
// lines) near every shoreline of the demo sources — set off the water's
// edge by −50 to 2 300 m, so some lie in the water — are related by both
// stores, and every band hit is held to what PostGIS computes
// independently in the test, with plain SQL on the source's water
// polygons in EPSG:4549:
//
//   - distance_m within 0.5 m of ST_Distance(site, shore) (0 in the water),
//     for points and for the unmasked band (a masked band measures the
//     site's part on the mask's side);
//   - a site within 0.5 m short of a band's distance is in it, one 0.5 m
//     beyond is not;
//   - the derived layer's overlaps summed over its bands within 0.5 % (or
//     1 m², or the drawn arcs' allowance) of ST_Area(site ∩ district ∩
//     ST_Buffer(shore, d)).
//
// ECOSPACE_SHORE_SITES changes the number of sites (default 3 000).
func TestDistancesHeldToPostGIS(t *testing.T) {
	n := envInt("ECOSPACE_SHORE_SITES", 3000)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.New(man)
	loadDemo(t, mem)
	pg, url := openPG(t, postgis.Options{})
	loadDemo(t, pg)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	env := newDiffEnv(t, mem, man, storetest.AsOf)

	type src struct { // one water surface (feature) of a source layer
		layer, feature, derived string
		d                       float64 // the derived layer's outer distance
		masked                  bool
		rings                   [][2]orb.Point
	}
	var srcs []src
	for _, d := range man.Layers {
		if d.Derived == nil {
			continue
		}
		outer := 0.0
		for _, b := range d.Derived.Bands {
			outer = math.Max(outer, b.DistanceM)
		}
		if err := mem.Features(ctx, d.Derived.Source, data.FeatureQuery{AsOf: storetest.AsOf, Zoom: -1}, func(f geo.Feature) error {
			s := src{layer: d.Derived.Source, feature: f.ID, derived: d.ID, masked: d.Derived.Mask != "", d: outer}
			for _, r := range geo.Rings(geo.ProjectGeometry(f.Geometry)) {
				for i := 0; i+1 < len(r); i++ {
					s.rings = append(s.rings, [2]orb.Point{r[i], r[i+1]})
				}
			}
			if len(s.rings) == 0 {
				return fmt.Errorf("source %s/%s has no water surface", s.layer, f.ID)
			}
			srcs = append(srcs, s)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	rng := rand.New(rand.NewPCG(20261206, 14))
	const q = `WITH s AS (SELECT ST_GeomFromWKB($1::bytea, 4549) AS g),
		w AS (SELECT ST_Union(geom_4549) AS g FROM features f
			WHERE f.layer_id = $2 AND f.version = (SELECT max(version) FROM layer_versions WHERE layer_id = $2)),
		c AS (SELECT ST_Union(geom_4549) AS g FROM features f
			WHERE f.layer_id = 'district' AND f.version = (SELECT max(version) FROM layer_versions WHERE layer_id = 'district'))
		SELECT ST_Distance(s.g, w.g), ST_Area(ST_Intersection(ST_Intersection(s.g, c.g), ST_Buffer(w.g, $3::float8, 'quad_segs=32'))),
			ST_Intersects(s.g, c.g)
		FROM s, w, c`
	checked, hits, inWater, failures := 0, 0, 0, 0
	worstD := 0.0
	fail := func(format string, args ...any) {
		failures++
		if failures <= 20 {
			t.Errorf(format, args...)
		}
	}
	for checked < n {
		s := srcs[checked%len(srcs)]
		e := s.rings[rng.IntN(len(s.rings))]
		u, off := rng.Float64(), -50+rng.Float64()*2350
		dx, dy := e[1][0]-e[0][0], e[1][1]-e[0][1]
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		side := float64(1 - 2*rng.IntN(2))
		c := orb.Point{e[0][0] + u*dx - side*dy/l*off, e[0][1] + u*dy + side*dx/l*off}
		site := randomSite(rng, c)
		if site == nil {
			continue
		}
		w, err := wkb.Marshal(site.Projected)
		if err != nil {
			t.Fatal(err)
		}
		var sqlD, sqlA float64
		var inDistrict bool
		if err := conn.QueryRow(ctx, q, w, s.layer, s.d).Scan(&sqlD, &sqlA, &inDistrict); err != nil {
			t.Fatal(err)
		}
		checked++
		if !inDistrict {
			continue
		}
		if sqlD == 0 {
			inWater++
		}
		rm, err1 := mem.Relate(ctx, site, data.At{AsOf: storetest.AsOf})
		rp, err2 := pg.Relate(ctx, site, data.At{AsOf: storetest.AsOf})
		if err1 != nil || err2 != nil {
			t.Fatalf("relate %s: %v / %v", wkt(site.Geometry), err1, err2)
		}
		if !rm.Coverage.Whole || !rp.Coverage.Whole {
			continue // a site partly outside is judged on its inside part
		}
		for _, st := range []struct {
			name string
			rel  geo.Relations
		}{{"mem", rm}, {"pg", rp}} {
			var bandHits []geo.Relation
			for _, h := range st.rel.Hits {
				if h.Layer == s.derived {
					bandHits = append(bandHits, h)
				}
			}
			if len(bandHits) > 0 {
				hits++
			}
			exact := site.Dim == 0 || !s.masked
			switch {
			case exact && sqlD <= s.d-0.5 && len(bandHits) == 0:
				fail("%s %s: ST_Distance to %s %.3f m, no %s hit", st.name, wkt(site.Geometry), s.layer, sqlD, s.derived)
			case exact && sqlD >= s.d+0.5 && len(bandHits) > 0:
				fail("%s %s: ST_Distance to %s %.3f m, %s hits %+v", st.name, wkt(site.Geometry), s.layer, sqlD, s.derived, bandHits)
			}
			sum := 0.0
			for _, h := range bandHits {
				if exact {
					worstD = math.Max(worstD, math.Abs(h.DistanceM-sqlD))
					if math.Abs(h.DistanceM-sqlD) > 0.5 {
						fail("%s %s: %s distance_m %.3f, ST_Distance %.3f", st.name, wkt(site.Geometry), h.ZoneID, h.DistanceM, sqlD)
					}
				}
				sum += h.OverlapM2
			}
			if site.Dim == 2 && !areaClose(sum, sqlA, arcSum(env, site, s.derived)) {
				fail("%s %s: %s overlaps sum to %.2f m², ST_Area of the buffer's part %.2f m²", st.name, wkt(site.Geometry), s.derived, sum, sqlA)
			}
		}
	}
	t.Logf("%d sites near %d water surfaces (%d in the water), %d store answers with band hits; largest distance_m − ST_Distance %.2g m", checked, len(srcs), inWater, hits, worstD)
	if failures > 0 {
		t.Errorf("%d differences from PostGIS's own distances and areas", failures)
	}
}

// arcSum is the drawn-arc allowance of all bands of a derived layer.
func arcSum(env *diffEnv, s *geo.Site, layer string) float64 {
	a := env.arcAllowance(s)
	sum := 0.0
	for _, b := range env.bands {
		if b.layer == layer {
			sum += a[b.id]
		}
	}
	return sum
}
