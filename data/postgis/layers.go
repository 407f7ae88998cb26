package postgis

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// versionRow is a layer version as stored.
type versionRow struct {
	LayerID      string
	Version      int64
	ValidFrom    time.Time
	FeatureCount int
	GeometryType string
	BBox         []float64
	Status       string
	HalfWidthM   *float64 // layer_versions.derived_from's centre_line_half_width_m
	RecordedAt   time.Time
}

func (v versionRow) info(def geo.LayerDef) geo.LayerInfo {
	info := geo.LayerInfo{LayerDef: def, GeometryType: v.GeometryType, FeatureCount: v.FeatureCount,
		Version: v.Version, ValidFrom: geo.Date{Time: data.DateOf(v.ValidFrom)}, RecordedAt: v.RecordedAt.UTC(), Status: v.Status}
	copy(info.BBox[:], v.BBox)
	if v.HalfWidthM != nil {
		info.Origin = geo.CentreLineOrigin(*v.HalfWidthM)
	}
	return info
}

// versionCols are the columns of a versionRow, in scan order.
const versionCols = `layer_id, version, valid_from, feature_count, geometry_type, bbox, status,
	(derived_from->>'` + geo.PropCentreLineHalfWidth + `')::float8, recorded_at`

// inForceSQL selects the version of each of the layers $1 in force on $2
// among those recorded by $3 (NULL: every version recorded): data.InForce's
// rule. Versions not yet recorded (recorded_at 'infinity': their import
// has not committed) are never seen.
const inForceSQL = `SELECT DISTINCT ON (layer_id) ` + versionCols + `
FROM layer_versions
WHERE layer_id = ANY($1::text[]) AND valid_from <= $2::date AND recorded_at <= coalesce($3::timestamptz, 'infinity'::timestamptz)
	AND recorded_at < 'infinity'
ORDER BY layer_id, valid_from DESC, version DESC`

// knownArg is a knowledge time as a query argument: NULL for "everything
// recorded".
func knownArg(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (p *Store) versionsAt(ctx context.Context, ids []string, at data.At) (map[string]versionRow, error) {
	key := versionKey{ids: strings.Join(ids, "\x00"), day: data.DateOf(at.AsOf), known: at.KnownAt.UTC()}
	if rows, ok := p.versions.get(key, p.Listening()); ok {
		return rows, nil
	}
	gen := p.versions.generation()
	rows, err := p.readVersionsAt(ctx, ids, at)
	if err == nil {
		p.versions.put(key, rows, gen)
	}
	return rows, err
}

func scanVersion(rows pgx.Rows) (versionRow, error) {
	var v versionRow
	err := rows.Scan(&v.LayerID, &v.Version, &v.ValidFrom, &v.FeatureCount, &v.GeometryType, &v.BBox, &v.Status, &v.HalfWidthM, &v.RecordedAt)
	return v, err
}

// readVersionsAt reads the versions in force from the database.
func (p *Store) readVersionsAt(ctx context.Context, ids []string, at data.At) (map[string]versionRow, error) {
	var out map[string]versionRow
	err := p.withRead(ctx, func(conn *pgxpool.Conn) error {
		out = map[string]versionRow{}
		rows, err := conn.Query(ctx, inForceSQL, ids, data.DateOf(at.AsOf), knownArg(at.KnownAt))
		if err != nil {
			return p.fail(ctx, "layer versions", err)
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scanVersion(rows)
			if err != nil {
				return p.fail(ctx, "layer versions", err)
			}
			out[v.LayerID] = v
		}
		if err := rows.Err(); err != nil {
			return p.fail(ctx, "layer versions", err)
		}
		return nil
	})
	return out, err
}

// Versions implements Store.
func (p *Store) Versions(ctx context.Context, ids ...string) ([]geo.LayerInfo, error) {
	for _, id := range ids {
		if _, ok := p.manifest.Def(id); !ok {
			return nil, fmt.Errorf("layer %s: %w", id, data.ErrNotFound)
		}
	}
	if len(ids) == 0 {
		ids = p.allIDs
	}
	byLayer := map[string][]versionRow{}
	err := p.withRead(ctx, func(conn *pgxpool.Conn) error {
		clear(byLayer)
		rows, err := conn.Query(ctx, `SELECT `+versionCols+` FROM layer_versions
			WHERE layer_id = ANY($1::text[]) AND recorded_at < 'infinity' ORDER BY layer_id, version`, ids)
		if err != nil {
			return p.fail(ctx, "layer versions", err)
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scanVersion(rows)
			if err != nil {
				return p.fail(ctx, "layer versions", err)
			}
			byLayer[v.LayerID] = append(byLayer[v.LayerID], v)
		}
		if err := rows.Err(); err != nil {
			return p.fail(ctx, "layer versions", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []geo.LayerInfo
	for _, d := range p.manifest.Layers {
		for _, v := range byLayer[d.ID] {
			out = append(out, v.info(d))
		}
	}
	return out, nil
}

// Layers implements Store.
func (p *Store) Layers(ctx context.Context, asOf time.Time) ([]geo.LayerInfo, error) {
	vs, err := p.versionsAt(ctx, p.allIDs, data.At{AsOf: asOf})
	if err != nil {
		return nil, err
	}
	var out []geo.LayerInfo
	for _, d := range p.manifest.Layers {
		if v, ok := vs[d.ID]; ok {
			out = append(out, v.info(d))
		}
	}
	return out, nil
}

// Layer implements Store.
func (p *Store) Layer(ctx context.Context, id string, asOf time.Time) (geo.LayerInfo, error) {
	def, ok := p.manifest.Def(id)
	if !ok {
		return geo.LayerInfo{}, fmt.Errorf("layer %s: %w", id, data.ErrNotFound)
	}
	vs, err := p.versionsAt(ctx, []string{id}, data.At{AsOf: asOf})
	if err != nil {
		return geo.LayerInfo{}, err
	}
	v, ok := vs[id]
	if !ok {
		return geo.LayerInfo{}, fmt.Errorf("layer %s on %s: %w", id, asOf.Format(time.DateOnly), data.ErrNoVersion)
	}
	return v.info(def), nil
}

// Every read resolves the layer versions in force first (the server keys
// its cache with them), which was a round trip of its own for every map
// read, tile and OGC page. Versions change only by imports, and every
// process hears of every import (NOTIFY, notify.go), so what a query
// answered is kept, per layers and day, until the next import is heard of
// or versionTTL has passed, and only while the listening connection is up
// (when it is down an import could go unheard). A query that started
// before an import was heard of is not kept (the generation moved on).

const (
	versionTTL     = 2 * time.Second
	versionEntries = 4096
)

// versionKey: the layers, the day and the knowledge time (zero: all
// recorded) a lookup answered.
type versionKey struct {
	ids   string
	day   time.Time
	known time.Time
}

type versionEntry struct {
	rows map[string]versionRow
	at   time.Time
}

type versionCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[versionKey]versionEntry
}

// get returns the kept answer for key; never while listening is false.
func (c *versionCache) get(key versionKey, listening bool) (map[string]versionRow, bool) {
	if !listening {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || time.Since(e.at) > versionTTL {
		return nil, false
	}
	return e.rows, true
}

func (c *versionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps rows unless a change was heard of since gen was read.
func (c *versionCache) put(key versionKey, rows map[string]versionRow, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= versionEntries {
		c.m = map[versionKey]versionEntry{}
	}
	c.m[key] = versionEntry{rows: rows, at: time.Now()}
}

// clear forgets everything: a layer changed.
func (c *versionCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}
