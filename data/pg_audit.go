package data

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"
)

// The audit log is written by group commit: SaveCheck hands its record to
// a writer and waits; a writer takes every record waiting (up to
// AuditBatch), stores them with one INSERT in one transaction, and only
// after COMMIT tells each caller. Under load one commit (one WAL flush)
// carries hundreds of checks; when idle a record is stored alone at once.
// A caller is never told "stored" for a record that is not committed; if
// the commit fails, every caller in the batch gets the error.

const auditWriters = 2

type auditReq struct {
	rec  *CheckRecord
	done chan error // buffered: the writer never blocks on a departed caller
}

type auditWriter struct {
	flushes, items atomic.Int64
	p              *PG
	in             chan auditReq
	stop           chan struct{}
	wg             sync.WaitGroup
	mu             sync.RWMutex // held for reading by senders; close takes it for writing
	shut           bool
}

func newAuditWriter(p *PG) *auditWriter {
	w := &auditWriter{p: p, in: make(chan auditReq, p.opts.AuditBatch*auditWriters), stop: make(chan struct{})}
	for range auditWriters {
		w.wg.Add(1)
		go w.run()
	}
	return w
}

// close stores what is queued, then stops the writers.
func (w *auditWriter) close() {
	w.mu.Lock()
	w.shut = true
	w.mu.Unlock()
	close(w.stop)
	w.wg.Wait()
}

func (w *auditWriter) run() {
	defer w.wg.Done()
	batch := make([]auditReq, 0, w.p.opts.AuditBatch)
	for {
		batch = batch[:0]
		select {
		case r := <-w.in:
			batch = append(batch, r)
		case <-w.stop:
			// Drain: whatever was queued before close is still stored.
			for {
				select {
				case r := <-w.in:
					batch = append(batch, r)
					if len(batch) == cap(batch) {
						w.flush(batch)
						batch = batch[:0]
					}
				default:
					if len(batch) > 0 {
						w.flush(batch)
					}
					return
				}
			}
		}
	fill:
		for len(batch) < cap(batch) {
			select {
			case r := <-w.in:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		w.flush(batch)
	}
}

const insertChecksSQL = `INSERT INTO checks (check_id, checked_at, reference, key_id, category, as_of, geom,
	verdict, decision_hash, rules_version, layer_versions, hits, document)
SELECT c.id, c.at, c.ref, c.key, c.cat, c.asof, ST_GeomFromWKB(c.wkb, 4490), c.verdict, c.hash,
	j.doc ->> 'rules_version', j.doc -> 'layers', j.doc -> 'hits', c.doc::json
FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::date[], $7::bytea[],
	$8::text[], $9::text[], $10::text[]) AS c(id, at, ref, key, cat, asof, wkb, verdict, hash, doc)
CROSS JOIN LATERAL (SELECT c.doc::jsonb AS doc) j`

// flush stores a batch in one transaction and answers every caller.
func (w *auditWriter) flush(batch []auditReq) {
	n := len(batch)
	w.flushes.Add(1)
	w.items.Add(int64(n))
	ids := make([]uuid.UUID, n)
	at := make([]time.Time, n)
	ref, key, cat, verdict, hash, doc := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	asOf := make([]time.Time, n)
	geoms := make([][]byte, n)
	errs := make([]error, n)
	for i, r := range batch {
		rec := r.rec
		id, err := uuid.Parse(rec.ID)
		if err != nil {
			errs[i] = fmt.Errorf("audit: check id %q is not a UUID", rec.ID)
		}
		g, gerr := wkb.Marshal(rec.Geometry)
		if gerr != nil && errs[i] == nil {
			errs[i] = fmt.Errorf("audit: check %s geometry: %w", rec.ID, gerr)
		}
		d := rec.Document
		if len(d) == 0 {
			d = []byte("{}")
		} else if !json.Valid(d) && errs[i] == nil {
			errs[i] = fmt.Errorf("audit: check %s: document is not JSON", rec.ID)
		}
		ids[i], at[i], ref[i], key[i], cat[i] = id, rec.CheckedAt, rec.Reference, rec.KeyID, rec.Category
		asOf[i], geoms[i], verdict[i], hash[i], doc[i] = DateOf(rec.AsOf), g, rec.Verdict, rec.DecisionHash, string(d)
	}
	// Bad records are answered alone; the rest are stored together.
	keep := 0
	for i := range batch {
		if errs[i] != nil {
			batch[i].done <- errs[i]
			continue
		}
		batch[keep] = batch[i]
		ids[keep], at[keep], ref[keep], key[keep], cat[keep] = ids[i], at[i], ref[i], key[i], cat[i]
		asOf[keep], geoms[keep], verdict[keep], hash[keep], doc[keep] = asOf[i], geoms[i], verdict[i], hash[i], doc[i]
		keep++
	}
	if keep == 0 {
		return
	}
	n = keep
	// The writer outlives any one request, so it bounds itself.
	ctx, cancel := context.WithTimeout(context.Background(), w.p.opts.AcquireTimeout+w.p.opts.StatementTimeout)
	defer cancel()
	// One statement is one transaction: all the batch's rows or none.
	err := w.p.exec(ctx, "audit", insertChecksSQL, ids[:n], at[:n], ref[:n], key[:n], cat[:n], asOf[:n], geoms[:n], verdict[:n], hash[:n], doc[:n])
	for _, r := range batch[:n] {
		r.done <- err
	}
}

// SaveCheck implements Store: it returns once the record is committed.
func (p *PG) SaveCheck(ctx context.Context, rec *CheckRecord) error {
	if err := ctx.Err(); err != nil {
		return p.fail(ctx, "audit", err)
	}
	w := p.audit
	w.mu.RLock()
	if w.shut {
		w.mu.RUnlock()
		return fmt.Errorf("postgis: audit: %w: the store is closed", ErrUnavailable)
	}
	r := auditReq{rec: rec, done: make(chan error, 1)}
	select {
	case w.in <- r:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return p.fail(ctx, "audit", ctx.Err())
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		// The record may yet be stored; the caller is told it was not
		// confirmed, which is the safe side.
		return p.fail(ctx, "audit", ctx.Err())
	}
}

// Check implements Store.
func (p *PG) Check(ctx context.Context, id string) (*CheckRecord, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", id, ErrNotFound)
	}
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rec := &CheckRecord{ID: id}
	var g, doc []byte
	err = conn.QueryRow(ctx, `SELECT checked_at, reference, key_id, category, as_of, ST_AsBinary(geom), verdict, decision_hash, document::text
		FROM checks WHERE check_id = $1`, uid).Scan(&rec.CheckedAt, &rec.Reference, &rec.KeyID, &rec.Category, &rec.AsOf, &g, &rec.Verdict, &rec.DecisionHash, &doc)
	if err == pgx.ErrNoRows {
		return nil, fmt.Errorf("check %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, p.fail(ctx, "check", err)
	}
	rec.CheckedAt = rec.CheckedAt.UTC()
	rec.AsOf = DateOf(rec.AsOf)
	if rec.Geometry, err = wkb.Unmarshal(g); err != nil {
		return nil, fmt.Errorf("postgis: check %s: geometry: %w", id, err)
	}
	rec.Document = doc
	return rec, nil
}
