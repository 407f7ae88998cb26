package hooks

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type received struct {
	header http.Header
	body   []byte
}

// receiver answers the statuses in turn (the last one from then on) and
// keeps what it was sent.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []received
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, received{req.Header.Clone(), b})
	st := r.statuses[0]
	if len(r.statuses) > 1 {
		r.statuses = r.statuses[1:]
	}
	r.mu.Unlock()
	w.WriteHeader(st)
}

func setup(t *testing.T, statuses ...int) (*memory.Store, *receiver, *clock, *Sender, string) {
	t.Helper()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New(man)
	rcv := &receiver{statuses: statuses}
	ts := httptest.NewServer(rcv)
	t.Cleanup(ts.Close)
	clk := &clock{t: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	hook := &data.Hook{ID: "01939a2b-0000-7000-8000-000000000001", URL: ts.URL + "/hook", Events: []string{data.EventLayerPublished}, Secret: "s3cret", CreatedAt: clk.now()}
	if err := store.AddHook(context.Background(), hook); err != nil {
		t.Fatal(err)
	}
	job := &data.ReevalJob{ID: "01939a2b-0000-7000-8000-0000000000aa", Cause: data.Cause{Layer: "canal", Version: 2}, ValidFrom: clk.now(), CreatedAt: clk.now()}
	ev := data.Event{ID: "01939a2b-0000-7000-8000-0000000000ee", Type: data.EventLayerPublished, Time: clk.now(), Data: json.RawMessage(`{"layer":"canal","version":2}`)}
	if _, err := store.AddReevalJob(context.Background(), job, ev); err != nil {
		t.Fatal(err)
	}
	s := NewSender(Config{Store: store, Log: slog.New(slog.DiscardHandler), Now: clk.now, Rand: func() float64 { return 0.5 },
		Policy: Policy{Min: 10 * time.Second, Max: time.Minute, RetryFor: 24 * time.Hour}})
	return store, rcv, clk, s, hook.ID
}

func runOnce(t *testing.T, s *Sender) int {
	t.Helper()
	n, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A receiver that answers 503 twice gets the event a third time, after
// the backoff each time, with the same delivery id and body, a fresh
// timestamp and a valid signature; then the delivery is delivered and
// never sent again.
func TestSenderRetriesUntilDelivered(t *testing.T) {
	store, rcv, clk, s, hookID := setup(t, 503, 503, 204)
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("first round sent %d", n)
	}
	if n := runOnce(t, s); n != 0 {
		t.Fatalf("sent again before the backoff: %d", n)
	}
	clk.add(5 * time.Second) // 0.5 · 10 s
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("second attempt: sent %d", n)
	}
	clk.add(9 * time.Second) // 0.5 · 20 s is 10 s
	if n := runOnce(t, s); n != 0 {
		t.Fatalf("sent before the second backoff ended: %d", n)
	}
	clk.add(time.Second)
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("third attempt: sent %d", n)
	}
	clk.add(time.Hour)
	if n := runOnce(t, s); n != 0 {
		t.Fatalf("a delivered delivery was sent again")
	}
	if len(rcv.got) != 3 {
		t.Fatalf("received %d", len(rcv.got))
	}
	var id string
	for i, r := range rcv.got {
		h := r.header
		if err := Verify("s3cret", h.Get(HeaderSignature), h.Get(HeaderTimestamp), r.body, clk.now(), 2*time.Hour); err != nil {
			t.Errorf("attempt %d: %v", i+1, err)
		}
		var b Body
		if err := json.Unmarshal(r.body, &b); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			id = b.DeliveryID
		}
		if b.DeliveryID != id || h.Get(HeaderDelivery) != id || b.EventID != "01939a2b-0000-7000-8000-0000000000ee" || b.Type != data.EventLayerPublished ||
			h.Get(HeaderEvent) != data.EventLayerPublished || string(b.Data) != `{"layer":"canal","version":2}` || h.Get("Content-Type") != "application/json" {
			t.Errorf("attempt %d: headers %v body %s", i+1, h, r.body)
		}
		if string(r.body) != string(rcv.got[0].body) {
			t.Errorf("attempt %d body differs: %s", i+1, r.body)
		}
	}
	if rcv.got[0].header.Get(HeaderTimestamp) == rcv.got[2].header.Get(HeaderTimestamp) {
		t.Error("the timestamp is not the attempt's")
	}
	ds, err := store.Deliveries(context.Background(), hookID, "", 10)
	if err != nil || len(ds) != 1 || ds[0].Status != data.DeliveryDelivered || ds[0].Attempts != 3 || ds[0].LastError != "" {
		t.Errorf("deliveries %+v, err %v", ds, err)
	}
}

// A receiver that never takes it: retried for a day, then dead, with
// the last error kept; redelivered, it is sent again under its id.
func TestSenderDeadLetter(t *testing.T) {
	store, rcv, clk, s, hookID := setup(t, 500)
	for range 10_000 {
		runOnce(t, s)
		ds, err := store.Deliveries(context.Background(), hookID, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if ds[0].Status == data.DeliveryDead {
			break
		}
		clk.add(time.Minute)
	}
	ds, err := store.Deliveries(context.Background(), hookID, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	d := ds[0]
	if d.Status != data.DeliveryDead || d.LastError != "HTTP 500" || !d.NextAttempt.IsZero() {
		t.Fatalf("delivery %+v", d)
	}
	if span := clk.now().Sub(d.Since); span < 24*time.Hour || span > 24*time.Hour+2*time.Minute {
		t.Errorf("dead after %s", span)
	}
	n := len(rcv.got)
	clk.add(time.Hour)
	if runOnce(t, s) != 0 {
		t.Error("a dead delivery was sent")
	}
	if _, err := store.Redeliver(context.Background(), d.ID, clk.now()); err != nil {
		t.Fatal(err)
	}
	if runOnce(t, s) != 1 || len(rcv.got) != n+1 || rcv.got[n].header.Get(HeaderDelivery) != d.ID {
		t.Errorf("redelivery not sent under its id")
	}
}

// A receiver that cannot be reached: the error is kept and the delivery
// retried.
func TestSenderRefused(t *testing.T) {
	store, _, clk, s, hookID := setup(t, 200)
	hooks, _ := store.Hooks(context.Background())
	ln := httptest.NewServer(http.NotFoundHandler())
	url := ln.URL
	ln.Close() // nothing listens there now
	if err := store.RemoveHook(context.Background(), hookID); err != nil {
		t.Fatal(err)
	}
	h := hooks[0]
	h.URL = url
	if err := store.AddHook(context.Background(), &h); err != nil {
		t.Fatal(err)
	}
	ev := data.Event{ID: "01939a2b-0000-7000-8000-0000000000ef", Type: data.EventLayerPublished, Time: clk.now(), Data: json.RawMessage(`{}`)}
	job := &data.ReevalJob{ID: "01939a2b-0000-7000-8000-0000000000ab", Cause: data.Cause{Layer: "canal", Version: 3}, CreatedAt: clk.now()}
	if _, err := store.AddReevalJob(context.Background(), job, ev); err != nil {
		t.Fatal(err)
	}
	if n := runOnce(t, s); n != 1 { // the first event's delivery went with the removed hook
		t.Fatalf("sent %d", n)
	}
	ds, err := store.Deliveries(context.Background(), h.ID, "", 1)
	if err != nil || ds[0].Status != data.DeliveryFailed || ds[0].LastError == "" || ds[0].NextAttempt.IsZero() {
		t.Errorf("delivery %+v, err %v", ds, err)
	}
}
