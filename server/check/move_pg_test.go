package check_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
)

// moveDay is the day the move tests ask about.
const moveDay = "2026-06-01"

// TestMoveHeldOutPostGIS holds the move search to an answer computed
// another way: 200 seeded random points 600–1 000 m from the Xinmeng
// shore (in the band of 太湖流域管理条例 第三十条), a chemical plant, target
// restricted. PostGIS computes the minimum move by itself: the district
// minus the union of the band (ST_Buffer of the river's surfaces by
// 1 000 m, 256 segments a quarter circle: within 5 mm of the true band)
// and the polygon zones whose rule is prohibited, and ST_Distance from
// the point to what is left. ecospace's answer (on the PostGIS store) must
// be within 1 m of it, and the moved site must check restricted. A point
// with a 50 m radius finds nothing.
func TestMoveHeldOutPostGIS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		t.Fatal(err)
	}
	url := pgtest.NewDatabase(t)
	store, err := postgis.Open(ctx, url, man, postgis.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := demo.Load(ctx, store, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	day, _ := time.Parse(time.DateOnly, moveDay)

	// The polygon zones a chemical plant may not be in: the rules decide
	// which; their geometry stays in the database.
	var badZones []string
	for _, def := range man.Layers {
		if def.Kind != geo.LayerZone || !def.Judged() {
			continue
		}
		err := store.Features(ctx, def.ID, data.FeatureQuery{AsOf: day, Zoom: -1}, func(f geo.Feature) error {
			sub, err := def.SubzoneOf(f.Properties)
			if err != nil {
				return err
			}
			res, err := rules.Resolve(def.ZoneKind, sub, "chemical", nil, day)
			if err != nil {
				return err
			}
			if res.Rule.Effect == geo.EffectProhibited {
				badZones = append(badZones, def.ID+"/"+f.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range []string{"water", "land"} {
		if res, err := rules.Resolve("river-band", sub, "chemical", nil, day); err != nil || res.Rule.Effect != geo.EffectProhibited {
			t.Fatalf("the rules no longer prohibit chemical plants in the band's %s (%v): this test's band is wrong", sub, err)
		}
	}

	const sites = `
WITH lv AS (
  SELECT layer_id, version FROM layer_versions
  WHERE valid_from <= $1::date AND (valid_to IS NULL OR valid_to >= $1::date)
), f AS (
  SELECT f.layer_id, f.feature_id, f.geom_4549 FROM features f JOIN lv USING (layer_id, version)
), district AS (
  SELECT ST_Union(geom_4549) g FROM f WHERE layer_id = 'district'
), river AS (
  SELECT ST_Union(geom_4549) g FROM f WHERE layer_id = 'xinmeng-river'
), canal AS (
  SELECT ST_Buffer(ST_Union(geom_4549), 2000) g FROM f WHERE layer_id = 'canal'
), bad AS (
  SELECT ST_Union(g) g FROM (
    SELECT ST_Buffer(g, 1000, 'quad_segs=256') g FROM river
    UNION ALL SELECT geom_4549 FROM f WHERE layer_id || '/' || feature_id = ANY($2)
  ) b
), good AS (
  SELECT ST_Difference(d.g, b.g) g FROM district d, bad b
), ring AS (
  SELECT ST_Intersection(d.g, ST_Difference(ST_Buffer(r.g, 1000, 'quad_segs=256'), ST_Buffer(r.g, 600, 'quad_segs=64'))) g
  FROM district d, river r
), pts AS (
  SELECT (ST_Dump(ST_GeneratePoints(g, 200, 17))).geom p FROM ring
)
SELECT ST_X(ST_Transform(p, 4490)), ST_Y(ST_Transform(p, 4490)), ST_Distance(p, good.g), ST_Distance(p, canal.g)
FROM pts, good, canal`
	rows, err := conn.Query(ctx, sites, moveDay, badZones)
	if err != nil {
		t.Fatal(err)
	}
	type site struct{ lon, lat, want, canal float64 }
	var all []site
	for rows.Next() {
		var s site
		if err := rows.Scan(&s.lon, &s.lat, &s.want, &s.canal); err != nil {
			t.Fatal(err)
		}
		all = append(all, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(all) != 200 {
		t.Fatalf("%d sites, want 200", len(all))
	}
	c := check.New(check.Config{Store: store, Rules: rules, Unaudited: true})
	worst := 0.0
	for i, s := range all {
		if s.canal < s.want+10 {
			t.Fatalf("site %d is %.1f m from the canal's core zone, near enough to change the answer: this test's zones are wrong", i, s.canal)
		}
		m := moveOf(t, c, s.lon, s.lat, "restricted", nil)
		if !m.Found || m.FromVerdict != "prohibited" {
			t.Errorf("site %d [%.7f, %.7f]: %+v, want a move of %.3f m", i, s.lon, s.lat, m, s.want)
			continue
		}
		diff := *m.DistanceM - s.want
		worst = math.Max(worst, math.Abs(diff))
		if math.Abs(diff) > 1 {
			t.Errorf("site %d [%.7f, %.7f]: ecospace moves %.3f m, PostGIS finds %.3f m", i, s.lon, s.lat, *m.DistanceM, s.want)
		}
		// The moved site, checked as any client would check it.
		ans, err := c.Check(ctx, "", check.Request{Geometry: m.MovedGeometry, Category: "chemical", AsOf: moveDay})
		if err != nil {
			t.Fatal(err)
		}
		if ans.Response.Verdict != "restricted" || m.MovedVerdict != "restricted" {
			t.Errorf("site %d: the moved site checks %s (answered %s)", i, ans.Response.Verdict, m.MovedVerdict)
		}
	}
	t.Logf("%d sites: largest |ecospace − PostGIS| %.4f m", len(all), worst)

	// Parcels (30 m squares on the first 20 sites) are translated: the
	// moved parcel is clear by PostGIS's own measure (in the district,
	// more than 1 000 m from the river, meeting no prohibited zone), and
	// 1 m less along the same direction it is not: exact along its
	// direction to 1 m.
	const clear = `
WITH lv AS (
  SELECT layer_id, version FROM layer_versions
  WHERE valid_from <= $1::date AND (valid_to IS NULL OR valid_to >= $1::date)
), f AS (
  SELECT f.layer_id, f.feature_id, f.geom_4549 FROM features f JOIN lv USING (layer_id, version)
), district AS (
  SELECT ST_Union(geom_4549) g FROM f WHERE layer_id = 'district'
), river AS (
  SELECT ST_Union(geom_4549) g FROM f WHERE layer_id = 'xinmeng-river'
), zones AS (
  SELECT ST_Union(geom_4549) g FROM f WHERE layer_id || '/' || feature_id = ANY($2)
), moved AS (
  SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($3), 4490), 4549) g
), site AS (
  SELECT g, ST_Translate(g, -$4::float8, -$5::float8) back FROM moved
)
SELECT ST_CoveredBy(s.g, d.g) AND ST_Distance(s.g, r.g) > 1000 AND NOT coalesce(ST_Intersects(s.g, z.g), false),
       ST_CoveredBy(s.back, d.g) AND ST_Distance(s.back, r.g) > 1000 AND NOT coalesce(ST_Intersects(s.back, z.g), false)
FROM site s, district d, river r, zones z`
	for i, s := range all[:20] {
		x, y := geo.ToGK(s.lon, s.lat)
		g := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`,
			x-15, y-15, x+15, y-15, x+15, y+15, x-15, y+15, x-15, y-15)
		m, err := c.Move(ctx, check.MoveRequest{Geometry: json.RawMessage(g), CRS: "EPSG:4549", Category: "chemical", AsOf: moveDay, Target: "restricted"})
		if err != nil {
			t.Fatal(err)
		}
		if !m.Found || *m.DistanceM < 1 || m.MovedVerdict != "restricted" {
			t.Errorf("parcel %d: %+v", i, m)
			continue
		}
		ux, uy := *m.DxM / *m.DistanceM, *m.DyM / *m.DistanceM
		var movedClear, backClear bool
		if err := conn.QueryRow(ctx, clear, moveDay, badZones, string(m.MovedGeometry), ux, uy).Scan(&movedClear, &backClear); err != nil {
			t.Fatal(err)
		}
		if !movedClear || backClear {
			t.Errorf("parcel %d moved %.3f m %s: PostGIS finds it clear %v, and 1 m short of that clear %v", i, *m.DistanceM, m.DirectionEN, movedClear, backClear)
		}
	}

	// Nothing within 50 m of a point 700 m or more inside the band.
	for _, s := range all {
		if s.want > 100 {
			r := 50.0
			m := moveOf(t, c, s.lon, s.lat, "restricted", &r)
			if m.Found || m.MessageEN != "nothing complies within 50 m: no move of the site within 50 m that keeps it in the district makes the answer restricted" || m.MessageZH == "" {
				t.Errorf("a 50 m radius, %.1f m needed: %+v", s.want, m)
			}
			break
		}
	}
}

func moveOf(t *testing.T, c *check.Checker, lon, lat float64, target string, radius *float64) *check.Move {
	t.Helper()
	g := `{"type":"Point","coordinates":[` + strconv.FormatFloat(lon, 'g', -1, 64) + `,` + strconv.FormatFloat(lat, 'g', -1, 64) + `]}`
	m, err := c.Move(context.Background(), check.MoveRequest{Geometry: json.RawMessage(g), Category: "chemical", AsOf: moveDay, Target: target, RadiusM: radius})
	if err != nil {
		t.Fatalf("%s: %v", g, err)
	}
	return m
}
