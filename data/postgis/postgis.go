// Package postgis is the production store: every layer version, relation
// and audited check in PostgreSQL with PostGIS, over pgx. Imports are one
// transaction each (derived layers recomputed in SQL in the same one),
// relations are answered by indexed SQL that gives the same answers as the
// embedded store (data/storetest and a randomized differential test hold
// the two together), checks are filed in batches, and a NOTIFY tells the
// other processes on the database of each import. The schema is the
// embedded migrations/, applied by Migrate.
package postgis

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Options tune the PostGIS store. Zero values take the defaults.
type Options struct {
	// MaxConns bounds the pool, and the read pool (default: the URL's
	// pool_max_conns, else 8).
	MaxConns int32
	// AcquireTimeout bounds the wait for a pooled connection (default 2 s);
	// a request that cannot get one in time fails with ErrUnavailable
	// rather than queueing without end.
	AcquireTimeout time.Duration
	// StatementTimeout is the server-side statement_timeout of every
	// request's statements (default 10 s). Imports run without one.
	StatementTimeout time.Duration
	// Migrate applies missing schema migrations on open; without it a
	// database that lacks them is refused.
	Migrate bool
	// AuditBatch is the most checks one audit commit stores (default 512).
	AuditBatch int
	// RelateWorkers is how many batched point-relate statements may run
	// at once (default 2, at most MaxConns/2): more only pays with more
	// database cores; fewer makes bigger, cheaper batches.
	RelateWorkers int
	// AppName is the application_name the connections report.
	AppName string
	// ReadURL, when set, is a read-only database (a streaming replica of
	// the one at url) that takes the reads: layers, features, tiles,
	// relate and audited checks. Imports, audit rows, keys and the LISTEN
	// connection stay on the primary. Reads go to the primary while the
	// replica has not replayed an import this process knows of, or is
	// down (replica.go). Empty: everything uses the primary.
	ReadURL string
	Log     *slog.Logger
}

func (o *Options) defaults() {
	if o.MaxConns <= 0 {
		o.MaxConns = 8
	}
	if o.AcquireTimeout <= 0 {
		o.AcquireTimeout = 2 * time.Second
	}
	if o.StatementTimeout <= 0 {
		o.StatementTimeout = 10 * time.Second
	}
	if o.AuditBatch <= 0 {
		o.AuditBatch = 512
	}
	if o.RelateWorkers <= 0 {
		o.RelateWorkers = 2
	}
	o.RelateWorkers = max(1, min(o.RelateWorkers, int(o.MaxConns)/2))
	if o.AppName == "" {
		o.AppName = "ecospace"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// Store is the PostGIS store. It answers every data.Store method in SQL
// over a pgxpool; see migrations/ for the schema.
type Store struct {
	pool     *pgxpool.Pool
	read     *pgxpool.Pool // the read-only pool (Options.ReadURL), or pool
	manifest *data.Manifest
	opts     Options
	log      *slog.Logger

	// Layer ids by kind, in manifest order, as query parameters.
	allIDs, zoneIDs, distIDs []string
	coverageID               string

	audit  *auditWriter
	points *pointBatcher

	zoneMu    sync.RWMutex
	zoneCache map[zoneKey]zoneInfo

	// statuses caches layer versions' data status (status.go).
	statuses sync.Map // "layer@version" → string

	listener *layerListener // LISTEN ecospace_layers (notify.go)
	replica  replicaState   // the read database's lag and health (replica.go)
	versions versionCache   // the layer versions in force, until an import (layers.go)

	closeOnce sync.Once
}

var _ data.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or DSN),
// applies migrations when opts.Migrate is set, and checks that the schema
// is up to date. An unreachable database is an error wrapping
// ErrUnavailable.
func Open(ctx context.Context, url string, man *data.Manifest, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgis: database url: %w", err)
	}
	if opts.MaxConns <= 0 && strings.Contains(url, "pool_max_conns") {
		opts.MaxConns = cfg.MaxConns // the URL's pool_max_conns
	}
	opts.defaults()
	cfg.MaxConns = opts.MaxConns
	cfg.ConnConfig.RuntimeParams["application_name"] = opts.AppName
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	// Every statement here is written for its plan not to depend on the
	// parameter values (index probes by geometry and key), and planning
	// the relate statements costs more than running them: plan them once
	// per connection, not at every execution.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	// A dead server must not hang a connect either.
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > opts.AcquireTimeout {
		cfg.ConnConfig.ConnectTimeout = opts.AcquireTimeout
	}
	if opts.Migrate {
		applied, err := Migrate(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("postgis: %w", err)
		}
		for _, m := range applied {
			opts.Log.Info("applied migration", "version", m.Version, "name", m.Name)
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: %w", err)
	}
	read := pool
	if opts.ReadURL != "" {
		rcfg, err := pgxpool.ParseConfig(opts.ReadURL)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("postgis: read database url: %w", err)
		}
		rcfg.MaxConns = cfg.MaxConns
		maps.Copy(rcfg.ConnConfig.RuntimeParams, cfg.ConnConfig.RuntimeParams)
		rcfg.ConnConfig.ConnectTimeout = cfg.ConnConfig.ConnectTimeout
		if rcfg.ConnConfig.ConnectTimeout == 0 {
			rcfg.ConnConfig.ConnectTimeout = opts.AcquireTimeout
		}
		if read, err = pgxpool.NewWithConfig(ctx, rcfg); err != nil {
			pool.Close()
			return nil, fmt.Errorf("postgis: read pool: %w", err)
		}
	}
	p := &Store{pool: pool, read: read, manifest: man, opts: opts, log: opts.Log, zoneCache: map[zoneKey]zoneInfo{}}
	for _, d := range man.Layers {
		p.allIDs = append(p.allIDs, d.ID)
		switch d.Kind {
		case geo.LayerCoverage:
			p.coverageID = d.ID
		case geo.LayerZone:
			if d.Judged() { // informational zone layers are drawn, not judged
				p.zoneIDs = append(p.zoneIDs, d.ID)
			}
		case geo.LayerDistance:
			p.distIDs = append(p.distIDs, d.ID)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, opts.AcquireTimeout+opts.StatementTimeout)
	defer cancel()
	if err := checkSchema(cctx, pool); err != nil {
		p.closePools()
		return nil, p.fail(cctx, "open", err)
	}
	if read != pool {
		if err := checkSchema(cctx, read); err != nil {
			p.closePools()
			return nil, p.fail(cctx, "open read database", err)
		}
	}
	p.audit = newAuditWriter(p)
	p.points = newPointBatcher(p)
	p.listener = startListener(ctx, p, cfg.ConnConfig)
	return p, nil
}

// BatchStats says how well batching works: statements run and items
// carried by the point relate batcher and the audit writer.
type BatchStats struct {
	RelateStatements, RelatePoints int64
	AuditStatements, AuditChecks   int64
}

// BatchStats reports the batching counters since the store opened.
func (p *Store) BatchStats() BatchStats {
	return BatchStats{
		RelateStatements: p.points.flushes.Load(), RelatePoints: p.points.items.Load(),
		AuditStatements: p.audit.flushes.Load(), AuditChecks: p.audit.items.Load(),
	}
}

// Pool exposes the connection pool (for tests and metrics).
func (p *Store) Pool() *pgxpool.Pool { return p.pool }

// PoolStats reports the connection pool for /metrics (server.PoolStatser).
func (p *Store) PoolStats() map[string]float64 {
	st := p.pool.Stat()
	return map[string]float64{
		"max_conns":                      float64(st.MaxConns()),
		"total_conns":                    float64(st.TotalConns()),
		"acquired_conns":                 float64(st.AcquiredConns()),
		"idle_conns":                     float64(st.IdleConns()),
		"constructing_conns":             float64(st.ConstructingConns()),
		"acquire_total":                  float64(st.AcquireCount()),
		"empty_acquire_total":            float64(st.EmptyAcquireCount()),
		"canceled_acquire_total":         float64(st.CanceledAcquireCount()),
		"acquire_duration_seconds_total": st.AcquireDuration().Seconds(),
		"new_conns_total":                float64(st.NewConnsCount()),
	}
}

// Close stops the audit writer (after storing what it holds) and closes
// the pool.
func (p *Store) Close() error {
	p.closeOnce.Do(func() {
		p.listener.close()
		p.points.close()
		p.audit.close()
		p.closePools()
	})
	return nil
}

func (p *Store) closePools() {
	if p.read != p.pool {
		p.read.Close()
	}
	p.pool.Close()
}

// ReadPool exposes the pool reads use: the read-only one when
// Options.ReadURL is set, else the primary pool.
func (p *Store) ReadPool() *pgxpool.Pool { return p.read }

// Ping implements Store: the primary must answer (checks are filed
// there). A read database that does not answer is not an error: reads go
// to the primary meanwhile (replica.go), and it is left alone for a while.
func (p *Store) Ping(ctx context.Context) error {
	conn, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	err = conn.Ping(ctx)
	conn.Release()
	if err != nil {
		return p.fail(ctx, "ping", err)
	}
	if p.read != p.pool {
		err := p.withRead(ctx, func(conn *pgxpool.Conn) error { return conn.Ping(ctx) })
		if err != nil && ctx.Err() == nil {
			p.log.Warn("ping: read database", "error", err)
		}
	}
	return nil
}
