package geo

import "github.com/paulmach/orb"

// Compact returns a deep copy of g whose coordinate slices have exactly
// their length as capacity. A decoder that appends (GeoJSON, WKB) leaves a
// third or more of each big ring unused; a store that keeps layers in
// memory for months compacts them once at import.
func Compact(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.LineString:
		return compactPts(g)
	case orb.Ring:
		return compactPts(g)
	case orb.MultiPoint:
		return compactPts(g)
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = compactPts(l)
		}
		return out
	case orb.Polygon:
		return compactPolygon(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = compactPolygon(p)
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, c := range g {
			out[i] = Compact(c)
		}
		return out
	}
	return g
}

func compactPolygon(p orb.Polygon) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		out[i] = compactPts(r)
	}
	return out
}

func compactPts[S ~[]orb.Point](ps S) S {
	if ps == nil {
		return nil
	}
	out := make(S, len(ps))
	copy(out, ps)
	return out
}
