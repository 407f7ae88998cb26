package postgis

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/zhonglou/ecospace/data"
)

var _ data.TileStore = (*Store)(nil)

// tileSQL makes one Mapbox vector tile in PostGIS: the features of a layer
// version whose geometry meets the tile's box with its buffer (a lon/lat
// box in the store's SRID, so the GiST index on geom finds them), each cut
// to that box (ST_ClipByBox2D, $13–$16: the box grown by a tile unit; a
// feature lying inside it by its stored bounds is not cut), then
// simplified by half a tile unit ($9; Douglas-Peucker, as the embedded
// store's tiles, keeping collapsed rings), projected to Web Mercator and
// clipped to the tile's buffer exactly (ST_AsMVTGeom), with the feature's
// scalar properties (a jsonb column, which ST_AsMVT writes key by key;
// nested values are left out, as the embedded store leaves them) and its
// id. Cutting before simplifying keeps the work of a tile the size of
// what it shows: a corridor of 200 000 vertices crossing a z14 tile is
// simplified over the few hundred inside it. An empty tile is an empty
// bytea. The tile is made from the layer version's row, so that a version
// that does not exist gives no row (ErrNoVersion) without a query of its
// own.
const tileSQL = `SELECT coalesce((SELECT ST_AsMVT(t, $1, $10::int, 'geom') FROM (
	SELECT coalesce((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(f.properties) e
			WHERE jsonb_typeof(e.value) IN ('string', 'number', 'boolean')), '{}'::jsonb)
		|| CASE WHEN jsonb_typeof(f.properties->'id') IN ('string', 'number', 'boolean') THEN '{}'::jsonb
			ELSE jsonb_build_object('id', f.feature_id) END AS props,
		ST_AsMVTGeom(ST_Transform(CASE WHEN $9::float8 > 0 THEN ST_Simplify(c.g, $9::float8, true) ELSE c.g END, 3857),
			ST_TileEnvelope($3::int, $4::int, $5::int), $10::int, $11::int, true) AS geom
	FROM features f CROSS JOIN LATERAL (
		SELECT CASE WHEN f.min_lon >= $13 AND f.min_lat >= $14 AND f.max_lon <= $15 AND f.max_lat <= $16 THEN f.geom
			ELSE ST_ClipByBox2D(f.geom, ST_MakeEnvelope($13, $14, $15, $16, 4490)) END AS g
	) c
	WHERE f.layer_id = $1 AND f.version = $2
		AND f.geom && ST_MakeEnvelope($6, $7, $8, $12, 4490)
	ORDER BY f.feature_id
	OFFSET 0 -- a fence: without it the planner pushes "geom IS NOT NULL" into the scan and makes every feature's tile geometry twice
) AS t WHERE t.geom IS NOT NULL), ''::bytea)
FROM layer_versions WHERE layer_id = $1 AND version = $2`

// Tile implements TileStore with ST_AsMVT: the given version of layer id
// (resolved by the caller; not looked up again), features ordered by id,
// each with its scalar properties and id, as the embedded store's tiles
// (storetest's TileProperties).
func (p *Store) Tile(ctx context.Context, id string, version int64, z, x, y int) ([]byte, error) {
	if _, ok := p.manifest.Def(id); !ok {
		return nil, fmt.Errorf("layer %s: %w", id, data.ErrNotFound)
	}
	if !data.ValidTile(z, x, y) {
		return nil, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, data.ErrNotFound)
	}
	b := data.TileBound(z, x, y)
	// Half a tile unit, in degrees of latitude where the tile is (a unit
	// spans fewer degrees of latitude than of longitude away from the
	// equator): below what the tile can show.
	lat := (b.Min[1] + b.Max[1]) / 2
	tol := 0.5 * 360 / (data.TileExtent * math.Exp2(float64(z))) * math.Cos(lat*math.Pi/180)
	if z >= data.MaxTileZoom-6 {
		tol = 0
	}
	var out []byte
	// The cut: the tile's box grown by a tile unit (in degrees of
	// longitude, more than a unit of latitude anywhere), so that
	// ST_AsMVTGeom makes the last, exact cut at the buffer's edge.
	unit := 360 / (data.TileExtent * math.Exp2(float64(z)))
	err := p.withRead(ctx, func(conn *pgxpool.Conn) error {
		return conn.QueryRow(ctx, tileSQL, id, version, z, x, y,
			b.Min[0], b.Min[1], b.Max[0], tol, data.TileExtent, data.TileBuffer, b.Max[1],
			b.Min[0]-unit, b.Min[1]-unit, b.Max[0]+unit, b.Max[1]+unit).Scan(&out)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgis: layer %s version %d: %w", id, version, data.ErrNoVersion)
	}
	if err != nil {
		return nil, p.fail(ctx, "tile", err)
	}
	return out, nil
}
