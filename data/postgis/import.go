package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

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
// with their index pieces, the previous version's valid_to is closed and
// every derived layer that depends on this one is recomputed in SQL; a
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
		last, lastFrom, err := lastVersion(ctx, tx, layer)
		if err != nil {
			return err
		}
		if last > 0 && from.Before(lastFrom) {
			return fmt.Errorf("import %s: %w: valid_from %s is before the current version's %s", layer, data.ErrInvalidImport, from.Format(time.DateOnly), lastFrom.Format(time.DateOnly))
		}
		version := last + 1
		if err := copyFeatures(ctx, tx, layer, version, rows, hasParts(def), opts.Progress, step); err != nil {
			return err
		}
		info := data.LayerInfoOf(def, sorted, version, from)
		if _, err := tx.Exec(ctx, `INSERT INTO layer_versions (layer_id, version, valid_from, source, kind, feature_count, repaired_count, geometry_type, bbox, status)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			layer, version, from, opts.Source, def.Kind, len(feats), len(repaired), info.GeometryType, info.BBox[:], info.Status); err != nil {
			return err
		}
		if last > 0 {
			if _, err := tx.Exec(ctx, "UPDATE layer_versions SET valid_to = $3 WHERE layer_id = $1 AND version = $2", layer, last, from); err != nil {
				return err
			}
		}
		res.Layer = geo.LayerVersion{ID: layer, Version: version, ValidFrom: geo.Date{Time: from}}
		step("version")
		for _, d := range p.manifest.DependsOn(layer) {
			dv, ok, err := p.derive(ctx, tx, d, layer, version, from)
			if err != nil {
				return fmt.Errorf("import %s: derive %s: %w", layer, d.ID, err)
			}
			if ok {
				res.Derived = append(res.Derived, dv)
			}
		}
		step("derive")
		if err := notifyImport(ctx, tx, &res); err != nil { // delivered on COMMIT (notify.go)
			return err
		}
		return ctx.Err()
	})
	if err != nil {
		return data.ImportResult{}, err
	}
	step("commit")
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

func lastVersion(ctx context.Context, tx pgx.Tx, layer string) (int64, time.Time, error) {
	var v int64
	var from time.Time
	err := tx.QueryRow(ctx, "SELECT version, valid_from FROM layer_versions WHERE layer_id = $1 ORDER BY version DESC LIMIT 1", layer).Scan(&v, &from)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	return v, data.DateOf(from), err
}

// checkOrRepair validates the features as the embedded store does. With
// makeValid, features whose only fault is an invalid shape (self-
// intersecting or unclosed rings, …) are repaired with ST_MakeValid;
// anything else (bad coordinates, repeated ids, wrong geometry type) is
// still refused. It returns the features to store and the indices
// repaired.
func (p *Store) checkOrRepair(ctx context.Context, def geo.LayerDef, feats []geo.Feature, makeValid bool) ([]geo.Feature, []int, error) {
	err := data.CheckFeatures(def, feats)
	if err == nil {
		return feats, nil, nil
	}
	var ie *data.ImportError
	if !makeValid || !errors.As(err, &ie) {
		return nil, nil, err
	}
	polygonal := def.Kind == geo.LayerCoverage || def.Kind == geo.LayerZone || def.Kind == geo.LayerMask
	var fix []int
	var bad []data.FeatureProblem
	for _, pr := range ie.Problems {
		g := feats[pr.Index].Geometry
		switch {
		case strings.HasPrefix(pr.Reason, "id repeats"),
			geo.CheckGeometry(g) == nil, // its fault is its type, not its shape
			!repairable(g, polygonal):
			bad = append(bad, pr)
		default:
			fix = append(fix, pr.Index)
		}
	}
	if len(bad) > 0 {
		return nil, nil, &data.ImportError{Layer: def.ID, Problems: bad}
	}
	idx := make([]int32, len(fix))
	ws := make([][]byte, len(fix))
	for i, k := range fix {
		idx[i] = int32(k)
		if ws[i], err = wkb.Marshal(closeRings(feats[k].Geometry)); err != nil {
			return nil, nil, fmt.Errorf("import %s: feature %d: %w", def.ID, k, err)
		}
	}
	out := append([]geo.Feature(nil), feats...)
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `SELECT i, ST_AsBinary(CASE WHEN $3 THEN ST_CollectionExtract(ST_MakeValid(g), 3) ELSE ST_MakeValid(g) END)
		FROM unnest($1::int[], $2::bytea[]) AS t(i, w), ST_GeomFromWKB(w, 4490) AS g`, idx, ws, polygonal)
	if err != nil {
		return nil, nil, p.fail(ctx, "import "+def.ID+": repair", err)
	}
	for rows.Next() {
		var i int32
		var b []byte
		if err := rows.Scan(&i, &b); err != nil {
			rows.Close()
			return nil, nil, p.fail(ctx, "import "+def.ID+": repair", err)
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("import %s: repair feature %d: %w", def.ID, i, err)
		}
		out[i].Geometry = g
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, p.fail(ctx, "import "+def.ID+": repair", err)
	}
	var still []data.FeatureProblem
	for _, k := range fix {
		if geo.CountVertices(out[k].Geometry) == 0 {
			still = append(still, data.FeatureProblem{Index: k, ID: out[k].ID, Reason: "nothing is left of the geometry once repaired (ST_MakeValid)"})
		}
	}
	if len(still) > 0 {
		return nil, nil, &data.ImportError{Layer: def.ID, Problems: still}
	}
	if err := data.CheckFeatures(def, out); err != nil {
		return nil, nil, fmt.Errorf("after ST_MakeValid: %w", err)
	}
	return out, fix, nil
}

// repairable reports whether ST_MakeValid can be given g: finite
// coordinates in range, the right type, rings of at least three positions.
func repairable(g orb.Geometry, polygonal bool) bool {
	ok := true
	var walk func(g orb.Geometry)
	pts := func(ps []orb.Point) {
		for _, p := range ps {
			if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) || math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
				ok = false
			}
		}
	}
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			pts([]orb.Point{g})
		case orb.MultiPoint:
			pts(g)
		case orb.LineString:
			pts(g)
		case orb.MultiLineString:
			for _, l := range g {
				pts(l)
			}
		case orb.Polygon:
			for _, r := range g {
				pts(r)
				n := len(r)
				if n > 0 && r[0] == r[n-1] {
					n--
				}
				if n < 3 {
					ok = false
				}
			}
		case orb.MultiPolygon:
			for _, pl := range g {
				walk(pl)
			}
		case orb.Collection:
			for _, c := range g {
				walk(c)
			}
		default:
			ok = false
		}
	}
	if g == nil {
		return false
	}
	if polygonal {
		switch g.(type) {
		case orb.Polygon, orb.MultiPolygon:
		default:
			return false
		}
	}
	walk(g)
	return ok
}

// closeRings returns g with every polygon ring closed (PostGIS refuses
// unclosed rings before ST_MakeValid could see them).
func closeRings(g orb.Geometry) orb.Geometry {
	closePoly := func(p orb.Polygon) orb.Polygon {
		out := make(orb.Polygon, len(p))
		for i, r := range p {
			if len(r) > 0 && r[0] != r[len(r)-1] {
				r = append(append(orb.Ring(nil), r...), r[0])
			}
			out[i] = r
		}
		return out
	}
	switch g := g.(type) {
	case orb.Polygon:
		return closePoly(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = closePoly(p)
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, c := range g {
			out[i] = closeRings(c)
		}
		return out
	}
	return g
}

// Pieces for the index: polygons with more vertices than this are cut with
// ST_Subdivide; lines are cut into runs of lineChunkSegs segments.
const (
	subdivideVertices = 256
	lineChunkSegs     = 128
)

// hasParts: the layers whose features are relate()d through feature_parts.
// Masks are only read to derive zones.
func hasParts(def geo.LayerDef) bool {
	return def.Kind == geo.LayerCoverage || def.Kind == geo.LayerZone || def.Kind == geo.LayerSource
}

// stageRow is one feature ready for COPY.
type stageRow struct {
	id                     string
	ord                    int32
	props                  []byte
	geom, geom4549         []byte
	xmin, ymin, xmax, ymax float64
	repaired               bool
	parts                  [][]byte // EPSG:4549 WKB pieces made in Go (lines, points); polygons are cut in SQL
}

// stageRows encodes the features (in parallel: projection and WKB are the
// CPU-heavy part of a large import).
func stageRows(ctx context.Context, def geo.LayerDef, feats []geo.Feature, repaired []int) ([]stageRow, error) {
	rep := map[int]bool{}
	for _, i := range repaired {
		rep[i] = true
	}
	parts := hasParts(def)
	rows := make([]stageRow, len(feats))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(feats)/1000))
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(feats); i += workers {
				if i%4096 == w && ctx.Err() != nil {
					errs[w] = ctx.Err()
					return
				}
				f := feats[i]
				r := &rows[i]
				r.id, r.ord, r.repaired = f.ID, int32(i), rep[i]
				props := f.Properties
				if props == nil {
					props = map[string]any{}
				}
				var err error
				if r.props, err = json.Marshal(props); err != nil {
					errs[w] = fmt.Errorf("feature %d (%s) properties: %w", i, f.ID, err)
					return
				}
				proj := geo.ProjectGeometry(f.Geometry)
				if r.geom, err = wkb.Marshal(f.Geometry); err != nil {
					errs[w] = fmt.Errorf("feature %d (%s): %w", i, f.ID, err)
					return
				}
				if r.geom4549, err = wkb.Marshal(proj); err != nil {
					errs[w] = fmt.Errorf("feature %d (%s): %w", i, f.ID, err)
					return
				}
				b := f.Geometry.Bound()
				r.xmin, r.ymin, r.xmax, r.ymax = b.Min[0], b.Min[1], b.Max[0], b.Max[1]
				if parts {
					for _, pc := range linearPieces(proj) {
						b, err := wkb.Marshal(pc)
						if err != nil {
							errs[w] = err
							return
						}
						r.parts = append(r.parts, b)
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// linearPieces cuts the non-polygon parts of g (projected) into pieces for
// the index: lines into runs of lineChunkSegs segments, points as they are.
// Polygons (which are cut in SQL) yield nothing, except inside a
// collection, where they are kept whole.
func linearPieces(g orb.Geometry) []orb.Geometry {
	var out []orb.Geometry
	line := func(l orb.LineString) {
		if len(l) <= lineChunkSegs+1 {
			out = append(out, l)
			return
		}
		for i := 0; i+1 < len(l); i += lineChunkSegs {
			j := min(i+lineChunkSegs+1, len(l))
			out = append(out, append(orb.LineString(nil), l[i:j]...))
		}
	}
	var walk func(g orb.Geometry, inColl bool)
	walk = func(g orb.Geometry, inColl bool) {
		switch g := g.(type) {
		case orb.Point:
			out = append(out, g)
		case orb.MultiPoint:
			for _, p := range g {
				out = append(out, p)
			}
		case orb.LineString:
			line(g)
		case orb.MultiLineString:
			for _, l := range g {
				line(l)
			}
		case orb.Polygon, orb.MultiPolygon:
			if inColl {
				out = append(out, g)
			}
		case orb.Collection:
			for _, c := range g {
				walk(c, true)
			}
		}
	}
	walk(g, false)
	return out
}

// copySource feeds stage rows to COPY and reports progress.
type copySource struct {
	ctx      context.Context
	rows     []stageRow
	i        int
	progress func(done, total int)
	err      error
}

func (s *copySource) Next() bool {
	if s.i%1024 == 0 {
		if s.progress != nil && s.i > 0 {
			s.progress(s.i, len(s.rows))
		}
		if err := s.ctx.Err(); err != nil {
			s.err = err
			return false
		}
	}
	s.i++
	return s.i <= len(s.rows)
}

func (s *copySource) Values() ([]any, error) {
	r := &s.rows[s.i-1]
	return []any{r.id, r.ord, r.props, string(r.props), r.geom, r.geom4549, r.xmin, r.ymin, r.xmax, r.ymax, r.repaired}, nil
}

func (s *copySource) Err() error { return s.err }

// copyFeatures stores a layer version's features and their index pieces.
func copyFeatures(ctx context.Context, tx pgx.Tx, layer string, version int64, rows []stageRow, parts bool, progress func(done, total int), step func(string)) error {
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE ecospace_stage (
			feature_id text COLLATE "C", ord integer, properties jsonb, properties_json text, geom bytea, geom_4549 bytea,
			min_lon float8, min_lat float8, max_lon float8, max_lat float8, repaired boolean) ON COMMIT DROP;
		CREATE TEMP TABLE ecospace_stage_parts (feature_id text COLLATE "C", geom_4549 bytea) ON COMMIT DROP`); err != nil {
		return err
	}
	src := &copySource{ctx: ctx, rows: rows, progress: progress}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"ecospace_stage"},
		[]string{"feature_id", "ord", "properties", "properties_json", "geom", "geom_4549", "min_lon", "min_lat", "max_lon", "max_lat", "repaired"}, src); err != nil {
		return err
	}
	step("copy")
	var partRows [][]any
	for i := range rows {
		for _, w := range rows[i].parts {
			partRows = append(partRows, []any{rows[i].id, w})
		}
	}
	if len(partRows) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"ecospace_stage_parts"}, []string{"feature_id", "geom_4549"}, pgx.CopyFromRows(partRows)); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO features (layer_id, version, feature_id, ord, properties, properties_json, geom, geom_4549, min_lon, min_lat, max_lon, max_lat, repaired)
		SELECT $1, $2, feature_id, ord, properties, properties_json, ST_GeomFromWKB(geom, 4490), ST_GeomFromWKB(geom_4549, 4549), min_lon, min_lat, max_lon, max_lat, repaired
		FROM ecospace_stage`, layer, version); err != nil {
		return err
	}
	step("features")
	// Polygons: whole when small, else ST_Subdivide pieces.
	if _, err := tx.Exec(ctx, `INSERT INTO feature_parts (layer_id, version, feature_id, geom_4549)
		SELECT f.layer_id, f.version, f.feature_id, p.g
		FROM features f CROSS JOIN LATERAL (
			SELECT f.geom_4549 WHERE ST_NPoints(f.geom_4549) <= $3
			UNION ALL
			SELECT ST_Subdivide(f.geom_4549, $3) WHERE ST_NPoints(f.geom_4549) > $3
		) AS p(g)
		WHERE f.layer_id = $1 AND f.version = $2 AND GeometryType(f.geom_4549) IN ('POLYGON', 'MULTIPOLYGON')
		  AND $4`, layer, version, subdivideVertices, parts); err != nil {
		return err
	}
	step("parts")
	if len(partRows) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO feature_parts (layer_id, version, feature_id, geom_4549)
			SELECT $1, $2, feature_id, ST_GeomFromWKB(geom_4549, 4549) FROM ecospace_stage_parts`, layer, version); err != nil {
			return err
		}
	}
	return nil
}
