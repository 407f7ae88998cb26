package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// streamChunk is how many features a streamed import encodes and copies
// at a time.
const streamChunk = 1024

// FeatureSource hands an import its features one at a time, in file
// order, calling fn for each; it stops at fn's first error and returns it.
type FeatureSource func(fn func(geo.Feature) error) error

// ImportStream is Import for layers too big to hold whole (a national
// layer of 20 million vertices): the features come from each, one at a
// time, and go to PostgreSQL in chunks of streamChunk by COPY inside the
// import's one transaction, so the process holds a chunk, the ids and the
// summary, not the layer. Every feature is checked as Import checks it
// (data.FeatureCheck: ids, geometry, type); any problem refuses the import
// with all of them and nothing is stored. total, when known, is the
// number of features (for progress). Repairs (MakeValid) need the whole
// layer: use Import for them. The transaction does what Import's does,
// in the same order (version, derived layers, NOTIFY).
func (p *Store) ImportStream(ctx context.Context, layer string, each FeatureSource, total int, opts data.ImportOptions) (data.ImportResult, error) {
	start := time.Now()
	def, ok := p.manifest.Def(layer)
	if !ok {
		return data.ImportResult{}, fmt.Errorf("import %s: %w", layer, data.ErrNotFound)
	}
	if opts.MakeValid {
		return data.ImportResult{}, fmt.Errorf("import %s: repairs (MakeValid) need the whole layer: use Import", layer)
	}
	from := opts.ValidFrom
	if from.IsZero() {
		from = data.Today()
	}
	from = data.DateOf(from)
	stepAt := time.Now()
	step := func(name string) {
		p.log.Debug("import step", "layer", layer, "step", name, "ms", time.Since(stepAt).Milliseconds())
		stepAt = time.Now()
	}
	check := data.NewFeatureCheck(def)
	var sum data.LayerSummary
	res := data.ImportResult{}
	err := p.withTx(ctx, "import "+layer, func(tx pgx.Tx) error {
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
		if err := createStage(ctx, tx); err != nil {
			return err
		}
		chunk := make([]geo.Feature, 0, streamChunk)
		done := 0
		flush := func() error {
			if len(chunk) == 0 {
				return nil
			}
			rows, err := stageRows(ctx, def, chunk, nil)
			if err != nil {
				return fmt.Errorf("import %s: %w", layer, err)
			}
			for i := range rows {
				rows[i].ord = int32(done + i) // stageRows numbers within the chunk
			}
			if err := copyStage(ctx, tx, rows, done, total, opts.Progress); err != nil {
				return err
			}
			done += len(chunk)
			chunk = chunk[:0]
			return nil
		}
		n := 0
		if err := each(func(f geo.Feature) error {
			check.Add(n, f)
			n++
			sum.Add(f)
			chunk = append(chunk, f)
			if len(chunk) == streamChunk {
				return flush()
			}
			return ctx.Err()
		}); err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		if err := check.Err(); err != nil {
			return err // every problem; the transaction stores nothing
		}
		step("copy")
		if err := moveStage(ctx, tx, layer, version, hasParts(def), step); err != nil {
			return err
		}
		info := sum.Info(def, version, from)
		if _, err := tx.Exec(ctx, `INSERT INTO layer_versions (layer_id, version, valid_from, source, kind, feature_count, repaired_count, geometry_type, bbox, status)
			VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9)`,
			layer, version, from, opts.Source, def.Kind, sum.Len(), info.GeometryType, info.BBox[:], info.Status); err != nil {
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
		if err := notifyImport(ctx, tx, &res); err != nil {
			return err
		}
		return ctx.Err()
	})
	if err != nil {
		var ie *data.ImportError
		if errors.As(err, &ie) {
			return data.ImportResult{}, ie
		}
		return data.ImportResult{}, err
	}
	step("commit")
	p.versions.clear()
	p.noteImported(ctx)
	if err := p.exec(ctx, "import "+layer+": analyze", "ANALYZE layer_versions, features, feature_parts, zones, zone_parts"); err != nil {
		p.log.Warn("analyze after import", "layer", layer, "error", err)
	}
	if opts.Progress != nil {
		opts.Progress(sum.Len(), sum.Len())
	}
	res.Duration = time.Since(start)
	p.log.Info("imported layer (streamed)", "layer", layer, "version", res.Layer.Version, "valid_from", from.Format(time.DateOnly),
		"features", sum.Len(), "derived", len(res.Derived), "ms", res.Duration.Milliseconds())
	return res, nil
}
