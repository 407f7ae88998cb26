package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/zhonglou/ecospace/geo"
)

// Pieces for the index: polygons with more vertices than this are cut with
// ST_Subdivide; lines are cut into runs of lineChunkSegs segments.
const (
	subdivideVertices = 256
	lineChunkSegs     = 128
)

// hasParts: the layers whose features are relate()d through feature_parts.
// Masks are only read to derive zones; display and informational layers
// are never related.
func hasParts(def geo.LayerDef) bool {
	return def.Kind == geo.LayerCoverage || def.Judged() || def.Kind == geo.LayerSource
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
			defer func() {
				// A panic here would end the process (and requests in
				// flight): it fails the import instead.
				if v := recover(); v != nil {
					errs[w] = fmt.Errorf("staging features: panic: %v", v)
				}
			}()
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

// copySource feeds stage rows to COPY and reports progress: done counts
// the rows of earlier chunks, total all of them (0: len(rows)).
type copySource struct {
	ctx         context.Context
	rows        []stageRow
	i           int
	done, total int
	progress    func(done, total int)
	err         error
}

func (s *copySource) Next() bool {
	if s.i%1024 == 0 {
		if s.progress != nil && s.done+s.i > 0 {
			total := s.total
			if total == 0 {
				total = len(s.rows)
			}
			s.progress(s.done+s.i, total)
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
	if err := createStage(ctx, tx); err != nil {
		return err
	}
	if err := copyStage(ctx, tx, rows, 0, 0, progress); err != nil {
		return err
	}
	step("copy")
	return moveStage(ctx, tx, layer, version, parts, step)
}

// createStage makes the transaction's staging tables.
func createStage(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TEMP TABLE ecospace_stage (
			feature_id text COLLATE "C", ord integer, properties jsonb, properties_json text, geom bytea, geom_4549 bytea,
			min_lon float8, min_lat float8, max_lon float8, max_lat float8, repaired boolean) ON COMMIT DROP;
		CREATE TEMP TABLE ecospace_stage_parts (feature_id text COLLATE "C", geom_4549 bytea) ON COMMIT DROP`)
	return err
}

// copyStage copies rows (and their pieces) into the staging tables; done
// and total are for progress (rows of earlier chunks, all rows).
func copyStage(ctx context.Context, tx pgx.Tx, rows []stageRow, done, total int, progress func(done, total int)) error {
	src := &copySource{ctx: ctx, rows: rows, done: done, total: total, progress: progress}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"ecospace_stage"},
		[]string{"feature_id", "ord", "properties", "properties_json", "geom", "geom_4549", "min_lon", "min_lat", "max_lon", "max_lat", "repaired"}, src); err != nil {
		return err
	}
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
	return nil
}

// moveStage moves the staged features into features, with their pieces
// (polygons cut in SQL, the others as staged) into feature_parts.
func moveStage(ctx context.Context, tx pgx.Tx, layer string, version int64, parts bool, step func(string)) error {
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
	if _, err := tx.Exec(ctx, `INSERT INTO feature_parts (layer_id, version, feature_id, geom_4549)
		SELECT $1, $2, feature_id, ST_GeomFromWKB(geom_4549, 4549) FROM ecospace_stage_parts`, layer, version); err != nil {
		return err
	}
	return nil
}
