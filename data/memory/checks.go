package memory

import (
	"context"
	"fmt"

	"github.com/zhonglou/ecospace/data"
)

// CheckLimit is how many checks the embedded store keeps for
// GET /checks/{id}; older ones are forgotten (the PostGIS store keeps all).
const CheckLimit = 100_000

// SaveCheck implements Store.
func (s *Store) SaveCheck(ctx context.Context, rec *data.CheckRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.checkMu.Lock()
	defer s.checkMu.Unlock()
	if _, dup := s.checks[rec.ID]; !dup {
		// The oldest check goes when the limit is reached: a ring, so
		// that each save costs the same however many are kept.
		if len(s.order) < CheckLimit {
			s.order = append(s.order, rec.ID)
		} else {
			delete(s.checks, s.order[s.orderNext])
			s.order[s.orderNext] = rec.ID
			s.orderNext = (s.orderNext + 1) % CheckLimit
		}
	}
	s.checks[rec.ID] = rec
	return nil
}

// Check implements Store.
func (s *Store) Check(ctx context.Context, id string) (*data.CheckRecord, error) {
	s.checkMu.Lock()
	defer s.checkMu.Unlock()
	rec, ok := s.checks[id]
	if !ok {
		return nil, fmt.Errorf("check %s: %w", id, data.ErrNotFound)
	}
	return rec, nil
}
