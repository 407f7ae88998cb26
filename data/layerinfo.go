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
	var s LayerSummary
	for _, f := range feats {
		s.Add(f)
	}
	return s.Info(def, version, from)
}

// LayerSummary is LayerInfoOf one feature at a time, for imports that
// stream their features.
type LayerSummary struct {
	n      int
	b      orb.Bound
	types  map[string]bool
	status string
	origin *geo.Origin
}

// Add counts a feature in.
func (s *LayerSummary) Add(f geo.Feature) {
	if s.n == 0 {
		s.b = f.Geometry.Bound()
		s.types = map[string]bool{}
	} else {
		s.b = s.b.Union(f.Geometry.Bound())
	}
	s.n++
	s.types[f.Geometry.GeoJSONType()] = true
	if st := geo.PropString(f.Properties, "status"); st != "" && (s.status == "" || st == "illustrative") {
		s.status = st
	}
	s.origin = geo.WiderOrigin(s.origin, geo.OriginOf(f.Properties))
}

// Len is the number of features added.
func (s *LayerSummary) Len() int { return s.n }

// Info is the summary of the features added, as LayerInfoOf gives it.
func (s *LayerSummary) Info(def geo.LayerDef, version int64, from time.Time) geo.LayerInfo {
	info := geo.LayerInfo{LayerDef: def, FeatureCount: s.n, Version: version, ValidFrom: geo.Date{Time: from}}
	info.BBox = [4]float64{s.b.Min[0], s.b.Min[1], s.b.Max[0], s.b.Max[1]}
	info.GeometryType = GeometryTypeOf(s.types)
	info.Status = s.status
	info.Origin = s.origin
	if info.Status == "" {
		info.Status = "official"
	}
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
