package data

import (
	"context"
	"fmt"
	"math"
	"time"
)

var _ TileStore = (*PG)(nil)

// tileSQL makes one Mapbox vector tile in PostGIS: the features of a layer
// version whose geometry meets the tile's box with its buffer (a lon/lat
// box in the store's SRID, so the GiST index on geom finds them), each
// simplified by half a tile unit, projected to Web Mercator and clipped
// to the tile (ST_AsMVTGeom), with the properties the map shows. An empty
// tile is an empty bytea.
const tileSQL = `SELECT coalesce((SELECT ST_AsMVT(t, $1, $10::int, 'geom') FROM (
	SELECT coalesce(f.properties->>'id', f.feature_id) AS id,
		f.properties->>'name_zh' AS name_zh, f.properties->>'name_en' AS name_en,
		f.properties->>'subzone' AS subzone, f.properties->>'status' AS status,
		ST_AsMVTGeom(ST_Transform(CASE WHEN $9::float8 > 0 THEN ST_SimplifyPreserveTopology(f.geom, $9::float8) ELSE f.geom END, 3857),
			ST_TileEnvelope($3::int, $4::int, $5::int), $10::int, $11::int, true) AS geom
	FROM features f
	WHERE f.layer_id = $1 AND f.version = $2
		AND f.geom && ST_MakeEnvelope($6, $7, $8, $12, 4490)
	ORDER BY f.feature_id
) AS t WHERE t.geom IS NOT NULL), ''::bytea)`

// Tile implements TileStore with ST_AsMVT: the version of layer id in
// force on asOf, features ordered by id, properties id, name_zh, name_en,
// subzone and status (those a feature has).
func (p *PG) Tile(ctx context.Context, id string, asOf time.Time, z, x, y int) ([]byte, error) {
	info, err := p.Layer(ctx, id, asOf)
	if err != nil {
		return nil, err
	}
	if !ValidTile(z, x, y) {
		return nil, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, ErrNotFound)
	}
	b := TileBound(z, x, y)
	// Half a tile unit, in degrees of latitude where the tile is (a unit
	// spans fewer degrees of latitude than of longitude away from the
	// equator): below what the tile can show.
	lat := (b.Min[1] + b.Max[1]) / 2
	tol := 0.5 * 360 / (TileExtent * math.Exp2(float64(z))) * math.Cos(lat*math.Pi/180)
	if z >= MaxTileZoom-6 {
		tol = 0
	}
	conn, err := p.acquireRead(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	var out []byte
	err = conn.QueryRow(ctx, tileSQL, id, info.Version, z, x, y,
		b.Min[0], b.Min[1], b.Max[0], tol, TileExtent, TileBuffer, b.Max[1]).Scan(&out)
	if err != nil {
		return nil, p.fail(ctx, "tile", err)
	}
	return out, nil
}
