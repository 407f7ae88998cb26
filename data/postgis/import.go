package postgis

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// importLockKey serialises imports across processes (pg_advisory_xact_lock):
// a derived layer reads several layers, so imports run one at a time, as
// in the embedded store.
const importLockKey int64 = 0x65636f696d706f72

// Import implements Store, reporting the derived layers recomputed and
// the features repaired. Everything happens in one transaction: the
// features are copied (COPY) into a staging table, moved into features
// with their index pieces, every derived layer that depends on this one is
// recomputed in SQL and, last, the new versions are recorded (record.go); a
// failure, a cancelled ctx or a killed process leaves the previous version
// in force and no row of the new one.
func (p *Store) Import(ctx context.Context, layer string, feats []geo.Feature, opts data.ImportOptions) (data.ImportResult, error) {
	start := time.Now()
	def, ok := p.manifest.Def(layer)
	if !ok {
		return data.ImportResult{}, fmt.Errorf("import %s: %w", layer, data.ErrNotFound)
	}
	// step logs how long each stage of a large import took (debug level).
	stepAt := time.Now()
	step := func(name string) {
		p.log.Debug("import step", "layer", layer, "step", name, "ms", time.Since(stepAt).Milliseconds())
		stepAt = time.Now()
	}
	feats, repaired, err := p.checkOrRepair(ctx, def, feats, opts.MakeValid)
	if err != nil {
		return data.ImportResult{}, err
	}
	from := opts.ValidFrom
	if from.IsZero() {
		from = data.Today()
	}
	from = data.DateOf(from)
	if def.Kind == geo.LayerCoverage || def.Kind == geo.LayerZone {
		if _, err := geo.ZonesFromFeatures(def, feats); err != nil {
			return data.ImportResult{}, fmt.Errorf("import %s: %w: %v", layer, data.ErrInvalidImport, err)
		}
	}
	step("check")
	rows, err := stageRows(ctx, def, feats, repaired)
	if err != nil {
		return data.ImportResult{}, fmt.Errorf("import %s: %w", layer, err)
	}
	step("encode")
	sorted := append([]geo.Feature(nil), feats...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })

	res := data.ImportResult{Repaired: repaired}
	err = p.withTx(ctx, "import "+layer, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", importLockKey); err != nil {
			return err
		}
		last, err := lastVersion(ctx, tx, layer)
		if err != nil {
			return err
		}
		if err := checkBackdate(ctx, tx, layer, from, opts.Backdate); err != nil {
			return err
		}
		version := last + 1
		if err := copyFeatures(ctx, tx, layer, version, rows, hasParts(def), opts.Progress, step); err != nil {
			return err
		}
		info := data.LayerInfoOf(def, sorted, version, from)
		// A source made from centre lines records it where a derived
		// layer records its inputs (versionRow reads it back).
		var derivedFrom map[string]any
		if info.Origin != nil {
			derivedFrom = map[string]any{geo.PropCentreLineHalfWidth: info.Origin.HalfWidthM}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO layer_versions (layer_id, version, valid_from, source, kind, feature_count, repaired_count, geometry_type, bbox, status, derived_from)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			layer, version, from, opts.Source, def.Kind, len(feats), len(repaired), info.GeometryType, info.BBox[:], info.Status, derivedFrom); err != nil {
			return err
		}
		res.Layer = geo.LayerVersion{ID: layer, Version: version, ValidFrom: geo.Date{Time: from}}
		step("version")
		if err := p.deriveAll(ctx, tx, layer, version, from, &res); err != nil {
			return err
		}
		step("derive")
		if err := recordVersions(ctx, tx, &res); err != nil { // the last step before COMMIT (record.go)
			return err
		}
		if err := notifyImport(ctx, tx, &res); err != nil { // delivered on COMMIT (notify.go)
			return err
		}
		return ctx.Err()
	})
	if err != nil {
		return data.ImportResult{}, err
	}
	step("commit")
	p.versions.clear()  // the versions in force changed (layers.go)
	p.noteImported(ctx) // reads wait for the replica to replay it (replica.go)
	// Fresh statistics, so that the planner (and every connection's cached
	// plans, which ANALYZE invalidates) sees the new size of the tables
	// at once rather than when autovacuum comes by. Outside the import's
	// transaction: it is committed already, and a failure here costs
	// nothing but speed.
	if err := p.exec(ctx, "import "+layer+": analyze", "ANALYZE layer_versions, features, feature_parts, zones, zone_parts"); err != nil {
		p.log.Warn("analyze after import", "layer", layer, "error", err)
	}
	step("analyze")
	if opts.Progress != nil {
		opts.Progress(len(feats), len(feats))
	}
	res.Duration = time.Since(start)
	p.log.Info("imported layer", "layer", layer, "version", res.Layer.Version, "valid_from", from.Format(time.DateOnly),
		"features", len(feats), "repaired", len(repaired), "derived", len(res.Derived), "ms", res.Duration.Milliseconds())
	return res, nil
}

// lastVersion is the highest version number of a layer (0: none).
func lastVersion(ctx context.Context, tx pgx.Tx, layer string) (int64, error) {
	var v int64
	err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM layer_versions WHERE layer_id = $1", layer).Scan(&v)
	return v, err
}
