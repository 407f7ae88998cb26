package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// featurePage is how many features one query fetches. The connection goes
// back to the pool between pages, so a slow or stalled consumer (an HTTP
// client reading a big layer over a bad line) never holds a connection:
// versions never change once committed, so paging by feature id (keyset,
// not OFFSET) sees one consistent version.
const featurePage = 500

type pgFeature struct {
	id    string
	props []byte
	geom  []byte
	// canonical: props came from properties_json, as encoding/json wrote
	// them at import; else from properties::text, to be decoded.
	canonical bool
}

// Features implements Store: features of the version q.Version names (as
// the caller resolved it with Layer: it is not looked up again), else of
// the version in force on q.AsOf, in feature id order (byte order, as the
// embedded store sorts), selected by bbox through the GiST index (the
// exact bounds decide; with q.Exact the geometry), by property equality,
// offset and limit, cut to q.ClipBound when the caller draws only the box
// and simplified for q.Zoom.
func (p *Store) Features(ctx context.Context, id string, q data.FeatureQuery, fn func(geo.Feature) error) error {
	version := q.Version
	if version == 0 {
		info, err := p.Layer(ctx, id, q.AsOf)
		if err != nil {
			return err
		}
		version = info.Version
	} else if _, ok := p.manifest.Def(id); !ok {
		return fmt.Errorf("layer %s: %w", id, data.ErrNotFound)
	}
	args := []any{id, version}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	// The geometry as drawn at q.Zoom: whole, or cut to the drawn box
	// first when the caller draws only the box (a feature lying wholly
	// inside it, by its stored bounds, is not cut), then simplified by
	// Douglas-Peucker as the embedded store simplifies (ST_Simplify,
	// keeping collapsed rings). A whole layer at a zoom (what the map
	// loads, and keeps) is also made valid: where Douglas-Peucker leaves
	// an invalid polygon, ST_SimplifyPreserveTopology draws it instead
	// (fifty times slower, so only then). A box drawn at a zoom is not:
	// it is a one-off display, the exact test took two thirds more of
	// PostgreSQL's time (3.8 → 6.3 ms for 218 features of the national
	// layer at zoom 12), and the embedded store does not make it either.
	// A multi-part geometry stays multi-part, as in the embedded store.
	from := "features"
	geom := "geom"
	if tol := geo.ZoomTolerance(q.Zoom); tol > 0 {
		t := arg(tol)
		cut, simple := "geom", "s.dp"
		if cb, ok := q.ClipBound(); ok {
			x0, y0, x1, y1 := arg(cb.Min[0]), arg(cb.Min[1]), arg(cb.Max[0]), arg(cb.Max[1])
			cut = fmt.Sprintf(`CASE WHEN min_lon >= %[1]s AND min_lat >= %[2]s AND max_lon <= %[3]s AND max_lat <= %[4]s THEN geom
				ELSE ST_ClipByBox2D(geom, ST_MakeEnvelope(%[1]s, %[2]s, %[3]s, %[4]s, 4490)) END`, x0, y0, x1, y1)
		} else {
			simple = fmt.Sprintf("CASE WHEN ST_IsValid(s.dp) THEN s.dp ELSE ST_SimplifyPreserveTopology(c.cut, %s::float8) END", t)
		}
		from = fmt.Sprintf(`features CROSS JOIN LATERAL (SELECT %s AS cut) c CROSS JOIN LATERAL (SELECT ST_Simplify(c.cut, %s::float8, true) AS dp) s`, cut, t)
		geom = fmt.Sprintf("CASE WHEN GeometryType(geom) LIKE 'MULTI%%' THEN ST_Multi(%[1]s) ELSE %[1]s END", simple)
	}
	var where strings.Builder
	if q.BBox != nil {
		b := q.BBox
		x0, y0, x1, y1 := arg(b.Min[0]), arg(b.Min[1]), arg(b.Max[0]), arg(b.Max[1])
		fmt.Fprintf(&where, ` AND geom && ST_MakeEnvelope(%[1]s, %[2]s, %[3]s, %[4]s, 4490) AND min_lon <= %[3]s AND max_lon >= %[1]s AND min_lat <= %[4]s AND max_lat >= %[2]s`,
			x0, y0, x1, y1)
		if q.Exact {
			// A feature whose bounds lie inside the box meets it: the
			// exact test (which reads the whole geometry) is for the
			// others only.
			fmt.Fprintf(&where, ` AND (min_lon >= %[1]s AND min_lat >= %[2]s AND max_lon <= %[3]s AND max_lat <= %[4]s
				OR ST_Intersects(geom, ST_MakeEnvelope(%[1]s, %[2]s, %[3]s, %[4]s, 4490)))`, x0, y0, x1, y1)
		}
	}
	keys := make([]string, 0, len(q.Filter))
	for k := range q.Filter {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == data.ParcelNoProperty {
			// Named in the statement, as in the expression index
			// features_parcel_no (migration 0012): a parameter for the
			// key would not match it.
			fmt.Fprintf(&where, " AND properties->>'%s' = %s", data.ParcelNoProperty, arg(q.Filter[k]))
			continue
		}
		fmt.Fprintf(&where, " AND properties->>%s = %s", arg(k), arg(q.Filter[k]))
	}
	// The first page skips q.Offset features; the next ones start after the
	// last id seen (keyset paging: an index range, not a rescan). The first
	// page is read from the layer version's row, so that a version that
	// does not exist gives no row at all (ErrNoVersion) and one with
	// nothing selected a row of NULLs: one statement, whether or not the
	// version was looked up before.
	n := len(args)
	cols := `SELECT feature_id, COALESCE(properties_json, properties::text) AS props, properties_json IS NOT NULL AS canonical,
		ST_AsBinary(` + geom + `) AS geom
		FROM ` + from + ` WHERE layer_id = $1 AND version = $2` + where.String()
	first := fmt.Sprintf(`SELECT f.feature_id, f.props, coalesce(f.canonical, false), f.geom
		FROM layer_versions v LEFT JOIN LATERAL (%s ORDER BY feature_id LIMIT $%d OFFSET $%d) f ON true
		WHERE v.layer_id = $1 AND v.version = $2
		ORDER BY f.feature_id`, cols, n+1, n+2)
	next := fmt.Sprintf(`%s AND feature_id > $%d ORDER BY feature_id LIMIT $%d`, cols, n+1, n+2)

	sent := 0
	after := ""
	page := make([]pgFeature, 0, featurePage)
	for {
		limit := featurePage
		if q.Limit > 0 {
			limit = min(limit, q.Limit-sent)
		}
		if limit <= 0 {
			return nil
		}
		var err error
		if sent == 0 && after == "" {
			var exists bool
			page, exists, err = p.featurePage(ctx, first, append(args[:n:n], limit, q.Offset), page[:0])
			if err == nil && !exists {
				return fmt.Errorf("postgis: layer %s version %d: %w", id, version, data.ErrNoVersion)
			}
		} else {
			page, _, err = p.featurePage(ctx, next, append(args[:n:n], after, limit), page[:0])
		}
		if err != nil {
			return err
		}
		for _, f := range page {
			g, err := wkb.Unmarshal(f.geom)
			if err != nil {
				return fmt.Errorf("postgis: feature %s/%s: %w", id, f.id, err)
			}
			feat := geo.Feature{ID: f.id, Geometry: g}
			if q.RawProperties && f.canonical {
				feat.PropertiesJSON = f.props
			} else if err := json.Unmarshal(f.props, &feat.Properties); err != nil {
				return fmt.Errorf("postgis: feature %s/%s properties: %w", id, f.id, err)
			}
			if err := fn(feat); err != nil {
				return err
			}
			sent++
		}
		if len(page) < limit {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return p.fail(ctx, "features", err)
		}
		after = page[len(page)-1].id
	}
}

// featurePage runs one page query and releases the connection before the
// caller sees a row. rows says whether the query gave any row: the first
// page's gives at least one (of NULLs when nothing is selected) for a
// version that exists.
func (p *Store) featurePage(ctx context.Context, sql string, args []any, out []pgFeature) (page []pgFeature, rows bool, err error) {
	n := len(out)
	err = p.withRead(ctx, func(conn *pgxpool.Conn) error {
		out, rows = out[:n], false // again from the start on a second try
		rs, err := conn.Query(ctx, sql, args...)
		if err != nil {
			return p.fail(ctx, "features", err)
		}
		defer rs.Close()
		for rs.Next() {
			rows = true
			var id *string
			var f pgFeature
			if err := rs.Scan(&id, &f.props, &f.canonical, &f.geom); err != nil {
				return p.fail(ctx, "features", err)
			}
			if id == nil {
				continue // the first page's row for a version with nothing selected
			}
			f.id = *id
			out = append(out, f)
		}
		if err := rs.Err(); err != nil {
			return p.fail(ctx, "features", err)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, rows, nil
}
