package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/problem"
)

// MVTContentType is the media type of Mapbox vector tiles.
const MVTContentType = "application/vnd.mapbox-vector-tile"

// tileFlight makes concurrent misses of one tile build it once.
var tileFlight singleflight.Group

// layerTile serves GET /api/v1/layers/{id}/tiles/{z}/{x}/{y}.mvt: a
// Mapbox vector tile of the layer version in force on ?as_of, for maps of
// layers too heavy for GeoJSON. The store makes it when it can
// (data.TileStore, e.g. PostGIS ST_AsMVT); otherwise it is built from the
// features meeting the tile (data.BuildTile). Tiles are kept and
// revalidated like GeoJSON responses (cache.go).
func (s *Server) layerTile(c echo.Context) error {
	z, x, y, err := parseTile(c.Param("z"), c.Param("x"), c.Param("y"))
	if err != nil {
		return err
	}
	at, err := s.queryAt(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	info, err := s.layerAt(ctx, c.Param("id"), at)
	if err != nil {
		return err
	}
	key := fmt.Sprintf("tile|%s|%d|%s|%d|%d/%d/%d", info.ID, info.Version, info.ValidFrom.Format(time.DateOnly), info.FeatureCount, z, x, y)
	r, w := c.Request(), c.Response()
	w.Header().Set("X-Layer-Version", strconv.FormatInt(info.Version, 10))
	if notModified(r, key) {
		s.cacheHeaders(w.Header(), key, acceptsGzip(r))
		return c.NoContent(http.StatusNotModified)
	}
	cache := s.layerCache()
	e, ok, admit := cache.lookup(key)
	w.Header().Set("X-Cache", "hit")
	if !ok {
		w.Header().Set("X-Cache", "miss")
		v, err, _ := tileFlight.Do(key, func() (any, error) {
			b, err := s.buildTile(context.WithoutCancel(ctx), info, z, x, y)
			if err != nil {
				return nil, err
			}
			if !admit { // asked for the first time: served, not kept
				return &cacheEntry{key: key, plain: b}, nil
			}
			return cache.put(key, b, nil), nil
		})
		if err != nil {
			return fmt.Errorf("tile %s %d/%d/%d: %w", info.ID, z, x, y, err)
		}
		e = v.(*cacheEntry)
	}
	return s.serveCached(c, cache, e, MVTContentType)
}

// buildTile asks the store for the tile of the version info names (the
// one in force, already resolved for the cache key, so not looked up
// again), or builds it from its features.
func (s *Server) buildTile(ctx context.Context, info geo.LayerInfo, z, x, y int) ([]byte, error) {
	if s.tiles != nil {
		return s.tiles.Tile(ctx, info.ID, info.Version, z, x, y)
	}
	b := data.TileBound(z, x, y)
	var feats []geo.Feature
	err := s.store.Features(ctx, info.ID, data.FeatureQuery{Version: info.Version, BBox: &b, Zoom: -1}, func(f geo.Feature) error {
		feats = append(feats, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return data.BuildTile(info.ID, feats, z, x, y)
}

// parseTile reads z, x and y ("123.mvt").
func parseTile(zs, xs, ys string) (z, x, y int, err error) {
	ys, ok := strings.CutSuffix(ys, ".mvt")
	if !ok {
		return 0, 0, 0, problem.New(http.StatusNotFound, "not-found", "Not found", "tiles are served as …/tiles/{z}/{x}/{y}.mvt")
	}
	var errs [3]error
	z, errs[0] = strconv.Atoi(zs)
	x, errs[1] = strconv.Atoi(xs)
	y, errs[2] = strconv.Atoi(ys)
	for i, e := range errs {
		if e != nil {
			name := [3]string{"z", "x", "y"}[i]
			return 0, 0, 0, problem.BadRequest("invalid-tile", "Invalid tile", "/"+name, "tile %s %q is not a whole number", name, clip([3]string{zs, xs, ys}[i]))
		}
	}
	if z < 0 || z > data.MaxTileZoom {
		return 0, 0, 0, problem.BadRequest("invalid-tile", "Invalid tile", "/z", "tile zoom %d must be from 0 to %d", z, data.MaxTileZoom)
	}
	if !data.ValidTile(z, x, y) {
		return 0, 0, 0, problem.New(http.StatusNotFound, "not-found", "Not found", fmt.Sprintf("there is no tile %d/%d/%d: x and y run from 0 to %d at zoom %d", z, x, y, (1<<z)-1, z))
	}
	return z, x, y, nil
}
