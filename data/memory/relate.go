package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Relate implements Store.
func (s *Store) Relate(ctx context.Context, site *geo.Site, at data.At) (geo.Relations, error) {
	if err := ctx.Err(); err != nil {
		return geo.Relations{}, err
	}
	s.mu.RLock()
	rel := geo.Relations{Layers: make([]geo.LayerVersion, 0, len(s.manifest.Layers))}
	var cov *layerVersion
	var judgedBuf [16]*layerVersion
	judged := judgedBuf[:0]
	for _, d := range s.manifest.Layers {
		if !d.Decides() {
			continue // display and informational layers take no part
		}
		v := s.versionAt(d.ID, at)
		if v == nil {
			if d.Kind == geo.LayerCoverage || d.Judged() {
				err := s.noVersion(at)
				s.mu.RUnlock()
				return geo.Relations{}, fmt.Errorf("relate: %w", err)
			}
			continue
		}
		rel.Layers = append(rel.Layers, geo.LayerVersion{ID: d.ID, Version: v.info.Version, ValidFrom: v.info.ValidFrom, Status: v.info.Status, RecordedAt: v.info.RecordedAt})
		switch d.Kind {
		case geo.LayerCoverage:
			cov = v
		case geo.LayerZone, geo.LayerDistance: // judged ones (Decides)
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
			if err := ctx.Err(); err != nil {
				ferr = err // geometry work checks the deadline too, zone by zone
				return false
			}
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

// noVersion says which judged layers have no version on asOf and from
// which day on all of them have one; callers hold mu.
func (s *Store) noVersion(at data.At) *data.NoVersionError {
	e := &data.NoVersionError{AsOf: at.AsOf, KnownAt: at.KnownAt}
	missing := false
	for _, d := range s.manifest.Layers {
		if d.Kind != geo.LayerCoverage && !d.Judged() {
			continue
		}
		if s.versionAt(d.ID, at) == nil {
			e.Layers = append(e.Layers, d.ID)
		}
		vs := s.layers[d.ID]
		if len(vs) == 0 {
			missing = true
			continue
		}
		if first := vs[0].info.ValidFrom.Time; first.After(e.FirstCovered) {
			e.FirstCovered = first
		}
	}
	if missing {
		e.FirstCovered = time.Time{}
	}
	return e
}
