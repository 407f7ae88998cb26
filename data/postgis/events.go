package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/zhonglou/ecospace/data"
)

// Re-evaluation jobs and the changes they find (migrations/0010): a job's
// candidates are selected once, by a spatial join of the touched layer
// versions' features with the audit's sites through the GiST index
// checks_geom, into reeval_candidates; batches then read them in check id
// order after the job's cursor. A worker claims a job before it works it
// (ClaimReevalJob, an advisory lock), so that two instances do not judge
// one job's candidates twice; should both still record a change, it is
// recorded once per job and check (its unique key), and its event with it.

var (
	_ data.ChangeStore = (*Store)(nil)
	_ data.HookStore   = (*Store)(nil)
)

// AddReevalJob implements ChangeStore.
func (p *Store) AddReevalJob(ctx context.Context, job *data.ReevalJob, published data.Event) (bool, error) {
	jid, err := uuid.Parse(job.ID)
	if err != nil {
		return false, fmt.Errorf("re-evaluation job id %q: %w", job.ID, err)
	}
	layers, versions := make([]string, len(job.Touch)), make([]int64, len(job.Touch))
	for i, r := range job.Touch {
		layers[i], versions[i] = r.Layer, r.Version
	}
	added := false
	err = p.inTx(ctx, "re-evaluation job", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO reeval_jobs (job_id, cause_layer, cause_version, cause_rules, valid_from, touch_layers, touch_versions, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (cause_layer, cause_version, cause_rules) DO NOTHING`,
			jid, job.Cause.Layer, job.Cause.Version, job.Cause.RulesVersion, data.DateOf(job.ValidFrom), layers, versions, job.CreatedAt)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		added = true
		if published.ID == "" { // a rules version: no event of its own
			return nil
		}
		return publish(ctx, tx, []data.Event{published})
	})
	return added, err
}

// inTx runs f in a transaction on the primary.
func (p *Store) inTx(ctx context.Context, op string, f func(pgx.Tx) error) error {
	conn, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	return p.fail(ctx, op, pgx.BeginFunc(ctx, conn, f))
}

// ReevalJobs implements ChangeStore.
func (p *Store) ReevalJobs(ctx context.Context) ([]data.ReevalJob, error) {
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `SELECT `+jobColumns+` FROM reeval_jobs WHERE NOT done ORDER BY job_id`)
	if err != nil {
		return nil, p.fail(ctx, "re-evaluation jobs", err)
	}
	defer rows.Close()
	var out []data.ReevalJob
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, p.fail(ctx, "re-evaluation jobs", err)
		}
		out = append(out, j)
	}
	return out, p.fail(ctx, "re-evaluation jobs", rows.Err())
}

const jobColumns = `job_id, cause_layer, cause_version, cause_rules, valid_from, touch_layers, touch_versions, cursor_id, done, created_at`

// scanJob reads a row of jobColumns.
func scanJob(row pgx.Row) (data.ReevalJob, error) {
	var j data.ReevalJob
	var id uuid.UUID
	var cursor *uuid.UUID
	var layers []string
	var versions []int64
	if err := row.Scan(&id, &j.Cause.Layer, &j.Cause.Version, &j.Cause.RulesVersion, &j.ValidFrom, &layers, &versions, &cursor, &j.Done, &j.CreatedAt); err != nil {
		return j, err
	}
	j.ID, j.ValidFrom, j.CreatedAt = id.String(), data.DateOf(j.ValidFrom), j.CreatedAt.UTC()
	if cursor != nil {
		j.Cursor = cursor.String()
	}
	for i := range min(len(layers), len(versions)) {
		j.Touch = append(j.Touch, data.LayerRef{Layer: layers[i], Version: versions[i]})
	}
	return j, nil
}

// ClaimReevalJob implements ChangeStore with a session advisory lock on
// the job, held on a connection of its own until release: another
// instance's try fails while it is held, and PostgreSQL drops it when the
// holder's connection goes (a killed process), so that a restart goes on
// at once. The job is read again under the lock: a worker that listed it
// before another finished it sees it done.
func (p *Store) ClaimReevalJob(ctx context.Context, jobID string) (*data.ReevalJob, func(), error) {
	jid, err := uuid.Parse(jobID)
	if err != nil {
		return nil, nil, fmt.Errorf("re-evaluation job id %q: %w", jobID, err)
	}
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	var ok bool
	if err := conn.QueryRow(ctx, jobLock+"SELECT pg_try_advisory_lock($1, (SELECT k FROM key))", reevalLockClass, jid).Scan(&ok); err != nil {
		conn.Release()
		return nil, nil, p.fail(ctx, "claim re-evaluation job", err)
	}
	if !ok {
		conn.Release()
		return nil, nil, nil
	}
	release := func() {
		// Unlocked even when the caller's context has ended; a connection
		// that cannot unlock is closed, which unlocks.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, jobLock+"SELECT pg_advisory_unlock($1, (SELECT k FROM key))", reevalLockClass, jid); err != nil {
			conn.Conn().Close(uctx)
		}
		conn.Release()
	}
	job, err := scanJob(conn.QueryRow(ctx, `SELECT `+jobColumns+` FROM reeval_jobs WHERE job_id = $1`, jid))
	if err != nil {
		release()
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil, fmt.Errorf("re-evaluation job %s: %w", jobID, data.ErrNotFound)
		}
		return nil, nil, p.fail(ctx, "claim re-evaluation job", err)
	}
	if job.Done {
		release()
		return nil, nil, nil
	}
	return &job, release, nil
}

// reevalLockClass is the first key of the advisory locks on jobs (the
// second is from the job id); migrations lock with a one-key lock.
const reevalLockClass = 16

// jobLock derives the lock's second key from the job id ($2).
const jobLock = `WITH key AS (SELECT hashtext($2::uuid::text) AS k) `

// selectCandidates fills reeval_candidates for a job once: the checks
// as_of on or after its valid_from whose site's box meets the box of a
// feature of a version of the touched layers in force from valid_from on
// (the GiST indexes of both).
const selectCandidates = `INSERT INTO reeval_candidates (job_id, check_id)
	SELECT DISTINCT j.job_id, c.check_id
	FROM reeval_jobs j
	JOIN layer_versions lv ON lv.layer_id = ANY (j.touch_layers) AND lv.recorded_at < 'infinity'
		-- in force on some day from valid_from on, as known beside the
		-- job's own versions: no other version takes over before then
		AND NOT EXISTS (SELECT 1 FROM layer_versions n
			WHERE n.layer_id = lv.layer_id AND n.recorded_at < 'infinity'
			AND n.valid_from > lv.valid_from AND n.valid_from <= j.valid_from
			AND (n.layer_id, n.version) NOT IN (SELECT * FROM unnest(j.touch_layers, j.touch_versions)))
	JOIN features f ON f.layer_id = lv.layer_id AND f.version = lv.version
	JOIN checks c ON c.geom && f.geom AND c.as_of >= j.valid_from
	WHERE j.job_id = $1 AND NOT j.selected
	ON CONFLICT DO NOTHING`

// selectRulesCandidates is a rules version's: every check as_of on or
// after its valid_from, wherever it lies (no spatial join).
const selectRulesCandidates = `INSERT INTO reeval_candidates (job_id, check_id)
	SELECT j.job_id, c.check_id
	FROM reeval_jobs j
	JOIN checks c ON c.as_of >= j.valid_from
	WHERE j.job_id = $1 AND NOT j.selected
	ON CONFLICT DO NOTHING`

// ReevalCandidates implements ChangeStore.
func (p *Store) ReevalCandidates(ctx context.Context, job *data.ReevalJob, after string, limit int) ([]data.ReevalCandidate, string, error) {
	jid, err := uuid.Parse(job.ID)
	if err != nil {
		return nil, "", fmt.Errorf("re-evaluation job id %q: %w", job.ID, err)
	}
	var cursor *uuid.UUID
	if after != "" {
		u, err := uuid.Parse(after)
		if err != nil {
			return nil, "", fmt.Errorf("re-evaluation cursor %q: %w", after, err)
		}
		cursor = &u
	}
	if err := p.inTx(ctx, "re-evaluation candidates", func(tx pgx.Tx) error {
		var selected bool
		if err := tx.QueryRow(ctx, "SELECT selected FROM reeval_jobs WHERE job_id = $1 FOR UPDATE", jid).Scan(&selected); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("re-evaluation job %s: %w", job.ID, data.ErrNotFound)
			}
			return err
		}
		if selected {
			return nil
		}
		// One statement over every filed check: no request's timeout.
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
			return err
		}
		sel := selectCandidates
		if job.Cause.IsRules() {
			sel = selectRulesCandidates
		}
		if _, err := tx.Exec(ctx, sel, jid); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE reeval_jobs SET selected = true WHERE job_id = $1", jid)
		return err
	}); err != nil {
		return nil, "", err
	}
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, "", err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `SELECT c.check_id, c.checked_at, c.reference, c.key_id, c.category, c.as_of, ST_AsBinary(c.geom),
			c.verdict, c.decision_hash, c.document::text, c.known_at, l.new_verdict, l.new_rule, l.new_hash
		FROM reeval_candidates r
		JOIN checks c ON c.check_id = r.check_id
		LEFT JOIN LATERAL (SELECT d.new_verdict, d.new_rule, d.new_hash FROM decision_changes d
			WHERE d.check_id = c.check_id ORDER BY d.change_id DESC LIMIT 1) l ON true
		WHERE r.job_id = $1 AND ($2::uuid IS NULL OR r.check_id > $2)
		ORDER BY r.check_id LIMIT $3`, jid, cursor, max(limit, 1))
	if err != nil {
		return nil, "", p.fail(ctx, "re-evaluation candidates", err)
	}
	defer rows.Close()
	var out []data.ReevalCandidate
	for rows.Next() {
		rec := &data.CheckRecord{}
		var id uuid.UUID
		var g, doc []byte
		var nv, nr, nh *string
		var known *time.Time
		if err := rows.Scan(&id, &rec.CheckedAt, &rec.Reference, &rec.KeyID, &rec.Category, &rec.AsOf, &g, &rec.Verdict, &rec.DecisionHash, &doc, &known, &nv, &nr, &nh); err != nil {
			return nil, "", p.fail(ctx, "re-evaluation candidates", err)
		}
		rec.ID, rec.CheckedAt, rec.AsOf, rec.Document = id.String(), rec.CheckedAt.UTC(), data.DateOf(rec.AsOf), doc
		// Without known_at the candidate is not the filed check: replay and
		// re-judging read it (as Check does).
		if known != nil {
			rec.KnownAt = known.UTC()
		}
		if rec.Geometry, err = wkb.Unmarshal(g); err != nil {
			return nil, "", fmt.Errorf("postgis: check %s: geometry: %w", rec.ID, err)
		}
		c := data.ReevalCandidate{Check: rec}
		if nv != nil {
			c.Current = data.Decision{Verdict: *nv, Rule: deref(nr), Hash: deref(nh)}
		} else if c.Current, err = data.Filed(rec); err != nil {
			return nil, "", fmt.Errorf("postgis: re-evaluate: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", p.fail(ctx, "re-evaluation candidates", err)
	}
	if len(out) < limit {
		return out, "", nil
	}
	return out, out[len(out)-1].Check.ID, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// SaveReevalBatch implements ChangeStore.
func (p *Store) SaveReevalBatch(ctx context.Context, jobID, cursor string, done bool, changes []data.Change, events []data.Event) error {
	jid, err := uuid.Parse(jobID)
	if err != nil {
		return fmt.Errorf("re-evaluation job id %q: %w", jobID, err)
	}
	var cur *uuid.UUID
	if cursor != "" {
		u, err := uuid.Parse(cursor)
		if err != nil {
			return fmt.Errorf("re-evaluation cursor %q: %w", cursor, err)
		}
		cur = &u
	}
	return p.inTx(ctx, "re-evaluation batch", func(tx pgx.Tx) error {
		var fresh []data.Event
		for i, c := range changes {
			tag, err := tx.Exec(ctx, `INSERT INTO decision_changes (change_id, job_id, check_id, key_id, reference,
					old_verdict, old_rule, old_hash, new_verdict, new_rule, new_hash, cause_layer, cause_version, cause_rules, detected_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (job_id, check_id) DO NOTHING`,
				c.ID, jid, c.CheckID, c.KeyID, c.Reference, c.Old.Verdict, c.Old.Rule, c.Old.Hash, c.New.Verdict, c.New.Rule, c.New.Hash,
				c.Cause.Layer, c.Cause.Version, c.Cause.RulesVersion, c.DetectedAt)
			if err != nil {
				return err
			}
			if tag.RowsAffected() > 0 && i < len(events) {
				fresh = append(fresh, events[i])
			}
		}
		if err := publish(ctx, tx, fresh); err != nil {
			return err
		}
		if done {
			if _, err := tx.Exec(ctx, "DELETE FROM reeval_candidates WHERE job_id = $1", jid); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE reeval_jobs SET cursor_id = CASE WHEN cursor_id IS NULL OR cursor_id < $2 THEN $2 ELSE cursor_id END,
			done = done OR $3 WHERE job_id = $1`, jid, cur, done)
		return err
	})
}

// ListChanges implements ChangeStore.
func (p *Store) ListChanges(ctx context.Context, q data.ChangeQuery) ([]data.Change, error) {
	var after *uuid.UUID
	if q.After != "" {
		u, err := uuid.Parse(q.After)
		if err != nil {
			return nil, fmt.Errorf("changes after %q: %w", q.After, data.ErrNotFound)
		}
		after = &u
	}
	var key *string
	if !q.AllKeys {
		key = &q.KeyID
	}
	var since *time.Time
	if !q.Since.IsZero() {
		since = &q.Since
	}
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `SELECT change_id, job_id, check_id, key_id, reference, old_verdict, old_rule, old_hash,
			new_verdict, new_rule, new_hash, cause_layer, cause_version, cause_rules, detected_at
		FROM decision_changes
		WHERE ($1::text IS NULL OR key_id = $1) AND ($2::uuid IS NULL OR change_id > $2) AND ($3::timestamptz IS NULL OR detected_at >= $3)
		ORDER BY change_id LIMIT $4`, key, after, since, max(q.Limit, 1))
	if err != nil {
		return nil, p.fail(ctx, "changes", err)
	}
	defer rows.Close()
	var out []data.Change
	for rows.Next() {
		var c data.Change
		var id, job, check uuid.UUID
		if err := rows.Scan(&id, &job, &check, &c.KeyID, &c.Reference, &c.Old.Verdict, &c.Old.Rule, &c.Old.Hash,
			&c.New.Verdict, &c.New.Rule, &c.New.Hash, &c.Cause.Layer, &c.Cause.Version, &c.Cause.RulesVersion, &c.DetectedAt); err != nil {
			return nil, p.fail(ctx, "changes", err)
		}
		c.ID, c.JobID, c.CheckID, c.DetectedAt = id.String(), job.String(), check.String(), c.DetectedAt.UTC()
		out = append(out, c)
	}
	return out, p.fail(ctx, "changes", rows.Err())
}
