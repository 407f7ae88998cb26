package postgis_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
)

// allFeatures reads a layer whole.
func allFeatures(t *testing.T, s data.Store, layer string, asOf time.Time) []geo.Feature {
	t.Helper()
	var out []geo.Feature
	if err := s.Features(tctx(t, time.Minute), layer, data.FeatureQuery{AsOf: asOf, Zoom: -1}, func(f geo.Feature) error {
		out = append(out, f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPGNotifyLayerChange: two stores on one database (two processes, as
// far as PostgreSQL can tell); an import through A reaches B's
// OnLayerChange callbacks within a second, naming the imported layer and
// the derived layers with their new versions; a rolled-back import says
// nothing.
func TestPGNotifyLayerChange(t *testing.T) {
	a, url := openPG(t, postgis.Options{AppName: "ecospace-a"})
	loadDemo(t, a)
	b := openPGAt(t, url, postgis.Options{AppName: "ecospace-b"})
	if !a.Listening() || !b.Listening() {
		t.Fatal("the stores are not listening after Open")
	}
	type change struct {
		layer   string
		version int64
		at      time.Time
	}
	var mu sync.Mutex
	var got []change
	b.OnLayerChange(func(layer string, version int64) {
		mu.Lock()
		got = append(got, change{layer, version, time.Now()})
		mu.Unlock()
	})
	wait := func(n int) []change {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			c := slices.Clone(got)
			mu.Unlock()
			if len(c) >= n {
				return c
			}
			time.Sleep(5 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("after 2 s B heard %d layer changes, want %d: %+v", len(got), n, got)
		return nil
	}

	today := data.Today()
	feats := allFeatures(t, a, "green-corridors", today)
	start := time.Now()
	v, err := a.Import(tctx(t, time.Minute), "green-corridors", feats, data.ImportOptions{ValidFrom: today})
	if err != nil {
		t.Fatal(err)
	}
	committed := time.Now()
	c := wait(1)
	if c[0].layer != "green-corridors" || c[0].version != v.Layer.Version || v.Layer.Version != 2 {
		t.Fatalf("B heard %+v, want green-corridors version %d (= 2)", c[0], v.Layer.Version)
	}
	lat := c[0].at.Sub(committed)
	// Import returns after its ANALYZE, which follows the commit: B may
	// hear before Import returns (a negative latency here).
	t.Logf("invalidation latency: B heard of the import %s after Import was called (which took %s), %s after it returned",
		c[0].at.Sub(start), committed.Sub(start), lat)
	if lat > time.Second {
		t.Errorf("B heard of the import %s after it committed, want ≤ 1 s", lat)
	}
	if info, err := b.Layer(tctx(t, time.Minute), "green-corridors", today); err != nil || info.Version != 2 {
		t.Fatalf("B: green-corridors %+v, %v; want version 2", info, err)
	}

	// A derived layer is named with its source.
	river := allFeatures(t, a, "xinmeng-river", today)
	if _, err := a.Import(tctx(t, time.Minute), "xinmeng-river", river, data.ImportOptions{ValidFrom: today}); err != nil {
		t.Fatal(err)
	}
	c = wait(3)
	names := []string{c[1].layer, c[2].layer}
	slices.Sort(names)
	if !slices.Equal(names, []string{"xinmeng-band", "xinmeng-river"}) || c[1].version != 2 || c[2].version != 2 {
		t.Fatalf("B heard %+v, want xinmeng-river and xinmeng-band version 2", c[1:])
	}

	// A refused import (valid_from before the current version's) commits
	// nothing and announces nothing.
	if _, err := a.Import(tctx(t, time.Minute), "green-corridors", feats, data.ImportOptions{ValidFrom: demo.ValidFrom}); err == nil {
		t.Fatal("an import dated before the current version was accepted")
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	n := len(got)
	mu.Unlock()
	if n != 3 {
		t.Fatalf("B heard %d changes after a refused import, want 3", n)
	}
}

// TestPGNotifyReconnect: when the listening connection is killed, the
// listener comes back, says "everything may have changed" (layer ""), and
// hears later imports again.
func TestPGNotifyReconnect(t *testing.T) {
	a, url := openPG(t, postgis.Options{AppName: "ecospace-a"})
	loadDemo(t, a)
	b := openPGAt(t, url, postgis.Options{AppName: "ecospace-listen-b"})
	heard := make(chan string, 16)
	b.OnLayerChange(func(layer string, version int64) { heard <- layer })
	// Kill B's LISTEN connection (the only one of its sessions that runs
	// LISTEN: found by its query text).
	if n := queryInt(t, url, `SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity
		WHERE application_name = 'ecospace-listen-b' AND query LIKE 'LISTEN%'`); n != 1 {
		t.Fatalf("terminated %d listening sessions, want 1", n)
	}
	select {
	case l := <-heard:
		if l != "" {
			t.Fatalf("first call after reconnecting names %q, want \"\" (anything may have changed)", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the listener did not reconnect within 5 s")
	}
	today := data.Today()
	if _, err := a.Import(tctx(t, time.Minute), "green-corridors", allFeatures(t, a, "green-corridors", today), data.ImportOptions{ValidFrom: today}); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-heard:
		if l != "green-corridors" {
			t.Fatalf("heard %q, want green-corridors", l)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the reconnected listener did not hear the import within 2 s")
	}
}

// TestPGReadPool: with ReadURL (here the same database, but read-only, as
// a streaming replica is) the reads go to the read pool and succeed, the
// writes (import, audit, keys) go to the primary; without the read
// database, reads go to the primary. (The real streaming replica, its lag
// and its failures: e2e/replica_test.go.)
func TestPGReadPool(t *testing.T) {
	a, url := openPG(t, postgis.Options{})
	loadDemo(t, a)
	a.Close()
	readURL := url + "&default_transaction_read_only=on"
	s := openPGAt(t, url, postgis.Options{ReadURL: readURL})
	if s.ReadPool() == s.Pool() {
		t.Fatal("ReadURL set but reads use the primary pool")
	}
	ctx := tctx(t, time.Minute)
	today := data.Today()
	prim0, read0 := s.Pool().Stat().AcquireCount(), s.ReadPool().Stat().AcquireCount()

	if _, err := s.Layers(ctx, today); err != nil {
		t.Fatal(err)
	}
	feats := allFeatures(t, s, "green-corridors", today)
	site, err := geo.NewSite(orb.Point{119.9, 31.78}, geo.CRS84, "/geometry")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Relate(ctx, site, data.At{AsOf: today}); err != nil {
		t.Fatal(err)
	}
	info, err := s.Layer(ctx, "green-corridors", today)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tile(ctx, "green-corridors", info.Version, 10, 853, 422); err != nil {
		t.Fatal(err)
	}
	if d := s.Pool().Stat().AcquireCount() - prim0; d != 0 {
		t.Errorf("reads took %d primary connections, want 0", d)
	}
	if d := s.ReadPool().Stat().AcquireCount() - read0; d < 4 {
		t.Errorf("reads took %d read pool connections, want ≥ 4", d)
	}

	// Writes on the read-only pool would fail: they must reach the primary.
	v, err := s.Import(ctx, "green-corridors", feats, data.ImportOptions{ValidFrom: today})
	if err != nil {
		t.Fatalf("import with a read-only read pool: %v", err)
	}
	if info, err := s.Layer(ctx, "green-corridors", today); err != nil || info.Version != v.Layer.Version {
		t.Fatalf("read after import: %+v, %v; want version %d", info, err, v.Layer.Version)
	}
	rec := &data.CheckRecord{ID: "0b6a2f6e-4c1e-4b8e-9d3a-1f2e3d4c5b6a", CheckedAt: time.Now().UTC().Truncate(time.Millisecond),
		Reference: "read-pool", Category: "test", AsOf: today, Geometry: orb.Point{119.9, 31.78},
		Verdict: "allowed", DecisionHash: "x", Document: []byte(`{}`)}
	if err := s.SaveCheck(ctx, rec); err != nil {
		t.Fatalf("save check with a read-only read pool: %v", err)
	}
	if got, err := s.Check(ctx, rec.ID); err != nil || got.Reference != "read-pool" {
		t.Fatalf("check read back: %+v, %v", got, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	// With the read database gone, reads go to the primary and the store
	// is still ready: checks need only the primary.
	bad := openPGAt(t, url, postgis.Options{ReadURL: readURL})
	bad.ReadPool().Close()
	if err := bad.Ping(ctx); err != nil {
		t.Errorf("Ping with the read pool closed: %v", err)
	}
	if _, err := bad.Layer(ctx, "green-corridors", today); err != nil {
		t.Errorf("a read with the read pool closed: %v", err)
	}
	if st := bad.ReplicaStats(); st.Downs == 0 || st.ReadsOnPrimary == 0 || !st.Avoided {
		t.Errorf("replica stats %+v: the closed read pool was not noticed", st)
	}
}

// TestPGTile: ST_AsMVT tiles decode, carry the properties the map shows
// and the same features as the embedded store's tiles over the demo
// river, at several zooms; an empty tile is empty.
func TestPGTile(t *testing.T) {
	pg := openDemoPG(t)
	man, _ := demo.Manifest()
	mem := memory.New(man)
	loadDemo(t, mem)
	ctx := tctx(t, time.Minute)
	asOf := demo.ValidFrom
	// Tiles are asked for by the version in force, as the server resolves it.
	version := func(s data.Store, layer string) int64 {
		info, err := s.Layer(ctx, layer, asOf)
		if err != nil {
			t.Fatal(err)
		}
		return info.Version
	}
	// A point on the demo Xinmeng River centreline.
	river := orb.Point{119.747348, 31.768455}
	for _, z := range []maptile.Zoom{8, 11, 13, 15} {
		tile := maptile.At(river, z)
		for _, layer := range []string{"xinmeng-river", "xinmeng-corridor", "xinmeng-band", "district"} {
			b, err := pg.Tile(ctx, layer, version(pg, layer), int(z), int(tile.X), int(tile.Y))
			if err != nil {
				t.Fatalf("%s %d/%d/%d: %v", layer, z, tile.X, tile.Y, err)
			}
			ls, err := mvt.Unmarshal(b)
			if err != nil {
				t.Fatalf("%s %d/%d/%d: decode: %v", layer, z, tile.X, tile.Y, err)
			}
			if len(ls) != 1 || ls[0].Name != layer || ls[0].Extent != data.TileExtent || len(ls[0].Features) == 0 {
				t.Fatalf("%s %d/%d/%d: %d layers, want one named %s with features", layer, z, tile.X, tile.Y, len(ls), layer)
			}
			var ids []string
			for _, f := range ls[0].Features {
				id, _ := f.Properties["id"].(string)
				ids = append(ids, id)
				if f.Geometry == nil {
					t.Errorf("%s %d/%d/%d: feature %s has no geometry", layer, z, tile.X, tile.Y, id)
				}
				if _, ok := f.Properties["status"]; !ok && layer != "xinmeng-band" {
					t.Errorf("%s: feature %s has no status: %v", layer, id, f.Properties)
				}
			}
			mb, err := mem.Tile(ctx, layer, version(mem, layer), int(z), int(tile.X), int(tile.Y))
			if err != nil {
				t.Fatal(err)
			}
			mls, _ := mvt.Unmarshal(mb)
			var want []string
			for _, f := range mls[0].Features {
				id, _ := f.Properties["id"].(string)
				want = append(want, id)
			}
			slices.Sort(ids)
			slices.Sort(want)
			if !slices.Equal(ids, want) {
				t.Errorf("%s %d/%d/%d: PostGIS tile has %v, embedded %v", layer, z, tile.X, tile.Y, ids, want)
			}
			if layer == "xinmeng-river" {
				f := ls[0].Features[0]
				if f.Properties["name_zh"] != "新孟河（水面）" || f.Properties["id"] != "xinmeng-river" {
					t.Errorf("river tile feature properties %v", f.Properties)
				}
				if _, ok := f.Geometry.(orb.Polygon); !ok { // the water surface
					if _, ok := f.Geometry.(orb.MultiPolygon); !ok {
						t.Errorf("river tile geometry is %T", f.Geometry)
					}
				}
			}
			t.Logf("%s z%d: %d features, %d bytes (embedded %d bytes)", layer, z, len(ids), len(b), len(mb))
		}
	}
	// Far from the district: an empty, valid tile.
	far := maptile.At(orb.Point{-70, -30}, 12)
	b, err := pg.Tile(ctx, "district", version(pg, "district"), 12, int(far.X), int(far.Y))
	if err != nil {
		t.Fatal(err)
	}
	if ls, err := mvt.Unmarshal(b); err != nil || len(ls) != 0 {
		t.Fatalf("empty tile: %d layers, %v", len(ls), err)
	}
	if _, err := pg.Tile(ctx, "nope", 1, 1, 0, 0); err == nil {
		t.Error("tile of an unknown layer")
	}
}

// TestPGVersionCacheFollowsImports: a store keeps the versions in force it
// read (layers.go), and an import through another store on the database
// makes it read them again as soon as it hears the NOTIFY, long before
// the cache's TTL; its own imports at once.
func TestPGVersionCacheFollowsImports(t *testing.T) {
	a, url := openPG(t, postgis.Options{})
	loadDemo(t, a)
	b := openPGAt(t, url, postgis.Options{})
	ctx := tctx(t, time.Minute)
	today := data.Today()
	before, err := b.Layer(ctx, "green-corridors", today)
	if err != nil {
		t.Fatal(err)
	}
	feats := allFeatures(t, a, "green-corridors", today)
	res, err := a.Import(ctx, "green-corridors", feats, data.ImportOptions{ValidFrom: today})
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := a.Layer(ctx, "green-corridors", today); info.Version != res.Layer.Version {
		t.Errorf("the importing store reads version %d after its import of %d", info.Version, res.Layer.Version)
	}
	start := time.Now()
	for {
		info, err := b.Layer(ctx, "green-corridors", today)
		if err != nil {
			t.Fatal(err)
		}
		if info.Version == res.Layer.Version {
			break
		}
		if info.Version != before.Version || time.Since(start) > 1500*time.Millisecond {
			t.Fatalf("the other store reads version %d %s after the import of %d", info.Version, time.Since(start), res.Layer.Version)
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("the other store read the new version %s after the import returned", time.Since(start).Round(time.Microsecond))
}
