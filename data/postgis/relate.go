package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Relate answers in one SQL statement (one round trip) what geo.Relate and
// geo.Cover answer for the embedded store; the contract is the comment at
// the top of geo/relate.go. Go sends the site already projected to
// EPSG:4549 by geo (the same coordinates the embedded store measures) and
// unprojects the conflict parts and nearest lines PostGIS returns with the
// same geo code, so the two stores differ only in the overlay and distance
// arithmetic of GEOS versus simplefeatures (nanometres), and in the drawn
// band polygons (both 32 segments per quarter circle, vertices placed
// differently on the arcs: up to d·(1−cos(π/128)), 0.6 m at 2 000 m).
//
// Both statements return rows of one shape:
//
//	kind 'L': a layer version in force (layer_id, version, valid_from)
//	kind 'C': coverage (d = 1 when some part is inside, m = measure inside,
//	          m2 = measure of the judged part)
//	kind 'Z': a polygon zone hit (m = measure of the overlap, part)
//	kind 'D': a distance zone hit (d = exact distance, m = overlap with the
//	          drawn band, part, near = shortest line to the source)
//
// The zones' names come from their features' properties, read once per
// layer version and zone and kept (versions never change): see zoneNames.

// tolSQL is geo.BoundaryToleranceM (the boundary rule, geo/boundary.go)
// as SQL: a site within it of a zone touches the zone, a distance within
// it of a band's limit is at the limit. TestBoundaryToleranceSQL holds the
// two equal.
const tolSQL = "1e-6::float8"

// pgMinMeasure mirrors geo's minAreaM2 (0.001 m²) and minLengthM
// (0.001 m): the smallest overlap that counts.
const pgMinMeasure = 0.001

// relatePointsSQL relates a batch of points ($5 x, $6 y in EPSG:4549, $7
// as_of days; row i of the answer belongs to the i-th point, 1-based). A
// point needs no overlay at all: point-in-polygon on the indexed pieces
// and a nearest-piece distance probe per distance zone. Concurrent point
// checks are batched (pointBatcher), so that under load one statement
// answers dozens of them: most of a single check's cost in PostgreSQL is
// the statement, not the probes. 'L' rows carry their day instead of i.
const relatePointsSQL = `WITH pts AS MATERIALIZED (
	SELECT t.i, ST_SetSRID(ST_MakePoint(t.x, t.y), 4549) AS g, t.day, coalesce(t.known, 'infinity') AS known
	FROM unnest($5::float8[], $6::float8[], $7::date[], $8::timestamptz[]) WITH ORDINALITY AS t(x, y, day, known, i)
), days AS MATERIALIZED (
	SELECT DISTINCT day, known FROM pts
), v AS MATERIALIZED (
	SELECT DISTINCT ON (d.day, d.known, lv.layer_id) d.day, d.known, lv.layer_id, lv.version, lv.valid_from, lv.recorded_at
	FROM days d JOIN layer_versions lv ON lv.valid_from <= d.day AND lv.recorded_at <= d.known AND lv.recorded_at < 'infinity'
	WHERE lv.layer_id = ANY($1::text[])
	ORDER BY d.day, d.known, lv.layer_id, lv.valid_from DESC, lv.version DESC
), cov AS MATERIALIZED (
	-- the points inside the district
	SELECT p.i, p.g, p.day, p.known FROM pts p WHERE EXISTS (
		SELECT 1 FROM feature_parts fp JOIN v ON fp.layer_id = v.layer_id AND fp.version = v.version
		WHERE v.day = p.day AND v.known = p.known AND v.layer_id = $2 AND ST_DWithin(fp.geom_4549, p.g, ` + tolSQL + `))
)
SELECT 0::bigint AS i, 'L' AS kind, v.layer_id, ''::text AS zone_id, v.version, v.valid_from, v.day, v.known, v.recorded_at, 0::float8 AS d,
	NULL::bytea AS near
FROM v
UNION ALL
SELECT c.i, 'C', '', '', 0, NULL, NULL, NULL, NULL, 0, NULL FROM cov c
UNION ALL
SELECT DISTINCT c.i, 'Z', fp.layer_id, fp.feature_id, fp.version, NULL::date, NULL::date, NULL::timestamptz, NULL::timestamptz, 0::float8, NULL::bytea
FROM cov c JOIN v ON v.day = c.day AND v.known = c.known AND v.layer_id = ANY($3::text[])
JOIN feature_parts fp ON fp.layer_id = v.layer_id AND fp.version = v.version AND ST_DWithin(fp.geom_4549, c.g, ` + tolSQL + `)
UNION ALL
SELECT c.i, 'D', z.layer_id, z.zone_id, z.version, NULL, NULL, NULL, NULL, n.d, CASE WHEN n.d > 0 THEN ST_AsBinary(ST_ShortestLine(c.g, n.src)) END
FROM cov c JOIN v ON v.day = c.day AND v.known = c.known AND v.layer_id = ANY($4::text[])
JOIN zones z ON z.layer_id = v.layer_id AND z.version = v.version
CROSS JOIN LATERAL (
	SELECT sp.geom_4549 AS src, ST_Distance(sp.geom_4549, c.g) AS d
	FROM feature_parts sp
	WHERE sp.layer_id = z.source_layer AND sp.version = z.source_version AND ST_DWithin(sp.geom_4549, c.g, z.distance_m + ` + tolSQL + `)
	ORDER BY 2 LIMIT 1
) n
WHERE (z.min_distance_m = 0 OR n.d > z.min_distance_m + ` + tolSQL + `)
	AND (z.area_4549 IS NULL OR EXISTS (
		SELECT 1 FROM zone_parts zp
		WHERE zp.layer_id = z.layer_id AND zp.version = z.version AND zp.zone_id = z.zone_id AND zp.kind = 'area'
			AND ST_DWithin(zp.geom_4549, c.g, ` + tolSQL + `)))`

// relateSQL: lines and areas. $7 is the site's dimension (1 or 2), $8 its
// measure, $9 its whole measure, $10 the minimum measure. measure(g) is
// ST_Area for areas and ST_Length for lines; parts are unioned and cut
// back to the site's dimension (areaOf / linesOf in geo).
const relateSQL = `WITH v AS MATERIALIZED (
	SELECT DISTINCT ON (layer_id) layer_id, version, valid_from, recorded_at
	FROM layer_versions
	WHERE layer_id = ANY($1::text[]) AND valid_from <= $2::date AND recorded_at <= coalesce($11::timestamptz, 'infinity'::timestamptz)
		AND recorded_at < 'infinity'
	ORDER BY layer_id, valid_from DESC, version DESC
), s AS MATERIALIZED (
	SELECT ST_GeomFromWKB($6::bytea, 4549) AS g
), cp AS MATERIALIZED (
	-- the site's pieces in the coverage's pieces
	SELECT fp.feature_id, x.g, CASE WHEN $7::int = 2 THEN ST_Area(x.g) ELSE ST_Length(x.g) END AS m
	FROM v JOIN feature_parts fp ON fp.layer_id = v.layer_id AND fp.version = v.version CROSS JOIN s
	CROSS JOIN LATERAL (SELECT ST_Intersection(s.g, fp.geom_4549) AS g) x
	WHERE v.layer_id = $3 AND ST_Intersects(fp.geom_4549, s.g)
), cf AS MATERIALIZED (
	-- coverage features the site really overlaps
	SELECT feature_id, sum(m) AS m FROM cp GROUP BY feature_id HAVING sum(m) >= $10::float8
), cov AS MATERIALIZED (
	SELECT coalesce(sum(m), 0) AS total, count(*) > 0 AS inside, least(coalesce(sum(m), 0) / $9::float8, 1) >= 1 - 1e-9 AS whole FROM cf
), j AS MATERIALIZED (
	-- the judged geometry: the site, or its part inside the district
	SELECT CASE WHEN cov.whole THEN s.g
		ELSE (SELECT ST_CollectionExtract(ST_UnaryUnion(ST_Collect(cp.g)), CASE WHEN $7::int = 2 THEN 3 ELSE 2 END)
		      FROM cp WHERE cp.feature_id IN (SELECT feature_id FROM cf)) END AS g,
		CASE WHEN cov.whole THEN $8::float8 ELSE cov.total END AS measure
	FROM cov CROSS JOIN s WHERE cov.inside
), zp AS MATERIALIZED (
	SELECT fp.layer_id, fp.version, fp.feature_id, x.g, CASE WHEN $7::int = 2 THEN ST_Area(x.g) ELSE ST_Length(x.g) END AS m
	FROM j CROSS JOIN v JOIN feature_parts fp ON fp.layer_id = v.layer_id AND fp.version = v.version
	CROSS JOIN LATERAL (SELECT ST_Intersection(j.g, fp.geom_4549) AS g) x
	WHERE v.layer_id = ANY($4::text[]) AND ST_DWithin(fp.geom_4549, j.g, ` + tolSQL + `)
), zh AS (
	-- every zone the site touches (closed sets), whatever the overlap
	SELECT layer_id, version, feature_id, sum(m) AS m,
		CASE WHEN count(*) = 1 THEN (array_agg(g))[1] ELSE ST_UnaryUnion(ST_Collect(g)) END AS g
	FROM zp GROUP BY layer_id, version, feature_id
), dz AS MATERIALIZED (
	-- distance zones whose source comes within reach of the site at all
	SELECT z.layer_id, z.version, z.zone_id, z.distance_m, z.min_distance_m, z.source_layer, z.source_version,
		z.area_4549 IS NOT NULL AS has_area, z.inner_4549 IS NOT NULL AS has_inner
	FROM j CROSS JOIN v JOIN zones z ON z.layer_id = v.layer_id AND z.version = v.version
	WHERE v.layer_id = ANY($5::text[]) AND EXISTS (
		SELECT 1 FROM feature_parts sp
		WHERE sp.layer_id = z.source_layer AND sp.version = z.source_version AND ST_DWithin(sp.geom_4549, j.g, z.distance_m + ` + tolSQL + `))
), dj AS MATERIALIZED (
	-- the judged geometry of each: the site, or its part in the mask area
	SELECT dz.*, CASE WHEN dz.has_area THEN a.g ELSE j.g END AS g, CASE WHEN dz.has_area THEN a.m ELSE j.measure END AS m
	FROM dz CROSS JOIN j LEFT JOIN LATERAL (
		SELECT ST_CollectionExtract(ST_UnaryUnion(ST_Collect(x.g)), CASE WHEN $7::int = 2 THEN 3 ELSE 2 END) AS g,
			sum(CASE WHEN $7::int = 2 THEN ST_Area(x.g) ELSE ST_Length(x.g) END) AS m
		FROM zone_parts zp CROSS JOIN LATERAL (SELECT ST_Intersection(j.g, zp.geom_4549) AS g) x
		WHERE zp.layer_id = dz.layer_id AND zp.version = dz.version AND zp.zone_id = dz.zone_id AND zp.kind = 'area'
			AND ST_Intersects(zp.geom_4549, j.g)
	) a ON dz.has_area
	WHERE NOT dz.has_area OR a.m >= $10::float8
), dn AS MATERIALIZED (
	-- the exact distance, through the nearest source piece
	SELECT dj.*, n.d, n.src
	FROM dj CROSS JOIN LATERAL (
		SELECT sp.geom_4549 AS src, ST_Distance(sp.geom_4549, dj.g) AS d
		FROM feature_parts sp
		WHERE sp.layer_id = dj.source_layer AND sp.version = dj.source_version AND ST_DWithin(sp.geom_4549, dj.g, dj.distance_m + ` + tolSQL + `)
		ORDER BY 2 LIMIT 1
	) n
), dh AS (
	SELECT dn.*,
		-- the part beyond min_distance_m: judged minus the inner buffer polygon
		CASE WHEN dn.has_inner THEN dn.m - coalesce((
			SELECT sum(CASE WHEN $7::int = 2 THEN ST_Area(ST_Intersection(dn.g, ip.geom_4549)) ELSE ST_Length(ST_Intersection(dn.g, ip.geom_4549)) END)
			FROM zone_parts ip
			WHERE ip.layer_id = dn.layer_id AND ip.version = dn.version AND ip.zone_id = dn.zone_id AND ip.kind = 'inner'
				AND ST_Intersects(ip.geom_4549, dn.g)), 0) END AS rest,
		o.m AS overlap, o.g AS part
	FROM dn CROSS JOIN LATERAL (
		-- the overlap with the drawn band
		SELECT sum(CASE WHEN $7::int = 2 THEN ST_Area(x.g) ELSE ST_Length(x.g) END) AS m,
			CASE WHEN count(*) = 1 THEN (array_agg(x.g))[1] ELSE ST_UnaryUnion(ST_Collect(x.g)) END AS g
		FROM zone_parts dp CROSS JOIN LATERAL (SELECT ST_Intersection(dn.g, dp.geom_4549) AS g) x
		WHERE dp.layer_id = dn.layer_id AND dp.version = dn.version AND dp.zone_id = dn.zone_id AND dp.kind = 'drawn'
			AND ST_Intersects(dp.geom_4549, dn.g)
	) o
)
SELECT 'L' AS kind, v.layer_id, '' AS zone_id, v.version, v.valid_from, v.recorded_at, 0::float8 AS d, 0::float8 AS m, 0::float8 AS m2,
	NULL::bytea AS part, NULL::bytea AS near
FROM v
UNION ALL
SELECT 'C', '', '', 0, NULL, NULL, CASE WHEN cov.inside THEN 1 ELSE 0 END, cov.total, coalesce((SELECT measure FROM j), 0), NULL, NULL FROM cov
UNION ALL
SELECT 'Z', zh.layer_id, zh.feature_id, zh.version, NULL, NULL, 0, zh.m, 0,
	ST_AsBinary(ST_Multi(ST_CollectionExtract(zh.g, CASE WHEN $7::int = 2 THEN 3 ELSE 2 END))), NULL
FROM zh
UNION ALL
SELECT 'D', dh.layer_id, dh.zone_id, dh.version, NULL, NULL, dh.d, coalesce(dh.overlap, 0), 0,
	CASE WHEN dh.part IS NOT NULL THEN ST_AsBinary(ST_Multi(ST_CollectionExtract(dh.part, CASE WHEN $7::int = 2 THEN 3 ELSE 2 END))) END,
	CASE WHEN dh.d > 0 THEN ST_AsBinary(ST_ShortestLine(dh.g, dh.src)) END
FROM dh
WHERE NOT dh.has_inner OR dh.rest >= $10::float8`

type relateRow struct {
	kind, layer, zone string
	version           int64
	validFrom         *time.Time
	recordedAt        *time.Time
	d, m, m2          float64
	part, near        []byte
}

type zoneKey struct {
	layer   string
	version int64
	zone    string
}

// zoneInfo is what a hit says about its zone: the properties
// geo.ZonesFromFeatures and geo.DeriveZones name zones with.
type zoneInfo struct {
	name                   geo.Text
	subzone, basis, status string
	origin                 *geo.Origin
}

// zoneCacheMax bounds the zone name cache; past it the cache starts over.
const zoneCacheMax = 100_000

// zoneNames returns the names of the hits' zones, from the cache or, for
// zones not seen yet, from their features' properties in one query.
func (p *Store) zoneNames(ctx context.Context, hits []relateRow) (map[zoneKey]zoneInfo, error) {
	out := make(map[zoneKey]zoneInfo, len(hits))
	var miss []zoneKey
	p.zoneMu.RLock()
	for _, h := range hits {
		k := zoneKey{h.layer, h.version, h.zone}
		if zi, ok := p.zoneCache[k]; ok {
			out[k] = zi
		} else {
			miss = append(miss, k)
		}
	}
	p.zoneMu.RUnlock()
	if len(miss) == 0 {
		return out, nil
	}
	layers, versions, zones := make([]string, len(miss)), make([]int64, len(miss)), make([]string, len(miss))
	for i, k := range miss {
		layers[i], versions[i], zones[i] = k.layer, k.version, k.zone
	}
	conn, err := p.acquireRead(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `SELECT f.layer_id, f.version, f.feature_id, f.properties::text
		FROM unnest($1::text[], $2::bigint[], $3::text[]) AS k(layer_id, version, feature_id)
		JOIN features f ON f.layer_id = k.layer_id AND f.version = k.version AND f.feature_id = k.feature_id`, layers, versions, zones)
	if err != nil {
		return nil, p.fail(ctx, "relate: zone names", err)
	}
	defer rows.Close()
	found := map[zoneKey]zoneInfo{}
	for rows.Next() {
		var k zoneKey
		var props []byte
		if err := rows.Scan(&k.layer, &k.version, &k.zone, &props); err != nil {
			return nil, p.fail(ctx, "relate: zone names", err)
		}
		var m map[string]any
		if err := json.Unmarshal(props, &m); err != nil {
			return nil, fmt.Errorf("postgis: relate: zone %s/%s properties: %w", k.layer, k.zone, err)
		}
		// The subzone as geo.ZonesFromFeatures gives it: by the layer's
		// subzone_from, else the "subzone" property (a derived band's).
		def, _ := p.manifest.Def(k.layer)
		sub, err := def.SubzoneOf(m)
		if err != nil {
			return nil, fmt.Errorf("postgis: relate: zone %s/%s: %w", k.layer, k.zone, err)
		}
		found[k] = zoneInfo{
			name:    geo.FeatureName(m),
			subzone: sub, basis: geo.PropString(m, "basis"), status: geo.PropString(m, "status"),
			origin: geo.OriginOf(m),
		}
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail(ctx, "relate: zone names", err)
	}
	p.zoneMu.Lock()
	if len(p.zoneCache)+len(found) > zoneCacheMax {
		p.zoneCache = map[zoneKey]zoneInfo{}
	}
	for k, zi := range found {
		p.zoneCache[k] = zi
		out[k] = zi
	}
	p.zoneMu.Unlock()
	for _, k := range miss {
		if _, ok := out[k]; !ok {
			return nil, fmt.Errorf("postgis: relate: zone %s/%s version %d has no feature", k.layer, k.zone, k.version)
		}
	}
	return out, nil
}

// Relate implements Store.
func (p *Store) Relate(ctx context.Context, site *geo.Site, at data.At) (geo.Relations, error) {
	if err := ctx.Err(); err != nil {
		return geo.Relations{}, p.fail(ctx, "relate", err)
	}
	day := data.DateOf(at.AsOf)
	at.AsOf = day
	rows, err := p.relateRows(ctx, site, at)
	if err != nil {
		return geo.Relations{}, err
	}
	var rel geo.Relations
	versions := map[string]relateRow{}
	order := map[string]int{}
	for i, d := range p.manifest.Layers {
		order[d.ID] = i
	}
	var cov relateRow
	var hits []relateRow
	for _, r := range rows {
		switch r.kind {
		case "L":
			versions[r.layer] = r
		case "C":
			cov = r
		default:
			hits = append(hits, r)
		}
	}
	for _, d := range p.manifest.Layers {
		if !d.Decides() {
			continue // display and informational layers take no part
		}
		v, ok := versions[d.ID]
		if !ok {
			if d.Kind == geo.LayerCoverage || d.Judged() {
				return geo.Relations{}, fmt.Errorf("relate: %w", p.noVersion(ctx, at, versions))
			}
			continue
		}
		lv := geo.LayerVersion{ID: d.ID, Version: v.version, ValidFrom: geo.Date{Time: data.DateOf(*v.validFrom)}}
		if v.recordedAt != nil {
			lv.RecordedAt = v.recordedAt.UTC()
		}
		rel.Layers = append(rel.Layers, lv)
	}
	if err := p.layerStatuses(ctx, rel.Layers); err != nil {
		return geo.Relations{}, err
	}
	if cov.d == 0 {
		return rel, nil
	}
	judged := site.Measure
	if site.Dim == 0 {
		rel.Coverage = geo.Coverage{Inside: true, Whole: true, InsideRatio: 1}
	} else {
		ratio := min(cov.m/site.Whole, 1)
		if ratio >= 1-1e-9 {
			rel.Coverage = geo.Coverage{Inside: true, Whole: true, InsideRatio: 1}
		} else {
			rel.Coverage = geo.Coverage{Inside: true, InsideRatio: ratio}
			judged = cov.m
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].layer != hits[j].layer {
			return order[hits[i].layer] < order[hits[j].layer]
		}
		return hits[i].zone < hits[j].zone
	})
	names, err := p.zoneNames(ctx, hits)
	if err != nil {
		return geo.Relations{}, err
	}
	for _, h := range hits {
		def, _ := p.manifest.Def(h.layer)
		zn := names[zoneKey{h.layer, h.version, h.zone}]
		r := geo.Relation{
			Layer: h.layer, LayerVersion: h.version, ZoneKind: def.ZoneKind, ZoneID: h.zone,
			ZoneName: zn.name, Subzone: zn.subzone, Basis: zn.basis, Status: zn.status, Origin: zn.origin,
		}
		if h.kind == "Z" {
			r.Relation = geo.RelOverlaps
			if site.Dim == 0 || h.m >= judged*(1-1e-6) {
				r.Relation = geo.RelInside
			}
		} else {
			r.Relation, r.DistanceM = geo.RelWithinDistance, h.d
			if len(h.near) > 0 {
				g, err := wkb.Unmarshal(h.near)
				if err != nil {
					return geo.Relations{}, fmt.Errorf("postgis: relate: nearest line: %w", err)
				}
				if ls, ok := g.(orb.LineString); ok && len(ls) == 2 {
					r.Nearest = geo.UnprojectGeometry(ls).(orb.LineString)
				}
			}
		}
		if site.Dim == 0 {
			r.OverlapRatio = 1
		} else {
			r.OverlapRatio = min(h.m/site.Whole, 1)
			if site.Dim == 2 {
				r.OverlapM2 = h.m
			}
			if len(h.part) > 0 {
				g, err := wkb.Unmarshal(h.part)
				if err != nil {
					return geo.Relations{}, fmt.Errorf("postgis: relate: conflict part: %w", err)
				}
				switch g := g.(type) {
				case orb.MultiPolygon:
					if len(g) > 0 {
						r.Conflict = geo.UnprojectGeometry(g)
					}
				case orb.MultiLineString:
					if len(g) > 0 {
						r.Conflict = geo.UnprojectGeometry(g)
					}
				}
			}
		}
		rel.Hits = append(rel.Hits, r)
	}
	return rel, nil
}

// relateRows runs the one statement for a line or area and reads its rows;
// points go through the batcher.
func (p *Store) relateRows(ctx context.Context, site *geo.Site, at data.At) ([]relateRow, error) {
	if site.Dim == 0 {
		pt, ok := site.Projected.(orb.Point)
		if !ok {
			return nil, fmt.Errorf("postgis: relate: a point site holds %T", site.Projected)
		}
		return p.points.relate(ctx, pt, at)
	}
	w, err := wkb.Marshal(site.Projected)
	if err != nil {
		return nil, fmt.Errorf("postgis: relate: %w", err)
	}
	conn, err := p.acquireRead(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, relateSQL, p.allIDs, at.AsOf, p.coverageID, p.zoneIDs, p.distIDs, w, site.Dim, site.Measure, site.Whole, pgMinMeasure, knownArg(at.KnownAt))
	if err != nil {
		return nil, p.fail(ctx, "relate", err)
	}
	defer rows.Close()
	var out []relateRow
	for rows.Next() {
		var r relateRow
		if err := rows.Scan(&r.kind, &r.layer, &r.zone, &r.version, &r.validFrom, &r.recordedAt, &r.d, &r.m, &r.m2, &r.part, &r.near); err != nil {
			return nil, p.fail(ctx, "relate", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail(ctx, "relate", err)
	}
	return out, nil
}
