package data

import (
	"fmt"
	"maps"

	"github.com/zhonglou/ecospace/geo"
)

// SurfacesFromCentreLines prepares the import of a source layer from
// centre lines with a declared half-width (`ecospace import --half-width`,
// `PUT /api/v1/layers/{id}?half_width=`): each LineString or
// MultiLineString becomes the surface within halfWidthM of it
// (geo.SurfaceFromCentreLine), its properties kept and
// geo.PropCentreLineHalfWidth added, so that the layer and every answer
// measured from it say the origin was derived. Polygons (surveyed
// surfaces) and features whose geometry is broken pass unchanged, for
// CheckFeatures to judge. The surfaces are computed here, once, so that
// both stores hold the same ones.
func SurfacesFromCentreLines(def geo.LayerDef, feats []geo.Feature, halfWidthM float64) ([]geo.Feature, error) {
	if def.Kind != geo.LayerSource {
		return nil, fmt.Errorf("%w: layer %s is a %s layer; a half-width makes water surfaces of centre lines, for source layers only", ErrInvalidImport, def.ID, def.Kind)
	}
	if !(halfWidthM > 0) || halfWidthM > geo.MaxHalfWidthM {
		return nil, fmt.Errorf("%w: half-width %g m: want more than 0 and at most %d m", ErrInvalidImport, halfWidthM, geo.MaxHalfWidthM)
	}
	out := make([]geo.Feature, len(feats))
	for i, f := range feats {
		out[i] = f
		switch f.Geometry.GeoJSONType() {
		case "LineString", "MultiLineString":
		default:
			continue
		}
		if geo.CheckGeometry(f.Geometry) != nil {
			continue
		}
		g, err := geo.SurfaceFromCentreLine(f.Geometry, halfWidthM)
		if err != nil {
			return nil, fmt.Errorf("%w: layer %s feature %d (%s): %v", ErrInvalidImport, def.ID, i, f.ID, err)
		}
		props := maps.Clone(f.Properties)
		if props == nil {
			props = map[string]any{}
		}
		props[geo.PropCentreLineHalfWidth] = halfWidthM
		out[i].Geometry, out[i].Properties, out[i].PropertiesJSON = g, props, nil
	}
	return out, nil
}
