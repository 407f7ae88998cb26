package postgis_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
)

func tctx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// queryInt runs a one-number query on its own connection.
func queryInt(t testing.TB, url, sql string, args ...any) int {
	t.Helper()
	ctx := tctx(t, 30*time.Second)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// smallPolygons makes n small square zones (about 20 m) on a grid over
// the district, ids z0000000…, with a few properties.
func smallPolygons(n int) []geo.Feature {
	side := int(math.Ceil(math.Sqrt(float64(n))))
	x0, y0 := geo.ToGK(119.74, 31.745)
	x1, y1 := geo.ToGK(119.95, 31.848)
	dx, dy := (x1-x0)/float64(side), (y1-y0)/float64(side)
	feats := make([]geo.Feature, 0, n)
	for i := range n {
		cx, cy := x0+(float64(i%side)+0.5)*dx, y0+(float64(i/side)+0.5)*dy
		h := math.Min(10, math.Min(dx, dy)/3)
		ring := orb.Ring{{cx - h, cy - h}, {cx + h, cy - h}, {cx + h, cy + h}, {cx - h, cy + h}, {cx - h, cy - h}}
		id := fmt.Sprintf("z%07d", i)
		feats = append(feats, geo.Feature{
			ID:         id,
			Geometry:   geo.UnprojectGeometry(orb.Polygon{ring}),
			Properties: map[string]any{"id": id, "name_zh": "测试地块", "name_en": "test parcel", "status": "illustrative", "n": float64(i), "green_line": i%2 == 0},
		})
	}
	return feats
}

const roundTripGeoJSON = `{"type":"FeatureCollection","features":[
 {"type":"Feature","id":"b-multi","properties":{"name_zh":"多边形甲","name_en":"Multi A","green_line":true,"subzone":"x","status":"official","area_ha":12.5,"tags":["a","b"],"meta":{"k":1,"ok":true},"none":null},
  "geometry":{"type":"MultiPolygon","coordinates":[[[[119.80,31.78],[119.81,31.78],[119.81,31.79],[119.80,31.79],[119.80,31.78]],[[119.803,31.783],[119.803,31.786],[119.806,31.786],[119.806,31.783],[119.803,31.783]]],[[[119.82,31.78],[119.8212345,31.78],[119.8212345,31.7812345],[119.82,31.78]]]]}},
 {"type":"Feature","properties":{"id":"a-poly","name_zh":"多边形乙","basis":"《测试》第1条","green_line":false},
  "geometry":{"type":"Polygon","coordinates":[[[119.850001,31.800002],[119.860003,31.800004],[119.855005,31.810006],[119.850001,31.800002]]]}},
 {"type":"Feature","properties":{"name_zh":"无编号","green_line":false},
  "geometry":{"type":"Polygon","coordinates":[[[119.870001,31.800002],[119.880003,31.800004],[119.875005,31.810006],[119.870001,31.800002]]]}}
]}`

// TestPGImportGeoJSONRoundTrip: features read back equal those imported:
// ids, properties, geometry within 1e-7 degrees.
func TestPGImportGeoJSONRoundTrip(t *testing.T) {
	s := openDemoPG(t)
	feats, err := layerfile.ParseGeoJSON([]byte(roundTripGeoJSON))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	v, err := s.Import(tctx(t, time.Minute), "green-corridors", feats, data.ImportOptions{ValidFrom: from, Source: "roundtrip.geojson"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Layer.Version != 2 {
		t.Fatalf("version %d, want 2", v.Layer.Version)
	}
	var got []geo.Feature
	if err := s.Features(tctx(t, time.Minute), "green-corridors", data.FeatureQuery{AsOf: from, Zoom: -1}, func(f geo.Feature) error {
		got = append(got, f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	byID := map[string]geo.Feature{}
	for _, f := range feats {
		byID[f.ID] = f
	}
	if len(got) != len(feats) {
		t.Fatalf("read back %d features, imported %d", len(got), len(feats))
	}
	for i, g := range got {
		if i > 0 && got[i-1].ID >= g.ID {
			t.Errorf("not ordered by id: %s then %s", got[i-1].ID, g.ID)
		}
		w, ok := byID[g.ID]
		if !ok {
			t.Errorf("unexpected feature %s", g.ID)
			continue
		}
		if !jsonSame(t, g.Properties, w.Properties) {
			t.Errorf("%s: properties %v, want %v", g.ID, g.Properties, w.Properties)
		}
		if g.Geometry.GeoJSONType() != w.Geometry.GeoJSONType() {
			t.Errorf("%s: %s, want %s", g.ID, g.Geometry.GeoJSONType(), w.Geometry.GeoJSONType())
		}
		if d := maxCoordDiff(g.Geometry, w.Geometry); d > 1e-7 {
			t.Errorf("%s: coordinates differ by %g", g.ID, d)
		}
	}
	// The previous version is still there for dates before.
	info, err := s.Layer(tctx(t, time.Minute), "green-corridors", from.AddDate(0, 0, -1))
	if n := demoFeatureCount(t, "green-corridors"); err != nil || info.Version != 1 || info.FeatureCount != n {
		t.Errorf("the day before: %+v %v, want version 1 with %d features", info, err, n)
	}
}

func jsonSame(t *testing.T, a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	var x, y any
	json.Unmarshal(ja, &x)
	json.Unmarshal(jb, &y)
	return reflect.DeepEqual(x, y)
}

func flatten(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch g := g.(type) {
	case orb.Point:
		out = append(out, g)
	case orb.LineString:
		out = append(out, g...)
	case orb.MultiLineString:
		for _, l := range g {
			out = append(out, l...)
		}
	case orb.Polygon:
		for _, r := range g {
			out = append(out, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			out = append(out, flatten(p)...)
		}
	}
	return out
}

func maxCoordDiff(a, b orb.Geometry) float64 {
	pa, pb := flatten(a), flatten(b)
	if len(pa) != len(pb) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range pa {
		d = math.Max(d, math.Max(math.Abs(pa[i][0]-pb[i][0]), math.Abs(pa[i][1]-pb[i][1])))
	}
	return d
}

// TestPGImportInvalid: an invalid geometry is refused with its index and
// nothing changes; with MakeValid it is repaired and counted.
func TestPGImportInvalid(t *testing.T) {
	s, url := openPG(t, postgis.Options{})
	loadDemo(t, s)
	feats := smallPolygons(20)
	bad := 13
	feats[bad].Geometry = orb.Polygon{{{119.80, 31.80}, {119.81, 31.81}, {119.81, 31.80}, {119.80, 31.81}, {119.80, 31.80}}} // bow tie
	feats[17].Geometry = orb.Polygon{{{119.82, 31.80}, {119.83, 31.80}, {119.83, 31.81}, {119.82, 31.81}}}                   // not closed
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	_, err := s.Import(tctx(t, time.Minute), "green-corridors", feats, data.ImportOptions{ValidFrom: from})
	var ie *data.ImportError
	if !errors.As(err, &ie) || !errors.Is(err, data.ErrInvalidImport) || len(ie.Problems) != 2 || ie.Problems[0].Index != bad || ie.Problems[1].Index != 17 {
		t.Fatalf("err %v, want an ImportError naming features %d and 17", err, bad)
	}
	t.Logf("refused: %v", err)
	if n := queryInt(t, url, "SELECT count(*) FROM layer_versions WHERE layer_id = 'green-corridors'"); n != 1 {
		t.Errorf("%d versions after a refused import, want 1", n)
	}
	// A wrong geometry type is not repairable.
	wrong := smallPolygons(3)
	wrong[1].Geometry = orb.LineString{{119.8, 31.8}, {119.81, 31.81}}
	if _, err := s.Import(tctx(t, time.Minute), "green-corridors", wrong, data.ImportOptions{ValidFrom: from, MakeValid: true}); !errors.As(err, &ie) || ie.Problems[0].Index != 1 {
		t.Errorf("line in a zone layer with MakeValid: err %v, want refused at index 1", err)
	}
	res, err := s.Import(tctx(t, time.Minute), "green-corridors", feats, data.ImportOptions{ValidFrom: from, MakeValid: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Repaired, []int{bad, 17}) {
		t.Errorf("repaired %v, want [%d 17]", res.Repaired, bad)
	}
	if n := queryInt(t, url, "SELECT repaired_count FROM layer_versions WHERE layer_id = 'green-corridors' AND version = 2"); n != 2 {
		t.Errorf("repaired_count %d, want 2", n)
	}
	if n := queryInt(t, url, "SELECT count(*) FROM features WHERE layer_id = 'green-corridors' AND version = 2 AND repaired AND ST_IsValid(geom) AND ST_IsValid(geom_4549)"); n != 2 {
		t.Errorf("%d valid repaired features stored, want 2", n)
	}
	// The repaired bow tie is two triangles; a point in one is inside.
	rel, err := s.Relate(tctx(t, time.Minute), mustSiteT(t, orb.Point{119.8025, 31.805}), data.At{AsOf: from})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, h := range rel.Hits {
		found = found || h.ZoneID == feats[bad].ID
	}
	if !found {
		t.Errorf("point in the repaired bow tie: hits %+v", rel.Hits)
	}
}

func mustSiteT(t testing.TB, g orb.Geometry) *geo.Site {
	t.Helper()
	s, err := geo.SiteFromLonLat(g)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// versionRows counts every stored row of a layer version.
func versionRows(t testing.TB, url, layer string, version int) int {
	return queryInt(t, url, `SELECT (SELECT count(*) FROM layer_versions WHERE layer_id = $1 AND version = $2)
		+ (SELECT count(*) FROM features WHERE layer_id = $1 AND version = $2)
		+ (SELECT count(*) FROM feature_parts WHERE layer_id = $1 AND version = $2)`, layer, version)
}

// assertOldVersionInForce: version 1 of green-corridors answers, version 2
// left no row, the layer's previous version is still open.
func assertOldVersionInForce(t *testing.T, s data.Store, url string) {
	t.Helper()
	info, err := s.Layer(tctx(t, time.Minute), "green-corridors", storetest.AsOf)
	if n := demoFeatureCount(t, "green-corridors"); err != nil || info.Version != 1 || info.FeatureCount != n {
		t.Errorf("after the failed import: %+v %v, want version 1 with %d features", info, err, n)
	}
	if n := versionRows(t, url, "green-corridors", 2); n != 0 {
		t.Errorf("%d rows of the aborted version 2 exist", n)
	}
	if n := queryInt(t, url, "SELECT count(*) FROM layer_versions WHERE layer_id = 'green-corridors' AND valid_to IS NULL"); n != 1 {
		t.Errorf("%d open versions of green-corridors, want 1", n)
	}
}

// TestPGImportCancelled: cancelling the context half way through the COPY
// leaves the old version in force and no partial rows; the next import
// works.
func TestPGImportCancelled(t *testing.T) {
	s, url := openPG(t, postgis.Options{})
	loadDemo(t, s)
	feats := smallPolygons(40_000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelledAt := 0
	_, err := s.Import(ctx, "green-corridors", feats, data.ImportOptions{
		ValidFrom: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		Progress: func(done, total int) {
			if done >= total/2 && cancelledAt == 0 {
				cancelledAt = done
				cancel()
			}
		},
	})
	if err == nil || cancelledAt == 0 {
		t.Fatalf("import: err %v, cancelled at %d", err, cancelledAt)
	}
	t.Logf("cancelled at feature %d of %d: %v", cancelledAt, len(feats), err)
	assertOldVersionInForce(t, s, url)
	if n := acquiredAfter(s.Pool(), 5*time.Second); n != 0 {
		t.Errorf("%d connections still acquired", n)
	}
	v, err := s.Import(tctx(t, 2*time.Minute), "green-corridors", feats[:1000], data.ImportOptions{ValidFrom: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || v.Layer.Version != 2 {
		t.Fatalf("import after the cancelled one: %+v %v", v, err)
	}
}

// TestPGImportKilled runs an import in a child process (this test binary
// again) and kills it with SIGKILL in the middle of the COPY: the old
// version stays in force and no row of the new one exists.
func TestPGImportKilled(t *testing.T) {
	if url := os.Getenv("ECOSPACE_PG_KILL_CHILD"); url != "" {
		killChild(t, url)
		return
	}
	s, url := openPG(t, postgis.Options{})
	loadDemo(t, s)
	cmd := exec.Command(os.Args[0], "-test.run=^TestPGImportKilled$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ECOSPACE_PG_KILL_CHILD="+url)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	killedAt := 0
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "progress "); ok {
			done, _ := strconv.Atoi(n)
			if done >= 20_000 {
				killedAt = done
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
		if line == "done" {
			t.Fatal("the child finished its import before it could be killed")
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	cmd.Wait()
	if killedAt == 0 {
		t.Fatal("the child never reported progress")
	}
	// Wait until the server has noticed and rolled the child back.
	deadline := time.Now().Add(30 * time.Second)
	for queryInt(t, url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ecospace-kill-child'") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the killed child's backend is still there after 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("killed the child at feature %d", killedAt)
	assertOldVersionInForce(t, s, url)
	if v, err := s.Import(tctx(t, time.Minute), "green-corridors", smallPolygons(100), data.ImportOptions{ValidFrom: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}); err != nil || v.Layer.Version != 2 {
		t.Fatalf("import after the killed one: %+v %v", v, err)
	}
}

func killChild(t *testing.T, url string) {
	s := openPGAt(t, url, postgis.Options{AppName: "ecospace-kill-child"})
	_, err := s.Import(context.Background(), "green-corridors", smallPolygons(100_000), data.ImportOptions{
		ValidFrom: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		Progress: func(done, total int) {
			fmt.Printf("progress %d\n", done)
			time.Sleep(2 * time.Millisecond) // keep the COPY open long enough to be killed in
		},
	})
	fmt.Printf("done\n")
	if err != nil {
		t.Fatal(err)
	}
}

// TestPGAsOfFeatures: feature reads and relations follow as_of across two
// versions; an import with an equal valid_from supersedes the same day.
func TestPGAsOfFeatures(t *testing.T) {
	s := openDemoPG(t)
	ctx := tctx(t, time.Minute)
	v2 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.Import(ctx, "green-corridors", smallPolygons(7), data.ImportOptions{ValidFrom: v2}); err != nil {
		t.Fatal(err)
	}
	count := func(asOf time.Time) int {
		n := 0
		if err := s.Features(ctx, "green-corridors", data.FeatureQuery{AsOf: asOf, Zoom: -1}, func(geo.Feature) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a, b, n := count(v2.AddDate(0, 0, -1)), count(v2), demoFeatureCount(t, "green-corridors"); a != n || b != 7 {
		t.Errorf("features before/on the new version: %d/%d, want %d/7", a, b, n)
	}
	// Same valid_from again: version 3 replaces version 2 from that day.
	if v, err := s.Import(ctx, "green-corridors", smallPolygons(9), data.ImportOptions{ValidFrom: v2}); err != nil || v.Layer.Version != 3 {
		t.Fatalf("same-day import: %+v %v", v, err)
	}
	if n := count(v2); n != 9 {
		t.Errorf("features on the day: %d, want 9", n)
	}
	layers, err := s.Layers(ctx, v2)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		if l.ID == "green-corridors" && l.Version != 3 {
			t.Errorf("green-corridors version %d, want 3", l.Version)
		}
	}
}

// TestPGAppendOnly: history cannot be changed behind ecospace's back.
func TestPGAppendOnly(t *testing.T) {
	s, url := openPG(t, postgis.Options{})
	loadDemo(t, s)
	ctx := tctx(t, time.Minute)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, sql := range []string{
		"DELETE FROM features WHERE layer_id = 'district'",
		"UPDATE features SET properties = '{}' WHERE layer_id = 'district'",
		"UPDATE layer_versions SET valid_from = '2020-01-01' WHERE layer_id = 'district'",
		"DELETE FROM layer_versions",
		"TRUNCATE checks",
	} {
		if _, err := conn.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err %v, want refused", sql, err)
		}
	}
}

// TestPGMigrateConcurrently: two migrators racing apply each migration
// once.
func TestPGMigrateConcurrently(t *testing.T) {
	fresh := pgtest.NewDatabase(t)
	var wg sync.WaitGroup
	applied := make([]int, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ms, err := postgis.Migrate(tctx(t, time.Minute), fresh)
			applied[i], errs[i] = len(ms), err
		}()
	}
	wg.Wait()
	total := 0
	for i := range 4 {
		if errs[i] != nil {
			t.Errorf("migrator %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	// Migration numbers may leave gaps (branches number theirs apart).
	all, err := postgis.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if total != len(all) {
		t.Errorf("%d migrations applied in all, want %d", total, len(all))
	}
	if n := queryInt(t, fresh, "SELECT count(*) FROM schema_migrations"); n != len(all) {
		t.Errorf("schema_migrations has %d rows", n)
	}
	// Opening without Migrate works on a migrated database and refuses
	// an empty one.
	man, _ := demo.Manifest()
	if s, err := postgis.Open(tctx(t, time.Minute), fresh, man, postgis.Options{}); err != nil {
		t.Errorf("open migrated: %v", err)
	} else {
		s.Close()
	}
	if _, err := postgis.Open(tctx(t, time.Minute), pgtest.NewDatabase(t), man, postgis.Options{}); err == nil || !strings.Contains(err.Error(), "ecospace migrate") {
		t.Errorf("open unmigrated: err %v, want a hint to migrate", err)
	}
}
