// Package memory is the embedded store: every layer version held in
// memory and relations answered in Go by geo's engine over an R-tree. It
// needs no set-up (`ecospace serve` without a database runs on it, with
// the demo layers) and gives the same answers as the PostGIS store
// (data/storetest holds both to it); checks are kept only in memory, the
// last CheckLimit of them.
package memory

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/paulmach/orb"
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

	checkMu   sync.Mutex
	checks    map[string]*data.CheckRecord
	order     []string // ids in the order saved: a ring of CheckLimit once full
	orderNext int      // in a full ring, the oldest id, overwritten next
}

type layerVersion struct {
	info   geo.LayerInfo
	to     time.Time // zero: still in force
	feats  []geo.Feature
	bounds []orb.Bound // lon/lat bound of each feature
	zones  []*geo.PreparedZone
	index  rtree.RTreeG[*geo.PreparedZone] // projected bounds
}

var (
	_ data.Store     = (*Store)(nil)
	_ data.TileStore = (*Store)(nil)
)

// New returns an empty embedded store for the layers of m.
func New(m *data.Manifest) *Store {
	return &Store{manifest: m, layers: map[string][]*layerVersion{}, checks: map[string]*data.CheckRecord{}}
}

func (v *layerVersion) inForce(asOf time.Time) bool {
	return !v.info.ValidFrom.After(asOf) && (v.to.IsZero() || asOf.Before(v.to))
}

// versionAt returns the version of a layer in force on asOf; callers hold mu.
func (s *Store) versionAt(id string, asOf time.Time) *layerVersion {
	vs := s.layers[id]
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].inForce(asOf) {
			return vs[i]
		}
	}
	return nil
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
		if v := s.versionAt(d.ID, asOf); v != nil {
			out = append(out, v.info)
		}
	}
	return out, nil
}

// Layer implements Store.
func (s *Store) Layer(ctx context.Context, id string, asOf time.Time) (geo.LayerInfo, error) {
	if err := ctx.Err(); err != nil {
		return geo.LayerInfo{}, err
	}
	if _, ok := s.manifest.Def(id); !ok {
		return geo.LayerInfo{}, fmt.Errorf("layer %s: %w", id, data.ErrNotFound)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	v := s.versionAt(id, asOf)
	if v == nil {
		return geo.LayerInfo{}, fmt.Errorf("layer %s on %s: %w", id, asOf.Format(time.DateOnly), data.ErrNoVersion)
	}
	return v.info, nil
}

// Features implements Store.
func (s *Store) Features(ctx context.Context, id string, q data.FeatureQuery, fn func(geo.Feature) error) error {
	if _, err := s.Layer(ctx, id, q.AsOf); err != nil {
		return err
	}
	s.mu.RLock()
	v := s.versionAt(id, q.AsOf)
	s.mu.RUnlock()
	// A version never changes once built, so it is read without the lock.
	skipped, sent := 0, 0
	for i, f := range v.feats {
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
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		out := f
		out.Geometry = geo.SimplifyForZoom(f.Geometry, q.Zoom)
		if err := fn(out); err != nil {
			return err
		}
		sent++
	}
	return nil
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

// Close implements Store.
func (s *Store) Close() error { return nil }

// Relate implements Store.
func (s *Store) Relate(ctx context.Context, site *geo.Site, asOf time.Time) (geo.Relations, error) {
	if err := ctx.Err(); err != nil {
		return geo.Relations{}, err
	}
	s.mu.RLock()
	rel := geo.Relations{Layers: make([]geo.LayerVersion, 0, len(s.manifest.Layers))}
	var cov *layerVersion
	var judgedBuf [16]*layerVersion
	judged := judgedBuf[:0]
	for _, d := range s.manifest.Layers {
		v := s.versionAt(d.ID, asOf)
		if v == nil {
			if d.Kind == geo.LayerCoverage || d.Kind == geo.LayerZone || d.Kind == geo.LayerDistance {
				s.mu.RUnlock()
				return geo.Relations{}, fmt.Errorf("relate: layer %s on %s: %w", d.ID, asOf.Format(time.DateOnly), data.ErrNoVersion)
			}
			continue
		}
		rel.Layers = append(rel.Layers, geo.LayerVersion{ID: d.ID, Version: v.info.Version, ValidFrom: v.info.ValidFrom})
		switch d.Kind {
		case geo.LayerCoverage:
			cov = v
		case geo.LayerZone, geo.LayerDistance:
			judged = append(judged, v)
		}
	}
	s.mu.RUnlock()

	c, part, err := geo.Cover(site, cov.zones)
	if err != nil {
		return geo.Relations{}, err
	}
	rel.Coverage = c
	if !c.Inside {
		return rel, nil
	}
	for _, v := range judged {
		var ferr error
		v.index.Search(part.Bound.Min, part.Bound.Max, func(_, _ [2]float64, z *geo.PreparedZone) bool {
			r, ok, err := geo.Relate(part, z)
			if err != nil {
				ferr = err
				return false
			}
			if ok {
				r.LayerVersion = v.info.Version
				rel.Hits = append(rel.Hits, r)
			}
			return true
		})
		if ferr != nil {
			return geo.Relations{}, ferr
		}
	}
	return rel, nil
}

// CheckLimit is how many checks the embedded store keeps for
// GET /checks/{id}; older ones are forgotten (the PostGIS store keeps all).
const CheckLimit = 100_000

// SaveCheck implements Store.
func (s *Store) SaveCheck(ctx context.Context, rec *data.CheckRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.checkMu.Lock()
	defer s.checkMu.Unlock()
	if _, dup := s.checks[rec.ID]; !dup {
		// The oldest check goes when the limit is reached: a ring, so
		// that each save costs the same however many are kept.
		if len(s.order) < CheckLimit {
			s.order = append(s.order, rec.ID)
		} else {
			delete(s.checks, s.order[s.orderNext])
			s.order[s.orderNext] = rec.ID
			s.orderNext = (s.orderNext + 1) % CheckLimit
		}
	}
	s.checks[rec.ID] = rec
	return nil
}

// Check implements Store.
func (s *Store) Check(ctx context.Context, id string) (*data.CheckRecord, error) {
	s.checkMu.Lock()
	defer s.checkMu.Unlock()
	rec, ok := s.checks[id]
	if !ok {
		return nil, fmt.Errorf("check %s: %w", id, data.ErrNotFound)
	}
	return rec, nil
}

// Import implements Store: the new version and every layer derived from
// it are built first and swapped in together, so readers see either the
// old state or the new one.
func (s *Store) Import(ctx context.Context, layer string, feats []geo.Feature, opts data.ImportOptions) (geo.LayerVersion, error) {
	def, ok := s.manifest.Def(layer)
	if !ok {
		return geo.LayerVersion{}, fmt.Errorf("import %s: %w", layer, data.ErrNotFound)
	}
	if opts.MakeValid {
		return geo.LayerVersion{}, fmt.Errorf("import %s: %w: repairing geometries (--make-valid) needs the PostGIS store", layer, data.ErrInvalidImport)
	}
	if err := data.CheckFeatures(def, feats); err != nil {
		return geo.LayerVersion{}, err
	}
	// The version keeps its features for as long as it is served: give
	// them exactly the memory they need (decoders leave spare capacity).
	feats = compactFeatures(feats)
	from := opts.ValidFrom
	if from.IsZero() {
		from = data.Today()
	}
	from = data.DateOf(from)

	s.importMu.Lock()
	defer s.importMu.Unlock()

	s.mu.RLock()
	vs := s.layers[layer]
	var next int64 = 1
	if n := len(vs); n > 0 {
		last := vs[n-1]
		if from.Before(last.info.ValidFrom.Time) {
			s.mu.RUnlock()
			return geo.LayerVersion{}, fmt.Errorf("import %s: %w: valid_from %s is before the current version's %s", layer, data.ErrInvalidImport, from.Format(time.DateOnly), last.info.ValidFrom.Format(time.DateOnly))
		}
		next = last.info.Version + 1
	}
	// What the derived layers will be computed from once this import is in.
	inputs := func(id string) []geo.Feature {
		if id == layer {
			return feats
		}
		if v := s.versionAt(id, from); v != nil {
			return v.feats
		}
		return nil
	}
	cov, _ := s.manifest.Coverage()
	type pending struct {
		id string
		v  *layerVersion
	}
	var derived []pending
	var derr error
	for _, d := range s.manifest.DependsOn(layer) {
		src, mask := inputs(d.Derived.Source), []geo.Feature(nil)
		if d.Derived.Mask != "" {
			mask = inputs(d.Derived.Mask)
		}
		if len(src) == 0 || (d.Derived.Mask != "" && (len(mask) == 0 || len(inputs(cov.ID)) == 0)) {
			continue // not all inputs are loaded yet
		}
		var dn int64 = 1
		if dvs := s.layers[d.ID]; len(dvs) > 0 {
			dn = dvs[len(dvs)-1].info.Version + 1
		}
		zones, err := geo.DeriveZones(d, src, mask, inputs(cov.ID))
		if err != nil {
			derr = fmt.Errorf("import %s: %w", layer, err)
			break
		}
		v, err := buildVersion(d, nil, zones, dn, from)
		if err != nil {
			derr = fmt.Errorf("import %s: derive %s: %w", layer, d.ID, err)
			break
		}
		derived = append(derived, pending{d.ID, v})
	}
	s.mu.RUnlock()
	if derr != nil {
		return geo.LayerVersion{}, derr
	}
	if err := ctx.Err(); err != nil {
		return geo.LayerVersion{}, fmt.Errorf("import %s: %w", layer, err)
	}
	var zones []geo.Zone
	if def.Kind == geo.LayerCoverage || def.Kind == geo.LayerZone {
		var err error
		if zones, err = geo.ZonesFromFeatures(def, feats); err != nil {
			return geo.LayerVersion{}, fmt.Errorf("import %s: %w: %v", layer, data.ErrInvalidImport, err)
		}
	}
	v, err := buildVersion(def, feats, zones, next, from)
	if err != nil {
		return geo.LayerVersion{}, fmt.Errorf("import %s: %w", layer, err)
	}

	s.mu.Lock()
	s.commit(layer, v)
	for _, p := range derived {
		s.commit(p.id, p.v)
	}
	s.mu.Unlock()
	return geo.LayerVersion{ID: layer, Version: next, ValidFrom: geo.Date{Time: from}}, nil
}

// commit appends a version and closes the one before it; callers hold mu.
func (s *Store) commit(id string, v *layerVersion) {
	if vs := s.layers[id]; len(vs) > 0 {
		vs[len(vs)-1].to = v.info.ValidFrom.Time
	}
	s.layers[id] = append(s.layers[id], v)
}

// buildVersion prepares a layer version. Derived layers pass zones only:
// their features are the drawn bands.
func buildVersion(def geo.LayerDef, feats []geo.Feature, zones []geo.Zone, version int64, from time.Time) (*layerVersion, error) {
	v := &layerVersion{}
	for _, z := range zones {
		pz, err := geo.PrepareZone(z)
		if err != nil {
			return nil, err
		}
		v.zones = append(v.zones, pz)
		v.index.Insert(pz.Bound.Min, pz.Bound.Max, pz)
	}
	if def.Derived != nil {
		for _, pz := range v.zones {
			feats = append(feats, geo.Feature{ID: pz.ID, Geometry: pz.Drawn, Properties: pz.Properties})
		}
	}
	v.feats = append([]geo.Feature(nil), feats...)
	sort.SliceStable(v.feats, func(i, j int) bool { return v.feats[i].ID < v.feats[j].ID })
	v.info = data.LayerInfoOf(def, v.feats, version, from)
	v.bounds = make([]orb.Bound, len(v.feats))
	for i, f := range v.feats {
		v.bounds[i] = f.Geometry.Bound()
	}
	return v, nil
}

// compactFeatures copies features with compact geometries (geo.Compact);
// properties are shared.
func compactFeatures(feats []geo.Feature) []geo.Feature {
	out := make([]geo.Feature, len(feats))
	for i, f := range feats {
		out[i] = f
		out[i].Geometry = geo.Compact(f.Geometry)
	}
	return out
}
