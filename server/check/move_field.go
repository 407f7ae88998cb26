package check

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// moveField builds what a moved site must keep to, from the layer
// versions in force on the request's day near the site: the district, and
// every zone whose rule for the category and declared facts (with open
// facts, the least severe they could give, as Judge takes it) is worse
// than the target. Distance bands are measured from their source layer's
// surfaces, exactly as the stores measure them, never from drawn buffers.
func (c *Checker) moveField(ctx context.Context, in *Input, target string, radius float64) (*geo.MoveField, error) {
	layers, err := c.store.Layers(ctx, in.AsOf)
	if err != nil {
		return nil, fmt.Errorf("move: layers: %w", err)
	}
	reach := radius
	for _, l := range layers {
		if l.Derived != nil {
			for _, b := range l.Derived.Bands {
				reach = max(reach, radius+b.DistanceM)
			}
		}
	}
	box := lonLatBound(in.Site.Bound.Pad(reach + 100))
	cache := map[string][]geo.Feature{}
	features := func(id string) ([]geo.Feature, error) {
		if fs, ok := cache[id]; ok {
			return fs, nil
		}
		var fs []geo.Feature
		err := c.store.Features(ctx, id, data.FeatureQuery{AsOf: in.AsOf, BBox: &box, Zoom: -1}, func(f geo.Feature) error {
			fs = append(fs, f)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("move: features of %s: %w", id, err)
		}
		cache[id] = fs
		return fs, nil
	}
	bad := func(kind, sub string) (bool, error) {
		res, err := c.rules.Resolve(kind, sub, in.Category.ID, in.Facts, in.AsOf)
		if err != nil {
			return false, fmt.Errorf("move: %w", err)
		}
		return geo.Severity(res.Rule.Effect) > geo.Severity(target), nil
	}
	var coverage orb.MultiPolygon
	var zones []geo.MoveZone
	for _, l := range layers {
		switch {
		case l.Kind == geo.LayerCoverage:
			fs, err := features(l.ID)
			if err != nil {
				return nil, err
			}
			coverage = append(coverage, projectedPolygons(fs)...)
		case l.Kind == geo.LayerZone && l.Judged():
			fs, err := features(l.ID)
			if err != nil {
				return nil, err
			}
			for _, f := range fs {
				sub, err := l.SubzoneOf(f.Properties)
				if err != nil {
					return nil, fmt.Errorf("move: layer %s feature %s: %w", l.ID, f.ID, err)
				}
				if worse, err := bad(l.ZoneKind, sub); err != nil {
					return nil, err
				} else if worse {
					zones = append(zones, geo.MoveZone{Area: projectedPolygons([]geo.Feature{f})})
				}
			}
		case l.Kind == geo.LayerDistance && l.Derived != nil:
			bands, err := c.badBands(l, bad, features)
			if err != nil {
				return nil, err
			}
			zones = append(zones, bands...)
		}
	}
	return geo.NewMoveField(coverage, zones), nil
}

// badBands are the bands of a derived layer worse than the target.
func (c *Checker) badBands(l geo.LayerInfo, bad func(kind, sub string) (bool, error), features func(string) ([]geo.Feature, error)) ([]geo.MoveZone, error) {
	var zones []geo.MoveZone
	var src *geo.MoveSource
	for _, b := range l.Derived.Bands {
		worse, err := bad(l.ZoneKind, b.Subzone)
		if err != nil || !worse {
			if err != nil {
				return nil, err
			}
			continue
		}
		if src == nil {
			fs, err := features(l.Derived.Source)
			if err != nil {
				return nil, err
			}
			gs := make([]orb.Geometry, 0, len(fs))
			for _, f := range fs {
				gs = append(gs, geo.ProjectGeometry(f.Geometry))
			}
			src = geo.NewMoveSource(gs)
		}
		z := geo.MoveZone{Source: src, DistanceM: b.DistanceM, MinDistanceM: b.MinDistanceM}
		if b.Mask != "" {
			fs, err := features(l.Derived.Mask)
			if err != nil {
				return nil, err
			}
			z.Mask, z.MaskOutside = projectedPolygons(fs), b.Mask == geo.MaskOutside
		}
		zones = append(zones, z)
	}
	return zones, nil
}

// projectedPolygons are the features' polygons in EPSG:4549.
func projectedPolygons(fs []geo.Feature) orb.MultiPolygon {
	var out orb.MultiPolygon
	for _, f := range fs {
		switch g := geo.ProjectGeometry(f.Geometry).(type) {
		case orb.Polygon:
			out = append(out, g)
		case orb.MultiPolygon:
			out = append(out, g...)
		}
	}
	return out
}

// lonLatBound is the lon/lat box holding a projected box (its corners and
// edge midpoints: the projection bends the edges a little).
func lonLatBound(b orb.Bound) orb.Bound {
	pts := []orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]},
		b.Center(), {b.Center()[0], b.Min[1]}, {b.Center()[0], b.Max[1]}, {b.Min[0], b.Center()[1]}, {b.Max[0], b.Center()[1]}}
	var out orb.Bound
	for i, p := range pts {
		lon, lat := geo.FromGK(p[0], p[1])
		q := orb.Point{lon, lat}
		if i == 0 {
			out = orb.Bound{Min: q, Max: q}
			continue
		}
		out = out.Extend(q)
	}
	return out.Pad(1e-4)
}
