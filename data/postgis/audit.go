package postgis

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/zhonglou/ecospace/data"
)

// The audit log is written by group commit: SaveCheck hands its record to
// a writer and waits; a writer takes every record waiting (up to
// AuditBatch), stores them with one COPY (one transaction), and only
// after COMMIT tells each caller. Under load one commit (one WAL flush)
// carries hundreds of checks; when idle a record is stored alone at once.
// A caller is never told "stored" for a record that is not committed; if
// the commit fails, every caller in the batch gets the error.

const auditWriters = 1

type auditReq struct {
	rec  *data.CheckRecord
	done chan error // buffered: the writer never blocks on a departed caller
}

type auditWriter struct {
	flushes, items atomic.Int64
	p              *Store
	in             chan auditReq
	stop           chan struct{}
	wg             sync.WaitGroup
	mu             sync.RWMutex // held for reading by senders; close takes it for writing
	shut           bool
}

func newAuditWriter(p *Store) *auditWriter {
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

// auditRows holds a batch column by column.
type auditRows struct {
	ref, key, cat, verdict, hash, rules, doc []string
	id                                       []uuid.UUID
	at, asOf, known                          []time.Time
	geom                                     [][]byte
}

func (r *auditRows) add(rec *data.CheckRecord, uid uuid.UUID, g []byte) {
	d := rec.Document
	if len(d) == 0 {
		d = []byte("{}")
	}
	r.id, r.ref, r.key, r.cat = append(r.id, uid), append(r.ref, rec.Reference), append(r.key, rec.KeyID), append(r.cat, rec.Category)
	r.verdict, r.hash, r.rules, r.doc = append(r.verdict, rec.Verdict), append(r.hash, rec.DecisionHash), append(r.rules, rulesVersionOf(d)), append(r.doc, string(d))
	r.at, r.asOf, r.geom = append(r.at, rec.CheckedAt), append(r.asOf, data.DateOf(rec.AsOf)), append(r.geom, g)
	r.known = append(r.known, rec.KnownAt)
}

// flush stores a batch in one statement (one transaction: all its rows or
// none) and answers every caller. Records that cannot be encoded are
// answered alone. If the database refuses the batch for its data (an
// invalid document, say), each record is retried alone so that one bad
// record does not fail the others; any other failure fails them all.
func (w *auditWriter) flush(batch []auditReq) {
	defer func() {
		// The writer serves every request: a panic in one flush fails
		// the callers not yet answered, and the writer goes on.
		if v := recover(); v != nil {
			err := fmt.Errorf("audit: %w: panic storing checks: %v", data.ErrUnavailable, v)
			for _, r := range batch {
				select { // done holds one answer: those answered keep theirs
				case r.done <- err:
				default:
				}
			}
		}
	}()
	w.flushes.Add(1)
	w.items.Add(int64(len(batch)))
	var rows auditRows
	keep := batch[:0:0]
	for _, r := range batch {
		rec := r.rec
		uid, err := uuid.Parse(rec.ID)
		if err != nil {
			r.done <- fmt.Errorf("audit: check id %q is not a UUID", rec.ID)
			continue
		}
		// COPY's binary format for geometry is EWKB, which carries the SRID.
		g, err := ewkb.Marshal(rec.Geometry, 4490)
		if err != nil {
			r.done <- fmt.Errorf("audit: check %s geometry: %w", rec.ID, err)
			continue
		}
		rows.add(rec, uid, g)
		keep = append(keep, r)
	}
	if len(keep) == 0 {
		return
	}
	// The writer outlives any one request, so it bounds itself.
	ctx, cancel := context.WithTimeout(context.Background(), w.p.opts.AcquireTimeout+w.p.opts.StatementTimeout)
	defer cancel()
	err := w.p.copyChecks(ctx, &rows)
	var pe *pgconn.PgError
	if len(keep) > 1 && errors.As(err, &pe) && pe.Code[:2] == "22" {
		for i, r := range keep {
			one := auditRows{}
			one.add(r.rec, rows.id[i], rows.geom[i])
			r.done <- w.p.copyChecks(ctx, &one)
		}
		return
	}
	for _, r := range keep {
		r.done <- err
	}
}

// copyChecksSQL names the checks table's columns in the order
// appendCheckTuple writes them.
const copyChecksSQL = `COPY checks (check_id, checked_at, reference, key_id, category, as_of, geom,
	verdict, decision_hash, rules_version, document, known_at) FROM STDIN WITH (FORMAT binary)`

// copyChecks stores a batch with one binary COPY: one statement, all rows
// or none. The stream is written here (PostgreSQL's binary COPY format)
// rather than by pgx's CopyFrom, which first asks the server for the
// columns' types (a round trip per batch) and encodes each value through
// its type map; together they were a twentieth of an audited check's
// server CPU. COPY itself was measured cheaper for PostgreSQL than
// INSERT … SELECT FROM unnest(…), which parses eleven arrays.
func (p *Store) copyChecks(ctx context.Context, r *auditRows) error {
	size := 21
	for i := range r.id {
		size += len(r.doc[i]) + len(r.geom[i]) + 256
	}
	buf := make([]byte, 0, size)
	buf = append(buf, "PGCOPY\n\xff\r\n\x00"...)
	buf = binary.BigEndian.AppendUint32(buf, 0) // flags
	buf = binary.BigEndian.AppendUint32(buf, 0) // header extension length
	for i := range r.id {
		buf = appendCheckTuple(buf, r, i)
	}
	buf = binary.BigEndian.AppendUint16(buf, 0xffff) // end of data
	conn, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	_, err = conn.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(buf), copyChecksSQL)
	return p.fail(ctx, "audit", err)
}

// pgEpoch is where PostgreSQL's binary timestamps and dates count from.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// appendCheckTuple writes row i in binary COPY format: the field count,
// then each field's length and bytes (uuid: 16 bytes; timestamptz:
// microseconds since 2000-01-01 UTC; date: days since then; text and json:
// their UTF-8; geometry: EWKB).
func appendCheckTuple(buf []byte, r *auditRows, i int) []byte {
	field := func(b []byte) {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(b)))
		buf = append(buf, b...)
	}
	text := func(s string) {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
		buf = append(buf, s...)
	}
	buf = binary.BigEndian.AppendUint16(buf, 12)
	field(r.id[i][:])
	buf = binary.BigEndian.AppendUint32(buf, 8)
	buf = binary.BigEndian.AppendUint64(buf, uint64(r.at[i].UnixMicro()-pgEpoch.UnixMicro()))
	text(r.ref[i])
	text(r.key[i])
	text(r.cat[i])
	buf = binary.BigEndian.AppendUint32(buf, 4)
	y, m, d := r.asOf[i].Date()
	buf = binary.BigEndian.AppendUint32(buf, uint32(int32((time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()-pgEpoch.Unix())/86400)))
	field(r.geom[i])
	text(r.verdict[i])
	text(r.hash[i])
	text(r.rules[i])
	text(r.doc[i])
	if r.known[i].IsZero() {
		buf = binary.BigEndian.AppendUint32(buf, 0xffffffff) // NULL
	} else {
		buf = binary.BigEndian.AppendUint32(buf, 8)
		buf = binary.BigEndian.AppendUint64(buf, uint64(r.known[i].UnixMicro()-pgEpoch.UnixMicro()))
	}
	return buf
}

// rulesVersionOf finds the response's top-level "rules_version" without
// parsing the whole document (a quoted key inside a string value would be
// escaped, \"rules_version\", and does not match).
func rulesVersionOf(doc []byte) string {
	const key = `"rules_version":"`
	i := bytes.Index(doc, []byte(key))
	if i < 0 {
		return ""
	}
	rest := doc[i+len(key)-1:]
	end := 1
	for end < len(rest) && (rest[end] != '"' || rest[end-1] == '\\') {
		end++
	}
	var v string
	if end >= len(rest) || json.Unmarshal(rest[:end+1], &v) != nil {
		return ""
	}
	return v
}

// SaveCheck implements Store: it returns once the record is committed.
func (p *Store) SaveCheck(ctx context.Context, rec *data.CheckRecord) error {
	if err := ctx.Err(); err != nil {
		return p.fail(ctx, "audit", err)
	}
	w := p.audit
	w.mu.RLock()
	if w.shut {
		w.mu.RUnlock()
		return fmt.Errorf("postgis: audit: %w: the store is closed", data.ErrUnavailable)
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
func (p *Store) Check(ctx context.Context, id string) (*data.CheckRecord, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", id, data.ErrNotFound)
	}
	rec, err := p.checkFrom(ctx, p.read, id, uid)
	if p.read != p.pool && errors.Is(err, data.ErrNotFound) {
		// Just stored and not yet on the replica: the primary has it.
		rec, err = p.checkFrom(ctx, p.pool, id, uid)
	}
	return rec, err
}

func (p *Store) checkFrom(ctx context.Context, pool *pgxpool.Pool, id string, uid uuid.UUID) (*data.CheckRecord, error) {
	conn, err := p.acquireFrom(ctx, pool)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rec := &data.CheckRecord{ID: uid.String()}
	var g, doc []byte
	var known *time.Time
	err = conn.QueryRow(ctx, `SELECT checked_at, reference, key_id, category, as_of, ST_AsBinary(geom), verdict, decision_hash, document::text, known_at
		FROM checks WHERE check_id = $1`, uid).Scan(&rec.CheckedAt, &rec.Reference, &rec.KeyID, &rec.Category, &rec.AsOf, &g, &rec.Verdict, &rec.DecisionHash, &doc, &known)
	if err == pgx.ErrNoRows {
		return nil, fmt.Errorf("check %s: %w", id, data.ErrNotFound)
	}
	if err != nil {
		return nil, p.fail(ctx, "check", err)
	}
	rec.CheckedAt = rec.CheckedAt.UTC()
	rec.AsOf = data.DateOf(rec.AsOf)
	if known != nil {
		rec.KnownAt = known.UTC()
	}
	if rec.Geometry, err = wkb.Unmarshal(g); err != nil {
		return nil, fmt.Errorf("postgis: check %s: geometry: %w", id, err)
	}
	rec.Document = doc
	return rec, nil
}

// ListChecks implements Store: keyset paging on check_id (the index
// checks_key_id serves a key's listing).
func (p *Store) ListChecks(ctx context.Context, q data.CheckQuery) ([]data.CheckSummary, error) {
	var after *uuid.UUID
	if q.After != "" {
		u, err := uuid.Parse(q.After)
		if err != nil {
			return nil, fmt.Errorf("checks after %q: %w", q.After, data.ErrNotFound)
		}
		after = &u
	}
	var key *string
	if !q.AllKeys {
		key = &q.KeyID
	}
	var from, to *time.Time
	if !q.From.IsZero() {
		from = &q.From
	}
	if !q.To.IsZero() {
		to = &q.To
	}
	conn, err := p.acquire(ctx) // the primary: a check just filed is listed
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `SELECT check_id, checked_at, reference, key_id, category, as_of, verdict, decision_hash
		FROM checks
		WHERE ($1::text IS NULL OR key_id = $1) AND ($2 = '' OR reference = $2)
		  AND ($3::timestamptz IS NULL OR checked_at >= $3) AND ($4::timestamptz IS NULL OR checked_at < $4)
		  AND ($5::uuid IS NULL OR check_id > $5)
		ORDER BY check_id LIMIT $6`, key, q.Reference, from, to, after, max(q.Limit, 1))
	if err != nil {
		return nil, p.fail(ctx, "checks", err)
	}
	defer rows.Close()
	var out []data.CheckSummary
	for rows.Next() {
		var c data.CheckSummary
		var id uuid.UUID
		if err := rows.Scan(&id, &c.CheckedAt, &c.Reference, &c.KeyID, &c.Category, &c.AsOf, &c.Verdict, &c.DecisionHash); err != nil {
			return nil, p.fail(ctx, "checks", err)
		}
		c.ID, c.CheckedAt, c.AsOf = id.String(), c.CheckedAt.UTC(), data.DateOf(c.AsOf)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail(ctx, "checks", err)
	}
	return out, nil
}
