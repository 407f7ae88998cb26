// Package memory is the embedded store: every layer version held in
// memory and relations answered in Go by geo's engine over an R-tree. It
// needs no set-up (`ecospace serve` without a database runs on it, with
// the demo layers) and gives the same answers as the PostGIS store
// (data/storetest holds both to it). Filed checks are kept durably in an
// append-only audit file when Options.AuditFile names one (Open; `ecospace
// serve` keeps it in its data directory), else only in memory, the most
// recent MemoryAuditBytes of them (New).
package memory

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/tidwall/rtree"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Store is the embedded in-memory store: zero set-up, versioned like the
// PostGIS store, answering relations with geo's engine over an R-tree.
type Store struct {
	manifest *data.Manifest

	importMu sync.Mutex // imports run one at a time
	mu       sync.RWMutex
	layers   map[string][]*layerVersion // ascending versions
	// lastRecorded is the latest recorded_at given (recordedNow).
	lastRecorded time.Time
	// rules are the rules versions recorded, oldest first: in memory
	// only, like the layer versions (see RecordRules).
	rules []data.RulesVersion

	audit *audit // filed checks (checks.go, auditlog.go)

	events *eventState // re-evaluation jobs, changes, hooks, outbox (events.go, hooks.go)
}

// Options configure an embedded store.
type Options struct {
	// AuditFile is where filed checks are kept durably (created, with its
	// directory, if missing); empty: in memory only.
	AuditFile string
	// MemoryAuditBytes bounds the checks kept in memory without an audit
	// file; 0: MemoryAuditBytes.
	MemoryAuditBytes int
	// Log receives what opening the audit file found; nil: slog.Default.
	Log *slog.Logger
}

type layerVersion struct {
	info   geo.LayerInfo // its RecordedAt is set when the import commits
	feats  []geo.Feature
	bounds []orb.Bound // lon/lat bound of each feature
	zones  []*geo.PreparedZone
	index  rtree.RTreeG[*geo.PreparedZone] // projected bounds
	// byParcelNo indexes the features by their data.ParcelNoProperty (as
	// Filter compares it, fmt.Sprint of the value; "<nil>" for none), in
	// feature order; nil for a version without parcel numbers.
	byParcelNo map[string][]int
}

var (
	_ data.Store     = (*Store)(nil)
	_ data.TileStore = (*Store)(nil)
)

// New returns an empty embedded store for the layers of m that keeps the
// checks it files in memory only.
func New(m *data.Manifest) *Store {
	s, _ := Open(m, Options{})
	return s
}

// Open returns an empty embedded store for the layers of m; with
// opts.AuditFile it reads the checks filed there before and files new ones
// there. Close it to close the file.
func Open(m *data.Manifest, opts Options) (*Store, error) {
	limit := opts.MemoryAuditBytes
	if limit <= 0 {
		limit = MemoryAuditBytes
	}
	s := &Store{manifest: m, layers: map[string][]*layerVersion{}, audit: newAudit(limit), events: newEventState()}
	if opts.AuditFile != "" {
		log := opts.Log
		if log == nil {
			log = slog.Default()
		}
		l, err := openAuditLog(opts.AuditFile, s.audit, log)
		if err != nil {
			return nil, err
		}
		s.audit.log = l
	}
	return s, nil
}

// versionAt returns the version of a layer in force on at (data.InForce's
// rule); callers hold mu.
func (s *Store) versionAt(id string, at data.At) *layerVersion {
	var best *layerVersion
	day := data.DateOf(at.AsOf)
	for _, v := range s.layers[id] { // ascending versions
		if v.info.ValidFrom.After(day) || !at.Known(v.info.RecordedAt) {
			continue
		}
		if best == nil || !v.info.ValidFrom.Before(best.info.ValidFrom.Time) {
			best = v
		}
	}
	return best
}

// Versions implements Store.
func (s *Store) Versions(ctx context.Context, ids ...string) ([]geo.LayerInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := s.known(ctx, id); err != nil {
			return nil, err
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []geo.LayerInfo
	for _, d := range s.manifest.Layers {
		if len(ids) > 0 && !slices.Contains(ids, d.ID) {
			continue
		}
		for _, v := range s.layers[d.ID] {
			out = append(out, v.info)
		}
	}
	return out, nil
}

// Layers implements Store.
func (s *Store) Layers(ctx context.Context, asOf time.Time) ([]geo.LayerInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []geo.LayerInfo
	for _, d := range s.manifest.Layers {
		if v := s.versionAt(d.ID, data.At{AsOf: asOf}); v != nil {
			out = append(out, v.info)
		}
	}
	return out, nil
}

// Layer implements Store.
func (s *Store) Layer(ctx context.Context, id string, asOf time.Time) (geo.LayerInfo, error) {
	v, err := s.inForce(ctx, id, asOf)
	if err != nil {
		return geo.LayerInfo{}, err
	}
	return v.info, nil
}

// inForce finds the version of layer id in force on asOf: an unknown layer
// is ErrNotFound, a layer with no version then ErrNoVersion.
func (s *Store) inForce(ctx context.Context, id string, asOf time.Time) (*layerVersion, error) {
	if err := s.known(ctx, id); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	v := s.versionAt(id, data.At{AsOf: asOf})
	if v == nil {
		return nil, fmt.Errorf("layer %s on %s: %w", id, asOf.Format(time.DateOnly), data.ErrNoVersion)
	}
	return v, nil
}

// numbered finds version n of layer id, as a caller resolved it with
// Layer: an unknown layer is ErrNotFound, a version the layer does not
// have ErrNoVersion.
func (s *Store) numbered(ctx context.Context, id string, n int64) (*layerVersion, error) {
	if err := s.known(ctx, id); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	vs := s.layers[id] // ascending
	i, found := slices.BinarySearchFunc(vs, n, func(v *layerVersion, n int64) int { return cmp.Compare(v.info.Version, n) })
	if !found {
		return nil, fmt.Errorf("layer %s version %d: %w", id, n, data.ErrNoVersion)
	}
	return vs[i], nil
}

// known refuses a cancelled request and a layer the manifest lacks.
func (s *Store) known(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, ok := s.manifest.Def(id); !ok {
		return fmt.Errorf("layer %s: %w", id, data.ErrNotFound)
	}
	return nil
}

// Features implements Store: the version q names, else the one in force
// on q.AsOf.
func (s *Store) Features(ctx context.Context, id string, q data.FeatureQuery, fn func(geo.Feature) error) error {
	var v *layerVersion
	var err error
	if q.Version != 0 {
		v, err = s.numbered(ctx, id, q.Version)
	} else {
		v, err = s.inForce(ctx, id, q.AsOf)
	}
	if err != nil {
		return err
	}
	// A version never changes once built, so it is read without the lock.
	skipped, sent := 0, 0
	cb, clipping := q.ClipBound()
	// The features that can match: a parcel number's from its index (the
	// same features in the same order as the whole scan would select), or
	// all of them.
	pick, picked := []int(nil), false
	if no, ok := q.Filter[data.ParcelNoProperty]; ok && v.byParcelNo != nil {
		pick, picked = v.byParcelNo[no], true
	}
	n := len(v.feats)
	if picked {
		n = len(pick)
	}
	for j := range n {
		i := j
		if picked {
			i = pick[j]
		}
		f := v.feats[i]
		if q.BBox != nil && (!q.BBox.Intersects(v.bounds[i]) || q.Exact && !geo.BoundIntersects(*q.BBox, f.Geometry)) {
			continue
		}
		if !matchProps(f.Properties, q.Filter) {
			continue
		}
		if skipped < q.Offset {
			skipped++
			continue
		}
		if q.Limit > 0 && sent >= q.Limit {
			return nil
		}
		if j%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		out := f
		g := f.Geometry
		if clipping && !(cb.Contains(v.bounds[i].Min) && cb.Contains(v.bounds[i].Max)) {
			// clip works in place: on a copy. A feature that meets the
			// box always keeps something inside the grown box.
			if c := clip.Geometry(cb, orb.Clone(g)); c != nil {
				g = keepMulti(g, c)
			}
		}
		out.Geometry = geo.SimplifyForZoom(g, q.Zoom)
		if err := fn(out); err != nil {
			return err
		}
		sent++
	}
	return nil
}

// keepMulti gives a cut geometry the original's type: clip makes a
// multi-part geometry left with one part a single one.
func keepMulti(orig, cut orb.Geometry) orb.Geometry {
	switch c := cut.(type) {
	case orb.Polygon:
		if _, ok := orig.(orb.MultiPolygon); ok {
			return orb.MultiPolygon{c}
		}
	case orb.LineString:
		if _, ok := orig.(orb.MultiLineString); ok {
			return orb.MultiLineString{c}
		}
	}
	return cut
}

func matchProps(props map[string]any, filter map[string]string) bool {
	for k, want := range filter {
		if fmt.Sprint(props[k]) != want {
			return false
		}
	}
	return true
}

// Ping implements Store.
func (s *Store) Ping(ctx context.Context) error { return ctx.Err() }

// Close implements Store: it files the checks in flight and closes the
// audit file.
func (s *Store) Close() error {
	if s.audit.log != nil {
		return s.audit.log.close()
	}
	return nil
}
