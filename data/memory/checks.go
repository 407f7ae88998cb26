package memory

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/zhonglou/ecospace/data"
)

// The embedded store's audit: an index of every filed check in memory
// (its id, who filed it, when, its reference and answer: about 150 bytes
// a check), and the records themselves either in an append-only file
// (Options.AuditFile: durable, auditlog.go) or, without one, in memory,
// bounded by bytes (MemoryAuditBytes): the oldest checks are forgotten
// once the records held pass it.

// MemoryAuditBytes bounds the records an embedded store without an audit
// file keeps (documents, sites and references, as encoded).
const MemoryAuditBytes = 256 << 20

type auditEntry struct {
	id  [16]byte
	sum data.CheckSummary
	// Where the record is: in the file (off, n) or in memory (rec).
	off  int64
	n    int
	rec  *data.CheckRecord
	size int // bytes the record holds in memory (rec)
}

type audit struct {
	mu      sync.RWMutex
	entries []*auditEntry // in the order filed; nil once forgotten
	first   int           // entries before it are forgotten
	byID    map[[16]byte]*auditEntry
	keys    map[string]string // interned key ids
	bytes   int               // memory mode: the bytes held
	limit   int
	log     *auditLog // nil: memory only
}

func newAudit(limit int) *audit {
	return &audit{byID: map[[16]byte]*auditEntry{}, keys: map[string]string{}, limit: limit}
}

func recordSize(rec *data.CheckRecord) int {
	return len(rec.Document) + len(rec.Reference) + len(rec.KeyID) + len(rec.Category) + len(rec.Verdict) + len(rec.DecisionHash) + 256
}

// add indexes a stored record; in memory mode it also holds the record,
// forgetting the oldest past the byte limit. The caller holds mu.
func (a *audit) add(rec *data.CheckRecord, id [16]byte, off int64, n int) {
	key, ok := a.keys[rec.KeyID]
	if !ok {
		key = rec.KeyID
		a.keys[key] = key
	}
	e := &auditEntry{id: id, off: off, n: n, sum: data.CheckSummary{
		ID: uuid.UUID(id).String(), CheckedAt: rec.CheckedAt, Reference: rec.Reference, KeyID: key,
		Category: rec.Category, AsOf: data.DateOf(rec.AsOf), Verdict: rec.Verdict, DecisionHash: rec.DecisionHash,
	}}
	if old := a.byID[id]; old != nil {
		// Filed again under the same id: the later record counts, as a
		// replay of the log reads it.
		a.drop(old)
	}
	if a.log == nil {
		e.rec, e.size = rec, recordSize(rec)
		a.bytes += e.size
	}
	a.entries = append(a.entries, e)
	a.byID[id] = e
	for a.log == nil && a.bytes > a.limit && a.first < len(a.entries) {
		if old := a.entries[a.first]; old != nil {
			a.drop(old)
		}
		a.first++
	}
	if a.first > 1024 && a.first > len(a.entries)/2 {
		a.entries = slices.Clip(slices.Delete(a.entries, 0, a.first))
		a.first = 0
	}
}

// drop forgets an entry; the caller holds mu.
func (a *audit) drop(e *auditEntry) {
	delete(a.byID, e.id)
	a.bytes -= e.size
	e.rec, e.size = nil, 0
	for i := len(a.entries) - 1; i >= a.first; i-- {
		if a.entries[i] == e {
			a.entries[i] = nil
			break
		}
	}
}

// SaveCheck implements Store: with an audit file it returns once the
// record is written and synced to disk (records arriving together share
// one sync); an error means the check is not on record.
func (s *Store) SaveCheck(ctx context.Context, rec *data.CheckRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	u, err := uuid.Parse(rec.ID)
	if err != nil {
		return fmt.Errorf("audit: check id %q is not a UUID", rec.ID)
	}
	if s.audit.log != nil {
		return s.audit.log.save(ctx, rec, u)
	}
	s.audit.mu.Lock()
	defer s.audit.mu.Unlock()
	s.audit.add(rec, u, 0, 0)
	return nil
}

// Check implements Store.
func (s *Store) Check(ctx context.Context, id string) (*data.CheckRecord, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", id, data.ErrNotFound)
	}
	s.audit.mu.RLock()
	e := s.audit.byID[u]
	var rec *data.CheckRecord
	var off int64
	var n int
	if e != nil {
		rec, off, n = e.rec, e.off, e.n
	}
	s.audit.mu.RUnlock()
	switch {
	case e == nil:
		return nil, fmt.Errorf("check %s: %w", id, data.ErrNotFound)
	case rec != nil:
		return rec, nil
	}
	return s.audit.log.read(off, n)
}

// ListChecks implements Store.
func (s *Store) ListChecks(ctx context.Context, q data.CheckQuery) ([]data.CheckSummary, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var after [16]byte
	if q.After != "" {
		u, err := uuid.Parse(q.After)
		if err != nil {
			return nil, fmt.Errorf("checks after %q: %w", q.After, data.ErrNotFound)
		}
		after = u
	}
	limit := max(q.Limit, 1)
	s.audit.mu.RLock()
	var out []*auditEntry
	for i, e := range s.audit.entries[s.audit.first:] {
		if i%4096 == 0 && ctx.Err() != nil {
			s.audit.mu.RUnlock()
			return nil, ctx.Err()
		}
		if e == nil || (!q.AllKeys && e.sum.KeyID != q.KeyID) || (q.Reference != "" && e.sum.Reference != q.Reference) ||
			(!q.From.IsZero() && e.sum.CheckedAt.Before(q.From)) || (!q.To.IsZero() && !e.sum.CheckedAt.Before(q.To)) ||
			(q.After != "" && bytes.Compare(e.id[:], after[:]) <= 0) {
			continue
		}
		// Keep the limit smallest ids (ids are nearly in filing order,
		// so this is mostly an append).
		i := len(out)
		for i > 0 && bytes.Compare(out[i-1].id[:], e.id[:]) > 0 {
			i--
		}
		if i < limit {
			out = slices.Insert(out, i, e)
			if len(out) > limit {
				out = out[:limit]
			}
		}
	}
	s.audit.mu.RUnlock()
	sums := make([]data.CheckSummary, len(out))
	for i, e := range out {
		sums[i] = e.sum
	}
	return sums, nil
}
