package memory_test

// Benchmarks of the embedded store at district scale (the demo layers) and
// province scale (ecospace gen's layers). The province data is read from
// $ECOSPACE_GEN_DIR when set (ecospace gen --out DIR; the full 5 000-zone,
// 5 000 000-vertex set); otherwise a smaller set is generated per run:
//
//	go run ./cmd/ecospace gen --out /tmp/ecogen --seed 1
//	ECOSPACE_GEN_DIR=/tmp/ecogen go test ./data/memory -run '^$' -bench 'Mem' -benchtime 20000x
//
// Figures go in PERF.md; nothing here asserts a speed.

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/gen"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/geo"
)

var benchAsOf = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
var validFrom = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

// genDir is the province-scale data: $ECOSPACE_GEN_DIR, or a reduced set
// generated once per test binary.
var genDir = sync.OnceValues(func() (string, error) {
	if d := os.Getenv("ECOSPACE_GEN_DIR"); d != "" {
		return d, nil
	}
	dir, err := os.MkdirTemp("", "ecospace-gen-")
	if err != nil {
		return "", err
	}
	o := gen.Defaults()
	o.Zones, o.Vertices, o.Points = 1000, 1_000_000, 200_000
	o.PointsGeoJSON = false
	_, err = gen.Write(dir, o)
	return dir, err
})

func provinceMem(tb testing.TB) (*memory.Store, int64) {
	tb.Helper()
	dir, err := genDir()
	if err != nil {
		tb.Fatal(err)
	}
	man, err := demo.Manifest()
	if err != nil {
		tb.Fatal(err)
	}
	mem := memory.New(man)
	wkb, err := gen.Load(context.Background(), mem, dir, validFrom, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return mem, wkb
}

var provinceOnce = sync.OnceValues(func() (*memory.Store, error) {
	mem, _ := provinceMem(&fatalTB{})
	return mem, nil
})

// fatalTB lets a sync.Once load panic with the first error.
type fatalTB struct{ testing.TB }

func (fatalTB) Helper()                   {}
func (fatalTB) Fatal(args ...any)         { panic(fmt.Sprint(args...)) }
func (fatalTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

func demoMem(tb testing.TB) *memory.Store {
	man, err := demo.Manifest()
	if err != nil {
		tb.Fatal(err)
	}
	mem := memory.New(man)
	if err := demo.Load(context.Background(), mem, man, data.ImportOptions{ValidFrom: validFrom}); err != nil {
		tb.Fatal(err)
	}
	return mem
}

// districtSites are random points in Zhonglou's box.
func districtSites(tb testing.TB, n int, seed uint64) []*geo.Site {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]*geo.Site, n)
	for i := range out {
		p := orb.Point{gen.District.Min[0] + rng.Float64()*(gen.District.Max[0]-gen.District.Min[0]),
			gen.District.Min[1] + rng.Float64()*(gen.District.Max[1]-gen.District.Min[1])}
		s, err := geo.SiteFromLonLat(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = s
	}
	return out
}

// BenchmarkMemRelateDistrictVsProvince relates random points in Zhonglou
// against the demo layers (district) and the generated ones (province),
// reporting the median and 99th percentile of single relates besides the
// mean. The target: province p99 ≤ 2 × district p99.
func BenchmarkMemRelateDistrictVsProvince(b *testing.B) {
	sites := districtSites(b, 4096, 11)
	run := func(b *testing.B, s data.Store) {
		ctx := context.Background()
		lat := make([]time.Duration, 0, 1<<16)
		hits := 0
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			t0 := time.Now()
			rel, err := s.Relate(ctx, sites[i%len(sites)], data.At{AsOf: benchAsOf})
			d := time.Since(t0)
			if err != nil {
				b.Fatal(err)
			}
			hits += len(rel.Hits)
			if len(lat) < cap(lat) {
				lat = append(lat, d)
			}
			i++
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
		b.ReportMetric(float64(hits)/float64(i), "hits/op")
	}
	b.Run("district", func(b *testing.B) { run(b, demoMem(b)) })
	b.Run("province", func(b *testing.B) {
		mem, err := provinceOnce()
		if err != nil {
			b.Fatal(err)
		}
		run(b, mem)
	})
}

// BenchmarkMemSweep relates the register's points (points.csv) with two
// goroutines, as a sweep of the whole register would; s/1M is the time a
// sweep of 1 000 000 points takes at this rate (target ≤ 30 s).
func BenchmarkMemSweep(b *testing.B) {
	dir, err := genDir()
	if err != nil {
		b.Fatal(err)
	}
	pts, err := readPoints(filepath.Join(dir, "points.csv"))
	if err != nil {
		b.Fatal(err)
	}
	mem, err := provinceOnce()
	if err != nil {
		b.Fatal(err)
	}
	sites := make([]*geo.Site, len(pts))
	for i, p := range pts {
		if sites[i], err = geo.SiteFromLonLat(p); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	b.SetParallelism(1) // GOMAXPROCS goroutines: 2 on the 2-core machine
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			i := next.Add(1) % int64(len(sites))
			if _, err := mem.Relate(ctx, sites[i], data.At{AsOf: benchAsOf}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e6, "s/1M")
}

func readPoints(path string) ([]orb.Point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []orb.Point
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		parts := strings.Split(sc.Text(), ",")
		if len(parts) != 3 {
			continue
		}
		lon, err1 := strconv.ParseFloat(parts[1], 64)
		lat, err2 := strconv.ParseFloat(parts[2], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: bad line %q", path, sc.Text())
		}
		out = append(out, orb.Point{lon, lat})
	}
	return out, sc.Err()
}

// BenchmarkMemFootprint loads the province layers once per iteration and
// reports the heap they hold (HeapInuse after the load, less before, with
// garbage collected) against their raw WKB size. Target: ≤ 3×.
func BenchmarkMemFootprint(b *testing.B) {
	if _, err := genDir(); err != nil {
		b.Fatal(err)
	}
	var ratio, heapMB, wkbMB float64
	for b.Loop() {
		runtime.GC()
		debug.FreeOSMemory()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		mem, wkb := provinceMem(b)
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(mem)
		heap := float64(after.HeapInuse) - float64(before.HeapInuse)
		ratio, heapMB, wkbMB = heap/float64(wkb), heap/1e6, float64(wkb)/1e6
	}
	b.ReportMetric(ratio, "heap/wkb")
	b.ReportMetric(heapMB, "heap-MB")
	b.ReportMetric(wkbMB, "wkb-MB")
}

// districtParcels are 50-vertex parcels about 300 m across at random
// places in Zhonglou's box.
func districtParcels(tb testing.TB, n int, seed uint64) []*geo.Site {
	rng := rand.New(rand.NewPCG(seed, 2))
	out := make([]*geo.Site, n)
	for i := range out {
		lon := gen.District.Min[0] + rng.Float64()*(gen.District.Max[0]-gen.District.Min[0])
		lat := gen.District.Min[1] + rng.Float64()*(gen.District.Max[1]-gen.District.Min[1])
		x, y := geo.ToGK(lon, lat)
		ring := make(orb.Ring, 0, 51)
		for k := 0; k < 50; k++ {
			a := 2 * math.Pi * float64(k) / 50
			r := 150 + 40*math.Sin(5*a)
			ring = append(ring, orb.Point(must2(geo.FromGK(x+r*math.Cos(a), y+r*math.Sin(a)))))
		}
		ring = append(ring, ring[0])
		s, err := geo.SiteFromLonLat(orb.Polygon{ring})
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = s
	}
	return out
}

func must2(a, b float64) [2]float64 { return [2]float64{a, b} }

// BenchmarkMemRelateParcel relates 50-vertex parcels in Zhonglou, district
// and province scale.
func BenchmarkMemRelateParcel(b *testing.B) {
	sites := districtParcels(b, 512, 12)
	run := func(b *testing.B, s data.Store) {
		ctx := context.Background()
		lat := make([]time.Duration, 0, 1<<16)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			t0 := time.Now()
			if _, err := s.Relate(ctx, sites[i%len(sites)], data.At{AsOf: benchAsOf}); err != nil {
				b.Fatal(err)
			}
			if len(lat) < cap(lat) {
				lat = append(lat, time.Since(t0))
			}
			i++
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	}
	b.Run("district", func(b *testing.B) { run(b, demoMem(b)) })
	b.Run("province", func(b *testing.B) {
		mem, err := provinceOnce()
		if err != nil {
			b.Fatal(err)
		}
		run(b, mem)
	})
}
