package postgis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"github.com/zhonglou/ecospace/data"
)

// acquire takes a connection to the primary, waiting at most
// AcquireTimeout.
func (p *Store) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	return p.acquireFrom(ctx, p.pool)
}

// acquireRead takes a connection for a read: from the read-only pool when
// there is one, it is up and it has replayed what this process knows was
// committed; else from the primary (replica.go). Reads that can be run
// again use withRead, which also survives a replica dying under them.
func (p *Store) acquireRead(ctx context.Context) (*pgxpool.Conn, error) {
	conn, _, err := p.readConn(ctx)
	return conn, err
}

// acquireFrom takes a connection from pool; asked for the read pool, it
// takes one for a read (acquireRead).
func (p *Store) acquireFrom(ctx context.Context, pool *pgxpool.Pool) (*pgxpool.Conn, error) {
	if pool == p.read && p.read != p.pool {
		return p.acquireRead(ctx)
	}
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
	// The driver's own sentinels, not their texts: a closed connection, a
	// closed pool (pgxpool returns puddle's), a reset socket.
	return errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, puddle.ErrClosedPool) || errors.Is(err, syscall.ECONNRESET)
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
