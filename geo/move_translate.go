package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Moving a line or an area: the site is translated, so the question is, for
// a direction u, the smallest t after which the site moved by t·u meets
// none of the zones and lies in the district. Along one direction that is
// exact: the site moved by t·u comes within d of a segment B of a zone
// exactly when an edge A of the site does (or one holds the other), and
// dist(A + t·u, B) = dist(t·u, B ⊖ A), the distance from a point moving on
// a line to the convex hull of the four points b − a, so the t where it is
// at most d form one interval, found by cutting the line with the capsules
// (radius d) of the hull's edges. Between the ends of those intervals the
// site neither touches nor leaves anything, so one vertex decides whether
// it lies inside a zone (or a zone inside it) or outside the district.

// Translation is a move of a whole site by DX metres east and DY north
// (EPSG:4549).
type Translation struct {
	DX, DY float64
}

// Length is the translation's length in metres.
func (t Translation) Length() float64 { return math.Hypot(t.DX, t.DY) }

// obstacle is what a moved site must keep more than d from: segments of
// a zone's edge (d the boundary tolerance), of a band's source (d its
// distance), or of the district's edge.
type obstacle struct {
	segs   [][2]orb.Point
	bounds []orb.Bound
	d      float64
}

func newObstacle(segs [][2]orb.Point, d float64, near orb.Bound) obstacle {
	o := obstacle{d: d}
	for _, s := range segs {
		b := orb.Bound{Min: s[0], Max: s[0]}.Extend(s[1])
		if b.Intersects(near) {
			o.segs, o.bounds = append(o.segs, s), append(o.bounds, b)
		}
	}
	return o
}

func ringSegs(mp orb.MultiPolygon) [][2]orb.Point {
	var out [][2]orb.Point
	for _, p := range mp {
		for _, r := range p {
			for i := 0; i+1 < len(r); i++ {
				out = append(out, [2]orb.Point{r[i], r[i+1]})
			}
		}
	}
	return out
}

// siteShape is a projected line or area site: its edges, one vertex of
// each part, and its polygons (none for a line).
type siteShape struct {
	edges  [][2]orb.Point
	firsts []orb.Point
	polys  orb.MultiPolygon
	bound  orb.Bound
}

func newSiteShape(g orb.Geometry) siteShape {
	s := siteShape{bound: g.Bound()}
	line := func(ps []orb.Point) {
		if len(ps) == 0 {
			return
		}
		s.firsts = append(s.firsts, ps[0])
		for i := 0; i+1 < len(ps); i++ {
			s.edges = append(s.edges, [2]orb.Point{ps[i], ps[i+1]})
		}
	}
	switch g := g.(type) {
	case orb.Point:
		s.firsts = append(s.firsts, g)
		s.edges = append(s.edges, [2]orb.Point{g, g})
	case orb.LineString:
		line(g)
	case orb.MultiLineString:
		for _, l := range g {
			line(l)
		}
	case orb.Polygon:
		s.polys = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		s.polys = g
	}
	for _, p := range s.polys {
		for _, r := range p {
			line(r)
		}
	}
	return s
}

// Translations answers, for each of dirs directions (bearings k·360°/dirs
// from grid north, clockwise), the shortest translation along it within
// radius after which the projected site g (a line or area; a point works
// too) lies in the district and meets none of the zones, shortest first;
// a direction with none within radius is left out. Each is exact along
// its direction (and MoveEpsilonM past the last contact); between
// directions the true minimum may be shorter by up to radius·(1 − cos of
// half the step). A band counts here as everything within its distance:
// its mask and inner distance are not used, so a translation is never
// short of what a band needs and may be longer than a mask or inner
// distance would allow (the caller's check of the moved site decides).
func (f *MoveField) Translations(g orb.Geometry, radius float64, dirs int) []Translation {
	site := newSiteShape(g)
	maxD := 0.0
	for _, z := range f.Zones {
		maxD = math.Max(maxD, z.DistanceM)
	}
	near := grow(site.bound, radius+maxD+1)
	obs := []obstacle{newObstacle(ringSegs(f.Coverage), BoundaryToleranceM, near)}
	for _, z := range f.Zones {
		if z.Source == nil {
			obs = append(obs, newObstacle(ringSegs(z.Area), BoundaryToleranceM, near))
			continue
		}
		obs = append(obs, newObstacle(z.Source.pz.srcSegs, z.DistanceM+BoundaryToleranceM, near))
	}
	type found struct {
		t  float64
		tr Translation
	}
	var out []found
	for k := range dirs {
		a := float64(k) * 2 * math.Pi / float64(dirs)
		u := orb.Point{math.Sin(a), math.Cos(a)}
		if t, ok := f.firstFree(site, obs, u, radius); ok {
			out = append(out, found{t, Translation{DX: t * u[0], DY: t * u[1]}})
		}
	}
	slices.SortStableFunc(out, func(a, b found) int { return cmpFloat(a.t, b.t) })
	trs := make([]Translation, len(out))
	for i, o := range out {
		trs[i] = o.tr
	}
	return trs
}

type interval struct{ lo, hi float64 }

// firstFree is the smallest t in [0, radius] (MoveEpsilonM past a contact)
// at which the site moved by t·u is clear of every obstacle.
func (f *MoveField) firstFree(site siteShape, obs []obstacle, u orb.Point, radius float64) (float64, bool) {
	var ivs []interval
	for _, o := range obs {
		for _, e := range site.edges {
			sweep := orb.Bound{Min: e[0], Max: e[0]}.Extend(e[1])
			sweep = sweep.Union(orb.Bound{Min: orb.Point{sweep.Min[0] + radius*u[0], sweep.Min[1] + radius*u[1]},
				Max: orb.Point{sweep.Max[0] + radius*u[0], sweep.Max[1] + radius*u[1]}})
			sweep = grow(sweep, o.d)
			for i, s := range o.segs {
				if !o.bounds[i].Intersects(sweep) {
					continue
				}
				if iv, ok := contact(e, s, o.d, u); ok && iv.hi >= 0 && iv.lo <= radius {
					ivs = append(ivs, iv)
				}
			}
		}
	}
	slices.SortFunc(ivs, func(a, b interval) int { return cmpFloat(a.lo, b.lo) })
	cur, i := 0.0, 0
	for {
		for i < len(ivs) && ivs[i].lo <= cur {
			if ivs[i].hi >= cur {
				cur = ivs[i].hi + MoveEpsilonM
			}
			i++
		}
		if cur > radius {
			return 0, false
		}
		if f.clear(site, orb.Point{cur * u[0], cur * u[1]}) {
			return cur, true
		}
		if i == len(ivs) {
			return 0, false
		}
		cur = ivs[i].lo // the site lies inside something until the next contact
	}
}

// clear reports whether the site moved by off, touching nothing, lies in
// the district and holds no zone nor is held by one.
func (f *MoveField) clear(site siteShape, off orb.Point) bool {
	moved := func(p orb.Point) orb.Point { return orb.Point{p[0] + off[0], p[1] + off[1]} }
	back := func(p orb.Point) orb.Point { return orb.Point{p[0] - off[0], p[1] - off[1]} }
	inSite := func(p orb.Point) bool { return len(site.polys) > 0 && planar.MultiPolygonContains(site.polys, back(p)) }
	for _, v := range site.firsts {
		if !f.covIx.Contains(moved(v)) {
			return false
		}
	}
	for i := range f.Zones {
		z := &f.Zones[i]
		for _, v := range site.firsts {
			if z.Source == nil && z.areaIx.Contains(moved(v)) {
				return false
			}
			if z.Source != nil && z.Source.Distance(moved(v), z.DistanceM+1) <= z.DistanceM+BoundaryToleranceM {
				return false
			}
		}
		if z.Source == nil {
			for _, p := range z.Area {
				if len(p) > 0 && len(p[0]) > 0 && inSite(p[0][0]) {
					return false
				}
			}
			continue
		}
		for _, s := range z.Source.pz.srcSegs {
			if inSite(s[0]) {
				return false
			}
		}
	}
	return true
}

// contact is the interval of t (on the whole line) at which edge e moved
// by t·u comes within d of segment s; ok is false when it never does.
func contact(e, s [2]orb.Point, d float64, u orb.Point) (interval, bool) {
	var q [4]orb.Point
	for i, b := range s {
		for j, a := range e {
			q[2*i+j] = orb.Point{b[0] - a[0], b[1] - a[1]}
		}
	}
	iv, ok := interval{math.Inf(1), math.Inf(-1)}, false
	for i := range q {
		for j := i + 1; j < len(q); j++ {
			if c, hit := capsuleCut(q[i], q[j], d, u); hit {
				iv.lo, iv.hi, ok = math.Min(iv.lo, c.lo), math.Max(iv.hi, c.hi), true
			}
		}
	}
	return iv, ok
}

// capsuleCut is the interval of t at which t·u lies within d of the segment
// s0–s1 (u a unit vector).
func capsuleCut(s0, s1 orb.Point, d float64, u orb.Point) (interval, bool) {
	iv, ok := interval{math.Inf(1), math.Inf(-1)}, false
	take := func(lo, hi float64) {
		if lo <= hi {
			iv.lo, iv.hi, ok = math.Min(iv.lo, lo), math.Max(iv.hi, hi), true
		}
	}
	for _, c := range []orb.Point{s0, s1} {
		m := u[0]*c[0] + u[1]*c[1]
		if disc := m*m - (c[0]*c[0] + c[1]*c[1] - d*d); disc >= 0 {
			r := math.Sqrt(disc)
			take(m-r, m+r)
		}
	}
	ex, ey := s1[0]-s0[0], s1[1]-s0[1]
	l2 := ex*ex + ey*ey
	if l2 == 0 {
		return iv, ok
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	// 0 ≤ (t·u − s0)·e ≤ |e|² and |(t·u − s0) × e| ≤ d·|e|: each a
	// bound on a multiple of t.
	clamp := func(coef, from, to float64) {
		if coef == 0 {
			if from > 0 || to < 0 {
				lo, hi = 1, 0
			}
			return
		}
		a, b := from/coef, to/coef
		if a > b {
			a, b = b, a
		}
		lo, hi = math.Max(lo, a), math.Min(hi, b)
	}
	se := s0[0]*ex + s0[1]*ey
	clamp(u[0]*ex+u[1]*ey, se, se+l2)
	sx := s0[0]*ey - s0[1]*ex
	dl := d * math.Sqrt(l2)
	clamp(u[0]*ey-u[1]*ex, sx-dl, sx+dl)
	take(lo, hi)
	return iv, ok
}
