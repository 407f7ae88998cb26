package postgis

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
)

// pointBatcher answers point relations in batches: Relate hands its point
// to a worker and waits; a worker takes every point waiting (up to
// pointBatchMax) and relates them all with one statement. When the store
// is idle a point goes alone, at once; under load the statement's fixed
// cost is shared. A caller that gives up (its context ends) returns at
// once and never holds a connection; the batch it was in finishes without
// it, bounded by the acquire and statement timeouts.
type pointBatcher struct {
	flushes, items atomic.Int64
	p              *Store
	in             chan *pointReq
	stop           chan struct{}
	wg             sync.WaitGroup
}

const pointBatchMax = 128

type pointReq struct {
	pt   orb.Point
	at   data.At          // its AsOf a date
	done chan pointAnswer // buffered
}

// dayKnown groups the versions a batch resolved: by day and knowledge
// time (microseconds since 1970, as PostgreSQL keeps it; math.MaxInt64
// for everything recorded).
type dayKnown struct {
	day   time.Time
	known int64
}

func dayKnownOf(at data.At) dayKnown {
	if at.KnownAt.IsZero() {
		return dayKnown{data.DateOf(at.AsOf), math.MaxInt64}
	}
	return dayKnown{data.DateOf(at.AsOf), at.KnownAt.UnixMicro()}
}

type pointAnswer struct {
	rows []relateRow
	err  error
}

func newPointBatcher(p *Store) *pointBatcher {
	b := &pointBatcher{p: p, in: make(chan *pointReq, 4*pointBatchMax), stop: make(chan struct{})}
	for range p.opts.RelateWorkers {
		b.wg.Add(1)
		go b.run()
	}
	return b
}

func (b *pointBatcher) close() {
	close(b.stop)
	b.wg.Wait()
}

func (b *pointBatcher) relate(ctx context.Context, pt orb.Point, at data.At) ([]relateRow, error) {
	r := &pointReq{pt: pt, at: at, done: make(chan pointAnswer, 1)}
	select {
	case b.in <- r:
	case <-b.stop:
		return nil, fmt.Errorf("postgis: relate: %w: the store is closed", data.ErrUnavailable)
	case <-ctx.Done():
		return nil, b.p.fail(ctx, "relate", ctx.Err())
	}
	select {
	case a := <-r.done:
		return a.rows, a.err
	case <-ctx.Done():
		return nil, b.p.fail(ctx, "relate", ctx.Err())
	}
}

func (b *pointBatcher) run() {
	defer b.wg.Done()
	batch := make([]*pointReq, 0, pointBatchMax)
	for {
		batch = batch[:0]
		select {
		case r := <-b.in:
			batch = append(batch, r)
		case <-b.stop:
			for {
				select {
				case r := <-b.in:
					r.done <- pointAnswer{err: fmt.Errorf("postgis: relate: %w: the store is closed", data.ErrUnavailable)}
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < cap(batch) {
			select {
			case r := <-b.in:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		b.flush(batch)
	}
}

// query runs one batch statement; the connection is back in the pool
// before any caller is answered.
func (b *pointBatcher) query(ctx context.Context, xs, ys []float64, days []time.Time, known []pgtype.Timestamptz) ([][]relateRow, map[dayKnown][]relateRow, error) {
	p := b.p
	n := len(xs)
	var per [][]relateRow
	var layers map[dayKnown][]relateRow
	err := p.withRead(ctx, func(conn *pgxpool.Conn) error {
		rows, err := conn.Query(ctx, relatePointsSQL, p.allIDs, p.coverageID, p.zoneIDs, p.distIDs, xs, ys, days, known)
		if err != nil {
			return p.fail(ctx, "relate", err)
		}
		defer rows.Close()
		per = make([][]relateRow, n)
		layers = map[dayKnown][]relateRow{}
		for rows.Next() {
			var r relateRow
			var i int64
			var day *time.Time
			var kn pgtype.Timestamptz
			if err := rows.Scan(&i, &r.kind, &r.layer, &r.zone, &r.version, &r.validFrom, &day, &kn, &r.recordedAt, &r.d, &r.near); err != nil {
				return p.fail(ctx, "relate", err)
			}
			switch {
			case r.kind == "L" && day != nil:
				k := dayKnown{data.DateOf(*day), math.MaxInt64}
				if kn.InfinityModifier == pgtype.Finite {
					k.known = kn.Time.UnixMicro()
				}
				layers[k] = append(layers[k], r)
			case i >= 1 && int(i) <= n:
				if r.kind == "C" {
					r.d = 1
				}
				per[i-1] = append(per[i-1], r)
			}
		}
		if err := rows.Err(); err != nil {
			return p.fail(ctx, "relate", err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return per, layers, nil
}

func (b *pointBatcher) flush(batch []*pointReq) {
	p := b.p
	n := len(batch)
	b.flushes.Add(1)
	b.items.Add(int64(n))
	xs, ys, days := make([]float64, n), make([]float64, n), make([]time.Time, n)
	known := make([]pgtype.Timestamptz, n)
	for i, r := range batch {
		xs[i], ys[i], days[i] = r.pt[0], r.pt[1], data.DateOf(r.at.AsOf)
		if !r.at.KnownAt.IsZero() {
			known[i] = pgtype.Timestamptz{Time: r.at.KnownAt, Valid: true}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.AcquireTimeout+p.opts.StatementTimeout)
	defer cancel()
	answer := func(err error) {
		for _, r := range batch {
			r.done <- pointAnswer{err: err}
		}
	}
	per, layers, err := b.query(ctx, xs, ys, days, known)
	if err != nil {
		answer(err)
		return
	}
	for k, r := range batch {
		out := append(append([]relateRow(nil), layers[dayKnownOf(r.at)]...), per[k]...)
		r.done <- pointAnswer{rows: out}
	}
}
