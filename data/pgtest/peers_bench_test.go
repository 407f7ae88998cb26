package pgtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/gen"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
)

// BenchmarkPeers measures ecospace side by side with pg_featureserv and
// pg_tileserv, built from their public sources (nothing of theirs is in
// this repository: give their binaries with ECOSPACE_PG_FEATURESERV and
// ECOSPACE_PG_TILESERV). All three run as child processes on the same
// PostGIS tables, each with a pool of 8 connections: ecospace serves the
// layers it imported; the peers serve views over the same rows of the
// same features table (one layer version each, through the same GiST
// index). One-off workloads (random boxes and tiles) are answered by a
// second ecospace with its response cache off (ECOSPACE_LAYER_CACHE_MB=0),
// so that they measure the store however often the random draws repeat.
// Every workload runs on one server and then the other, the order
// alternating, for ECOSPACE_PEERS_ROUNDS rounds (default 3) of
// ECOSPACE_PEERS_SECONDS (default 5) at each of ECOSPACE_PEERS_CONNS
// connections (default 8,64); the figures are medians of the rounds with
// their ranges. Before timing, each workload's answers are compared: the
// same feature ids for the same request (tiles decoded).
//
//	ECOSPACE_PG_FEATURESERV=/path/pg_featureserv ECOSPACE_PG_TILESERV=/path/pg_tileserv \
//	  go test ./data/pgtest -run '^$' -bench Peers -benchtime 1x -timeout 2h
//
// The layers: green-corridors, 1 000 generated polygons in and around
// Zhonglou (1.1 MB of GeoJSON, the workload of issue 6), for the feature
// reads; xinmeng-corridor, the big generated layer (gen's province
// layer: 2 500 polygons, 2.6 M vertices, one of 200 000; or
// ECOSPACE_PEERS_BIG_DIR/xinmeng-corridor.geojson as 'ecospace gen'
// wrote it; ECOSPACE_PEERS_BIG_VERTICES scales gen's province down for a
// quick run), for tiles and big random boxes. ECOSPACE_PEERS_ONLY names
// the workloads to run (comma-separated); ECOSPACE_PEERS_OUT, a file the
// Markdown table is written to.
func BenchmarkPeers(b *testing.B) {
	fsBin, tsBin := os.Getenv("ECOSPACE_PG_FEATURESERV"), os.Getenv("ECOSPACE_PG_TILESERV")
	if fsBin == "" || tsBin == "" {
		b.Fatal("set ECOSPACE_PG_FEATURESERV and ECOSPACE_PG_TILESERV to the pg_featureserv and pg_tileserv binaries (built from github.com/CrunchyData/pg_featureserv and pg_tileserv)")
	}
	url := pgtest.NewDatabase(b)
	d := loadPeerData(b, url)
	const pool = 8
	ecoBin := buildEcospace(b)
	serve := func(name string, env ...string) *proc {
		port := freePort(b)
		cmd := exec.Command(ecoBin, "serve", "--database-url", url, "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--rate-limit", "0", "--log-level", "warn")
		cmd.Env = append(os.Environ(), env...)
		return startProc(b, name, fmt.Sprintf("http://127.0.0.1:%d", port), "/api/v1/layers/green-corridors", cmd)
	}
	// ecospace as deployed, for the workloads that repeat requests; and
	// with its response cache off for the one-off ones, so that no random
	// box or tile that comes round again is answered from memory.
	eco := serve("ecospace")
	ecoUncached := serve("ecospace-uncached", "ECOSPACE_LAYER_CACHE_MB=0")
	fs := startFeatureserv(b, fsBin, url, pool)
	ts := startTileserv(b, tsBin, url, pool)

	loads := peerWorkloads(b, d, eco, ecoUncached, fs, ts)
	if only := os.Getenv("ECOSPACE_PEERS_ONLY"); only != "" {
		loads = slices.DeleteFunc(loads, func(l peerLoad) bool { return !strings.Contains(","+only+",", ","+l.name+",") })
	}
	for _, l := range loads {
		checkSameContent(b, l)
	}
	secs := envInt("ECOSPACE_PEERS_SECONDS", 5)
	rounds := envInt("ECOSPACE_PEERS_ROUNDS", 3)
	var conns []int
	for _, c := range strings.Split(envOr("ECOSPACE_PEERS_CONNS", "8,64"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			b.Fatalf("ECOSPACE_PEERS_CONNS: %q", c)
		}
		conns = append(conns, n)
	}
	pids := map[string]int{"pg_featureserv": fs.cmd.Process.Pid, "pg_tileserv": ts.cmd.Process.Pid}
	type key struct {
		load  string
		conns int
	}
	res := map[key]*[2][]runStats{} // [0] ecospace, [1] the peer
	ctx := context.Background()
	b.ResetTimer()
	for round := range rounds {
		for ci, c := range conns {
			for li, l := range loads {
				k := key{l.name, c}
				if res[k] == nil {
					res[k] = &[2][]runStats{}
				}
				// The same requests for both servers in a run; fresh
				// requests for every run of a one-off workload.
				first := (1 + round*len(conns) + ci) * 10_000_000
				order := []int{0, 1}
				if (round+li+ci)%2 == 1 {
					order = []int{1, 0}
				}
				for _, side := range order {
					base, path, name, pid := l.ecoProc.base, l.eco, "ecospace", l.ecoProc.cmd.Process.Pid
					if side == 1 {
						base, path, name, pid = l.peer.base, l.other, l.peer.name, pids[l.peer.name]
					}
					// Warm up: connections, plans, and for repeated
					// requests ecospace's cache (admitted on the second
					// request); one-off workloads warm up on other boxes.
					driveRun(ctx, base, path, c, time.Second, first+5_000_000)
					pgPids := pgtest.Backends(b, url)
					cpu0, pg0 := pgtest.CPUTicks(pid), pgtest.CPUTicks(pgPids...)
					r := driveRun(ctx, base, path, c, time.Duration(secs)*time.Second, first)
					r.cpuServer = float64(pgtest.CPUTicks(pid)-cpu0) / pgtest.TicksHz
					r.cpuPG = float64(pgtest.CPUTicks(pgPids...)-pg0) / pgtest.TicksHz
					res[k][side] = append(res[k][side], r)
					fmt.Fprintf(os.Stderr, "peers: round %d, %s, %d conns, %s: %.0f req/s, p99 %.1f ms, %d errors %s\n", round+1, l.name, c, name, r.rate(), r.pct(0.99), r.errs, r.firstErr)
				}
			}
		}
	}
	b.StopTimer()
	var tab strings.Builder
	fmt.Fprintf(&tab, "| workload | conns | ecospace req/s | peer req/s | × | ecospace p99 ms | peer p99 ms | KB a response (ecospace / peer) | ecospace kept | CPU ms a request, server + PostgreSQL (ecospace / peer) |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range conns {
		for _, l := range loads {
			r := res[key{l.name, c}]
			e, p := summarizeRuns(r[0]), summarizeRuns(r[1])
			fmt.Fprintf(&tab, "| %s (%s) | %d | %.0f (%.0f–%.0f) | %.0f (%.0f–%.0f) | **%.2f** | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) | %.1f / %.1f | %.0f %% | %.2f + %.2f / %.2f + %.2f |\n",
				l.name, l.peer.name, c, e.rate, e.rateMin, e.rateMax, p.rate, p.rateMin, p.rateMax, e.rate/p.rate,
				e.p99, e.p99Min, e.p99Max, p.p99, p.p99Min, p.p99Max, e.kb, p.kb, e.hitPct, e.cpuServerMs, e.cpuPGMs, p.cpuServerMs, p.cpuPGMs)
			if e.errs+p.errs > 0 {
				fmt.Fprintf(&tab, "| ↳ errors | | %d | %d | | | | | | |\n", e.errs, p.errs)
			}
		}
	}
	fmt.Fprintf(os.Stderr, "peers: side by side, %d rounds of %d s, medians (ranges):\n%s", rounds, secs, tab.String())
	if out := os.Getenv("ECOSPACE_PEERS_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(tab.String()), 0o644); err != nil {
			b.Error(err)
		}
	}
}

type runSummary struct {
	rate, rateMin, rateMax, p99, p99Min, p99Max float64
	kb, hitPct, cpuServerMs, cpuPGMs            float64
	errs                                        int
}

func summarizeRuns(rs []runStats) runSummary {
	var rates, p99s []float64
	var s runSummary
	n, bytes, hits := 0, int64(0), 0
	cs, cp := 0.0, 0.0
	for _, r := range rs {
		rates = append(rates, r.rate())
		p99s = append(p99s, r.pct(0.99))
		n += r.n
		bytes += r.bytes
		hits += r.hits
		cs += r.cpuServer
		cp += r.cpuPG
		s.errs += r.errs
	}
	s.rate, s.rateMin, s.rateMax = medianOf(rates), slices.Min(rates), slices.Max(rates)
	s.p99, s.p99Min, s.p99Max = medianOf(p99s), slices.Min(p99s), slices.Max(p99s)
	if n > 0 {
		s.kb = float64(bytes) / float64(n) / 1e3
		s.hitPct = 100 * float64(hits) / float64(n)
		s.cpuServerMs, s.cpuPGMs = cs*1e3/float64(n), cp*1e3/float64(n)
	}
	return s
}

func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// peerData is what the benchmark loaded: the small layer's box of about
// 50 features and the big layer's vertices (where random boxes and tiles
// fall, so that they meet features).
type peerData struct {
	bbox50   orb.Bound
	vertices []orb.Point
}

// loadPeerData imports the two layers through the PostGIS store and makes
// the views the peers serve: the same rows of the same table.
func loadPeerData(b *testing.B, url string) peerData {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	man, err := demo.Manifest()
	if err != nil {
		b.Fatal(err)
	}
	s, err := postgis.Open(ctx, url, man, postgis.Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	o := gen.Defaults()
	o.Zones, o.Vertices, o.Big, o.Points = 2000, 80_000, 0, 0
	o.DistrictShare = 1
	var small []geo.Feature
	for _, f := range gen.Layers(o)["green-corridors"] {
		small = append(small, geo.Feature{ID: f.ID, Geometry: f.Geom, Properties: f.Props})
	}
	var big []geo.Feature
	if dir := os.Getenv("ECOSPACE_PEERS_BIG_DIR"); dir != "" {
		src, err := os.ReadFile(filepath.Join(dir, "xinmeng-corridor.geojson"))
		if err != nil {
			b.Fatal(err)
		}
		if big, err = layerfile.ParseGeoJSON(src); err != nil {
			b.Fatal(err)
		}
	} else {
		po := gen.Defaults()
		po.Points = 0
		if v := envInt("ECOSPACE_PEERS_BIG_VERTICES", 0); v > 0 { // a smaller province, for a quick run
			po.Vertices, po.Zones, po.Big = v, max(10, v/1000), min(po.Big, v/25)
		}
		for _, f := range gen.Layers(po)["xinmeng-corridor"] {
			big = append(big, geo.Feature{ID: f.ID, Geometry: f.Geom, Properties: f.Props})
		}
	}
	for id, feats := range map[string][]geo.Feature{"green-corridors": small, "xinmeng-corridor": big} {
		start := time.Now()
		if _, err := s.Import(ctx, id, feats, data.ImportOptions{ValidFrom: from}); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "peers: imported %s: %d features, %d vertices, in %s\n", id, len(feats), countAll(feats), time.Since(start).Round(time.Millisecond))
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE VIEW peer_green AS SELECT feature_id, properties, geom FROM features WHERE layer_id = 'green-corridors' AND version = 1;
		CREATE VIEW peer_big AS SELECT feature_id, properties, geom FROM features WHERE layer_id = 'xinmeng-corridor' AND version = 1`); err != nil {
		b.Fatal(err)
	}
	var d peerData
	for _, f := range big {
		forEachPoint(f.Geometry, func(p orb.Point) { d.vertices = append(d.vertices, p) })
	}
	// About 50 features of the small layer around the district's centre.
	c := gen.District.Center()
	for r := 0.002; ; r *= 1.05 {
		box := orb.Bound{Min: orb.Point{c[0] - r, c[1] - r*0.75}, Max: orb.Point{c[0] + r, c[1] + r*0.75}}
		n := 0
		for _, f := range small {
			if geo.BoundIntersects(box, f.Geometry) {
				n++
			}
		}
		if n >= 50 || r > 1 {
			d.bbox50 = box
			fmt.Fprintf(os.Stderr, "peers: the ~50-feature box %s meets %d features\n", boxParam(box), n)
			break
		}
	}
	return d
}

func countAll(fs []geo.Feature) int {
	n := 0
	for _, f := range fs {
		n += geo.CountVertices(f.Geometry)
	}
	return n
}

func forEachPoint(g orb.Geometry, f func(orb.Point)) {
	switch g := g.(type) {
	case orb.Polygon:
		for _, r := range g {
			for _, p := range r {
				f(p)
			}
		}
	case orb.MultiPolygon:
		for _, pl := range g {
			forEachPoint(pl, f)
		}
	}
}

func boxParam(b orb.Bound) string {
	return fmt.Sprintf("%.6f,%.6f,%.6f,%.6f", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
}

func startFeatureserv(b *testing.B, bin, url string, pool int) *proc {
	dir := b.TempDir()
	port := freePort(b)
	conf := fmt.Sprintf(`[Server]
HttpHost = "127.0.0.1"
HttpPort = %d
HttpsPort = %d
ReadTimeoutSec = 60
WriteTimeoutSec = 60
[Database]
DbPoolMaxConns = %d
TableIncludes = ["public.peer_green", "public.peer_big"]
[Paging]
LimitDefault = 10
LimitMax = 10000
`, port, freePort(b), pool)
	path := filepath.Join(dir, "pg_featureserv.toml")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", path)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
	return startProc(b, "pg_featureserv", fmt.Sprintf("http://127.0.0.1:%d", port), "/collections.json", cmd)
}

func startTileserv(b *testing.B, bin, url string, pool int) *proc {
	dir := b.TempDir()
	port := freePort(b)
	// The same tile buffer as ecospace's (data.TileBuffer of 4096), so
	// that both draw the same features into a tile.
	conf := fmt.Sprintf(`HttpHost = "127.0.0.1"
HttpPort = %d
HttpsPort = %d
DbPoolMaxConns = %d
DefaultBuffer = %d
DefaultResolution = %d
DbTimeout = 60
ShowPreview = false
`, port, freePort(b), pool, data.TileBuffer, data.TileExtent)
	path := filepath.Join(dir, "pg_tileserv.toml")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", path)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
	return startProc(b, "pg_tileserv", fmt.Sprintf("http://127.0.0.1:%d", port), "/health", cmd)
}

// peerLoad is one workload: request i's path on ecospace and on the peer,
// and how to read the feature ids of an answer.
type peerLoad struct {
	name        string
	ecoProc     *proc // the ecospace that answers it
	peer        *proc
	eco, other  func(i int) string
	tile        bool
	ordered     bool // the ids must come in the same order (limit=100 pages)
	oneOff      bool // every request different
	checkSample []int
}

// rngAt is a random source for request i of a workload: the same for
// both servers.
func rngAt(name string, i int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(h.Sum64(), uint64(i)))
}

func peerWorkloads(b *testing.B, d peerData, eco, ecoUncached, fs, ts *proc) []peerLoad {
	const green, big = "green-corridors", "xinmeng-corridor"
	fixed := func(s string) func(int) string { return func(int) string { return s } }
	w, h := d.bbox50.Max[0]-d.bbox50.Min[0], d.bbox50.Max[1]-d.bbox50.Min[1]
	// A one-off box of the small layer: the size of the ~50-feature box,
	// anywhere over the district.
	greenBox := func(name string) func(i int) orb.Bound {
		return func(i int) orb.Bound {
			r := rngAt(name, i)
			a := gen.District
			x, y := a.Min[0]+r.Float64()*(a.Max[0]-a.Min[0]), a.Min[1]+r.Float64()*(a.Max[1]-a.Min[1])
			return orb.Bound{Min: orb.Point{x - w/2, y - h/2}, Max: orb.Point{x + w/2, y + h/2}}
		}
	}
	// A one-off box of the big layer: a zoom-12 tile's extent around a
	// random vertex (so dense places are asked for more).
	bigBox := func(name string) func(i int) orb.Bound {
		return func(i int) orb.Bound {
			p := d.vertices[rngAt(name, i).IntN(len(d.vertices))]
			t := maptile.At(p, 12).Bound()
			dx, dy := (t.Max[0]-t.Min[0])/2, (t.Max[1]-t.Min[1])/2
			return orb.Bound{Min: orb.Point{p[0] - dx, p[1] - dy}, Max: orb.Point{p[0] + dx, p[1] + dy}}
		}
	}
	// Random tiles: distinct tiles holding vertices of the big layer, in a
	// random order; a run takes the next ones.
	tilePool := func(z maptile.Zoom) []maptile.Tile {
		seen := map[maptile.Tile]bool{}
		var out []maptile.Tile
		for _, p := range d.vertices {
			t := maptile.At(p, z)
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
		r := rand.New(rand.NewPCG(uint64(z), 7))
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		fmt.Fprintf(os.Stderr, "peers: random tiles at zoom %d: %d distinct tiles holding vertices of %s\n", z, len(out), big)
		return out
	}
	ecoTile := func(t maptile.Tile) string {
		return fmt.Sprintf("/api/v1/layers/%s/tiles/%d/%d/%d.mvt", big, t.Z, t.X, t.Y)
	}
	peerTile := func(t maptile.Tile) string { return fmt.Sprintf("/public.peer_big/%d/%d/%d.pbf", t.Z, t.X, t.Y) }
	var loads []peerLoad
	fsItems := func(view, q string) string { return "/collections/public." + view + "/items.json?" + q }
	loads = append(loads,
		peerLoad{name: "items-limit100", peer: fs, ordered: true,
			eco: fixed("/ogc/collections/" + green + "/items?limit=100"), other: fixed(fsItems("peer_green", "limit=100&sortby=feature_id"))},
		peerLoad{name: "items-bbox50", peer: fs,
			eco: fixed("/ogc/collections/" + green + "/items?limit=1000&bbox=" + boxParam(d.bbox50)), other: fixed(fsItems("peer_green", "limit=1000&bbox="+boxParam(d.bbox50)))},
		peerLoad{name: "whole-layer", peer: fs,
			eco: fixed("/api/v1/layers/" + green + "/features"), other: fixed(fsItems("peer_green", "limit=10000"))},
	)
	for _, l := range []struct {
		name, layer, view string
		box               func(string) func(int) orb.Bound
	}{{"", green, "peer_green", greenBox}, {"big-", big, "peer_big", bigBox}} {
		ogc, mapz := l.box(l.name+"ogc-random"), l.box(l.name+"map-z12-random")
		loads = append(loads,
			peerLoad{name: l.name + "ogc-random-bbox", peer: fs, oneOff: true,
				eco: func(i int) string {
					return "/ogc/collections/" + l.layer + "/items?limit=10000&bbox=" + boxParam(ogc(i))
				},
				other: func(i int) string { return fsItems(l.view, "limit=10000&bbox="+boxParam(ogc(i))) }},
			peerLoad{name: l.name + "map-z12-random", peer: fs, oneOff: true,
				eco:   func(i int) string { return "/api/v1/layers/" + l.layer + "/features?zoom=12&bbox=" + boxParam(mapz(i)) },
				other: func(i int) string { return fsItems(l.view, "limit=10000&bbox="+boxParam(mapz(i))) }},
		)
	}
	centre := orb.Point{119.84, 31.80} // the big polygon crosses Zhonglou here
	for _, z := range []maptile.Zoom{12, 14} {
		t := maptile.At(centre, z)
		pool := tilePool(z)
		at := func(i int) maptile.Tile { return pool[i%len(pool)] }
		loads = append(loads,
			peerLoad{name: fmt.Sprintf("tile-z%d-fixed", z), peer: ts, tile: true, eco: fixed(ecoTile(t)), other: fixed(peerTile(t))},
			peerLoad{name: fmt.Sprintf("tile-z%d-random", z), peer: ts, tile: true, oneOff: true,
				eco: func(i int) string { return ecoTile(at(i)) }, other: func(i int) string { return peerTile(at(i)) }},
		)
	}
	for i := range loads {
		loads[i].ecoProc = eco
		loads[i].checkSample = []int{0}
		if loads[i].oneOff {
			loads[i].ecoProc = ecoUncached
			loads[i].checkSample = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
		}
	}
	return loads
}

// checkSameContent fails the benchmark when ecospace and the peer give
// different features for the same request.
func checkSameContent(b *testing.B, l peerLoad) {
	total := 0
	for _, i := range l.checkSample {
		ours, err := getBody(l.ecoProc.base + l.eco(i))
		if err != nil {
			b.Fatalf("%s: %v", l.name, err)
		}
		theirs, err := getBody(l.peer.base + l.other(i))
		if err != nil {
			b.Fatalf("%s: %v", l.name, err)
		}
		a, err := featureIDs(ours, l.tile, "id")
		if err != nil {
			b.Fatalf("%s: ecospace: %v", l.name, err)
		}
		p, err := featureIDs(theirs, l.tile, "feature_id")
		if err != nil {
			b.Fatalf("%s: %s: %v", l.name, l.peer.name, err)
		}
		if !l.ordered {
			slices.Sort(a)
			slices.Sort(p)
		}
		if !slices.Equal(a, p) {
			b.Errorf("%s request %d: ecospace gives %d features, %s %d: %v … vs %v …", l.name, i, len(a), l.peer.name, len(p), head(a), head(p))
		}
		total += len(a)
	}
	fmt.Fprintf(os.Stderr, "peers: %s: the same features from both (%d over %d requests)\n", l.name, total, len(l.checkSample))
}

func head(s []string) []string { return s[:min(len(s), 4)] }

// featureIDs reads the feature ids of a GeoJSON FeatureCollection (the
// feature's id, or a property) or of a vector tile (a property).
func featureIDs(body []byte, tile bool, prop string) ([]string, error) {
	var out []string
	if tile {
		layers, err := mvt.Unmarshal(body)
		if err != nil {
			return nil, err
		}
		for _, l := range layers {
			for _, f := range l.Features {
				out = append(out, fmt.Sprint(f.Properties[prop]))
			}
		}
		return out, nil
	}
	var fc struct {
		Features []struct {
			ID         any            `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		return nil, err
	}
	for _, f := range fc.Features {
		if prop == "id" {
			out = append(out, fmt.Sprint(f.ID))
		} else {
			out = append(out, fmt.Sprint(f.Properties[prop]))
		}
	}
	return out, nil
}
