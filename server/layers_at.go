package server

import (
	"context"
	"fmt"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Layer reads at a point of the two times: ?as_of= (the valid day;
// default today in China) and ?known_at= (the knowledge time, RFC 3339;
// default now). Each layer answers with the version in force that day as
// known then, and names it (version, valid_from, recorded_at): what the
// map on a past date draws. Responses are kept by the version resolved,
// so a knowledge time never reads another version's kept answer.

// queryAt reads ?as_of= and ?known_at=.
func (s *Server) queryAt(c echo.Context) (data.At, error) {
	asOf, err := s.queryAsOf(c)
	if err != nil {
		return data.At{}, err
	}
	at := data.At{AsOf: asOf}
	if v := c.QueryParam("known_at"); v != "" {
		if at.KnownAt, err = s.checker.ParseKnownAt(v, "?known_at"); err != nil {
			return data.At{}, err
		}
	}
	return at, nil
}

// layerAt is the version of layer id in force at at: the store's own
// (kept) answer when everything recorded counts, else data.InForce over
// the layer's versions.
func (s *Server) layerAt(ctx context.Context, id string, at data.At) (geo.LayerInfo, error) {
	if at.KnownAt.IsZero() {
		return s.store.Layer(ctx, id, at.AsOf)
	}
	vs, err := s.store.Versions(ctx, id)
	if err != nil {
		return geo.LayerInfo{}, err
	}
	info, ok := data.InForce(vs, at)
	if !ok {
		return geo.LayerInfo{}, fmt.Errorf("layer %s on %s known at %s: %w", id, at.AsOf.Format(time.DateOnly), geo.FormatKnownAt(at.KnownAt), data.ErrNoVersion)
	}
	return info, nil
}

// layersAt lists the layers in force at at, in manifest order.
func (s *Server) layersAt(ctx context.Context, at data.At) ([]geo.LayerInfo, error) {
	if at.KnownAt.IsZero() {
		return s.store.Layers(ctx, at.AsOf)
	}
	vs, err := s.store.Versions(ctx)
	if err != nil {
		return nil, err
	}
	byLayer := map[string][]geo.LayerInfo{}
	for _, v := range vs {
		byLayer[v.ID] = append(byLayer[v.ID], v)
	}
	var out []geo.LayerInfo
	for _, d := range s.man.Layers {
		if info, ok := data.InForce(byLayer[d.ID], at); ok {
			out = append(out, info)
		}
	}
	return out, nil
}
