package memory

import (
	"context"
	"slices"

	"github.com/zhonglou/ecospace/data"
)

// RecordRules implements Store. The embedded store keeps its layer
// versions in memory only (every start loads the demo layers again), and
// its rules versions with them: a rules version is recorded the first time
// this process sees it.
func (s *Store) RecordRules(ctx context.Context, rv data.RulesVersion) (data.RulesVersion, error) {
	if err := ctx.Err(); err != nil {
		return data.RulesVersion{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rules {
		if r.Version == rv.Version {
			return r, nil
		}
	}
	rv.RecordedAt = s.recordedNow()
	s.rules = append(s.rules, rv)
	return rv, nil
}

// RulesVersions implements Store.
func (s *Store) RulesVersions(ctx context.Context) ([]data.RulesVersion, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.rules), nil
}
