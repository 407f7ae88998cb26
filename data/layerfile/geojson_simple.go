package layerfile

import (
	"fmt"

	"github.com/paulmach/orb/geojson"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// ParseGeoJSON reads a FeatureCollection in lon/lat as it is: no CRS, no
// re-orientation, no id checks (Read does those, for a steward's files).
// It is for files this project writes itself (the bundled demo layers,
// generated test layers). A feature's id is its "id" member, else its "id"
// property, else its 1-based index; a feature without geometry is an
// error wrapping data.data.ErrInvalidImport.
func ParseGeoJSON(src []byte) ([]geo.Feature, error) {
	fc, err := geojson.UnmarshalFeatureCollection(src)
	if err != nil {
		return nil, fmt.Errorf("read GeoJSON: %w", err)
	}
	feats := make([]geo.Feature, 0, len(fc.Features))
	for i, f := range fc.Features {
		if f.Geometry == nil {
			return nil, fmt.Errorf("%w: feature %d has no geometry", data.ErrInvalidImport, i)
		}
		id := ""
		switch v := f.ID.(type) {
		case string:
			id = v
		case float64:
			id = fmt.Sprintf("%d", int64(v))
		}
		if id == "" {
			id = geo.PropString(f.Properties, "id")
		}
		if id == "" {
			id = fmt.Sprintf("%d", i+1)
		}
		props := map[string]any(f.Properties)
		if props == nil {
			props = map[string]any{}
		}
		props["id"] = id
		feats = append(feats, geo.Feature{ID: id, Geometry: f.Geometry, Properties: props})
	}
	return feats, nil
}
