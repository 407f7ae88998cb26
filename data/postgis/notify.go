package postgis

import (
	"context"
	"encoding/json"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Several ecospace processes may share one database. An import announces
// the layer versions it made with NOTIFY on LayerChannel inside its
// transaction, so the notification is delivered, to every process that
// listens, when (and only if) the import commits. Each Store listens on
// a connection of its own (not a pooled one: LISTEN belongs to a session),
// drops what it keeps per layer and calls the callbacks registered with
// OnLayerChange.
//
// The server's response cache needs none of this: its keys hold the
// layer version the store reports on every request, so the first request
// after the commit resolves the new version and misses. The notification
// is for what a process keeps in memory beyond that.

// LayerChannel is the NOTIFY channel of layer imports. Its payload is
// {"layers":[{"layer":"…","version":N},…]}: the imported layer and the
// derived layers recomputed with it.
const LayerChannel = "ecospace_layers"

type layerChange struct {
	Layer   string `json:"layer"`
	Version int64  `json:"version"`
}

type layerChanges struct {
	Layers []layerChange `json:"layers"`
}

// notifyImport queues the notification of an import in its transaction:
// PostgreSQL delivers it on COMMIT and drops it on ROLLBACK.
func notifyImport(ctx context.Context, tx pgx.Tx, res *data.ImportResult) error {
	var msg layerChanges
	for _, v := range append([]geo.LayerVersion{res.Layer}, res.Derived...) {
		msg.Layers = append(msg.Layers, layerChange{Layer: v.ID, Version: v.Version})
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "SELECT pg_notify($1, $2)", LayerChannel, string(b))
	return err
}

// OnLayerChange registers f to be called when an import committed by any
// process on the database makes a new version of a layer (the imported one
// and each derived layer recomputed with it), once per layer and version.
// After the listening connection was lost and is back, notifications may
// have been missed: f is then called once with layer "" and version 0,
// meaning any layer may have changed. f runs on the listener's goroutine
// and must return quickly.
func (p *Store) OnLayerChange(f func(layer string, version int64)) {
	l := p.listener
	l.mu.Lock()
	defer l.mu.Unlock()
	l.callbacks = append(l.callbacks, f)
}

// Listening reports whether the store's LISTEN connection is up.
func (p *Store) Listening() bool {
	l := p.listener
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.up
}

// Reconnection delays of the listener: doubling from the first to the
// last, back to the first once a connection has listened.
var (
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 30 * time.Second
)

// layerListener holds the LISTEN connection of one Store.
type layerListener struct {
	p      *Store
	cfg    *pgx.ConnConfig
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	callbacks []func(string, int64)
	up        bool
}

// startListener starts listening on LayerChannel with a connection of its
// own to the primary (cfg: the pool's connection settings). It waits for
// the first LISTEN at most AcquireTimeout; if the database does not answer
// by then, the listener keeps trying in the background and the store
// opens anyway.
func startListener(ctx context.Context, p *Store, cfg *pgx.ConnConfig) *layerListener {
	cfg = cfg.Copy()
	// A connection that only waits must notice a vanished server (no RST)
	// by itself: TCP keepalive gives up on it after about 25 s.
	d := &net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 10 * time.Second, Interval: 5 * time.Second, Count: 3}}
	cfg.DialFunc = d.DialContext
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &layerListener{p: p, cfg: cfg, cancel: cancel, done: make(chan struct{})}
	ready := make(chan struct{})
	go l.run(lctx, ready)
	t := time.NewTimer(p.opts.AcquireTimeout)
	defer t.Stop()
	select {
	case <-ready:
	case <-t.C:
		p.log.Warn("layer change listener not connected yet; retrying in the background", "channel", LayerChannel)
	case <-ctx.Done():
	}
	return l
}

// close stops the listener and waits for it.
func (l *layerListener) close() {
	if l == nil {
		return
	}
	l.cancel()
	<-l.done
}

func (l *layerListener) run(ctx context.Context, ready chan struct{}) {
	defer close(l.done)
	var readyOnce sync.Once
	backoff := listenBackoffMin
	for first := true; ; first = false {
		listened, err := l.listen(ctx, !first, func() { readyOnce.Do(func() { close(ready) }) })
		l.mu.Lock()
		l.up = false
		l.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if listened {
			backoff = listenBackoffMin
		}
		l.p.log.Warn("layer change listener lost its connection; reconnecting", "error", err, "retry_in_ms", backoff.Milliseconds())
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

// listen connects, listens and handles notifications until the connection
// fails or ctx ends; listened says whether LISTEN took effect. After a
// reconnection (again), everything is treated as changed.
func (l *layerListener) listen(ctx context.Context, again bool, ready func()) (listened bool, err error) {
	conn, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{LayerChannel}.Sanitize()); err != nil {
		return false, err
	}
	l.mu.Lock()
	l.up = true
	l.mu.Unlock()
	ready()
	if again {
		l.p.log.Info("layer change listener reconnected: dropping layer caches", "channel", LayerChannel)
		l.p.noteCommitted(ctx, conn) // imports may have been missed
		l.changed(layerChange{})
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		// Reads must now see this import: a replica is read again once
		// it has replayed the primary's WAL up to here (replica.go).
		l.p.replica.pending.Add(1)
		l.p.noteCommitted(ctx, conn)
		l.p.replica.pending.Add(-1)
		l.handle(n)
	}
}

func (l *layerListener) handle(n *pgconn.Notification) {
	var msg layerChanges
	if err := json.Unmarshal([]byte(n.Payload), &msg); err != nil || len(msg.Layers) == 0 {
		l.p.log.Warn("layer change notification not understood: dropping layer caches", "payload", n.Payload, "error", err)
		l.changed(layerChange{})
		return
	}
	for _, c := range msg.Layers {
		l.p.log.Debug("layer changed", "layer", c.Layer, "version", c.Version, "from_pid", n.PID)
		l.changed(c)
	}
}

// changed drops the store's per-layer state for c (everything when c.Layer
// is empty) and tells the callbacks.
func (l *layerListener) changed(c layerChange) {
	l.p.forgetLayer(c.Layer)
	l.mu.Lock()
	cbs := slices.Clone(l.callbacks)
	l.mu.Unlock()
	for _, f := range cbs {
		f(c.Layer, c.Version)
	}
}

// forgetLayer drops what the store keeps about a layer ("": all layers).
// Versions never change once committed, so the zone name cache (keyed by
// version) is never wrong; this only frees what the superseded versions
// used.
func (p *Store) forgetLayer(layer string) {
	p.versions.clear()
	p.zoneMu.Lock()
	defer p.zoneMu.Unlock()
	if layer == "" {
		p.zoneCache = map[zoneKey]zoneInfo{}
		return
	}
	for k := range p.zoneCache {
		if k.layer == layer {
			delete(p.zoneCache, k)
		}
	}
}
