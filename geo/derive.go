package geo

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"
)

// Band mask modes.
const (
	MaskInside  = "inside"
	MaskOutside = "outside"
)

// ZonesFromFeatures turns the features of a polygon zone layer (or the
// coverage layer) into zones. Feature properties name them: name_zh (or
// name), name_en, subzone, basis, status.
func ZonesFromFeatures(def LayerDef, feats []Feature) ([]Zone, error) {
	zones := make([]Zone, 0, len(feats))
	for i, f := range feats {
		if len(polygonsOf(f.Geometry)) == 0 {
			return nil, fmt.Errorf("layer %s feature %d (%s): a %s layer needs polygons, got %s", def.ID, i, f.ID, def.Kind, f.Geometry.GeoJSONType())
		}
		sub, err := def.SubzoneOf(f.Properties)
		if err != nil {
			return nil, fmt.Errorf("layer %s feature %d (%s): %w", def.ID, i, f.ID, err)
		}
		zones = append(zones, Zone{
			ID:         f.ID,
			Layer:      def.ID,
			ZoneKind:   def.ZoneKind,
			Name:       FeatureName(f.Properties),
			Subzone:    sub,
			Basis:      PropString(f.Properties, "basis"),
			Status:     PropString(f.Properties, "status"),
			Area:       f.Geometry,
			Properties: f.Properties,
		})
	}
	return zones, nil
}

// DeriveZones computes the zones of a derived distance layer from the
// features of its source layer, of its mask layer (when a band is masked)
// and of the coverage layer (an "outside" mask means coverage minus mask).
func DeriveZones(def LayerDef, source, mask, coverage []Feature) ([]Zone, error) {
	if def.Derived == nil {
		return nil, fmt.Errorf("layer %s is not derived", def.ID)
	}
	if len(source) == 0 {
		return nil, fmt.Errorf("derive %s: source layer %s has no features", def.ID, def.Derived.Source)
	}
	src := make(orb.Collection, 0, len(source))
	status := ""
	var origin *Origin
	for _, f := range source {
		src = append(src, f.Geometry)
		status = WeakerStatus(status, PropString(f.Properties, "status"))
		origin = WiderOrigin(origin, OriginOf(f.Properties))
	}
	var srcGeom orb.Geometry = src
	if len(src) == 1 {
		srcGeom = src[0]
	}
	var inside, outside orb.Geometry
	for _, b := range def.Derived.Bands {
		if b.Mask == "" {
			continue
		}
		if inside == nil {
			var err error
			if inside, outside, err = maskAreas(def, mask, coverage); err != nil {
				return nil, err
			}
			for _, f := range mask {
				status = WeakerStatus(status, PropString(f.Properties, "status"))
			}
		}
	}
	zones := make([]Zone, 0, len(def.Derived.Bands))
	for _, b := range def.Derived.Bands {
		z := Zone{
			ID: b.ID, Layer: def.ID, ZoneKind: def.ZoneKind, Name: b.Name, Subzone: b.Subzone,
			Basis: b.Basis, Status: status, Source: srcGeom, DistanceM: b.DistanceM, MinDistanceM: b.MinDistanceM,
			Origin: origin,
		}
		switch b.Mask {
		case "":
		case MaskInside:
			z.Area = inside
		case MaskOutside:
			z.Area = outside
		default:
			return nil, fmt.Errorf("derive %s band %s: mask %q is not inside or outside", def.ID, b.ID, b.Mask)
		}
		if b.Mask != "" && len(polygonsOf(z.Area)) == 0 {
			// The mask leaves nothing on this side: the band is empty and
			// is left out rather than given an area it does not have.
			continue
		}
		z.Properties = BandProperties(*def.Derived, b, status, origin)
		zones = append(zones, z)
	}
	return zones, nil
}

// BandProperties are the properties of a derived band's feature; both
// stores give them, so that map and API output match. origin is the
// source's (nil when its surfaces were drawn).
func BandProperties(d Derived, b Band, status string, origin *Origin) map[string]any {
	props := map[string]any{
		"id": b.ID, "name_zh": b.Name.ZH, "name_en": b.Name.EN, "subzone": b.Subzone,
		"basis": b.Basis, "status": status, "source": d.Source, "distance_m": b.DistanceM,
	}
	if b.MinDistanceM > 0 {
		props["min_distance_m"] = b.MinDistanceM
	}
	if b.Mask != "" {
		props["mask"] = d.Mask + ":" + b.Mask
	}
	if origin != nil {
		props[PropCentreLineHalfWidth] = origin.HalfWidthM
	}
	return props
}

// maskAreas returns the mask polygons and the coverage outside them, in
// lon/lat; the overlay runs in EPSG:4549 metres.
func maskAreas(def LayerDef, mask, coverage []Feature) (inside, outside orb.Geometry, err error) {
	if len(mask) == 0 {
		return nil, nil, fmt.Errorf("derive %s: mask layer %s has no features", def.ID, def.Derived.Mask)
	}
	if len(coverage) == 0 {
		return nil, nil, fmt.Errorf("derive %s: no coverage layer to take the mask from", def.ID)
	}
	var mp, cp []sf.Geometry
	for _, f := range mask {
		mp = append(mp, toSF(ProjectGeometry(f.Geometry)))
	}
	for _, f := range coverage {
		cp = append(cp, toSF(ProjectGeometry(f.Geometry)))
	}
	m, err := unionTree(mp)
	if err != nil {
		return nil, nil, fmt.Errorf("derive %s: union mask: %w", def.ID, err)
	}
	c, err := unionTree(cp)
	if err != nil {
		return nil, nil, fmt.Errorf("derive %s: union coverage: %w", def.ID, err)
	}
	out, err := sf.Difference(c, m)
	if err != nil {
		return nil, nil, fmt.Errorf("derive %s: coverage minus mask: %w", def.ID, err)
	}
	return UnprojectGeometry(areaOf(m)), UnprojectGeometry(areaOf(out)), nil
}

// WeakerStatus keeps the least authoritative status: a zone derived from
// an illustrative line is illustrative too. Both stores fold with it.
func WeakerStatus(a, b string) string {
	rank := map[string]int{"": 0, "official": 1, "verified": 1, "estimated": 2, "illustrative": 3}
	if rank[strings.ToLower(b)] > rank[strings.ToLower(a)] {
		return b
	}
	return a
}

// FeatureName is a feature's name from its properties: name_zh (or, as
// some files have it, name) and name_en.
func FeatureName(props map[string]any) Text {
	zh := PropString(props, "name_zh")
	if zh == "" {
		zh = PropString(props, "name")
	}
	return Text{ZH: zh, EN: PropString(props, "name_en")}
}

// PropString reads a string property, "" when absent or not a string.
func PropString(props map[string]any, key string) string {
	s, _ := props[key].(string)
	return s
}
