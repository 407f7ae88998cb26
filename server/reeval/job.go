package reeval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/check"
)

// Change is a change as the API lists it (GET /api/v1/changes) and as the
// data of its decision.changed event.
type Change struct {
	ChangeID   string        `json:"change_id"`
	CheckID    string        `json:"check_id"`
	KeyID      string        `json:"key_id,omitempty"`
	Reference  string        `json:"reference"`
	Old        data.Decision `json:"old"`
	New        data.Decision `json:"new"`
	Cause      data.Cause    `json:"cause"`
	DetectedAt time.Time     `json:"detected_at"`
	Href       string        `json:"href"`
}

// ChangeOf is c as the API lists it.
func ChangeOf(c data.Change) Change {
	return Change{ChangeID: c.ID, CheckID: c.CheckID, KeyID: c.KeyID, Reference: c.Reference, Old: c.Old, New: c.New,
		Cause: c.Cause, DetectedAt: c.DetectedAt, Href: "/api/v1/checks/" + c.CheckID}
}

type judged struct {
	cand data.ReevalCandidate
	now  Decision
}

// Decision is a re-judged decision.
type Decision = data.Decision

// runJob judges a job's candidates a batch at a time from its cursor;
// each batch's changes and the cursor after it are recorded together.
func (w *Worker) runJob(ctx context.Context, job *data.ReevalJob) error {
	start := time.Now()
	cursor := job.Cursor
	n, changes0 := 0, w.changed.Load()
	for {
		cands, next, err := w.cfg.Store.ReevalCandidates(ctx, job, cursor, w.cfg.Batch)
		if err != nil {
			return fmt.Errorf("job %s: %w", job.ID, err)
		}
		var changes []data.Change
		var events []data.Event
		i := 0
		err = check.Each(ctx, w.cfg.Workers, func() (data.ReevalCandidate, bool, error) {
			if i == len(cands) {
				return data.ReevalCandidate{}, false, nil
			}
			i++
			return cands[i-1], true, nil
		}, func(ctx context.Context, c data.ReevalCandidate) (judged, error) {
			// Judged as known now, under the rules the server runs: the
			// new version is what it is measured by.
			r, _, err := w.cfg.Checker.Reevaluate(ctx, c.Check, w.cfg.Now())
			if err != nil {
				return judged{cand: c}, err
			}
			return judged{cand: c, now: Decision{Verdict: r.Verdict, Rule: r.DecidingRule, Hash: r.DecisionHash}}, nil
		}, func(j judged, err error) error {
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				// A check filed before known_at was kept, or whose category
				// the rules no longer have, cannot be judged again: it is
				// not a failure, and not a change either.
				var nr *check.NotReplayableError
				if errors.As(err, &nr) {
					w.cfg.Log.Info("re-evaluation: a filed check cannot be judged again as filed; skipped", "check_id", j.cand.Check.ID, "job", job.ID, "why", nr.Error())
					return nil
				}
				// One check that cannot be judged again (its record
				// unreadable) must not hold every later one back: it is
				// logged and counted, and the job goes on.
				w.failed.Add(1)
				w.cfg.Log.Error("re-evaluation: a filed check could not be judged again", "check_id", j.cand.Check.ID, "job", job.ID, "error", err)
				return nil
			}
			w.judged.Add(1)
			if j.now.Verdict == j.cand.Current.Verdict && j.now.Rule == j.cand.Current.Rule {
				return nil
			}
			c, ev, err := w.change(job, j)
			if err != nil {
				return err
			}
			changes, events = append(changes, c), append(events, ev)
			return nil
		})
		if err != nil {
			return fmt.Errorf("job %s: %w", job.ID, err)
		}
		if len(cands) > 0 {
			cursor = cands[len(cands)-1].Check.ID
		}
		if next != "" && next > cursor {
			cursor = next
		}
		done := next == ""
		if err := w.cfg.Store.SaveReevalBatch(ctx, job.ID, cursor, done, changes, events); err != nil {
			return fmt.Errorf("job %s: %w", job.ID, err)
		}
		w.changed.Add(int64(len(changes)))
		n += len(cands)
		if done {
			w.cfg.Log.Info("re-evaluation done", "job", job.ID, "layer", job.Cause.Layer, "version", job.Cause.Version, "rules_version", job.Cause.RulesVersion,
				"judged", n, "changed", w.changed.Load()-changes0, "ms", time.Since(start).Milliseconds())
			return nil
		}
	}
}

// change makes the change record and event of a decision judged anew.
func (w *Worker) change(job *data.ReevalJob, j judged) (data.Change, data.Event, error) {
	cid, err := uuid.NewV7()
	if err != nil {
		return data.Change{}, data.Event{}, fmt.Errorf("change id: %w", err)
	}
	eid, err := uuid.NewV7()
	if err != nil {
		return data.Change{}, data.Event{}, fmt.Errorf("event id: %w", err)
	}
	now := w.cfg.Now().UTC().Truncate(time.Millisecond)
	rec := j.cand.Check
	c := data.Change{ID: cid.String(), CheckID: rec.ID, KeyID: rec.KeyID, Reference: rec.Reference, Old: j.cand.Current, New: j.now,
		Cause: job.Cause, JobID: job.ID, DetectedAt: now}
	body, err := json.Marshal(ChangeOf(c))
	if err != nil {
		return data.Change{}, data.Event{}, fmt.Errorf("decision.changed: %w", err)
	}
	return c, data.Event{ID: eid.String(), Type: data.EventDecisionChanged, Time: now, Data: body}, nil
}
