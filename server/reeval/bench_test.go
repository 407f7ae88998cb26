package reeval

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/servertest"
)

// BenchmarkReevaluatePG files ECOSPACE_REEVAL_CHECKS decisions (default
// 100 000: random points in the district, judged by the embedded store,
// which answers as PostGIS does, and filed through the PostGIS audit's
// group-committed COPY), then, each round, records a new version of the
// district coverage layer (touching every one of them) and runs the
// re-evaluation job to its end. It reports decisions re-judged a second.
//
//	go test -run '^$' -bench BenchmarkReevaluatePG -benchtime 1x -timeout 30m ./server/reeval
func BenchmarkReevaluatePG(b *testing.B) {
	n := 100_000
	if v := os.Getenv("ECOSPACE_REEVAL_CHECKS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("ECOSPACE_REEVAL_CHECKS=%q: want a count", v)
		}
	}
	ctx := context.Background()
	mem := servertest.Demo(b)
	pg := servertest.DemoPG(b)
	district := layerFeatures(b, mem.Store, "district")
	start := time.Now()
	fileChecks(b, mem, pg.Store, district, n)
	b.Logf("filed %d checks in %s", n, time.Since(start).Round(time.Millisecond))
	cs := pg.Store.(data.ChangeStore)
	w := New(Config{Store: cs, Checker: check.New(check.Config{Store: pg.Store, Rules: pg.Rules, Unaudited: true}), Log: slog.New(slog.DiscardHandler)})
	b.ResetTimer()
	var judged int64
	for i := range b.N {
		res, err := pg.Store.Import(ctx, "district", district, data.ImportOptions{ValidFrom: time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Enqueue(ctx, cs, res, time.Now()); err != nil {
			b.Fatal(err)
		}
		before := w.Stats().Judged
		t0 := time.Now()
		// The job's first batch selects its candidates in one SQL join;
		// timed apart from the judging.
		jobs, err := cs.ReevalJobs(ctx)
		if err != nil || len(jobs) != 1 {
			b.Fatalf("jobs %v, err %v", jobs, err)
		}
		if _, _, err := cs.ReevalCandidates(ctx, &jobs[0], "", 1); err != nil {
			b.Fatal(err)
		}
		sel := time.Since(t0)
		if _, err := w.RunPending(ctx); err != nil {
			b.Fatal(err)
		}
		d := w.Stats().Judged - before
		judged += d
		b.Logf("round %d: %d decisions judged again in %s (%.0f/s; selecting them in SQL %s), %d changed, %d failed", i+1, d, time.Since(t0).Round(time.Millisecond),
			float64(d)/time.Since(t0).Seconds(), sel.Round(time.Millisecond), w.Stats().Changed, w.Stats().Failed)
	}
	b.ReportMetric(float64(judged)/b.Elapsed().Seconds(), "decisions/s")
	if judged < int64(b.N*n) {
		b.Errorf("judged %d, want %d a round", judged, n)
	}
}

func layerFeatures(b *testing.B, s data.Store, id string) []geo.Feature {
	var out []geo.Feature
	if err := s.Features(context.Background(), id, data.FeatureQuery{AsOf: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Zoom: -1}, func(f geo.Feature) error {
		out = append(out, f)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return out
}

// fileChecks judges n random points of the district on the embedded
// store and files the answers in dst.
func fileChecks(b *testing.B, mem *servertest.App, dst data.Store, district []geo.Feature, n int) {
	ctx := context.Background()
	var area orb.MultiPolygon
	for _, f := range district {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			area = append(area, g)
		case orb.MultiPolygon:
			area = append(area, g...)
		}
	}
	bound := area.Bound()
	rnd := rand.New(rand.NewPCG(1, 2))
	cats := []string{"chemical", "warehousing-logistics", "residential", "livestock-farm"}
	c := check.New(check.Config{Store: mem.Store, Rules: mem.Rules, Unaudited: true})
	type job struct {
		p   orb.Point
		cat string
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := fileOne(ctx, c, dst, j.p, j.cat); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; {
		p := orb.Point{bound.Min[0] + rnd.Float64()*(bound.Max[0]-bound.Min[0]), bound.Min[1] + rnd.Float64()*(bound.Max[1]-bound.Min[1])}
		if !planar.MultiPolygonContains(area, p) {
			continue
		}
		jobs <- job{p, cats[i%len(cats)]}
		i++
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
}

func fileOne(ctx context.Context, c *check.Checker, dst data.Store, p orb.Point, cat string) error {
	site, err := geo.SiteFromLonLat(p)
	if err != nil {
		return err
	}
	category, err := c.Category(cat, "/category")
	if err != nil {
		return err
	}
	asOf := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	ans, err := c.Run(ctx, "bench", &check.Input{Site: site, Category: category, CRS: geo.CRS84, AsOf: asOf})
	if err != nil {
		return err
	}
	r := ans.Response
	return dst.SaveCheck(ctx, &data.CheckRecord{ID: r.CheckID, CheckedAt: r.CheckedAt, KeyID: "bench", Category: cat, AsOf: asOf,
		Geometry: site.Geometry, Verdict: r.Verdict, DecisionHash: r.DecisionHash, Document: ans.Document})
}
