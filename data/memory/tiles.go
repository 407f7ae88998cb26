package memory

import (
	"context"
	"fmt"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Tile implements TileStore: the features of the version whose boxes meet
// the tile's, in the stable order Features uses.
func (s *Store) Tile(ctx context.Context, id string, version int64, z, x, y int) ([]byte, error) {
	if !data.ValidTile(z, x, y) {
		return nil, fmt.Errorf("tile %d/%d/%d: %w", z, x, y, data.ErrNotFound)
	}
	v, err := s.numbered(ctx, id, version)
	if err != nil {
		return nil, err
	}
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
