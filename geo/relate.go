package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	sf "github.com/peterstace/simplefeatures/geom"
)

// The relation semantics below are the contract every store implements
// (the PostGIS store in SQL, the embedded store through this file):
//
//   - All measures are in EPSG:4549 metres.
//   - A site partly outside the district is clipped to it; ratios stay
//     shares of the whole site.
//   - Polygon zone: a point is a hit when the zone contains it; a line or
//     area when the part inside the zone measures at least minAreaM2
//     (area) or minLengthM (line). "inside" when that part is the whole
//     judged site, else "overlaps". distance_m is 0.
//   - Distance zone (Source, DistanceM, optional Area mask, optional
//     MinDistanceM): the judged geometry is the site, or its part inside
//     the mask. A hit when its exact distance to Source is ≤ DistanceM and,
//     with MinDistanceM, a point lies farther than MinDistanceM (lines and
//     areas: the part outside the MinDistanceM buffer polygon measures at
//     least the minimum). distance_m is that exact distance; overlap is the
//     part of the judged geometry inside the drawn band polygon.
const minLengthM = 0.001

// PreparedZone is a zone made ready for repeated relating: projected once,
// with its band polygon drawn.
type PreparedZone struct {
	Zone
	// Bound is the projected extent within which a site can relate to the
	// zone (the area or source extent, grown by the distance).
	Bound orb.Bound

	areaP     orb.MultiPolygon
	areaIx    *PolygonIndex // point-in-area, indexed (index.go)
	areaSF    sf.Geometry
	areaLP    *localPolygon // areaSF, or its part near a site when big (prepared_clip.go)
	srcSegs   [][2]orb.Point
	srcIx     *segIndex // nil for small sources
	srcPolys  orb.MultiPolygon
	srcPolyIx *PolygonIndex
	srcLines  bool // the source is lines only (no points, no polygons)
	srcSF     sf.Geometry
	drawnSF   sf.Geometry
	drawnLP   *localPolygon
	innerSF   sf.Geometry
	innerLP   *localPolygon
	hasInner  bool
}

// PrepareZone projects a zone and draws its band polygon when it is a
// distance zone without one (z.Drawn is set, in lon/lat).
func PrepareZone(z Zone) (*PreparedZone, error) {
	pz := &PreparedZone{Zone: z}
	if z.Area != nil {
		pz.areaP = polygonsOf(ProjectGeometry(z.Area))
		if len(pz.areaP) == 0 {
			return nil, fmt.Errorf("zone %s: area has no polygon", z.ID)
		}
		pz.areaSF = sfShared(pz.areaP)
		pz.areaIx = NewPolygonIndex(pz.areaP)
		pz.areaLP = newLocalPolygon(pz.areaP, pz.areaSF, pz.areaIx)
		pz.Bound = grow(pz.areaP.Bound(), BoundaryToleranceM) // a site touching it relates
	}
	if z.Source == nil {
		if z.Area == nil {
			return nil, fmt.Errorf("zone %s: neither area nor source", z.ID)
		}
		return pz, nil
	}
	if z.DistanceM < 0 || z.MinDistanceM < 0 || (z.MinDistanceM > 0 && z.MinDistanceM >= z.DistanceM) {
		return nil, fmt.Errorf("zone %s: distances %g..%g m are not a band", z.ID, z.MinDistanceM, z.DistanceM)
	}
	src := ProjectGeometry(z.Source)
	pz.srcSF = toSF(src)
	collectSource(src, pz)
	if len(pz.srcSegs) == 0 && len(pz.srcPolys) == 0 {
		return nil, fmt.Errorf("zone %s: empty source", z.ID)
	}
	if z.DistanceM == 0 && len(pz.srcPolys) == 0 {
		return nil, fmt.Errorf("zone %s: a band of distance 0 (the water itself) needs a source of surfaces", z.ID)
	}
	pz.srcIx = newSegIndex(pz.srcSegs)
	pz.srcLines = linesOnly(src)
	if len(pz.srcPolys) > 0 {
		pz.srcPolyIx = NewPolygonIndex(pz.srcPolys)
	}
	grown := grow(src.Bound(), z.DistanceM+BoundaryToleranceM)
	if z.Area != nil {
		grown = orb.Bound{
			Min: orb.Point{max(grown.Min[0], pz.Bound.Min[0]), max(grown.Min[1], pz.Bound.Min[1])},
			Max: orb.Point{min(grown.Max[0], pz.Bound.Max[0]), min(grown.Max[1], pz.Bound.Max[1])},
		}
	}
	pz.Bound = grown

	drawn, err := drawBand(src, pz.srcPolys, z.DistanceM)
	if err != nil {
		return nil, fmt.Errorf("zone %s: %w", z.ID, err)
	}
	if z.Area != nil {
		if drawn, err = sf.Intersection(drawn, pz.areaSF); err != nil {
			return nil, fmt.Errorf("zone %s: clip band to area: %w", z.ID, err)
		}
	}
	if z.MinDistanceM > 0 {
		inner, err := BufferProjected(src, z.MinDistanceM, BufferQuadSegs)
		if err != nil {
			return nil, fmt.Errorf("zone %s: %w", z.ID, err)
		}
		pz.innerSF, pz.hasInner = sfShared(inner), true
		pz.innerLP = newLocalPolygon(inner, pz.innerSF, nil)
		if drawn, err = sf.Difference(drawn, pz.innerSF); err != nil {
			return nil, fmt.Errorf("zone %s: cut inner band: %w", z.ID, err)
		}
	}
	pz.drawnSF = drawn
	drawnP := areaOf(drawn)
	pz.drawnLP = newLocalPolygon(drawnP, drawn, nil)
	if pz.Drawn == nil {
		pz.Drawn = UnprojectGeometry(drawnP)
	}
	return pz, nil
}

// hasLength reports whether a line has two distinct points.
func hasLength(l orb.LineString) bool {
	for _, p := range l {
		if p != l[0] {
			return true
		}
	}
	return false
}

// linesOnly reports whether g holds lines of some length and nothing else.
func linesOnly(g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.LineString:
		return hasLength(g)
	case orb.MultiLineString:
		for _, l := range g {
			if !hasLength(l) {
				return false
			}
		}
		return len(g) > 0
	case orb.Collection:
		for _, c := range g {
			if !linesOnly(c) {
				return false
			}
		}
		return len(g) > 0
	}
	return false
}

func collectSource(g orb.Geometry, pz *PreparedZone) {
	addLine := func(ps []orb.Point) {
		if len(ps) == 1 {
			pz.srcSegs = append(pz.srcSegs, [2]orb.Point{ps[0], ps[0]})
		}
		for i := 0; i+1 < len(ps); i++ {
			pz.srcSegs = append(pz.srcSegs, [2]orb.Point{ps[i], ps[i+1]})
		}
	}
	switch g := g.(type) {
	case orb.Point:
		addLine([]orb.Point{g})
	case orb.MultiPoint:
		for _, p := range g {
			addLine([]orb.Point{p})
		}
	case orb.LineString:
		addLine(g)
	case orb.MultiLineString:
		for _, l := range g {
			addLine(l)
		}
	case orb.Ring:
		collectSource(orb.Polygon{g}, pz)
	case orb.Polygon:
		for _, r := range g {
			addLine(r)
		}
		pz.srcPolys = append(pz.srcPolys, g)
	case orb.MultiPolygon:
		for _, p := range g {
			collectSource(p, pz)
		}
	case orb.Collection:
		for _, c := range g {
			collectSource(c, pz)
		}
	}
}

func polygonsOf(g orb.Geometry) orb.MultiPolygon {
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}
	case orb.MultiPolygon:
		return g
	case orb.Collection:
		var out orb.MultiPolygon
		for _, c := range g {
			out = append(out, polygonsOf(c)...)
		}
		return out
	}
	return nil
}

// Relate relates a (possibly clipped) site to a zone. ok is false when the
// site does not relate to it.
func Relate(s *Site, z *PreparedZone) (rel Relation, ok bool, err error) {
	if !z.Bound.Intersects(s.Bound) {
		return Relation{}, false, nil
	}
	rel = Relation{
		ZoneID: z.ID, Layer: z.Layer, ZoneKind: z.ZoneKind, ZoneName: z.Name,
		Subzone: z.Subzone, Basis: z.Basis, Status: z.Status, Origin: z.Origin,
	}
	if s.Dim == 0 {
		p := s.Projected.(orb.Point)
		if z.areaP != nil && !z.areaIx.Within(p, BoundaryToleranceM) {
			return Relation{}, false, nil
		}
		rel.OverlapRatio = 1
		if z.Source == nil {
			rel.Relation = RelInside
			return rel, true, nil
		}
		d, near := z.pointDistanceWithin(p, z.DistanceM+BoundaryToleranceM)
		if d > z.DistanceM+BoundaryToleranceM || (z.MinDistanceM > 0 && d <= z.MinDistanceM+BoundaryToleranceM) {
			return Relation{}, false, nil
		}
		rel.Relation, rel.DistanceM = RelWithinDistance, d
		if d > 0 { // in the water or on its edge there is no line to draw
			rel.Nearest = nearestLine(p, near)
		}
		return rel, true, nil
	}

	g := s.sfg
	if z.areaP != nil {
		if v, ok := firstPosition(s.Projected); ok && z.areaIx.disjoint(grow(s.Bound, BoundaryToleranceM), v) {
			return Relation{}, false, nil // the overlay would be empty, and nothing touches
		}
		in, err := sf.Intersection(g, z.areaLP.near(s.Bound))
		if err != nil {
			return Relation{}, false, fmt.Errorf("relate %s: %w", z.ID, err)
		}
		m := measureOf(in, s.Dim)
		if m < minMeasure(s.Dim) && (z.Source != nil || !z.touchesArea(g, s.Bound)) {
			// A masked band judges the part of the site on the mask's
			// side, which must measure something; a polygon zone is
			// closed: a site that only touches it overlaps it.
			return Relation{}, false, nil
		}
		if z.Source == nil {
			rel.Relation = RelOverlaps
			if m >= s.Measure*(1-1e-6) {
				rel.Relation = RelInside
			}
			setOverlap(&rel, s, m, in)
			return rel, true, nil
		}
		g = in
	}
	d, a, b := z.geometryDistanceWithin(g, s.Bound, z.DistanceM+BoundaryToleranceM)
	if d > z.DistanceM+BoundaryToleranceM {
		return Relation{}, false, nil
	}
	if z.hasInner {
		rest, err := sf.Difference(g, z.innerLP.near(s.Bound))
		if err != nil {
			return Relation{}, false, fmt.Errorf("relate %s: %w", z.ID, err)
		}
		if measureOf(rest, s.Dim) < minMeasure(s.Dim) {
			return Relation{}, false, nil
		}
	}
	in, err := sf.Intersection(g, z.drawnLP.near(s.Bound))
	if err != nil {
		return Relation{}, false, fmt.Errorf("relate %s: %w", z.ID, err)
	}
	rel.Relation, rel.DistanceM = RelWithinDistance, d
	setOverlap(&rel, s, measureOf(in, s.Dim), in)
	if d > 0 {
		rel.Nearest = nearestLine(a, b)
	}
	return rel, true, nil
}

func setOverlap(rel *Relation, s *Site, m float64, part sf.Geometry) {
	rel.OverlapRatio = m / s.Whole
	if rel.OverlapRatio > 1 {
		rel.OverlapRatio = 1
	}
	if s.Dim == 2 {
		rel.OverlapM2 = m
		if mp := areaOf(part); len(mp) > 0 {
			rel.Conflict = UnprojectGeometry(mp)
		}
		return
	}
	if ml := linesOf(part); len(ml) > 0 {
		rel.Conflict = UnprojectGeometry(ml)
	}
}

func nearestLine(a, b orb.Point) orb.LineString {
	return UnprojectGeometry(orb.LineString{a, b}).(orb.LineString)
}

func measureOf(g sf.Geometry, dim int) float64 {
	if dim == 2 {
		return g.Area()
	}
	return g.Length()
}

func minMeasure(dim int) float64 {
	if dim == 2 {
		return minAreaM2
	}
	return minLengthM
}

func linesOf(g sf.Geometry) orb.MultiLineString {
	var out orb.MultiLineString
	switch g.Type() {
	case sf.TypeLineString:
		if l := g.MustAsLineString(); !l.IsEmpty() {
			out = append(out, orbPoints(l.Coordinates()))
		}
	case sf.TypeMultiLineString:
		ml := g.MustAsMultiLineString()
		for i := 0; i < ml.NumLineStrings(); i++ {
			if l := ml.LineStringN(i); !l.IsEmpty() {
				out = append(out, orbPoints(l.Coordinates()))
			}
		}
	case sf.TypeGeometryCollection:
		gc := g.MustAsGeometryCollection()
		for i := 0; i < gc.NumGeometries(); i++ {
			out = append(out, linesOf(gc.GeometryN(i))...)
		}
	}
	return out
}

// pointDistance is the exact distance from p to the zone's source and the
// nearest point of the source.
func (z *PreparedZone) pointDistance(p orb.Point) (float64, orb.Point) {
	if len(z.srcPolys) > 0 && planar.MultiPolygonContains(z.srcPolys, p) {
		return 0, p
	}
	best, near := math.Inf(1), p
	for _, s := range z.srcSegs {
		q := closestOnSegment(p, s[0], s[1])
		if d := math.Hypot(p[0]-q[0], p[1]-q[1]); d < best {
			best, near = d, q
		}
	}
	return best, near
}

// pointDistanceWithin is pointDistance when that is at most limit, and
// some distance greater than limit otherwise; with an index it looks only
// at the source near p.
func (z *PreparedZone) pointDistanceWithin(p orb.Point, limit float64) (float64, orb.Point) {
	if z.srcIx == nil {
		return z.pointDistance(p)
	}
	if z.srcPolyIx.Contains(p) {
		return 0, p
	}
	return z.srcIx.nearest(p, limit)
}

// geometryDistanceWithin is geometryDistance when that is at most limit,
// and some distance greater than limit otherwise. bound holds g. With an
// index only the source segments near bound take part, in their order, so
// the nearest pair (and which of equal pairs) is the one the full scan finds.
func (z *PreparedZone) geometryDistanceWithin(g sf.Geometry, bound orb.Bound, limit float64) (float64, orb.Point, orb.Point) {
	if z.srcIx == nil {
		return z.geometryDistance(g)
	}
	near := z.srcIx.candidates(grow(bound, limit), nil)
	if len(near) == 0 && len(z.srcPolys) == 0 {
		return math.Inf(1), orb.Point{}, orb.Point{}
	}
	if z.srcLines {
		// A line source meets g only through a segment whose box meets
		// g's: the test runs on those segments alone, each a two-point
		// line, with simplefeatures' exact predicates as before.
		var touch []sf.LineString
		for _, i := range z.srcIx.candidates(grow(bound, 0), nil) {
			s := z.srcSegs[i]
			if s[0] == s[1] {
				continue // a repeated vertex: the segments beside it hold it
			}
			touch = append(touch, sf.NewLineString(sf.NewSequence([]float64{s[0][0], s[0][1], s[1][0], s[1][1]}, sf.DimXY)))
		}
		if len(touch) > 0 && sf.Intersects(g, sf.NewMultiLineString(touch).AsGeometry()) {
			return 0, orb.Point{}, orb.Point{}
		}
	} else if sf.Intersects(g, z.srcSF) {
		return 0, orb.Point{}, orb.Point{}
	}
	var segs [][2]orb.Point
	collectSegs(g, &segs)
	src := make([][2]orb.Point, len(near))
	for k, i := range near {
		src[k] = z.srcSegs[i]
	}
	return nearestPair(segs, src)
}

// geometryDistance is the exact distance between a site geometry (lines or
// polygons, projected) and the source, with the two nearest points.
func (z *PreparedZone) geometryDistance(g sf.Geometry) (float64, orb.Point, orb.Point) {
	if sf.Intersects(g, z.srcSF) {
		return 0, orb.Point{}, orb.Point{}
	}
	var segs [][2]orb.Point
	collectSegs(g, &segs)
	return nearestPair(segs, z.srcSegs)
}

// nearestPair is the shortest distance between two sets of segments that do
// not meet, with its end on the site (a) and on the source (b). Two disjoint
// segments are nearest at an endpoint of one of them.
func nearestPair(site, src [][2]orb.Point) (best float64, a, b orb.Point) {
	best = math.Inf(1)
	try := func(p orb.Point, s [2]orb.Point, pOnSite bool) {
		q := closestOnSegment(p, s[0], s[1])
		if d := math.Hypot(p[0]-q[0], p[1]-q[1]); d < best {
			best = d
			if pOnSite {
				a, b = p, q
			} else {
				a, b = q, p
			}
		}
	}
	for _, ss := range site {
		for _, zs := range src {
			try(ss[0], zs, true)
			try(ss[1], zs, true)
			try(zs[0], ss, false)
			try(zs[1], ss, false)
		}
	}
	return best, a, b
}

func collectSegs(g sf.Geometry, out *[][2]orb.Point) {
	addSeq := func(s sf.Sequence) {
		n := s.Length()
		if n == 1 {
			xy := s.GetXY(0)
			*out = append(*out, [2]orb.Point{{xy.X, xy.Y}, {xy.X, xy.Y}})
		}
		for i := 0; i+1 < n; i++ {
			a, b := s.GetXY(i), s.GetXY(i+1)
			*out = append(*out, [2]orb.Point{{a.X, a.Y}, {b.X, b.Y}})
		}
	}
	switch g.Type() {
	case sf.TypePoint:
		if xy, ok := g.MustAsPoint().XY(); ok {
			*out = append(*out, [2]orb.Point{{xy.X, xy.Y}, {xy.X, xy.Y}})
		}
	case sf.TypeLineString:
		addSeq(g.MustAsLineString().Coordinates())
	case sf.TypeMultiLineString:
		ml := g.MustAsMultiLineString()
		for i := 0; i < ml.NumLineStrings(); i++ {
			addSeq(ml.LineStringN(i).Coordinates())
		}
	case sf.TypePolygon:
		for _, r := range g.MustAsPolygon().DumpRings() {
			addSeq(r.Coordinates())
		}
	case sf.TypeMultiPolygon:
		mp := g.MustAsMultiPolygon()
		for i := 0; i < mp.NumPolygons(); i++ {
			collectSegs(mp.PolygonN(i).AsGeometry(), out)
		}
	case sf.TypeGeometryCollection:
		gc := g.MustAsGeometryCollection()
		for i := 0; i < gc.NumGeometries(); i++ {
			collectSegs(gc.GeometryN(i), out)
		}
	}
}

func closestOnSegment(p, a, b orb.Point) orb.Point {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := dx*dx + dy*dy
	if l == 0 {
		return a
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l
	switch {
	case t <= 0:
		return a
	case t >= 1:
		return b
	}
	return orb.Point{a[0] + t*dx, a[1] + t*dy}
}
