package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
)

// Two ecospace instances sending from one PostGIS outbox at once never
// send the same delivery twice: each of 60 deliveries reaches the
// receiver once, claimed by one sender or the other.
func TestTwoSendersOnePostGISOutbox(t *testing.T) {
	ctx := context.Background()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	url := pgtest.NewDatabase(t)
	var stores []*postgis.Store
	for i := range 2 {
		s, err := postgis.Open(ctx, url, man, postgis.Options{Migrate: i == 0})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	rcv := &receiver{statuses: []int{200}}
	ts := httptest.NewServer(rcv)
	t.Cleanup(ts.Close)
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	hook := &data.Hook{ID: "01939a2b-0000-7000-8000-000000000001", URL: ts.URL, Events: []string{data.EventLayerPublished}, Secret: "s3cret-s3cret-s3cret", CreatedAt: now}
	if err := stores[0].AddHook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	const n = 60
	for i := range n {
		job := &data.ReevalJob{ID: fmt.Sprintf("01939a2b-0000-7000-8000-%012d", 100+i), Cause: data.Cause{Layer: "canal", Version: int64(2 + i)}, ValidFrom: now, CreatedAt: now}
		ev := data.Event{ID: fmt.Sprintf("01939a2b-0000-7000-9000-%012d", 100+i), Type: data.EventLayerPublished, Time: now, Data: json.RawMessage(`{}`)}
		if _, err := stores[i%2].AddReevalJob(ctx, job, ev); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	claimed := make([]int, 2)
	for i, st := range stores {
		s := NewSender(Config{Store: st, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }, Batch: 4})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, err := s.RunOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if k == 0 {
					return
				}
				claimed[i] += k
			}
		}()
	}
	wg.Wait()
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	seen := map[string]int{}
	for _, r := range rcv.got {
		seen[r.header.Get(HeaderDelivery)]++
	}
	if len(seen) != n || len(rcv.got) != n {
		t.Errorf("%d deliveries received, %d distinct, want %d each (claimed %v)", len(rcv.got), len(seen), n, claimed)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("delivery %s sent %d times", id, k)
		}
	}
	if claimed[0] == 0 || claimed[1] == 0 {
		t.Logf("one sender claimed everything (%v): no overlap was exercised this run", claimed)
	}
}
