package server

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/problem"
)

func (s *Server) listLayers(c echo.Context) error {
	at, err := s.queryAt(c)
	if err != nil {
		return err
	}
	layers, err := s.layersAt(c.Request().Context(), at)
	if err != nil {
		return err
	}
	if layers == nil {
		layers = []geo.LayerInfo{}
	}
	out := map[string]any{"layers": layers, "as_of": geo.DateOf(at.AsOf)}
	if !at.KnownAt.IsZero() {
		out["known_at"] = at.KnownAt
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getLayer(c echo.Context) error {
	at, err := s.queryAt(c)
	if err != nil {
		return err
	}
	info, err := s.layerAt(c.Request().Context(), c.Param("id"), at)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, info)
}

// queryAsOf reads ?as_of=, defaulting to today.
func (s *Server) queryAsOf(c echo.Context) (time.Time, error) {
	v := c.QueryParam("as_of")
	if v == "" {
		return data.Today(), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, problem.BadRequest("invalid-date", "Invalid date", "?as_of", "as_of %q is not a date in the form YYYY-MM-DD", clip(v))
	}
	return t, nil
}

// ParseBBox reads "minLon,minLat,maxLon,maxLat".
func ParseBBox(v, param string) (*orb.Bound, error) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) != 4 {
		return nil, problem.BadRequest("invalid-bbox", "Invalid bbox", "?"+param, "bbox needs 4 numbers minLon,minLat,maxLon,maxLat; got %d", len(parts))
	}
	var f [4]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, problem.BadRequest("invalid-bbox", "Invalid bbox", "?"+param, "bbox value %d (%q) is not a finite number", i+1, clip(p))
		}
		f[i] = x
	}
	if f[0] > f[2] || f[1] > f[3] {
		return nil, problem.BadRequest("invalid-bbox", "Invalid bbox", "?"+param, "bbox minimum exceeds maximum: minLon,minLat,maxLon,maxLat")
	}
	if f[0] < -180 || f[2] > 180 || f[1] < -90 || f[3] > 90 {
		return nil, problem.BadRequest("invalid-bbox", "Invalid bbox", "?"+param, "bbox must be in degrees of longitude and latitude")
	}
	return &orb.Bound{Min: orb.Point{f[0], f[1]}, Max: orb.Point{f[2], f[3]}}, nil
}

// layerFeatures streams a layer as an RFC 7946 FeatureCollection, one
// feature at a time: a whole layer is never held as one response.
func (s *Server) layerFeatures(c echo.Context) error {
	at, err := s.queryAt(c)
	if err != nil {
		return err
	}
	asOf := at.AsOf
	bbox, err := ParseBBox(c.QueryParam("bbox"), "bbox")
	if err != nil {
		return err
	}
	zoom := -1
	if z := c.QueryParam("zoom"); z != "" {
		zoom, err = strconv.Atoi(z)
		if err != nil || zoom < 0 || zoom > 24 {
			return problem.BadRequest("invalid-zoom", "Invalid zoom", "?zoom", "zoom %q must be a whole number from 0 to 24", clip(z))
		}
	}
	ctx := c.Request().Context()
	info, err := s.layerAt(ctx, c.Param("id"), at)
	if err != nil {
		return err
	}
	// Kept responses (cache.go) are keyed by the version in force and the
	// normalised query; the ETag comes from the same key.
	key := featuresKey(info, bbox, zoom)
	c.Response().Header().Set("X-Layer-Version", strconv.FormatInt(info.Version, 10))
	return s.StreamCached(c, key, "application/geo+json", func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 32<<10)
		head := fmt.Sprintf(`{"type":"FeatureCollection","layer":%q,"version":%d,"valid_from":%q,"status":%q,"features":[`,
			info.ID, info.Version, info.ValidFrom.Format(time.DateOnly), info.Status)
		bw.WriteString(head)
		buf := make([]byte, 0, 4096)
		n := 0
		decimals := DecimalsForZoom(zoom)
		// The version resolved for the key is the one read: the store
		// does not look it up again.
		// A box selects the features that meet it (not all whose bounds
		// do), and with a zoom the map draws only the box: each geometry
		// is cut to it (and a margin) before it is simplified.
		q := data.FeatureQuery{AsOf: asOf, Version: info.Version, BBox: bbox, Exact: bbox != nil, Clip: true, Zoom: zoom, RawProperties: true}
		err := s.store.Features(ctx, info.ID, q, func(f geo.Feature) error {
			buf = buf[:0]
			if n > 0 {
				buf = append(buf, ',')
			}
			n++
			g := f.Geometry
			if decimals < geo.Decimals {
				g = roundGeometry(g, decimals)
			}
			props, err := f.EncodedProperties()
			if err != nil {
				return err
			}
			buf = geo.AppendFeatureJSON(buf, f.ID, g, props)
			_, err = bw.Write(buf)
			return err
		})
		if err != nil {
			return fmt.Errorf("stream layer %s: %w", info.ID, err)
		}
		bw.WriteString("]}")
		return bw.Flush()
	})
}

// featuresKey identifies a GeoJSON layer response: the layer version in
// force (with its start and size, so that a store rebuilt with other data
// under the same number does not match) and the normalised query.
func featuresKey(info geo.LayerInfo, bbox *orb.Bound, zoom int) string {
	z := "full"
	if zoom >= 0 && zoom < geo.MaxSimplifyZoom {
		z = strconv.Itoa(zoom)
	}
	b := "all"
	if bbox != nil {
		b = strconv.FormatFloat(bbox.Min[0], 'g', -1, 64) + "," + strconv.FormatFloat(bbox.Min[1], 'g', -1, 64) + "," +
			strconv.FormatFloat(bbox.Max[0], 'g', -1, 64) + "," + strconv.FormatFloat(bbox.Max[1], 'g', -1, 64)
	}
	return "features|" + info.ID + "|" + strconv.FormatInt(info.Version, 10) + "|" + info.ValidFrom.Format(time.DateOnly) +
		"|" + strconv.Itoa(info.FeatureCount) + "|z=" + z + "|bbox=" + b
}
