package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

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
		if !d.Decides() {
			continue // display and informational layers take no part
		}
		v := s.versionAt(d.ID, asOf)
		if v == nil {
			if d.Kind == geo.LayerCoverage || d.Judged() {
				s.mu.RUnlock()
				return geo.Relations{}, fmt.Errorf("relate: layer %s on %s: %w", d.ID, asOf.Format(time.DateOnly), data.ErrNoVersion)
			}
			continue
		}
		rel.Layers = append(rel.Layers, geo.LayerVersion{ID: d.ID, Version: v.info.Version, ValidFrom: v.info.ValidFrom})
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
