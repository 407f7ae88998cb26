package memory

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Import implements Store: the new version and every layer derived from
// it are built first and swapped in together, so readers see either the
// old state or the new one.
func (s *Store) Import(ctx context.Context, layer string, feats []geo.Feature, opts data.ImportOptions) (data.ImportResult, error) {
	start := time.Now()
	def, ok := s.manifest.Def(layer)
	if !ok {
		return data.ImportResult{}, fmt.Errorf("import %s: %w", layer, data.ErrNotFound)
	}
	if opts.MakeValid {
		return data.ImportResult{}, fmt.Errorf("import %s: %w: repairing geometries (--make-valid) needs the PostGIS store", layer, data.ErrInvalidImport)
	}
	if err := data.CheckFeatures(def, feats); err != nil {
		return data.ImportResult{}, err
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
		infos := make([]geo.LayerInfo, n)
		for i, v := range vs {
			infos[i] = v.info
		}
		if err := data.CheckBackdate(layer, infos, from, time.Time{}, opts.Backdate); err != nil {
			s.mu.RUnlock()
			return data.ImportResult{}, fmt.Errorf("import %s: %w", layer, err)
		}
		next = vs[n-1].info.Version + 1
	}
	// What the derived layers will be computed from on day once this
	// import is in.
	inputs := func(id string, day time.Time) []geo.Feature {
		if id == layer {
			return feats
		}
		if v := s.versionAt(id, data.At{AsOf: day}); v != nil {
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
derive:
	for _, d := range s.manifest.DependsOn(layer) {
		var dn int64 = 1
		if dvs := s.layers[d.ID]; len(dvs) > 0 {
			dn = dvs[len(dvs)-1].info.Version + 1
		}
		// From the import's day, and again on each later day another
		// input changed while this version is in force (a back-dated
		// import: RederiveDays).
		var ins []geo.LayerInfo
		for _, id := range data.DerivedInputs(s.manifest, d) {
			for _, v := range s.layers[id] {
				ins = append(ins, v.info)
			}
		}
		for _, day := range append([]time.Time{from}, data.RederiveDays(layer, from, ins)...) {
			src, mask := inputs(d.Derived.Source, day), []geo.Feature(nil)
			if d.Derived.Mask != "" {
				mask = inputs(d.Derived.Mask, day)
			}
			if len(src) == 0 || (d.Derived.Mask != "" && (len(mask) == 0 || len(inputs(cov.ID, day)) == 0)) {
				continue // not all inputs are loaded yet
			}
			zones, err := geo.DeriveZones(d, src, mask, inputs(cov.ID, day))
			if err != nil {
				derr = fmt.Errorf("import %s: %w", layer, err)
				break derive
			}
			v, err := buildVersion(d, nil, zones, dn, day)
			if err != nil {
				derr = fmt.Errorf("import %s: derive %s: %w", layer, d.ID, err)
				break derive
			}
			derived = append(derived, pending{d.ID, v})
			dn++
		}
	}
	s.mu.RUnlock()
	if derr != nil {
		return data.ImportResult{}, derr
	}
	if err := ctx.Err(); err != nil {
		return data.ImportResult{}, fmt.Errorf("import %s: %w", layer, err)
	}
	var zones []geo.Zone
	if def.Kind == geo.LayerCoverage || def.Judged() {
		var err error
		if zones, err = geo.ZonesFromFeatures(def, feats); err != nil {
			return data.ImportResult{}, fmt.Errorf("import %s: %w: %v", layer, data.ErrInvalidImport, err)
		}
	}
	v, err := buildVersion(def, feats, zones, next, from)
	if err != nil {
		return data.ImportResult{}, fmt.Errorf("import %s: %w", layer, err)
	}

	s.mu.Lock()
	// Recorded now, under the lock: a reader that took its knowledge time
	// before this instant cannot have seen the version, one after can.
	now := s.recordedNow()
	if !opts.RecordedAt.IsZero() {
		now = opts.RecordedAt.UTC().Truncate(data.RecordedPrecision)
	}
	v.info.RecordedAt = now
	s.commit(layer, v)
	res := data.ImportResult{Layer: geo.LayerVersion{ID: layer, Version: next, ValidFrom: geo.Date{Time: from}, RecordedAt: now}}
	for _, p := range derived {
		p.v.info.RecordedAt = now
		s.commit(p.id, p.v)
		res.Derived = append(res.Derived, geo.LayerVersion{ID: p.id, Version: p.v.info.Version, ValidFrom: p.v.info.ValidFrom, RecordedAt: now})
	}
	s.mu.Unlock()
	res.Duration = time.Since(start)
	return res, nil
}

// commit appends a version; callers hold mu. Nothing recorded before is
// changed: which version is in force follows from valid_from and
// recorded_at (versionAt).
func (s *Store) commit(id string, v *layerVersion) {
	s.layers[id] = append(s.layers[id], v)
}

// recordedNow is the recorded time of a commit: now at the recorded
// precision, and after every time recorded before (a clock stepping back
// must not reorder what was learned); callers hold mu.
func (s *Store) recordedNow() time.Time {
	now := time.Now().UTC().Truncate(data.RecordedPrecision)
	if !now.After(s.lastRecorded) {
		now = s.lastRecorded.Add(data.RecordedPrecision)
	}
	s.lastRecorded = now
	return now
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
	v.byParcelNo = parcelIndex(v.feats)
	return v, nil
}

// parcelIndex maps each value of data.ParcelNoProperty, as Features'
// filter compares it, to the features holding it in feature order; nil
// when no feature has one (only a parcel register has them).
func parcelIndex(feats []geo.Feature) map[string][]int {
	var idx map[string][]int
	for _, f := range feats {
		if _, ok := f.Properties[data.ParcelNoProperty]; ok {
			idx = make(map[string][]int, len(feats))
			break
		}
	}
	if idx == nil {
		return nil
	}
	for i, f := range feats {
		k := fmt.Sprint(f.Properties[data.ParcelNoProperty])
		idx[k] = append(idx[k], i)
	}
	return idx
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
