package reeval

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
)

// counting judges as its Checker does and counts the checks judged.
type counting struct {
	*check.Checker
	mu     *sync.Mutex
	judged map[string]int
}

func (c counting) Reevaluate(ctx context.Context, rec *data.CheckRecord, knownAt time.Time) (*check.Response, bool, error) {
	c.mu.Lock()
	c.judged[rec.ID]++
	c.mu.Unlock()
	return c.Checker.Reevaluate(ctx, rec, knownAt)
}

// Two instances on one PostGIS database (two stores, two workers, run at
// once, in small batches) work one re-evaluation job: each candidate is
// judged once, by whichever worker claimed the job, and changes once.
func TestTwoWorkersOneJob(t *testing.T) {
	ctx := context.Background()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		t.Fatal(err)
	}
	url := pgtest.NewDatabase(t)
	var stores [2]*postgis.Store
	for i := range stores {
		s, err := postgis.Open(ctx, url, man, postgis.Options{Migrate: i == 0})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	if err := demo.Load(ctx, stores[0], man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
		t.Fatal(err)
	}
	c := check.New(check.Config{Store: stores[0], Rules: rules})
	const n = 120
	for i := range n {
		g := fmt.Sprintf(`{"type":"Point","coordinates":[%.6f,%.6f]}`, 119.7594+float64(i%12-6)*0.00005, 31.7950+float64(i/12-5)*0.00003)
		if _, err := c.Check(ctx, "k", check.Request{Geometry: json.RawMessage(g), Category: "chemical", AsOf: "2026-06-01"}); err != nil {
			t.Fatal(err)
		}
	}
	away := geo.Feature{ID: "away", Geometry: orb.Polygon{{{119.90, 31.75}, {119.91, 31.75}, {119.91, 31.76}, {119.90, 31.76}, {119.90, 31.75}}},
		Properties: map[string]any{"id": "away", "name_zh": "远处", "name_en": "away", "status": "illustrative"}}
	res, err := stores[0].Import(ctx, "xinmeng-river", []geo.Feature{away}, data.ImportOptions{ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	now := res.Layer.RecordedAt.Truncate(time.Millisecond).Add(time.Millisecond)
	if _, err := Enqueue(ctx, stores[0], res, now); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	judged := map[string]int{}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	for i, s := range stores {
		rej := counting{Checker: check.New(check.Config{Store: s, Rules: rules, Unaudited: true}), mu: &mu, judged: judged}
		w := New(Config{Store: s, Checker: rej, Log: slog.New(slog.DiscardHandler), Batch: 7, Workers: 1, Now: func() time.Time { return now }})
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.RunPending(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v", i, err)
		}
	}
	if len(judged) != n {
		t.Errorf("%d checks judged, want %d", len(judged), n)
	}
	for id, k := range judged {
		if k != 1 {
			t.Errorf("check %s judged %d times", id, k)
		}
	}
	all, err := stores[1].ListChanges(ctx, data.ChangeQuery{AllKeys: true, Limit: 1000})
	if err != nil || len(all) != n {
		t.Errorf("%d changes (err %v), want %d", len(all), err, n)
	}
	if jobs, err := stores[1].ReevalJobs(ctx); err != nil || len(jobs) != 0 {
		t.Errorf("jobs left %+v, err %v", jobs, err)
	}
}
