package postgis_test

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
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

// BenchmarkPGRelatePoint: point relations from PostGIS from 64 goroutines
// (32 × GOMAXPROCS on two cores), which the point batcher answers a batch
// per statement; reports relates/s and PostgreSQL CPU per relate.
func BenchmarkPGRelatePoint(b *testing.B) {
	s, url := openPG(b, postgis.Options{})
	loadDemo(b, s)
	sites := benchPoints(b, 1024)
	warmUp(b, s, sites)
	b.SetParallelism(32)
	defer pgCPU(b, url)()
	relateParallel(b, s, sites)
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
	relateParallel(b, s, sites)
}

// relateParallel relates the sites round-robin from parallel goroutines
// and reports the rate.
func relateParallel(b *testing.B, s *postgis.Store, sites []*geo.Site) {
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			i := n.Add(1)
			if _, err := s.Relate(ctx, sites[int(i)%len(sites)], data.At{AsOf: storetest.AsOf}); err != nil {
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
		if _, err := s.Relate(context.Background(), site, data.At{AsOf: from}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(len(sites)), "µs/relate-after")
}

// BenchmarkPGSaveCheck: audited checks per second through group commit,
// from 64 goroutines, with a realistic 3.7 kB response document.
func BenchmarkPGSaveCheck(b *testing.B) {
	s, url := openPG(b, postgis.Options{})
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

// BenchmarkPGRelatePointSerial: one point at a time (batches of one):
// the latency and the whole cost of a statement.
func BenchmarkPGRelatePointSerial(b *testing.B) {
	s, url := openPG(b, postgis.Options{})
	loadDemo(b, s)
	sites := benchPoints(b, 1024)
	warmUp(b, s, sites)
	defer pgCPU(b, url)()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Relate(context.Background(), sites[i%len(sites)], data.At{AsOf: storetest.AsOf}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPGSaveCheckSerial: one audit record at a time.
func BenchmarkPGSaveCheckSerial(b *testing.B) {
	s, url := openPG(b, postgis.Options{})
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

// realDocument is the response to a point check on the river (four
// hits), as the server stored it when this benchmark was written: a
// realistic audit document (3.7 kB).
func realDocument(*testing.B) []byte { return []byte(realDoc) }

const realDoc = "{\"check_id\":\"01a22985-bbf5-7ab3-83bc-9627863edc32\",\"verdict\":\"prohibited\",\"category\":\"chemical\",\"category_name\":{\"zh\":\"化工项目（新建、扩建）\",\"en\":\"Chemical project (new or expanded)\"},\"crs\":\"EPSG:4326\",\"coverage\":{\"inside\":true,\"whole\":true,\"inside_ratio\":1},\"hits\":[{\"layer\":\"green-corridors\",\"zone_id\":\"green-xinmeng\",\"zone_name\":{\"zh\":\"新孟河生态廊道\",\"en\":\"Xinmeng River ecological corridor\"},\"basis\":\"《城市绿线管理办法》（建设部令第112号）；《常州市钟楼区生态文明建设示范区规划（2023-2030年）》\",\"zone_status\":\"illustrative\",\"relation\":\"inside\",\"distance_m\":0,\"overlap_m2\":0,\"overlap_ratio\":1,\"effect\":\"prohibited\",\"rule_id\":\"green-line.chemical\",\"citation\":{\"document\":\"green-line\",\"title\":\"《城市绿线管理办法》建设部令第112号（2011年修正）\",\"article\":\"第十一条\",\"quote\":\"城市绿线内的用地，不得改作他用，不得违反法律法规、强制性标准以及批准的规划进行开发建设\",\"status\":\"verified\"}},{\"layer\":\"xinmeng-band\",\"zone_id\":\"xinmeng-band-1000\",\"zone_name\":{\"zh\":\"新孟河两侧1公里范围\",\"en\":\"Within 1 km of the Xinmeng River\"},\"basis\":\"《中华人民共和国长江保护法》；《常州市钟楼区生态文明建设示范区规划（2023-2030年）》\",\"zone_status\":\"illustrative\",\"relation\":\"within_distance\",\"distance_m\":0,\"overlap_m2\":0,\"overlap_ratio\":1,\"effect\":\"prohibited\",\"rule_id\":\"river-band.chemical\",\"citation\":{\"document\":\"yangtze-law\",\"title\":\"《中华人民共和国长江保护法》\",\"article\":\"第二十六条\",\"quote\":\"禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目\",\"status\":\"to_verify\",\"see_also\":[{\"document\":\"district-plan\",\"title\":\"《常州市钟楼区生态文明建设示范区规划（2023-2030年）》\",\"quote\":\"加快新孟河清水通道沿岸两侧1公里范围内化工企业关停或转迁任务\"}]}},{\"layer\":\"xinmeng-corridor\",\"zone_id\":\"xinmeng-clear-water-corridor\",\"zone_name\":{\"zh\":\"新孟河（钟楼区）清水通道维护区\",\"en\":\"Xinmeng River (Zhonglou) clear-water corridor\"},\"basis\":\"《江苏省生态空间管控区域规划》苏政发〔2020〕1号\",\"zone_status\":\"illustrative\",\"relation\":\"inside\",\"distance_m\":0,\"overlap_m2\":0,\"overlap_ratio\":1,\"effect\":\"prohibited\",\"rule_id\":\"eco-control.chemical@2026-03-01\",\"citation\":{\"document\":\"js-eco-2026\",\"title\":\"《江苏省生态空间管控区域管理办法》苏政办规〔2026〕1号\",\"article\":\"第三条\",\"quote\":\"生态空间管控区域以生态保护为重点，原则上不得开展有损主导生态功能的开发建设活动\",\"status\":\"to_verify\"}}],\"conflicts\":{\"type\":\"FeatureCollection\",\"features\":[]},\"nearest\":{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"id\":\"xinmeng-band/xinmeng-band-1000\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[119.761976,31.784743],[119.761976,31.784743]]},\"properties\":{\"distance_m\":0,\"effect\":\"prohibited\",\"layer\":\"xinmeng-band\",\"zone_id\":\"xinmeng-band-1000\"}}]},\"layers\":[{\"id\":\"district\",\"version\":1,\"valid_from\":\"2023-01-01\"},{\"id\":\"xinmeng-river\",\"version\":1,\"valid_from\":\"2023-01-01\"},{\"id\":\"xinmeng-corridor\",\"version\":1,\"valid_from\":\"2023-01-01\"},{\"id\":\"xinmeng-band\",\"version\":1,\"valid_from\":\"2023-01-01\"},{\"id\":\"canal\",\"version\":1,\"valid_from\":\"2023-01-01\"},{\"id\":\"canal-built-up\",\"version\":1,\"valid_from\":\"2023-01-01\"},{\"id\":\"canal-core\",\"version\":1,\"valid_from\":\"2023-01-01\"},{\"id\":\"green-corridors\",\"version\":1,\"valid_from\":\"2023-01-01\"}],\"rules_version\":\"2026.11.1\",\"as_of\":\"2026-06-01\",\"checked_at\":\"2026-11-29T22:55:59.989Z\",\"decision_hash\":\"sha256:984bd6039487f61850a0c305a963a126be554518c7b9e6b7797d78d67719673b\",\"site\":{\"type\":\"Point\",\"coordinates\":[119.761976,31.784743]}}"

// warmUp opens the pool's connections (and prepares the statements) before
// pgCPU lists the backends to measure.
func warmUp(b *testing.B, s *postgis.Store, sites []*geo.Site) {
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Relate(context.Background(), sites[i%len(sites)], data.At{AsOf: storetest.AsOf}); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
}

// pgCPU starts measuring the CPU the test database's PostgreSQL backends
// spend; the function it returns reports it per operation.
func pgCPU(b *testing.B, url string) func() {
	pids := pgtest.Backends(b, url)
	t0 := pgtest.CPUTicks(pids...)
	return func() {
		b.ReportMetric(float64(pgtest.CPUTicks(pids...)-t0)/pgtest.TicksHz*1e6/float64(b.N), "postgres-cpu-µs/op")
	}
}
