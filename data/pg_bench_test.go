package data_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server"
)

// benchPoints are random points over the district's box.
func benchPoints(b *testing.B, n int) []*geo.Site {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]*geo.Site, n)
	for i := range out {
		out[i] = mustSiteT(b, orb.Point{119.73 + rng.Float64()*0.22, 31.74 + rng.Float64()*0.11})
	}
	return out
}

// parcel50 is a 50-vertex parcel of about 400 m across centred at c.
func parcel50(c orb.Point, phase float64) orb.Polygon {
	p := geo.ProjectGeometry(c).(orb.Point)
	ring := make(orb.Ring, 0, 51)
	for i := range 50 {
		a := 2*math.Pi*float64(i)/50 + phase
		r := 200 * (0.8 + 0.2*math.Sin(5*a))
		ring = append(ring, orb.Point{p[0] + r*math.Cos(a), p[1] + r*math.Sin(a)})
	}
	ring = append(ring, ring[0])
	return geo.UnprojectGeometry(orb.Polygon{ring}).(orb.Polygon)
}

// BenchmarkPGRelatePoint: point relations from PostGIS, one SQL round
// trip each, as many goroutines as GOMAXPROCS×4 (b.SetParallelism).
func BenchmarkPGRelatePoint(b *testing.B) {
	s, url := openPG(b, data.PGOptions{})
	loadDemo(b, s)
	sites := benchPoints(b, 1024)
	b.SetParallelism(32)
	var n atomic.Int64
	defer pgCPU(b, url)()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			i := n.Add(1)
			if _, err := s.Relate(ctx, sites[int(i)%len(sites)], storetest.AsOf); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "relates/s")
}

// BenchmarkPGRelateParcel50: a 50-vertex parcel near the canal's built-up
// edge (coverage, zones, three canal-core bands), from PostGIS.
func BenchmarkPGRelateParcel50(b *testing.B) {
	s := openDemoPG(b)
	sites := make([]*geo.Site, 64)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range sites {
		sites[i] = mustSiteT(b, parcel50(orb.Point{119.90 + rng.Float64()*0.03, 31.775 + rng.Float64()*0.02}, rng.Float64()))
	}
	b.SetParallelism(4)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			i := n.Add(1)
			if _, err := s.Relate(ctx, sites[int(i)%len(sites)], storetest.AsOf); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "relates/s")
}

// BenchmarkPGImport100k: a zone layer of 100 000 small polygons, one
// transaction (COPY, features, index pieces, layer version).
func BenchmarkPGImport100k(b *testing.B) {
	s := openDemoPG(b)
	feats := smallPolygons(100_000)
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := s.Import(context.Background(), "green-corridors", feats, data.ImportOptions{ValidFrom: from}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/import")
	}
	b.StopTimer()
	// The layer answers point checks fast at that size too.
	sites := benchPoints(b, 200)
	start := time.Now()
	for _, site := range sites {
		if _, err := s.Relate(context.Background(), site, from); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(len(sites)), "µs/relate-after")
}

// BenchmarkPGSaveCheck: audited checks per second through group commit.
func BenchmarkPGSaveCheck(b *testing.B) {
	s, url := openPG(b, data.PGOptions{})
	defer pgCPU(b, url)()
	doc := realDocument(b)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(5, 6))
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := &data.CheckRecord{ID: newUUID(rng, &mu), CheckedAt: time.Now(), Category: "chemical", AsOf: storetest.AsOf,
				Geometry: orb.Point{119.8, 31.8}, Verdict: "allowed", DecisionHash: "sha256:x", Document: doc}
			if err := s.SaveCheck(context.Background(), rec); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}

// BenchmarkPGHTTPPointCheck: POST /api/v1/checks for points through the
// real HTTP server on the PostGIS store (relate, judge, audit with group
// commit), from 64 keep-alive clients; reports checks/s and latency
// percentiles.
func BenchmarkPGHTTPPointCheck(b *testing.B) {
	benchHTTPChecks(b, func(rng *rand.Rand) string {
		return fmt.Sprintf(`{"geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"category":"chemical","as_of":"2026-06-01"}`,
			119.73+rng.Float64()*0.22, 31.74+rng.Float64()*0.11)
	})
}

func benchHTTPChecks(b *testing.B, body func(*rand.Rand) string) {
	benchHTTPChecksOn(b, openDemoPG(b), body)
}

func benchHTTPChecksOn(b *testing.B, s data.Store, body func(*rand.Rand) string) {
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		b.Fatal(err)
	}
	man, _ := data.DemoManifest()
	srv := server.New(server.Config{Store: s, Rules: rules, Manifest: man, Log: slog.New(slog.DiscardHandler)})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	const clients = 64
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DialContext: (&net.Dialer{}).DialContext}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr}
	rng := rand.New(rand.NewPCG(9, 9))
	bodies := make([]string, 4096)
	for i := range bodies {
		bodies[i] = body(rng)
	}
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				t0 := time.Now()
				resp, err := cl.Post(hs.URL+"/api/v1/checks", "application/json", bytes.NewBufferString(bodies[int(i)%len(bodies)]))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(len(all))/el.Seconds(), "checks/s")
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkMemHTTPPointCheck is BenchmarkPGHTTPPointCheck on the embedded
// store: the HTTP, judging and JSON share of a check, for comparison.
func BenchmarkMemHTTPPointCheck(b *testing.B) {
	man, _ := data.DemoManifest()
	mem := data.NewMem(man)
	loadDemo(b, mem)
	benchHTTPChecksOn(b, mem, func(rng *rand.Rand) string {
		return fmt.Sprintf(`{"geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"category":"chemical","as_of":"2026-06-01"}`,
			119.73+rng.Float64()*0.22, 31.74+rng.Float64()*0.11)
	})
}

// pgCPU starts measuring the CPU the test's PostgreSQL processes spend;
// the function it returns reports it per operation.
func pgCPU(b *testing.B, url string) func() {
	pids := ourPostgres(b, url)
	t0 := postgresTicks(pids)
	return func() {
		b.ReportMetric(float64(postgresTicks(pids)-t0)/100*1e6/float64(b.N), "postgres-cpu-µs/op")
	}
}

// BenchmarkPGRelatePointSerial: one point at a time (batches of one):
// the latency and the whole cost of a statement.
func BenchmarkPGRelatePointSerial(b *testing.B) {
	s, url := openPG(b, data.PGOptions{})
	loadDemo(b, s)
	sites := benchPoints(b, 1024)
	defer pgCPU(b, url)()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Relate(context.Background(), sites[i%len(sites)], storetest.AsOf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPGSaveCheckSerial: one audit record at a time.
func BenchmarkPGSaveCheckSerial(b *testing.B) {
	s, url := openPG(b, data.PGOptions{})
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(5, 7))
	doc := realDocument(b)
	defer pgCPU(b, url)()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := &data.CheckRecord{ID: newUUID(rng, &mu), CheckedAt: time.Now(), Category: "chemical", AsOf: storetest.AsOf,
			Geometry: orb.Point{119.8, 31.8}, Verdict: "allowed", DecisionHash: "sha256:x", Document: doc}
		if err := s.SaveCheck(context.Background(), rec); err != nil {
			b.Fatal(err)
		}
	}
}

// realDocument is the response to a point check on the river (four hits),
// as the server stores it: a realistic audit document.
func realDocument(b *testing.B) []byte {
	man, _ := data.DemoManifest()
	mem := data.NewMem(man)
	loadDemo(b, mem)
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		b.Fatal(err)
	}
	srv := server.New(server.Config{Store: mem, Rules: rules, Manifest: man, Log: slog.New(slog.DiscardHandler)})
	req := httptest.NewRequest(http.MethodPost, "/api/v1/checks", bytes.NewBufferString(
		`{"geometry":{"type":"Point","coordinates":[119.761976,31.784743]},"category":"chemical","as_of":"2026-06-01"}`))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("check: %d %s", w.Code, w.Body)
	}
	return w.Body.Bytes()
}
