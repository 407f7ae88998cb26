// Package reeval judges filed decisions again after a layer or rules
// version is recorded, in the background: one job per recorded layer
// version (the imported layer's, with the derived versions recomputed
// with it) takes the filed checks whose site it may touch and whose as_of
// it covers, and one job per new rules version (a server started with
// rules the store had not recorded) every filed check whose as_of it
// covers; a batch at a time in check id order, it judges them again as
// known now under the rules the server runs (check.Reevaluate) on a pool
// of at most GOMAXPROCS workers, and records every decision whose verdict
// or deciding rule came out differently as a change, with a
// decision.changed event. A job keeps its cursor in the store: after a
// restart it goes on where its last recorded batch ended (on PostGIS;
// the embedded store keeps jobs in memory and forgets them). A worker
// claims a job before working it, so that two instances on one database
// do not both judge it.
package reeval

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
)

// DefaultBatch is how many candidates a batch takes.
const DefaultBatch = 500

// PollInterval is how often the worker looks for unfinished jobs without
// being woken: jobs recorded by another process it was not told of.
const PollInterval = 30 * time.Second

// Rejudger judges a filed check again as known at knownAt under the
// rules it runs (*check.Checker).
type Rejudger interface {
	Reevaluate(ctx context.Context, rec *data.CheckRecord, knownAt time.Time) (*check.Response, bool, error)
}

// Config wires a Worker.
type Config struct {
	Store   data.ChangeStore
	Checker Rejudger
	Log     *slog.Logger
	Now     func() time.Time // nil: time.Now
	// Workers bounds the re-judging goroutines (0 or more than GOMAXPROCS:
	// GOMAXPROCS).
	Workers int
	Batch   int // 0: DefaultBatch
}

// Worker runs re-evaluation jobs, one at a time, oldest first.
type Worker struct {
	cfg  Config
	wake chan struct{}
	// judged and failed count re-judged checks and those that could not
	// be, since start.
	judged, failed, changed atomic.Int64
}

// New makes a worker; Run runs it.
func New(cfg Config) *Worker {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if n := runtime.GOMAXPROCS(0); cfg.Workers <= 0 || cfg.Workers > n {
		cfg.Workers = n
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	return &Worker{cfg: cfg, wake: make(chan struct{}, 1)}
}

// Stats are the worker's counts since it started.
type Stats struct{ Judged, Failed, Changed int64 }

// Stats reports the worker's counts.
func (w *Worker) Stats() Stats {
	return Stats{Judged: w.judged.Load(), Failed: w.failed.Load(), Changed: w.changed.Load()}
}

// Wake makes the worker look for jobs now.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Published records the job (and the layer.published event) of an
// import, and wakes the worker.
func (w *Worker) Published(ctx context.Context, res data.ImportResult) error {
	if _, err := Enqueue(ctx, w.cfg.Store, res, w.cfg.Now()); err != nil {
		return err
	}
	w.Wake()
	return nil
}

// Published is the data of a layer.published event.
type Published struct {
	Layer     string          `json:"layer"`
	Version   int64           `json:"version"`
	ValidFrom geo.Date        `json:"valid_from"`
	Derived   []data.LayerRef `json:"derived"`
	Href      string          `json:"href"`
}

// Enqueue records the re-evaluation job of an import and its
// layer.published event, once per layer version (added false: it was
// there already). The job touches the new versions' layers.
func Enqueue(ctx context.Context, store data.ChangeStore, res data.ImportResult, now time.Time) (added bool, err error) {
	jid, err := uuid.NewV7()
	if err != nil {
		return false, fmt.Errorf("re-evaluation job id: %w", err)
	}
	eid, err := uuid.NewV7()
	if err != nil {
		return false, fmt.Errorf("event id: %w", err)
	}
	job := &data.ReevalJob{ID: jid.String(), Cause: data.Cause{Layer: res.Layer.ID, Version: res.Layer.Version},
		ValidFrom: res.Layer.ValidFrom.Time, CreatedAt: now.UTC()}
	pub := Published{Layer: res.Layer.ID, Version: res.Layer.Version, ValidFrom: res.Layer.ValidFrom, Derived: []data.LayerRef{},
		Href: "/api/v1/layers/" + res.Layer.ID + "?as_of=" + res.Layer.ValidFrom.String()}
	for i, v := range append([]geo.LayerVersion{res.Layer}, res.Derived...) {
		job.Touch = append(job.Touch, data.LayerRef{Layer: v.ID, Version: v.Version})
		if i > 0 {
			pub.Derived = append(pub.Derived, data.LayerRef{Layer: v.ID, Version: v.Version})
		}
	}
	body, err := json.Marshal(pub)
	if err != nil {
		return false, fmt.Errorf("layer.published: %w", err)
	}
	ev := data.Event{ID: eid.String(), Type: data.EventLayerPublished, Time: now.UTC().Truncate(time.Millisecond), Data: body}
	added, err = store.AddReevalJob(ctx, job, ev)
	if err != nil {
		return false, fmt.Errorf("re-evaluation of %s version %d: %w", res.Layer.ID, res.Layer.Version, err)
	}
	return added, nil
}

// EnqueueRules records the re-evaluation job of a rules version, once
// per version (added false: it was there already): every filed decision
// as_of on or after its valid_from, wherever it lies.
func EnqueueRules(ctx context.Context, store data.ChangeStore, rv data.RulesVersion, now time.Time) (added bool, err error) {
	jid, err := uuid.NewV7()
	if err != nil {
		return false, fmt.Errorf("re-evaluation job id: %w", err)
	}
	job := &data.ReevalJob{ID: jid.String(), Cause: data.Cause{RulesVersion: rv.Version}, ValidFrom: rv.ValidFrom.Time, CreatedAt: now.UTC()}
	added, err = store.AddReevalJob(ctx, job, data.Event{})
	if err != nil {
		return false, fmt.Errorf("re-evaluation of rules version %s: %w", rv.Version, err)
	}
	return added, nil
}

// RulesStarted is called when a server starts with rules version rv:
// when the store had not recorded it (recorded lists those it had), its
// re-evaluation job is queued before record (Checker.RulesRecorded)
// records it, so that a crash in between queues it at the next start
// again (once: EnqueueRules adds one job per version). queued says
// whether a job was queued. The first rules version a store records
// queues none: a check is filed (with its known_at) only after the rules
// it is judged under are recorded, so there is no decision it could
// judge again.
func (w *Worker) RulesStarted(ctx context.Context, recorded []data.RulesVersion, rv data.RulesVersion, record func(context.Context) (data.RulesVersion, error)) (queued bool, err error) {
	if slices.ContainsFunc(recorded, func(r data.RulesVersion) bool { return r.Version == rv.Version }) {
		return false, nil
	}
	if len(recorded) == 0 {
		_, err := record(ctx)
		return false, err
	}
	if _, err := EnqueueRules(ctx, w.cfg.Store, rv, w.cfg.Now()); err != nil {
		return false, err
	}
	if _, err := record(ctx); err != nil {
		return true, err
	}
	w.Wake()
	return true, nil
}

// Run works through the unfinished jobs whenever woken, and every
// PollInterval, until ctx ends. A job that fails is tried again at the
// next round from its last recorded batch.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(PollInterval)
	defer t.Stop()
	for {
		if _, err := w.RunPending(ctx); err != nil && ctx.Err() == nil {
			w.cfg.Log.Error("re-evaluation", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}

// RunPending runs every unfinished job to its end and says how many it
// finished.
func (w *Worker) RunPending(ctx context.Context) (int, error) {
	jobs, err := w.cfg.Store.ReevalJobs(ctx)
	if err != nil {
		return 0, fmt.Errorf("re-evaluation jobs: %w", err)
	}
	n := 0
	for i := range jobs {
		// Claimed first: another instance may be working it, or have
		// finished it since it was listed.
		job, release, err := w.cfg.Store.ClaimReevalJob(ctx, jobs[i].ID)
		if err != nil {
			return n, fmt.Errorf("re-evaluation job %s: %w", jobs[i].ID, err)
		}
		if job == nil {
			continue
		}
		err = w.runJob(ctx, job)
		release()
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
