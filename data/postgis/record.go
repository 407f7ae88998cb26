package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Two times in PostGIS (migration 0005): an import writes its versions
// with recorded_at 'infinity', which no query reads, and records them as
// its last statement before COMMIT, while it holds the import lock: so
// versions are recorded in the order they commit, a knowledge time
// before a version's recorded_at never sees it, and the window in which a
// version is recorded but not yet visible is the commit itself.

// checkBackdate refuses, unless backdate, a version of layer valid from
// from before the valid_from of the layer's newest version
// (data.CheckBackdate); the caller holds the import lock.
func checkBackdate(ctx context.Context, tx pgx.Tx, layer string, from time.Time, backdate bool) error {
	if backdate {
		return nil
	}
	var v geo.LayerInfo
	var vf, rec time.Time
	err := tx.QueryRow(ctx, `SELECT version, valid_from, recorded_at FROM layer_versions WHERE layer_id = $1 AND recorded_at < 'infinity'
		ORDER BY valid_from DESC, version DESC LIMIT 1`, layer).Scan(&v.Version, &vf, &rec)
	if err == pgx.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	v.ID, v.ValidFrom, v.RecordedAt = layer, geo.Date{Time: data.DateOf(vf)}, rec.UTC()
	if err := data.CheckBackdate(layer, []geo.LayerInfo{v}, from, time.Time{}, false); err != nil {
		return fmt.Errorf("import %s: %w", layer, err)
	}
	return nil
}

// recordSQL records the versions the transaction wrote: now, at the
// microsecond, and after every version recorded before (a clock stepping
// back must not reorder what was learned).
const recordSQL = `WITH r AS (
	SELECT greatest(date_trunc('microseconds', clock_timestamp()),
		coalesce((SELECT max(recorded_at) FROM layer_versions WHERE recorded_at < 'infinity') + interval '1 microsecond', '-infinity')) AS t
)
UPDATE layer_versions lv SET recorded_at = r.t FROM r WHERE lv.recorded_at = 'infinity' RETURNING r.t`

// recordVersions records the import's versions and sets res's recorded
// times; the caller holds the import lock and commits next.
func recordVersions(ctx context.Context, tx pgx.Tx, res *data.ImportResult) error {
	rows, err := tx.Query(ctx, recordSQL)
	if err != nil {
		return err
	}
	var at time.Time
	n := 0
	for rows.Next() {
		if err := rows.Scan(&at); err != nil {
			rows.Close()
			return err
		}
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if n != 1+len(res.Derived) {
		return fmt.Errorf("import %s: recorded %d versions, made %d", res.Layer.ID, n, 1+len(res.Derived))
	}
	at = at.UTC()
	res.Layer.RecordedAt = at
	for i := range res.Derived {
		res.Derived[i].RecordedAt = at
	}
	return nil
}

// RecordRules implements Store: the first server to see a rules version
// records it; later ones read it back.
func (p *Store) RecordRules(ctx context.Context, rv data.RulesVersion) (data.RulesVersion, error) {
	var out data.RulesVersion
	var vf, rec time.Time
	err := p.withTx(ctx, "record rules", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO rules_versions (version, valid_from, recorded_at)
			VALUES ($1, $2, date_trunc('microseconds', clock_timestamp())) ON CONFLICT (version) DO NOTHING`, rv.Version, rv.ValidFrom.Time); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT version, valid_from, recorded_at FROM rules_versions WHERE version = $1`, rv.Version).Scan(&out.Version, &vf, &rec)
	})
	if err != nil {
		return data.RulesVersion{}, err
	}
	out.ValidFrom, out.RecordedAt = geo.Date{Time: data.DateOf(vf)}, rec.UTC()
	return out, nil
}

// RulesVersions implements Store.
func (p *Store) RulesVersions(ctx context.Context) ([]data.RulesVersion, error) {
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `SELECT version, valid_from, recorded_at FROM rules_versions ORDER BY recorded_at, version`)
	if err != nil {
		return nil, p.fail(ctx, "rules versions", err)
	}
	defer rows.Close()
	var out []data.RulesVersion
	for rows.Next() {
		var rv data.RulesVersion
		var vf, rec time.Time
		if err := rows.Scan(&rv.Version, &vf, &rec); err != nil {
			return nil, p.fail(ctx, "rules versions", err)
		}
		rv.ValidFrom, rv.RecordedAt = geo.Date{Time: data.DateOf(vf)}, rec.UTC()
		out = append(out, rv)
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail(ctx, "rules versions", err)
	}
	return out, nil
}
