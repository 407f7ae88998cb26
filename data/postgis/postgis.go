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
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Options tune the PostGIS store. Zero values take the defaults.
type Options struct {
	// MaxConns bounds the pool (default 8).
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
	// the one at url) that takes the reads: layers, features, relate and
	// audited checks. Imports, audit rows, keys and the LISTEN connection
	// stay on the primary. Empty: everything uses the primary.
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

	listener *layerListener // LISTEN ecospace_layers (notify.go)

	closeOnce sync.Once
}

var _ data.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or DSN),
// applies migrations when opts.Migrate is set, and checks that the schema
// is up to date. An unreachable database is an error wrapping
// ErrUnavailable.
func Open(ctx context.Context, url string, man *data.Manifest, opts Options) (*Store, error) {
	opts.defaults()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgis: database url: %w", err)
	}
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
			p.zoneIDs = append(p.zoneIDs, d.ID)
		case geo.LayerDistance:
			p.distIDs = append(p.distIDs, d.ID)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, opts.AcquireTimeout+opts.StatementTimeout)
	defer cancel()
	if err := checkSchema(cctx, pool); err != nil {
		p.closePools()
		return nil, p.fail(cctx, "postgis: open", err)
	}
	if read != pool {
		if err := checkSchema(cctx, read); err != nil {
			p.closePools()
			return nil, p.fail(cctx, "postgis: open read database", err)
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

// Ping implements Store: both the primary and the read database must
// answer.
func (p *Store) Ping(ctx context.Context) error {
	pools := []*pgxpool.Pool{p.pool}
	if p.read != p.pool {
		pools = append(pools, p.read)
	}
	for _, pool := range pools {
		conn, err := p.acquireFrom(ctx, pool)
		if err != nil {
			return err
		}
		err = conn.Ping(ctx)
		conn.Release()
		if err != nil {
			return p.fail(ctx, "ping", err)
		}
	}
	return nil
}

// acquire takes a connection to the primary, waiting at most
// AcquireTimeout.
func (p *Store) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	return p.acquireFrom(ctx, p.pool)
}

// acquireRead takes a connection for a read: from the read-only pool when
// there is one.
func (p *Store) acquireRead(ctx context.Context) (*pgxpool.Conn, error) {
	return p.acquireFrom(ctx, p.read)
}

func (p *Store) acquireFrom(ctx context.Context, pool *pgxpool.Pool) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, p.opts.AcquireTimeout)
	defer cancel()
	conn, err := pool.Acquire(actx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("postgis: acquire: %w: %w", data.ErrUnavailable, ctx.Err())
		}
		if actx.Err() != nil {
			st := pool.Stat()
			return nil, fmt.Errorf("postgis: %w: no database connection within %s (%d of %d in use)", data.ErrUnavailable, p.opts.AcquireTimeout, st.AcquiredConns(), st.MaxConns())
		}
		return nil, p.fail(ctx, "acquire", err)
	}
	return conn, nil
}

// fail classifies a database error: the store's own sentinel errors pass
// through; a cancelled or timed-out request, a lost or refused connection,
// a statement timeout, a shutdown or a lack of resources become
// ErrUnavailable (HTTP 503, never a verdict); anything else is returned
// as is (a bug: HTTP 500, never a verdict either).
func (p *Store) fail(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	for _, sentinel := range []error{data.ErrNotFound, data.ErrNoVersion, data.ErrInvalidImport, data.ErrUnavailable} {
		if errors.Is(err, sentinel) {
			return fmt.Errorf("postgis: %s: %w", op, err)
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("postgis: %s: %w: %w", op, data.ErrUnavailable, ctx.Err())
	}
	if isUnavailable(err) {
		return fmt.Errorf("postgis: %s: %w: %w", op, data.ErrUnavailable, err)
	}
	return fmt.Errorf("postgis: %s: %w", op, err)
}

func isUnavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "08", // connection exception
			"53", // insufficient resources
			"57", // operator intervention: query_canceled (statement timeout), admin shutdown, cannot connect now
			"58", // system error
			"40": // transaction rollback: serialization failure, deadlock — retryable
			return true
		}
		return pe.Code == "55P03" // lock_not_available
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), errors.As(err, &oe),
		pgconn.Timeout(err), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "conn closed") || strings.Contains(msg, "closed pool") || strings.Contains(msg, "connection reset")
}

// exec runs one statement (its own transaction) on a pooled connection.
func (p *Store) exec(ctx context.Context, op, sql string, args ...any) error {
	conn, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	_, err = conn.Exec(ctx, sql, args...)
	return p.fail(ctx, op, err)
}

// withTx runs f in a transaction on a pooled connection.
func (p *Store) withTx(ctx context.Context, op string, f func(tx pgx.Tx) error) error {
	conn, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	return p.fail(ctx, op, pgx.BeginFunc(ctx, conn, f))
}

// versionRow is a layer version as stored.
type versionRow struct {
	LayerID      string
	Version      int64
	ValidFrom    time.Time
	FeatureCount int
	GeometryType string
	BBox         []float64
	Status       string
}

func (v versionRow) info(def geo.LayerDef) geo.LayerInfo {
	info := geo.LayerInfo{LayerDef: def, GeometryType: v.GeometryType, FeatureCount: v.FeatureCount,
		Version: v.Version, ValidFrom: geo.Date{Time: data.DateOf(v.ValidFrom)}, Status: v.Status}
	copy(info.BBox[:], v.BBox)
	return info
}

// inForceSQL selects the version of each of the layers $1 in force on $2.
const inForceSQL = `SELECT DISTINCT ON (layer_id) layer_id, version, valid_from, feature_count, geometry_type, bbox, status
FROM layer_versions
WHERE layer_id = ANY($1::text[]) AND valid_from <= $2::date AND (valid_to IS NULL OR $2::date < valid_to)
ORDER BY layer_id, version DESC`

func (p *Store) versionsAt(ctx context.Context, ids []string, asOf time.Time) (map[string]versionRow, error) {
	conn, err := p.acquireRead(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, inForceSQL, ids, data.DateOf(asOf))
	if err != nil {
		return nil, p.fail(ctx, "layer versions", err)
	}
	out := map[string]versionRow{}
	for rows.Next() {
		var v versionRow
		if err := rows.Scan(&v.LayerID, &v.Version, &v.ValidFrom, &v.FeatureCount, &v.GeometryType, &v.BBox, &v.Status); err != nil {
			rows.Close()
			return nil, p.fail(ctx, "layer versions", err)
		}
		out[v.LayerID] = v
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail(ctx, "layer versions", err)
	}
	return out, nil
}

// Layers implements Store.
func (p *Store) Layers(ctx context.Context, asOf time.Time) ([]geo.LayerInfo, error) {
	vs, err := p.versionsAt(ctx, p.allIDs, asOf)
	if err != nil {
		return nil, err
	}
	var out []geo.LayerInfo
	for _, d := range p.manifest.Layers {
		if v, ok := vs[d.ID]; ok {
			out = append(out, v.info(d))
		}
	}
	return out, nil
}

// Layer implements Store.
func (p *Store) Layer(ctx context.Context, id string, asOf time.Time) (geo.LayerInfo, error) {
	def, ok := p.manifest.Def(id)
	if !ok {
		return geo.LayerInfo{}, fmt.Errorf("layer %s: %w", id, data.ErrNotFound)
	}
	vs, err := p.versionsAt(ctx, []string{id}, asOf)
	if err != nil {
		return geo.LayerInfo{}, err
	}
	v, ok := vs[id]
	if !ok {
		return geo.LayerInfo{}, fmt.Errorf("layer %s on %s: %w", id, asOf.Format(time.DateOnly), data.ErrNoVersion)
	}
	return v.info(def), nil
}
