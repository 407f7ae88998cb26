package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Derived layers are recomputed in SQL inside the import's transaction, to
// the definition geo.DeriveZones gives the embedded store:
//
//   - source: all features of the source layer version;
//   - mask "inside": the union of the mask layer's features; "outside":
//     the union of the coverage's features minus that union (EPSG:4549);
//   - drawn band: ST_Buffer(source, distance_m, 'quad_segs=32') (the same
//     32 segments per quarter circle as geo.BufferQuadSegs) ∩ mask area,
//     minus ST_Buffer(source, min_distance_m, 'quad_segs=32');
//   - a masked band whose mask area is empty is left out.
//
// Membership is not decided by the drawn band but by the exact distance to
// the source's pieces (feature_parts), in Relate.

// inForceVersionSQL: the version of layer $1 in force on $2 as the import
// will leave it (data.InForce over every version, the import's own, not
// yet recorded, included).
const inForceVersionSQL = `SELECT version FROM layer_versions
WHERE layer_id = $1 AND valid_from <= $2::date
ORDER BY valid_from DESC, version DESC LIMIT 1`

const deriveMaskSQL = `INSERT INTO ecospace_mask (layer_id, inside, outside)
SELECT $1, m.g, ST_Multi(ST_CollectionExtract(ST_Difference(c.g, m.g), 3))
FROM (SELECT ST_Multi(ST_CollectionExtract(ST_Union(geom_4549), 3)) AS g FROM features WHERE layer_id = $2 AND version = $3) m,
     (SELECT ST_Union(geom_4549) AS g FROM features WHERE layer_id = $4 AND version = $5) c
RETURNING NOT ST_IsEmpty(inside), NOT ST_IsEmpty(outside)`

const deriveBandSQL = `WITH src AS (
	SELECT geom_4549 AS g FROM features WHERE layer_id = $5 AND version = $6
), area AS (
	SELECT CASE $9::text WHEN 'inside' THEN m.inside WHEN 'outside' THEN m.outside END AS g
	FROM (SELECT 1) AS one LEFT JOIN ecospace_mask m ON m.layer_id = $1
), bufs AS (
	SELECT ST_Union(ST_Buffer(g, $7::float8, 'quad_segs=32')) AS outer_g,
	       CASE WHEN $8::float8 > 0 THEN ST_Multi(ST_CollectionExtract(ST_Union(ST_Buffer(g, $8::float8, 'quad_segs=32')), 3)) END AS inner_g
	FROM src
), drawn AS (
	SELECT ST_Multi(ST_CollectionExtract(CASE WHEN b.inner_g IS NULL THEN x.g ELSE ST_Difference(x.g, b.inner_g) END, 3)) AS g
	FROM bufs b CROSS JOIN LATERAL (
		SELECT CASE WHEN a.g IS NULL THEN b.outer_g ELSE ST_Intersection(b.outer_g, a.g) END AS g FROM area a
	) x
)
INSERT INTO zones (layer_id, version, zone_id, ord, subzone, distance_m, min_distance_m, mask, source_layer, source_version, area_4549, inner_4549, drawn_4549)
SELECT $1, $2, $3, $4, $10, $7, $8, $9, $5, $6, a.g, b.inner_g, d.g FROM area a, bufs b, drawn d`

const deriveFeatureSQL = `INSERT INTO features (layer_id, version, feature_id, ord, properties, geom, geom_4549, min_lon, min_lat, max_lon, max_lat)
SELECT z.layer_id, z.version, z.zone_id, z.ord, $4::jsonb, t.g, z.drawn_4549,
	coalesce(ST_XMin(t.g), 0), coalesce(ST_YMin(t.g), 0), coalesce(ST_XMax(t.g), 0), coalesce(ST_YMax(t.g), 0)
FROM zones z CROSS JOIN LATERAL (SELECT ST_Transform(z.drawn_4549, 4490) AS g) t
WHERE z.layer_id = $1 AND z.version = $2 AND z.zone_id = $3`

const deriveZonePartsSQL = `INSERT INTO zone_parts (layer_id, version, zone_id, kind, geom_4549)
SELECT z.layer_id, z.version, z.zone_id, k.kind, ST_Subdivide(k.g, $3)
FROM zones z CROSS JOIN LATERAL (VALUES ('area', z.area_4549), ('drawn', z.drawn_4549), ('inner', z.inner_4549)) AS k(kind, g)
WHERE z.layer_id = $1 AND z.version = $2 AND k.g IS NOT NULL AND NOT ST_IsEmpty(k.g)`

// derive recomputes derived layer d after layer (now at version) was
// imported valid from from, exactly when and as the embedded store does:
// its inputs are the new version of the imported layer and, for the other
// layers, the versions in force on from; when an input is missing nothing
// is computed (ok false). The new derived version has the same valid_from.
func (p *Store) derive(ctx context.Context, tx pgx.Tx, d geo.LayerDef, layer string, version int64, from time.Time) (geo.LayerVersion, bool, error) {
	input := func(id string) (int64, error) {
		if id == layer {
			return version, nil
		}
		var v int64
		err := tx.QueryRow(ctx, inForceVersionSQL, id, from).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, nil
		}
		return v, err
	}
	cov, _ := p.manifest.Coverage()
	dd := d.Derived
	sv, err := input(dd.Source)
	if err != nil || sv == 0 {
		return geo.LayerVersion{}, false, err
	}
	var mv, cv int64
	if dd.Mask != "" {
		if mv, err = input(dd.Mask); err != nil || mv == 0 {
			return geo.LayerVersion{}, false, err
		}
		if cv, err = input(cov.ID); err != nil || cv == 0 {
			return geo.LayerVersion{}, false, err
		}
	}
	// The zones' status: the weakest of the source's (and, when a band is
	// masked, the mask's) features, in the order the embedded store reads
	// them (file order for the layer being imported, else by id).
	status, err := weakestStatus(ctx, tx, dd.Source, sv, dd.Source == layer, "")
	if err != nil {
		return geo.LayerVersion{}, false, err
	}
	origin, err := sourceOrigin(ctx, tx, dd.Source, sv)
	if err != nil {
		return geo.LayerVersion{}, false, err
	}
	masked := false
	for _, b := range dd.Bands {
		switch b.Mask {
		case "":
		case geo.MaskInside, geo.MaskOutside:
			masked = true
		default:
			return geo.LayerVersion{}, false, fmt.Errorf("band %s: mask %q is not inside or outside", b.ID, b.Mask)
		}
	}
	if _, err := tx.Exec(ctx, "CREATE TEMP TABLE IF NOT EXISTS ecospace_mask (layer_id text, inside geometry, outside geometry) ON COMMIT DROP"); err != nil {
		return geo.LayerVersion{}, false, err
	}
	var hasInside, hasOutside bool
	if masked {
		if status, err = weakestStatus(ctx, tx, dd.Mask, mv, dd.Mask == layer, status); err != nil {
			return geo.LayerVersion{}, false, err
		}
		// A back-dated import derives a layer more than once (deriveAll):
		// each time from its own mask.
		if _, err := tx.Exec(ctx, "DELETE FROM ecospace_mask WHERE layer_id = $1", d.ID); err != nil {
			return geo.LayerVersion{}, false, err
		}
		if err := tx.QueryRow(ctx, deriveMaskSQL, d.ID, dd.Mask, mv, cov.ID, cv).Scan(&hasInside, &hasOutside); err != nil {
			return geo.LayerVersion{}, false, fmt.Errorf("mask: %w", err)
		}
	}
	var dn int64 = 1
	if last, err := lastVersion(ctx, tx, d.ID); err != nil {
		return geo.LayerVersion{}, false, err
	} else {
		dn = last + 1
	}
	for i, b := range dd.Bands {
		if (b.Mask == geo.MaskInside && !hasInside) || (b.Mask == geo.MaskOutside && !hasOutside) {
			continue // the mask leaves nothing on this side
		}
		props := geo.BandProperties(*dd, b, status, origin)
		pj, err := json.Marshal(props)
		if err != nil {
			return geo.LayerVersion{}, false, err
		}
		if _, err := tx.Exec(ctx, deriveBandSQL, d.ID, dn, b.ID, i, dd.Source, sv, b.DistanceM, b.MinDistanceM, b.Mask, b.Subzone); err != nil {
			return geo.LayerVersion{}, false, fmt.Errorf("band %s: %w", b.ID, err)
		}
		if _, err := tx.Exec(ctx, deriveFeatureSQL, d.ID, dn, b.ID, pj); err != nil {
			return geo.LayerVersion{}, false, fmt.Errorf("band %s: %w", b.ID, err)
		}
	}
	if _, err := tx.Exec(ctx, deriveZonePartsSQL, d.ID, dn, subdivideVertices); err != nil {
		return geo.LayerVersion{}, false, err
	}
	// The version's summary, as LayerInfoOf makes it from the bands.
	var n int
	var bbox [4]float64
	var types []string
	if err := tx.QueryRow(ctx, `SELECT count(*), coalesce(min(min_lon), 0), coalesce(min(min_lat), 0), coalesce(max(max_lon), 0), coalesce(max(max_lat), 0),
			coalesce(array_agg(DISTINCT GeometryType(geom)), '{}')
		FROM features WHERE layer_id = $1 AND version = $2`, d.ID, dn).Scan(&n, &bbox[0], &bbox[1], &bbox[2], &bbox[3], &types); err != nil {
		return geo.LayerVersion{}, false, err
	}
	tset := map[string]bool{}
	for _, t := range types {
		tset[geoJSONType(t)] = true
	}
	st := status
	if st == "" || n == 0 {
		st = "official"
	}
	from2 := map[string]any{"source": map[string]any{"layer": dd.Source, "version": sv}}
	if dd.Mask != "" {
		from2["mask"] = map[string]any{"layer": dd.Mask, "version": mv}
		from2["coverage"] = map[string]any{"layer": cov.ID, "version": cv}
	}
	if origin != nil {
		from2[geo.PropCentreLineHalfWidth] = origin.HalfWidthM
	}
	if _, err := tx.Exec(ctx, `INSERT INTO layer_versions (layer_id, version, valid_from, source, kind, feature_count, geometry_type, bbox, status, derived_from)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		d.ID, dn, from, fmt.Sprintf("derived from %s@%d", dd.Source, sv), d.Kind, n, data.GeometryTypeOf(tset), bbox[:], st, from2); err != nil {
		return geo.LayerVersion{}, false, err
	}
	return geo.LayerVersion{ID: d.ID, Version: dn, ValidFrom: geo.Date{Time: from}}, true, nil
}

// sourceOrigin is the origin of a source layer version's surfaces, as
// geo.WiderOrigin folds it over the features: the widest declared
// half-width of those made from a centre line, nil when none was.
func sourceOrigin(ctx context.Context, tx pgx.Tx, layer string, version int64) (*geo.Origin, error) {
	var w *float64
	if err := tx.QueryRow(ctx, `SELECT max((properties->>$3)::float8) FROM features
		WHERE layer_id = $1 AND version = $2 AND jsonb_typeof(properties->$3) = 'number' AND (properties->>$3)::float8 > 0`,
		layer, version, geo.PropCentreLineHalfWidth).Scan(&w); err != nil {
		return nil, err
	}
	if w == nil {
		return nil, nil
	}
	return geo.CentreLineOrigin(*w), nil
}

// weakestStatus folds the features' "status" strings into status, keeping
// the least authoritative (geo.WeakerStatus: illustrative <
// estimated < official = verified; the first of equals wins).
func weakestStatus(ctx context.Context, tx pgx.Tx, layer string, version int64, fileOrder bool, status string) (string, error) {
	order := "feature_id"
	if fileOrder {
		order = "ord"
	}
	rows, err := tx.Query(ctx, `SELECT CASE WHEN jsonb_typeof(properties->'status') = 'string' THEN properties->>'status' ELSE '' END
		FROM features WHERE layer_id = $1 AND version = $2 ORDER BY `+order, layer, version)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		status = geo.WeakerStatus(status, s)
	}
	return status, rows.Err()
}

// geoJSONType maps PostGIS GeometryType() names to GeoJSON's.
func geoJSONType(t string) string {
	switch t {
	case "POINT":
		return "Point"
	case "MULTIPOINT":
		return "MultiPoint"
	case "LINESTRING":
		return "LineString"
	case "MULTILINESTRING":
		return "MultiLineString"
	case "POLYGON":
		return "Polygon"
	case "MULTIPOLYGON":
		return "MultiPolygon"
	case "GEOMETRYCOLLECTION":
		return "GeometryCollection"
	}
	return t
}

// deriveAll recomputes every layer derived from layer, whose new version
// valid from from the transaction holds: from that day and, for a
// back-dated version, again on each later day another input of the
// derived layer changed while the new version is in force
// (data.RederiveDays), so that no derived version in force is made from
// a version of layer that is not. It appends what it made to res.
func (p *Store) deriveAll(ctx context.Context, tx pgx.Tx, layer string, version int64, from time.Time, res *data.ImportResult) error {
	for _, d := range p.manifest.DependsOn(layer) {
		rows, err := tx.Query(ctx, `SELECT layer_id, valid_from FROM layer_versions WHERE layer_id = ANY($1::text[])`, data.DerivedInputs(p.manifest, d))
		if err != nil {
			return err
		}
		var ins []geo.LayerInfo
		for rows.Next() {
			var v geo.LayerInfo
			var vf time.Time
			if err := rows.Scan(&v.ID, &vf); err != nil {
				rows.Close()
				return err
			}
			v.ValidFrom = geo.Date{Time: data.DateOf(vf)}
			ins = append(ins, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, day := range append([]time.Time{from}, data.RederiveDays(layer, from, ins)...) {
			dv, ok, err := p.derive(ctx, tx, d, layer, version, day)
			if err != nil {
				return fmt.Errorf("import %s: derive %s: %w", layer, d.ID, err)
			}
			if ok {
				res.Derived = append(res.Derived, dv)
			}
		}
	}
	return nil
}
