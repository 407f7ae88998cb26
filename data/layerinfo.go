package data

import (
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// LayerInfoOf summarises a layer version for the API: feature count,
// extent, geometry type and data status. Both stores summarise a version
// with it when they make one (the PostGIS store keeps the result in
// layer_versions), so that GET /layers answers the same on either.
func LayerInfoOf(def geo.LayerDef, feats []geo.Feature, version int64, from time.Time) geo.LayerInfo {
	info := geo.LayerInfo{LayerDef: def, FeatureCount: len(feats), Version: version, ValidFrom: geo.Date{Time: from}}
	var b orb.Bound
	types := map[string]bool{}
	status := ""
	for i, f := range feats {
		if i == 0 {
			b = f.Geometry.Bound()
		} else {
			b = b.Union(f.Geometry.Bound())
		}
		types[f.Geometry.GeoJSONType()] = true
		if st := geo.PropString(f.Properties, "status"); st != "" && (status == "" || st == "illustrative") {
			status = st
		}
		info.Origin = geo.WiderOrigin(info.Origin, geo.OriginOf(f.Properties))
	}
	info.BBox = [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	info.GeometryType = GeometryTypeOf(types)
	if status == "" {
		status = "official"
	}
	info.Status = status
	return info
}

// GeometryTypeOf is the geometry type a layer reports for features of the
// GeoJSON types in types: the one type, the multi type when single and
// multi mix, else "Geometry". The PostGIS store names a derived version's
// type with it from the types it finds in SQL.
func GeometryTypeOf(types map[string]bool) string {
	switch {
	case len(types) == 1:
		for t := range types {
			return t
		}
	case len(types) == 2 && types["Polygon"] && types["MultiPolygon"]:
		return "MultiPolygon"
	case len(types) == 2 && types["LineString"] && types["MultiLineString"]:
		return "MultiLineString"
	}
	return "Geometry"
}
