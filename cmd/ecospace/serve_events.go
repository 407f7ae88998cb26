package main

import (
	"context"
	"flag"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/hooks"
	"github.com/zhonglou/ecospace/server/reeval"
)

// eventFlags are serve's flags for re-evaluation and webhooks.
type eventFlags struct {
	workers                               *int
	retryMin, retryMax, retryFor, timeout *time.Duration
}

func addEventFlags(fs *flag.FlagSet) *eventFlags {
	p := hooks.DefaultPolicy()
	return &eventFlags{
		workers:  fs.Int("reeval-workers", runtime.GOMAXPROCS(0), "goroutines that judge filed decisions again after a layer version is recorded (at most GOMAXPROCS)"),
		retryMin: fs.Duration("hook-retry-min", p.Min, "webhooks: the first retry's backoff bound, doubled each attempt (full jitter)"),
		retryMax: fs.Duration("hook-retry-max", p.Max, "webhooks: the largest backoff bound"),
		retryFor: fs.Duration("hook-retry-for", p.RetryFor, "webhooks: how long a delivery is retried before it is dead (at least 24h in production)"),
		timeout:  fs.Duration("hook-timeout", hooks.DefaultTimeout, "webhooks: how long one attempt may take, connection to answer"),
	}
}

// check refuses values that make no sense (a usage error, exit 2).
func (f *eventFlags) check() error {
	if *f.workers < 1 || *f.workers > runtime.GOMAXPROCS(0) {
		return usagef("--reeval-workers %d: give 1 to %d (GOMAXPROCS)", *f.workers, runtime.GOMAXPROCS(0))
	}
	if *f.timeout <= 0 {
		return usagef("--hook-timeout %s: give a duration > 0", *f.timeout)
	}
	if *f.retryMin <= 0 || *f.retryMax < *f.retryMin || *f.retryFor <= 0 {
		return usagef("--hook-retry-min %s, --hook-retry-max %s, --hook-retry-for %s: give durations > 0 with min ≤ max", *f.retryMin, *f.retryMax, *f.retryFor)
	}
	return nil
}

// startEvents starts the re-evaluation worker and the webhook sender on
// the store (when it keeps changes and hooks; both stores do); stop ends
// them and waits, before the store closes. On PostGIS an import by any
// process wakes the worker (NOTIFY); on the embedded store jobs, changes
// and the outbox are in memory, and a restart forgets them.
func startEvents(ctx context.Context, log *slog.Logger, a *app, f *eventFlags) (w *reeval.Worker, stop func()) {
	cs, ok1 := a.store.(data.ChangeStore)
	hs, ok2 := a.store.(data.HookStore)
	if !ok1 || !ok2 {
		log.Warn("this store keeps no changes or webhooks: decisions are not judged again after uploads")
		return nil, func() {}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	checker := check.New(check.Config{Store: a.store, Rules: a.rules, Unaudited: true})
	w = reeval.New(reeval.Config{Store: cs, Checker: checker, Log: log, Workers: *f.workers})
	sender := hooks.NewSender(hooks.Config{Store: hs, Log: log, Policy: hooks.Policy{Min: *f.retryMin, Max: *f.retryMax, RetryFor: *f.retryFor},
		Timeout: *f.timeout})
	if pg, ok := a.store.(*postgis.Store); ok {
		pg.OnLayerChange(func(string, int64) { w.Wake() })
		rulesStarted(ctx, log, a, w, checker)
		log.Info("re-evaluation and webhooks", "jobs", "durable (PostGIS)", "outbox", "durable (PostGIS)", "reeval_workers", *f.workers)
	} else {
		log.Warn("re-evaluation jobs, changes and the webhook outbox are kept in memory (embedded store): a restart forgets them; webhooks are registered through the API of this running server",
			"reeval_workers", *f.workers)
	}
	// The embedded store's rules versions are this process's, like its
	// layers: every start would look like a new rules version, so no job
	// is queued for them.
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); w.Run(ctx) }()
	go func() { defer wg.Done(); sender.Run(ctx) }()
	return w, func() {
		cancel()
		wg.Wait()
	}
}

// rulesStarted queues the re-evaluation of the rules version this server
// runs when the store had not recorded it: a new rules file reaches the
// decisions filed under the old one. A failure is logged: the server
// still serves, and the next start tries again (the version is recorded
// only after its job is queued).
func rulesStarted(ctx context.Context, log *slog.Logger, a *app, w *reeval.Worker, c *check.Checker) {
	recorded, err := a.store.RulesVersions(ctx)
	if err == nil {
		var queued bool
		rv := data.RulesVersion{Version: a.rules.Version, ValidFrom: a.rules.ValidFrom}
		if queued, err = w.RulesStarted(ctx, recorded, rv, c.RulesRecorded); err == nil && queued {
			log.Info("a rules version the store had not recorded: the filed decisions are judged again under it", "rules_version", rv.Version, "valid_from", rv.ValidFrom.String())
		}
	}
	if err != nil {
		log.Error("re-evaluation for the rules version not queued", "rules_version", a.rules.Version, "error", err)
	}
}
