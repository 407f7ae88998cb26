package geo

import (
	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"
)

// orb is the project's geometry type (GeoJSON, WKB, simplification, clipping);
// simplefeatures supplies what orb lacks: validity checks and overlay
// (intersection, difference, union). These two functions are the only bridge.

func seqOf(pts []orb.Point) sf.Sequence {
	flat := make([]float64, 0, 2*len(pts))
	for _, p := range pts {
		flat = append(flat, p[0], p[1])
	}
	return sf.NewSequence(flat, sf.DimXY)
}

func sfPolygon(p orb.Polygon) sf.Polygon {
	rings := make([]sf.LineString, len(p))
	for i, r := range p {
		rings[i] = sf.NewLineString(seqOf(r))
	}
	return sf.NewPolygon(rings)
}

// toSF converts an orb geometry without validating it.
func toSF(g orb.Geometry) sf.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return sf.NewPoint(sf.Coordinates{XY: sf.XY{X: g[0], Y: g[1]}, Type: sf.DimXY}).AsGeometry()
	case orb.MultiPoint:
		pts := make([]sf.Point, len(g))
		for i, p := range g {
			pts[i] = sf.NewPoint(sf.Coordinates{XY: sf.XY{X: p[0], Y: p[1]}, Type: sf.DimXY})
		}
		return sf.NewMultiPoint(pts).AsGeometry()
	case orb.LineString:
		return sf.NewLineString(seqOf(g)).AsGeometry()
	case orb.MultiLineString:
		ls := make([]sf.LineString, len(g))
		for i, l := range g {
			ls[i] = sf.NewLineString(seqOf(l))
		}
		return sf.NewMultiLineString(ls).AsGeometry()
	case orb.Ring:
		return sfPolygon(orb.Polygon{g}).AsGeometry()
	case orb.Polygon:
		return sfPolygon(g).AsGeometry()
	case orb.MultiPolygon:
		ps := make([]sf.Polygon, len(g))
		for i, p := range g {
			ps[i] = sfPolygon(p)
		}
		return sf.NewMultiPolygon(ps).AsGeometry()
	case orb.Bound:
		return sfPolygon(g.ToPolygon()).AsGeometry()
	case orb.Collection:
		gs := make([]sf.Geometry, len(g))
		for i, c := range g {
			gs[i] = toSF(c)
		}
		return sf.NewGeometryCollection(gs).AsGeometry()
	}
	return sf.Geometry{}
}

func orbPoints(s sf.Sequence) []orb.Point {
	n := s.Length()
	pts := make([]orb.Point, n)
	for i := 0; i < n; i++ {
		xy := s.GetXY(i)
		pts[i] = orb.Point{xy.X, xy.Y}
	}
	return pts
}

func orbPolygon(p sf.Polygon) orb.Polygon {
	out := make(orb.Polygon, 0, p.NumRings())
	for _, r := range p.DumpRings() {
		out = append(out, orb.Ring(orbPoints(r.Coordinates())))
	}
	return out
}

// areaOf returns the polygonal part of an overlay result as a MultiPolygon
// (nil when it has no area); points and lines left by touching boundaries
// are dropped because a conflict is an area.
func areaOf(g sf.Geometry) orb.MultiPolygon {
	var out orb.MultiPolygon
	switch g.Type() {
	case sf.TypePolygon:
		if p := g.MustAsPolygon(); !p.IsEmpty() {
			out = append(out, orbPolygon(p))
		}
	case sf.TypeMultiPolygon:
		mp := g.MustAsMultiPolygon()
		for i := 0; i < mp.NumPolygons(); i++ {
			if p := mp.PolygonN(i); !p.IsEmpty() {
				out = append(out, orbPolygon(p))
			}
		}
	case sf.TypeGeometryCollection:
		gc := g.MustAsGeometryCollection()
		for i := 0; i < gc.NumGeometries(); i++ {
			out = append(out, areaOf(gc.GeometryN(i))...)
		}
	}
	return out
}
