package data

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"

	"github.com/zhonglou/ecospace/geo"
)

// TileStore is implemented by stores that make Mapbox vector tiles of a
// layer themselves (the PostGIS store can with ST_AsMVT). The server asks
// it for GET /api/v1/layers/{id}/tiles/{z}/{x}/{y}.mvt and otherwise builds
// the tile from Features with BuildTile. Tile returns the tile's protobuf
// bytes, not compressed, for version of layer id, as the caller resolved
// it with Store.Layer (the server has, for its cache key; the store does
// not look it up again): one MVT layer named after the layer id, extent
// TileExtent, each feature with its scalar properties (its id among them).
// An empty tile is a valid answer; a layer the manifest lacks is
// ErrNotFound, a version the layer does not have ErrNoVersion, and z/x/y
// naming no tile ErrNotFound.
type TileStore interface {
	Tile(ctx context.Context, id string, version int64, z, x, y int) ([]byte, error)
}

// Vector tile parameters.
const (
	TileExtent  = 4096 // tile coordinates per side
	TileBuffer  = 64   // tile coordinates kept beyond each side, against seams
	MaxTileZoom = 22
)

// TileBound is the lon/lat box whose features a tile draws, its buffer
// included.
func TileBound(z, x, y int) orb.Bound {
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)).Bound(float64(TileBuffer) / TileExtent)
}

// ValidTile reports whether z/x/y names a tile.
func ValidTile(z, x, y int) bool {
	if z < 0 || z > MaxTileZoom {
		return false
	}
	n := 1 << z
	return x >= 0 && x < n && y >= 0 && y < n
}

// BuildTile encodes features (lon/lat, shared: they are not changed) as one
// vector tile layer named layer: each geometry is projected to tile
// coordinates (Web Mercator) into a new copy, clipped to the tile and its
// buffer, simplified by a tile unit and dropped when nothing of it is left.
func BuildTile(layer string, feats []geo.Feature, z, x, y int) ([]byte, error) {
	if !ValidTile(z, x, y) {
		return nil, fmt.Errorf("tile %d/%d/%d does not exist", z, x, y)
	}
	scale := float64(TileExtent) * math.Exp2(float64(z))
	ox, oy := float64(x)*TileExtent, float64(y)*TileExtent
	toTile := func(lon, lat float64) (float64, float64) {
		lat = max(min(lat, 85.0511287798), -85.0511287798)
		s := math.Sin(lat * math.Pi / 180)
		return (lon+180)/360*scale - ox, (0.5-math.Log((1+s)/(1-s))/(4*math.Pi))*scale - oy
	}
	box := orb.Bound{Min: orb.Point{-TileBuffer, -TileBuffer}, Max: orb.Point{TileExtent + TileBuffer, TileExtent + TileBuffer}}
	l := &mvt.Layer{Name: layer, Version: 2, Extent: TileExtent}
	for _, f := range feats {
		g := geo.TransformGeometry(f.Geometry, toTile) // a copy: clip works in place
		if g = clip.Geometry(box, g); g == nil {
			continue
		}
		gf := geojson.NewFeature(g)
		for k, v := range f.Properties {
			switch v.(type) {
			case string, bool, float64, float32, int, int64, int32, uint, uint64, uint32:
				gf.Properties[k] = v
			}
		}
		if _, ok := gf.Properties["id"]; !ok {
			gf.Properties["id"] = f.ID
		}
		l.Features = append(l.Features, gf)
	}
	l.Simplify(simplify.DouglasPeucker(1))
	l.RemoveEmpty(1, 1)
	return mvt.Marshal(mvt.Layers{l})
}
