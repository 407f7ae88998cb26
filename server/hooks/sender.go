package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/zhonglou/ecospace/data"
)

// Sender defaults.
const (
	DefaultTimeout = 10 * time.Second // one attempt, connection to answer
	DefaultPoll    = time.Second      // how often the outbox is looked at
	DefaultBatch   = 32               // deliveries claimed at once
)

// Config wires a Sender.
type Config struct {
	Store  data.HookStore
	Client *http.Client // nil: one with Timeout
	Log    *slog.Logger
	Policy Policy // zero: DefaultPolicy
	// Now is the clock (nil: time.Now); Rand draws the jitter, uniform in
	// [0, 1) (nil: math/rand/v2).
	Now     func() time.Time
	Rand    func() float64
	Timeout time.Duration
	Poll    time.Duration
	Batch   int
}

// Sender sends the outbox's due deliveries.
type Sender struct {
	cfg   Config
	lease time.Duration
	wake  chan struct{}
}

// NewSender makes a sender; Run runs it.
func NewSender(cfg Config) *Sender {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Policy == (Policy{}) {
		cfg.Policy = DefaultPolicy()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	// A claimed delivery is not due again until its attempt is surely
	// over (the client's timeout bounds it, and recording its end is
	// quick): another instance must not send the same attempt.
	return &Sender{cfg: cfg, lease: 2 * cfg.Timeout, wake: make(chan struct{}, 1)}
}

// Wake makes the sender look at the outbox now.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run sends due deliveries every Poll (and when woken) until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		for {
			n, err := s.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				s.cfg.Log.Error("webhooks: outbox", "error", err)
			}
			if err != nil || n < s.cfg.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// now is the clock to the millisecond: the times both stores keep alike.
func (s *Sender) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// Body is what a delivery sends.
type Body struct {
	DeliveryID string          `json:"delivery_id"`
	EventID    string          `json:"event_id"`
	Type       string          `json:"type"`
	Timestamp  time.Time       `json:"timestamp"` // when the event happened
	Data       json.RawMessage `json:"data"`
}

// Encode is d's body: the same bytes on every attempt.
func Encode(d data.Delivery) ([]byte, error) {
	return json.Marshal(Body{DeliveryID: d.ID, EventID: d.Event.ID, Type: d.Event.Type, Timestamp: d.Event.Time.UTC(), Data: d.Event.Data})
}

// RunOnce claims the deliveries due now, sends them at once and records
// how each attempt ended; it says how many it claimed.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	ds, err := s.cfg.Store.ClaimDeliveries(ctx, s.now(), s.lease, s.cfg.Batch)
	if err != nil {
		return 0, fmt.Errorf("webhooks: claim: %w", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(ds))
	for i, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.attempt(ctx, d)
			// Recorded even if ctx ended meanwhile: the attempt was made.
			errs[i] = s.cfg.Store.FinishDelivery(context.WithoutCancel(ctx), d.ID, d.Attempts, r)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return len(ds), fmt.Errorf("webhooks: record attempt: %w", err)
		}
	}
	return len(ds), nil
}

// attempt sends d once.
func (s *Sender) attempt(ctx context.Context, d data.Delivery) data.DeliveryResult {
	now := s.now()
	fail := func(format string, args ...any) data.DeliveryResult {
		r := data.DeliveryResult{Error: fmt.Sprintf(format, args...), At: now}
		r.Next, r.Dead = s.cfg.Policy.Next(d.Since, now, d.Attempts, s.cfg.Rand())
		r.Next = r.Next.Truncate(time.Millisecond)
		level := slog.LevelWarn
		if r.Dead {
			level = slog.LevelError
		}
		s.cfg.Log.Log(ctx, level, "webhook delivery failed", "delivery", d.ID, "hook", d.HookID, "event", d.Event.Type,
			"attempt", d.Attempts, "error", r.Error, "dead", r.Dead, "next", r.Next)
		return r
	}
	body, err := Encode(d)
	if err != nil {
		return fail("encode: %v", err)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return fail("request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ecospace-webhooks")
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderEvent, d.Event.Type)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(d.Secret, ts, body))
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return fail("%v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode/100 != 2 {
		return fail("HTTP %d", resp.StatusCode)
	}
	s.cfg.Log.Info("webhook delivered", "delivery", d.ID, "hook", d.HookID, "event", d.Event.Type, "attempt", d.Attempts)
	return data.DeliveryResult{Delivered: true, At: now}
}
