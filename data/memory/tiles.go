package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Tile implements TileStore: the features whose boxes meet the tile's,
// read from the version in force, in the stable order Features uses.
func (s *Store) Tile(ctx context.Context, id string, asOf time.Time, z, x, y int) ([]byte, error) {
	if _, err := s.Layer(ctx, id, asOf); err != nil {
		return nil, err
	}
	if !data.ValidTile(z, x, y) {
		return nil, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, data.ErrNotFound)
	}
	s.mu.RLock()
	v := s.versionAt(id, asOf)
	s.mu.RUnlock()
	b := data.TileBound(z, x, y)
	var feats []geo.Feature
	for i, f := range v.feats {
		if b.Intersects(v.bounds[i]) {
			feats = append(feats, f)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return data.BuildTile(id, feats, z, x, y)
}
