package postgis

import (
	"context"
	"strconv"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// layerStatuses fills in the data status of each layer version (as
// layer_versions keeps it; the embedded store's LayerInfo.Status) from a
// cache, reading the versions it has not seen in one query. A version's
// status never changes.
func (p *Store) layerStatuses(ctx context.Context, lvs []geo.LayerVersion) error {
	key := func(l geo.LayerVersion) string { return l.ID + "@" + strconv.FormatInt(l.Version, 10) }
	var ids []string
	var versions []int64
	for i := range lvs {
		if s, ok := p.statuses.Load(key(lvs[i])); ok {
			lvs[i].Status = s.(string)
			continue
		}
		ids, versions = append(ids, lvs[i].ID), append(versions, lvs[i].Version)
	}
	if len(ids) == 0 {
		return nil
	}
	conn, err := p.acquireRead(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `SELECT lv.layer_id, lv.version, lv.status
		FROM unnest($1::text[], $2::bigint[]) AS k(layer_id, version)
		JOIN layer_versions lv ON lv.layer_id = k.layer_id AND lv.version = k.version`, ids, versions)
	if err != nil {
		return p.fail(ctx, "relate: layer status", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l geo.LayerVersion
		var st string
		if err := rows.Scan(&l.ID, &l.Version, &st); err != nil {
			return p.fail(ctx, "relate: layer status", err)
		}
		p.statuses.Store(key(l), st)
	}
	if err := rows.Err(); err != nil {
		return p.fail(ctx, "relate: layer status", err)
	}
	for i := range lvs {
		if s, ok := p.statuses.Load(key(lvs[i])); ok {
			lvs[i].Status = s.(string)
		}
	}
	return nil
}

// noVersion says which judged layers have no version on day (found: the
// versions in force that day) and from which day on all of them have one;
// a failed look-up leaves that day out rather than hide the error asked
// about.
func (p *Store) noVersion(ctx context.Context, at data.At, found map[string]relateRow) error {
	e := &data.NoVersionError{AsOf: at.AsOf, KnownAt: at.KnownAt}
	var judged []string
	for _, d := range p.manifest.Layers {
		if d.Kind != geo.LayerCoverage && !d.Judged() {
			continue
		}
		judged = append(judged, d.ID)
		if _, ok := found[d.ID]; !ok {
			e.Layers = append(e.Layers, d.ID)
		}
	}
	conn, err := p.acquireRead(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var n int
	var first *time.Time
	err = conn.QueryRow(ctx, `SELECT count(*), max(f) FROM (
		SELECT min(valid_from) AS f FROM layer_versions WHERE layer_id = ANY($1::text[]) AND recorded_at < 'infinity' GROUP BY layer_id) t`, judged).Scan(&n, &first)
	if err != nil {
		return p.fail(ctx, "relate: first day covered", err)
	}
	if n == len(judged) && first != nil {
		e.FirstCovered = data.DateOf(*first)
	}
	return e
}
