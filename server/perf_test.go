package server

// Layer-serving benchmarks and byte counts on generated layers (ecospace
// gen's shapes, built in memory). Nothing here asserts a speed; the
// figures go in PERF.md:
//
//	go test ./server -run '^$' -bench 'Layer|Tile' -benchmem

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/gen"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/servertest"
)

// genServer is the demo server with green-corridors replaced by zones
// ecospace gen makes: zones polygons with vertices in all.
func genServer(tb testing.TB, zones, vertices int) (*Server, data.Store) {
	tb.Helper()
	app := servertest.Demo(tb)
	ctx := context.Background()
	o := gen.Defaults()
	o.Zones, o.Vertices, o.Big, o.Points = 2*zones, 2*vertices, 0, 0
	o.DistrictShare = 1 // all of them around Zhonglou
	green := gen.Layers(o)["green-corridors"]
	feats := make([]geo.Feature, len(green))
	for i, f := range green {
		feats[i] = geo.Feature{ID: f.ID, Geometry: f.Geom, Properties: f.Props}
	}
	if _, err := app.Store.Import(ctx, "green-corridors", feats, data.ImportOptions{ValidFrom: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		tb.Fatal(err)
	}
	return serve(app), app.Store
}

var genServerOnce = sync.OnceValues(func() (s *Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	s, _ = genServer(panicTB{}, 120, 48_000)
	return s, nil
})

// panicTB stands in for a testing.TB where there is none (a sync.Once).
type panicTB struct{ testing.TB }

func (panicTB) Helper()                   {}
func (panicTB) Fatal(args ...any)         { panic(fmt.Sprint(args...)) }
func (panicTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

// TestOverviewBytesGenerated: at zoom ≤ 10 a generated layer's GeoJSON is
// at most a fifth of its full-resolution bytes (issue 6).
func TestOverviewBytesGenerated(t *testing.T) {
	s, _ := genServer(t, 100, 40_000)
	const path = "/api/v1/layers/green-corridors/features?as_of=2026-06-01"
	full := get(t, s, path)
	if full.Code != 200 {
		t.Fatalf("%d %s", full.Code, full.Body)
	}
	for _, z := range []int{8, 10, 11, 13, 15} {
		low := get(t, s, fmt.Sprintf("%s&zoom=%d", path, z))
		r := float64(low.Body.Len()) / float64(full.Body.Len())
		t.Logf("zoom %2d: %8d B of %8d B full resolution (%.3f)", z, low.Body.Len(), full.Body.Len(), r)
		if z <= 10 && r > 0.2 {
			t.Errorf("zoom %d: %.2f of the full bytes, over 1/5", z, r)
		}
	}
}

// BenchmarkLayerCached reads a whole generated layer of about 1 MB (120
// polygons, 48 000 vertices) as the map does: "stream" with the cache off
// (every read encodes), then from the cache plain, gzip, and revalidated
// (304). Parallel, so on all cores.
func BenchmarkLayerCached(b *testing.B) {
	s, err := genServerOnce()
	if err != nil {
		b.Fatal(err)
	}
	const path = "/api/v1/layers/green-corridors/features?as_of=2026-06-01"
	first := get(b, s, path)
	etag := first.Header().Get("ETag")
	b.Logf("layer: %d bytes, %d gzip", first.Body.Len(), len(gzipBytes(first.Body.Bytes())))
	run := func(b *testing.B, s *Server, hdr ...string) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				rec := &discardRecorder{h: http.Header{}}
				s.ServeHTTP(rec, req)
				if rec.code != 200 && rec.code != 304 {
					b.Errorf("status %d", rec.code)
					return
				}
				b.SetBytes(int64(rec.n))
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	b.Run("stream", func(b *testing.B) {
		nocache, _ := genServer(b, 120, 48_000)
		nocache.cache = newRespCache(0) // nothing fits: every read encodes the layer
		run(b, nocache)
	})
	b.Run("cached", func(b *testing.B) { run(b, s) })
	b.Run("cached-gzip", func(b *testing.B) { run(b, s, "Accept-Encoding", "gzip") })
	b.Run("not-modified", func(b *testing.B) { run(b, s, "If-None-Match", etag) })
	// Over loopback TCP with keep-alive connections, as a client sees it.
	ts := httptest.NewServer(s)
	defer ts.Close()
	overHTTP := func(b *testing.B, gz bool) {
		tr := &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: !gz}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr}
		b.SetParallelism(4) // 8 connections on 2 cores
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				resp, err := client.Get(ts.URL + path)
				if err != nil {
					b.Error(err)
					return
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
				b.SetBytes(n)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	b.Run("cached-http", func(b *testing.B) { overHTTP(b, false) })
	b.Run("cached-http-gzip", func(b *testing.B) { overHTTP(b, true) })
}

// discardRecorder is a ResponseWriter that counts and drops the body.
type discardRecorder struct {
	h    http.Header
	code int
	n    int
}

func (d *discardRecorder) Header() http.Header { return d.h }
func (d *discardRecorder) WriteHeader(c int) {
	if d.code == 0 {
		d.code = c
	}
}
func (d *discardRecorder) Write(p []byte) (int, error) {
	if d.code == 0 {
		d.code = 200
	}
	d.n += len(p)
	return len(p), nil
}

// BenchmarkTile builds a zoom-12 tile over Zhonglou from the generated
// layer (cache off), and serves it from the cache.
func BenchmarkTile(b *testing.B) {
	s, err := genServerOnce()
	if err != nil {
		b.Fatal(err)
	}
	path := tilePath("green-corridors", 12, orb.Point{119.84, 31.80})
	if rec := get(b, s, path); rec.Code != 200 {
		b.Fatal(rec.Code)
	}
	b.Run("build", func(b *testing.B) {
		ctx := context.Background()
		info, err := s.store.Layer(ctx, "green-corridors", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.buildTile(ctx, info, 12, 3411, 1666); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if rec := get(b, s, path); rec.Code != 200 {
				b.Fatal(rec.Code)
			}
		}
	})
}
