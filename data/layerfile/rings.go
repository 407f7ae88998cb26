package layerfile

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Polygons from Shapefile rings, and RFC 7946 ring orientation.

// assemblePolygons groups Shapefile polygon parts into polygons. By the
// Shapefile spec exterior rings are clockwise and holes counter-clockwise;
// each hole goes to the smallest exterior that contains it, whatever the
// order of the parts. If a hole lies in no exterior (or no ring is
// clockwise: writers that ignore the spec), the rings are nested by
// containment alone: a ring inside an even number of others is an exterior.
func assemblePolygons(rings []orb.Ring) (orb.Geometry, error) {
	type ringInfo struct {
		r     orb.Ring
		area  float64 // signed: > 0 counter-clockwise
		bound orb.Bound
	}
	infos := make([]ringInfo, len(rings))
	for i, r := range rings {
		if len(r) > 0 && r[0] != r[len(r)-1] {
			r = append(r, r[0])
		}
		if len(r) < 4 {
			return nil, fmt.Errorf("ring %d has %d points; a closed ring needs 4", i, len(r))
		}
		infos[i] = ringInfo{r: r, area: signedArea(r), bound: r.Bound()}
	}
	contains := func(outer, inner int) bool {
		return infos[outer].bound.Contains(infos[inner].bound.Min) && infos[outer].bound.Contains(infos[inner].bound.Max) &&
			ringInRing(infos[inner].r, infos[outer].r)
	}
	var outers, holes []int
	for i, ri := range infos {
		if ri.area < 0 {
			outers = append(outers, i)
		} else {
			holes = append(holes, i)
		}
	}
	parent := make([]int, len(infos)) // for holes: the exterior; -1 for exteriors
	for i := range parent {
		parent[i] = -1
	}
	byOrientation := len(outers) > 0
	for _, h := range holes {
		if !byOrientation {
			break
		}
		best := -1
		for _, o := range outers {
			if contains(o, h) && (best < 0 || math.Abs(infos[o].area) < math.Abs(infos[best].area)) {
				best = o
			}
		}
		if best < 0 {
			byOrientation = false
		}
		parent[h] = best
	}
	isHole := make([]bool, len(infos))
	if byOrientation {
		for _, h := range holes {
			isHole[h] = true
		}
	} else {
		// Nesting alone: visit rings from the largest; each ring's parent is
		// the smallest larger ring containing it.
		order := make([]int, len(infos))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return math.Abs(infos[order[a]].area) > math.Abs(infos[order[b]].area) })
		depth := make([]int, len(infos))
		for k, i := range order {
			parent[i] = -1
			container := -1
			for _, j := range order[:k] {
				if contains(j, i) && (container < 0 || math.Abs(infos[j].area) < math.Abs(infos[container].area)) {
					container = j
				}
			}
			if container >= 0 {
				depth[i] = depth[container] + 1
			}
			if depth[i]%2 == 1 {
				isHole[i], parent[i] = true, container
			}
		}
	}
	var mp orb.MultiPolygon
	index := map[int]int{} // exterior ring → polygon
	for i := range infos {
		if !isHole[i] {
			index[i] = len(mp)
			mp = append(mp, orb.Polygon{infos[i].r})
		}
	}
	for i := range infos {
		if isHole[i] {
			k := index[parent[i]]
			mp[k] = append(mp[k], infos[i].r)
		}
	}
	if len(mp) == 1 {
		return mp[0], nil
	}
	return mp, nil
}

// signedArea is the signed area of a closed ring, positive when
// counter-clockwise. Coordinates are taken relative to the first vertex so
// that projected metres in the millions lose no precision.
func signedArea(r orb.Ring) float64 {
	if len(r) < 3 {
		return 0
	}
	x0, y0 := r[0][0], r[0][1]
	var s float64
	for i := 1; i < len(r); i++ {
		ax, ay := r[i-1][0]-x0, r[i-1][1]-y0
		bx, by := r[i][0]-x0, r[i][1]-y0
		s += ax*by - bx*ay
	}
	return s / 2
}

// ringInRing reports whether inner lies inside outer, judged by the first
// vertex of inner that is not on outer's boundary.
func ringInRing(inner, outer orb.Ring) bool {
	for _, p := range inner {
		switch pointInRing(p, outer) {
		case 1:
			return true
		case -1:
			return false
		}
	}
	return true // every vertex on the boundary: the same ring
}

// pointInRing: 1 inside, -1 outside, 0 on the boundary (even-odd rule).
func pointInRing(p orb.Point, r orb.Ring) int {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[j], r[i]
		// On the segment?
		cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
		if cross == 0 && p[0] >= math.Min(a[0], b[0]) && p[0] <= math.Max(a[0], b[0]) &&
			p[1] >= math.Min(a[1], b[1]) && p[1] <= math.Max(a[1], b[1]) {
			return 0
		}
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	if in {
		return 1
	}
	return -1
}

// orientRFC7946 turns polygon exteriors counter-clockwise and holes
// clockwise, in place.
func orientRFC7946(g orb.Geometry) {
	orient := func(p orb.Polygon) {
		for i, r := range p {
			a := signedArea(r)
			if (i == 0 && a < 0) || (i > 0 && a > 0) {
				r.Reverse()
			}
		}
	}
	switch g := g.(type) {
	case orb.Polygon:
		orient(g)
	case orb.MultiPolygon:
		for _, p := range g {
			orient(p)
		}
	}
}
