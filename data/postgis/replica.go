package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/zhonglou/ecospace/data"
)

// Reads on a streaming replica (Options.ReadURL), and what happens when it
// lags or fails.
//
// Lag: every import this process makes or hears of (NOTIFY on the
// primary, delivered at commit) raises the WAL position the replica must
// have replayed before it serves reads (mustReach: the primary's
// pg_current_wal_lsn() just after the commit; while that is being read,
// reads go to the primary). Until the replica reports
// that it has (pg_last_wal_replay_lsn(), asked at most every
// lagCheckEvery), reads go to the primary: a read never sees the layer
// versions from before an import the process knows was committed, and
// every read is one statement, so one snapshot: a check never mixes
// versions of one database state with another's.
//
// Failure: a replica that refuses connections, or whose connection dies
// under a read, is left alone for replicaRetry; reads go to the primary
// meanwhile, and a read whose replica connection died is run again on the
// primary. Reads never wait on a dead replica longer than a connect.
type replicaState struct {
	mustReach atomic.Uint64 // WAL position the replica must have replayed
	replayed  atomic.Uint64 // the replica's last replayed position seen
	checkedAt atomic.Int64  // unix ns of the last replay check
	downUntil atomic.Int64  // unix ns: the replica is not tried before
	downs     atomic.Int64  // times the replica was found down
	pending   atomic.Int32  // notifications of imports whose position is being read
	primary   atomic.Int64  // reads sent to the primary instead (lag or down)

	mu sync.Mutex // one replay check at a time
}

const (
	lagCheckEvery = 5 * time.Millisecond
	replicaRetry  = time.Second
	// notStandby is what a read database that is not in recovery has
	// replayed: everything (it is the primary, or a copy written to).
	notStandby = ^uint64(0)
)

// ReplicaStats says how reads fared on the read database: times it was
// found down, reads sent to the primary instead (it lagged behind an
// import, or was down), and whether it is being avoided now.
type ReplicaStats struct {
	Downs, ReadsOnPrimary int64
	Avoided               bool
}

// ReplicaStats reports the read database's state (zero without ReadURL).
func (p *Store) ReplicaStats() ReplicaStats {
	r := &p.replica
	return ReplicaStats{Downs: r.downs.Load(), ReadsOnPrimary: r.primary.Load(), Avoided: time.Now().UnixNano() < r.downUntil.Load()}
}

// parseLSN reads a pg_lsn ("16/B374D848").
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("postgis: LSN %q", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("postgis: LSN %q: %w", s, err)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("postgis: LSN %q: %w", s, err)
	}
	return h<<32 | l, nil
}

// raiseMustReach records that reads must see the primary's WAL up to lsn.
func (r *replicaState) raiseMustReach(lsn uint64) {
	for {
		cur := r.mustReach.Load()
		if lsn <= cur || r.mustReach.CompareAndSwap(cur, lsn) {
			return
		}
	}
}

// rowQueryer is a primary connection, pooled or not.
type rowQueryer interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// noteCommitted raises mustReach to the primary's current WAL position,
// read on conn (a primary connection), after a commit the reads must see.
func (p *Store) noteCommitted(ctx context.Context, conn rowQueryer) {
	if p.read == p.pool {
		return
	}
	var s string
	if err := conn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&s); err != nil {
		// Unknown: send reads to the primary until the replica is
		// checked again.
		p.replica.raiseMustReach(notStandby - 1)
		p.log.Warn("reading the primary's WAL position after an import", "error", err)
		return
	}
	if lsn, err := parseLSN(s); err == nil {
		p.replica.raiseMustReach(lsn)
	}
}

// noteImported raises mustReach after this process's own import commits.
func (p *Store) noteImported(ctx context.Context) {
	if p.read == p.pool {
		return
	}
	conn, err := p.acquire(ctx)
	if err != nil {
		p.replica.raiseMustReach(notStandby - 1)
		return
	}
	defer conn.Release()
	p.noteCommitted(ctx, conn)
}

// caughtUp reports whether the replica (conn) has replayed mustReach,
// asking it when the last answer is behind and older than lagCheckEvery.
func (p *Store) caughtUp(ctx context.Context, conn *pgxpool.Conn) bool {
	r := &p.replica
	must := r.mustReach.Load()
	if r.replayed.Load() >= must {
		return true
	}
	if time.Since(time.Unix(0, r.checkedAt.Load())) < lagCheckEvery {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replayed.Load() >= must {
		return true
	}
	var s *string
	if err := conn.QueryRow(ctx, "SELECT pg_last_wal_replay_lsn()::text").Scan(&s); err != nil {
		return false
	}
	r.checkedAt.Store(time.Now().UnixNano())
	lsn := notStandby
	if s != nil {
		var err error
		if lsn, err = parseLSN(*s); err != nil {
			return false
		}
	}
	if lsn > r.replayed.Load() {
		r.replayed.Store(lsn)
	}
	return lsn >= must
}

// readConn takes a connection for a read: the replica's when there is one
// that is up and has caught up (replica true), else the primary's. When
// the primary cannot be reached either, the replica answers all the
// same, caught up or not: nothing newer can be read anywhere then.
func (p *Store) readConn(ctx context.Context) (conn *pgxpool.Conn, replica bool, err error) {
	r := &p.replica
	if p.read == p.pool {
		conn, err := p.acquire(ctx)
		return conn, false, err
	}
	if time.Now().UnixNano() < r.downUntil.Load() {
		r.primary.Add(1)
		conn, err := p.acquire(ctx)
		if err == nil || ctx.Err() != nil {
			return conn, false, err
		}
		// The primary cannot be reached: the replica may be back.
		rc, rerr := p.acquireReplica(ctx)
		if rerr != nil {
			return nil, false, err
		}
		r.downUntil.Store(0)
		return rc, true, nil
	}
	conn, err = p.acquireReplica(ctx)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, errReplicaBusy) {
			return nil, false, err
		}
		p.replicaDown(err)
		r.primary.Add(1)
		conn, err := p.acquire(ctx)
		return conn, false, err
	}
	if r.pending.Load() > 0 || !p.caughtUp(ctx, conn) {
		pc, err := p.acquire(ctx)
		if err == nil {
			conn.Release()
			r.primary.Add(1)
			return pc, false, nil
		}
		if ctx.Err() != nil {
			conn.Release()
			return nil, false, err
		}
		// Behind, but the primary cannot be reached: the replica's is
		// the newest answer there is.
	}
	return conn, true, nil
}

// errReplicaBusy: every replica connection is at work (not down).
var errReplicaBusy = errors.New("postgis: every read database connection is in use")

// acquireReplica takes a connection from the read pool within
// AcquireTimeout.
func (p *Store) acquireReplica(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, p.opts.AcquireTimeout)
	defer cancel()
	conn, err := p.read.Acquire(actx)
	if err == nil {
		return conn, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("postgis: acquire: %w: %w", data.ErrUnavailable, ctx.Err())
	}
	if st := p.read.Stat(); actx.Err() != nil && st.TotalConns() >= st.MaxConns() {
		return nil, fmt.Errorf("%w: %w: no read database connection within %s (%d of %d in use)", data.ErrUnavailable, errReplicaBusy, p.opts.AcquireTimeout, st.AcquiredConns(), st.MaxConns())
	}
	return nil, err
}

// replicaDown leaves the replica alone for replicaRetry.
func (p *Store) replicaDown(err error) {
	r := &p.replica
	r.downs.Add(1)
	r.downUntil.Store(time.Now().Add(replicaRetry).UnixNano())
	p.log.Warn("read database unavailable: reading from the primary", "retry_in_ms", replicaRetry.Milliseconds(), "error", err)
}

// withRead runs f on a read connection (readConn). If f fails because its
// connection died, f runs again on the other database: the primary when
// the replica died (which is then left alone for a while), the replica
// when a primary connection died. Reads are idempotent.
func (p *Store) withRead(ctx context.Context, f func(conn *pgxpool.Conn) error) error {
	conn, replica, err := p.readConn(ctx)
	if err != nil {
		return err
	}
	err = f(conn)
	died := err != nil && conn.Conn().IsClosed()
	conn.Release()
	if err == nil || !died || p.read == p.pool || ctx.Err() != nil {
		return err
	}
	var again *pgxpool.Conn
	var aerr error
	if replica {
		p.replicaDown(err)
		p.replica.primary.Add(1)
		again, aerr = p.acquire(ctx)
	} else if again, aerr = p.acquireReplica(ctx); aerr == nil {
		p.replica.downUntil.Store(0)
	}
	if aerr != nil {
		return err // the other database cannot be reached either
	}
	defer again.Release()
	return f(again)
}
