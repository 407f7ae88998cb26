package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
)

// The embedded store keeps re-evaluation jobs, changes, events, hooks and
// the outbox in memory only: a restart forgets the jobs not finished
// (filed checks are not judged again for them), the changes found and the
// deliveries not made. `ecospace serve` says so when it starts. PostGIS
// keeps them in tables.

var (
	_ data.ChangeStore = (*Store)(nil)
	_ data.HookStore   = (*Store)(nil)
)

type eventState struct {
	mu      sync.Mutex
	jobs    []*data.ReevalJob // in the order added
	causes  map[data.Cause]bool
	claimed map[string]bool           // job id → claimed by a worker
	changes []data.Change             // in change id order
	found   map[[2]string]bool        // job id, check id
	latest  map[string]data.Decision  // check id → its latest change's new decision
	hooks   []*data.Hook              // in the order added
	outbox  []*data.Delivery          // in the order queued
	byID    map[string]*data.Delivery // delivery id →
}

func newEventState() *eventState {
	return &eventState{causes: map[data.Cause]bool{}, claimed: map[string]bool{}, found: map[[2]string]bool{}, latest: map[string]data.Decision{},
		byID: map[string]*data.Delivery{}}
}

// AddReevalJob implements ChangeStore.
func (s *Store) AddReevalJob(ctx context.Context, job *data.ReevalJob, published data.Event) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.causes[job.Cause] {
		return false, nil
	}
	var ds []*data.Delivery
	if published.ID != "" { // a rules version has no event of its own
		var err error
		if ds, err = e.fanout(nil, published); err != nil {
			return false, err
		}
	}
	e.causes[job.Cause] = true
	j := *job
	j.Touch = slices.Clone(job.Touch)
	e.jobs = append(e.jobs, &j)
	e.queue(ds)
	return true, nil
}

// ReevalJobs implements ChangeStore.
func (s *Store) ReevalJobs(ctx context.Context) ([]data.ReevalJob, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []data.ReevalJob
	for _, j := range e.jobs {
		if !j.Done {
			out = append(out, *j)
		}
	}
	return out, nil
}

// ClaimReevalJob implements ChangeStore: a job is claimed by one worker
// of this process at a time.
func (s *Store) ClaimReevalJob(ctx context.Context, jobID string) (*data.ReevalJob, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.jobs, func(j *data.ReevalJob) bool { return j.ID == jobID })
	if i < 0 {
		return nil, nil, fmt.Errorf("re-evaluation job %s: %w", jobID, data.ErrNotFound)
	}
	if e.jobs[i].Done || e.claimed[jobID] {
		return nil, nil, nil
	}
	e.claimed[jobID] = true
	j := *e.jobs[i]
	j.Touch = slices.Clone(j.Touch)
	return &j, func() {
		e.mu.Lock()
		delete(e.claimed, jobID)
		e.mu.Unlock()
	}, nil
}

// ReevalCandidates implements ChangeStore: it reads the filed checks in id
// order and keeps those whose site's bounds meet the bounds of a feature
// of the job's layer versions.
func (s *Store) ReevalCandidates(ctx context.Context, job *data.ReevalJob, after string, limit int) ([]data.ReevalCandidate, string, error) {
	var touch [][]orb.Bound
	s.mu.RLock()
	own := map[data.LayerRef]bool{}
	for _, r := range job.Touch {
		own[r] = true
	}
	for _, r := range job.Touch {
		vs := s.layers[r.Layer]
		for _, v := range vs {
			// In force on some day from ValidFrom on, as known beside the
			// job's own versions: no other version takes over before then
			// (as the PostGIS store selects them).
			from := v.info.ValidFrom.Time
			superseded := false
			for _, n := range vs {
				nf := n.info.ValidFrom.Time
				if !own[data.LayerRef{Layer: r.Layer, Version: n.info.Version}] && nf.After(from) && !nf.After(job.ValidFrom) {
					superseded = true
					break
				}
			}
			if !superseded {
				touch = append(touch, v.bounds)
			}
		}
	}
	s.mu.RUnlock()
	var out []data.ReevalCandidate
	for len(out) < limit {
		sums, err := s.ListChecks(ctx, data.CheckQuery{AllKeys: true, After: after, Limit: limit})
		if err != nil {
			return nil, "", err
		}
		if len(sums) == 0 {
			return out, "", nil
		}
		for _, sm := range sums {
			after = sm.ID
			if sm.AsOf.Before(job.ValidFrom) {
				continue
			}
			rec, err := s.Check(ctx, sm.ID)
			if err != nil {
				return nil, "", fmt.Errorf("re-evaluate: %w", err)
			}
			// A rules version touches every site.
			if !job.Cause.IsRules() && !meets(rec.Geometry.Bound(), touch) {
				continue
			}
			cur, err := s.events.current(rec)
			if err != nil {
				return nil, "", fmt.Errorf("re-evaluate: %w", err)
			}
			out = append(out, data.ReevalCandidate{Check: rec, Current: cur})
			if len(out) == limit {
				break
			}
		}
	}
	return out, after, nil
}

func meets(b orb.Bound, touch [][]orb.Bound) bool {
	for _, bs := range touch {
		for _, fb := range bs {
			if b.Intersects(fb) {
				return true
			}
		}
	}
	return false
}

// current is the decision a filed check stands at.
func (e *eventState) current(rec *data.CheckRecord) (data.Decision, error) {
	e.mu.Lock()
	d, ok := e.latest[rec.ID]
	e.mu.Unlock()
	if ok {
		return d, nil
	}
	return data.Filed(rec)
}

// SaveReevalBatch implements ChangeStore.
func (s *Store) SaveReevalBatch(ctx context.Context, jobID, cursor string, done bool, changes []data.Change, events []data.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.jobs, func(j *data.ReevalJob) bool { return j.ID == jobID })
	if i < 0 {
		return fmt.Errorf("re-evaluation job %s: %w", jobID, data.ErrNotFound)
	}
	var ds []*data.Delivery
	var err error
	for k, c := range changes {
		if !e.found[[2]string{jobID, c.CheckID}] && k < len(events) {
			if ds, err = e.fanout(ds, events[k]); err != nil {
				return err
			}
		}
	}
	for _, c := range changes {
		key := [2]string{jobID, c.CheckID}
		if e.found[key] {
			continue
		}
		e.found[key] = true
		e.changes = append(e.changes, c)
		e.latest[c.CheckID] = c.New
	}
	e.queue(ds)
	e.jobs[i].Cursor, e.jobs[i].Done = cursor, done
	return nil
}

// ListChanges implements ChangeStore.
func (s *Store) ListChanges(ctx context.Context, q data.ChangeQuery) ([]data.Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var after uuid.UUID
	if q.After != "" {
		u, err := uuid.Parse(q.After)
		if err != nil {
			return nil, fmt.Errorf("changes after %q: %w", q.After, data.ErrNotFound)
		}
		after = u
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []data.Change
	for _, c := range e.changes {
		if (!q.AllKeys && c.KeyID != q.KeyID) || (!q.Since.IsZero() && c.DetectedAt.Before(q.Since)) {
			continue
		}
		if q.After != "" && c.ID <= after.String() {
			continue
		}
		out = append(out, c)
		if len(out) == max(q.Limit, 1) {
			break
		}
	}
	return out, nil
}
