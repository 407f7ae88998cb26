package geo

import (
	"math"
	"slices"
	"unsafe"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"
)

// Indexes for big zones. A province's ecological red-line polygons carry
// hundreds of thousands of vertices; a point test must not walk them all.
// The structures below give the same answers as orb's planar.RingContains /
// MultiPolygonContains and the linear scans in relate.go, bit for bit: the
// same per-edge (per-segment) arithmetic runs, only on the edges that can
// change the answer, and ties are broken in the same order.

// indexMinEdges is the ring (or source) size from which an index is built;
// below it a linear scan is as fast.
const indexMinEdges = 64

// ringIndex answers planar.RingContains for one ring. orb casts a ray
// upwards (+y) from the point and counts the edges it crosses; an edge can
// only cross it, or have the point on it, when the edge's x-range holds the
// point's x and its top is not below the point. So the ring's x-extent is
// cut into vertical slabs, each listing the edges whose x-range overlaps it,
// highest top first: a test runs orb's edge test on the edges of the
// point's slab until they fall below the point.
type ringIndex struct {
	r     orb.Ring
	bound orb.Bound
	x0    float64
	scale float64 // slabs per unit of x
	slabs int
	start []int32 // slab k's edges are edges[start[k]:start[k+1]]
	edges []int32 // edge i runs from r[i] to r[i+1] (r[0] for the last)
}

// A ring of n edges gets n/slabEdges slabs; maxSlabFill bounds the edge
// entries per edge (long edges are listed in every slab they span), the
// slab count halving until the lists fit. With these a ring index takes
// about 6 bytes a vertex and a test looks at a few dozen edges.
const (
	slabEdges   = 8
	maxSlabFill = 2
)

func newRingIndex(r orb.Ring) ringIndex {
	ix := ringIndex{r: r, bound: r.Bound()}
	n := len(r)
	width := ix.bound.Max[0] - ix.bound.Min[0]
	if n < indexMinEdges || !(width > 0) || math.IsInf(width, 0) {
		return ix
	}
	ix.x0 = ix.bound.Min[0]
	slabs := max(n/slabEdges, 1)
	var counts []int32
	for {
		ix.slabs, ix.scale = slabs, float64(slabs)/width
		counts = make([]int32, slabs+1)
		total := 0
		for i := 0; i < n; i++ {
			a, b := ix.slabOf(r[i][0]), ix.slabOf(r[ringNext(i, n)][0])
			if a > b {
				a, b = b, a
			}
			for k := a; k <= b; k++ {
				counts[k+1]++
			}
			total += b - a + 1
		}
		if total <= maxSlabFill*n || slabs == 1 {
			break
		}
		slabs /= 2
	}
	ix.start = counts
	for k := 1; k <= slabs; k++ {
		ix.start[k] += ix.start[k-1]
	}
	ix.edges = make([]int32, ix.start[slabs])
	fill := append([]int32(nil), ix.start[:slabs]...)
	for i := 0; i < n; i++ {
		a, b := ix.slabOf(r[i][0]), ix.slabOf(r[ringNext(i, n)][0])
		if a > b {
			a, b = b, a
		}
		for k := a; k <= b; k++ {
			ix.edges[fill[k]] = int32(i)
			fill[k]++
		}
	}
	top := func(i int32) float64 { return max(r[i][1], r[ringNext(int(i), n)][1]) }
	for k := 0; k < slabs; k++ {
		slices.SortFunc(ix.edges[ix.start[k]:ix.start[k+1]], func(a, b int32) int {
			ta, tb := top(a), top(b)
			switch {
			case ta > tb:
				return -1
			case ta < tb:
				return 1
			}
			return int(a - b)
		})
	}
	return ix
}

func ringNext(i, n int) int {
	if i+1 == n {
		return 0
	}
	return i + 1
}

// slabOf is monotonic in x: an edge spanning x1..x2 is listed in every slab
// from slabOf(x1) to slabOf(x2), so any x between them finds it.
func (ix *ringIndex) slabOf(x float64) int {
	k := int((x - ix.x0) * ix.scale)
	if k < 0 {
		return 0
	}
	if k >= ix.slabs {
		return ix.slabs - 1
	}
	return k
}

// contains is planar.RingContains(ix.r, p).
func (ix *ringIndex) contains(p orb.Point) bool {
	if !ix.bound.Contains(p) {
		return false
	}
	r, n := ix.r, len(ix.r)
	if ix.edges == nil {
		// planar.RingContains without its bound, already tested: the
		// closing edge first, then every edge in order.
		if n == 0 {
			return false
		}
		c, on := rayIntersect(p, r[0], r[n-1])
		if on {
			return true
		}
		for i := 0; i < n-1; i++ {
			inter, on := rayIntersect(p, r[i], r[i+1])
			if on {
				return true
			}
			if inter {
				c = !c
			}
		}
		return c
	}
	k := ix.slabOf(p[0])
	c := false
	for _, e := range ix.edges[ix.start[k]:ix.start[k+1]] {
		a, b := r[e], r[ringNext(int(e), n)]
		if a[1] < p[1] && b[1] < p[1] {
			break // this edge and every later one lies below p
		}
		inter, on := rayIntersect(p, a, b)
		if on {
			return true
		}
		if inter {
			c = !c
		}
	}
	return c
}

// rayIntersect is orb's planar ray test (planar/contains.go, MIT licence,
// from rosettacode.org's ray-casting algorithm), copied verbatim so that
// the indexed test does exactly the arithmetic orb does. It is symmetric in
// s and e.
func rayIntersect(p, s, e orb.Point) (intersects, on bool) {
	if s[0] > e[0] {
		s, e = e, s
	}

	switch p[0] {
	case s[0]:
		if p[1] == s[1] {
			// p == start
			return false, true
		} else if s[0] == e[0] {
			// vertical segment (s -> e)
			// return true if within the line, check to see if start or end is greater.
			if s[1] > e[1] && s[1] >= p[1] && p[1] >= e[1] {
				return false, true
			}

			if e[1] > s[1] && e[1] >= p[1] && p[1] >= s[1] {
				return false, true
			}
		}

		// Move the y coordinate to deal with degenerate case
		p[0] = math.Nextafter(p[0], math.Inf(1))
	case e[0]:
		if p[1] == e[1] {
			// matching the end point
			return false, true
		}

		p[0] = math.Nextafter(p[0], math.Inf(1))
	}

	if p[0] < s[0] || p[0] > e[0] {
		return false, false
	}

	if s[1] > e[1] {
		if p[1] > s[1] {
			return false, false
		} else if p[1] < e[1] {
			return true, false
		}
	} else {
		if p[1] > e[1] {
			return false, false
		} else if p[1] < s[1] {
			return true, false
		}
	}

	rs := (p[1] - s[1]) / (p[0] - s[0])
	ds := (e[1] - s[1]) / (e[0] - s[0])

	if rs == ds {
		return false, true
	}

	return rs <= ds, false
}

// PolygonIndex answers planar.MultiPolygonContains for a multipolygon with
// indexed rings. It keeps the polygons it was built from (no copy).
type PolygonIndex struct {
	polys [][]ringIndex // exterior first, then holes
	bound orb.Bound
	grid  cellGrid
}

// NewPolygonIndex indexes mp's rings.
func NewPolygonIndex(mp orb.MultiPolygon) *PolygonIndex {
	pi := &PolygonIndex{polys: make([][]ringIndex, 0, len(mp))}
	for i, p := range mp {
		rings := make([]ringIndex, len(p))
		for j, r := range p {
			rings[j] = newRingIndex(r)
		}
		pi.polys = append(pi.polys, rings)
		if len(rings) > 0 {
			if i == 0 {
				pi.bound = rings[0].bound
			} else {
				pi.bound = pi.bound.Union(rings[0].bound)
			}
		}
	}
	pi.grid = newCellGrid(mp, pi.bound, pi.containsExact)
	return pi
}

// Contains is planar.MultiPolygonContains: points on a boundary are in.
func (pi *PolygonIndex) Contains(p orb.Point) bool {
	if pi == nil || len(pi.polys) == 0 || !pi.bound.Contains(p) {
		return false
	}
	switch pi.grid.at(p) {
	case cellInside:
		return true
	case cellOutside:
		return false
	}
	return pi.containsExact(p)
}

// containsExact is Contains by the ring indexes alone.
func (pi *PolygonIndex) containsExact(p orb.Point) bool {
	for _, rings := range pi.polys {
		if len(rings) == 0 || !rings[0].contains(p) {
			continue
		}
		in := true
		for j := 1; j < len(rings); j++ {
			if rings[j].contains(p) {
				in = false
				break
			}
		}
		if in {
			return true
		}
	}
	return false
}

// A point in a big zone's bounding box is most often outside the zone (a
// province's corridors and river buffers meander across boxes they fill a
// tenth of), and a province point meets some 27 such boxes. So a big
// polygon's bound also gets a coarse grid whose cells no ring edge comes
// near are marked wholly inside or wholly outside, from their centre's
// exact test; a point in such a cell is answered at once. A cell any edge
// meets, or passes within a small margin of (floating point), is left to
// the exact test, so the answers stay orb's, boundary points included.
// 32×32 cells cost 1 KB a polygon.

const (
	gridSide     = 32
	gridMinEdges = 256 // below it the slab test is cheap enough
)

const (
	cellEdge uint8 = iota
	cellInside
	cellOutside
)

type cellGrid struct {
	cells  []uint8 // gridSide² cells, row by row from bound.Min; nil: no grid
	min    orb.Point
	sx, sy float64 // cells per unit of x and y
}

func newCellGrid(mp orb.MultiPolygon, b orb.Bound, contains func(orb.Point) bool) cellGrid {
	edges := 0
	for _, p := range mp {
		for _, r := range p {
			edges += len(r)
		}
	}
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	if edges < gridMinEdges || !(w > 0) || !(h > 0) || math.IsInf(w, 0) || math.IsInf(h, 0) {
		return cellGrid{}
	}
	g := cellGrid{cells: make([]uint8, gridSide*gridSide), min: b.Min, sx: gridSide / w, sy: gridSide / h}
	cw, ch := w/gridSide, h/gridSide
	// The margin is far above the rounding of the ray test and of the cell
	// arithmetic, and far below a cell.
	scale := max(math.Abs(b.Min[0]), math.Abs(b.Max[0]), math.Abs(b.Min[1]), math.Abs(b.Max[1]))
	// It also keeps a cell answered at once well clear of the boundary
	// tolerance (boundary.go).
	mx, my := 1e-6*cw+1e-9*scale+2*BoundaryToleranceM, 1e-6*ch+1e-9*scale+2*BoundaryToleranceM
	box := func(i, j int) orb.Bound {
		x0, y0 := b.Min[0]+float64(i)*cw, b.Min[1]+float64(j)*ch
		return orb.Bound{Min: orb.Point{x0 - mx, y0 - my}, Max: orb.Point{x0 + cw + mx, y0 + ch + my}}
	}
	known := make([]bool, len(g.cells))
	for _, p := range mp {
		for _, r := range p {
			for k := 0; k+1 < len(r); k++ {
				a, c := r[k], r[k+1]
				i0, j0 := g.cell(orb.Point{min(a[0], c[0]) - mx, min(a[1], c[1]) - my})
				i1, j1 := g.cell(orb.Point{max(a[0], c[0]) + mx, max(a[1], c[1]) + my})
				for j := j0; j <= j1; j++ {
					for i := i0; i <= i1; i++ {
						if !known[j*gridSide+i] && segmentMeetsBound(box(i, j), a, c) {
							known[j*gridSide+i] = true // cellEdge
						}
					}
				}
			}
		}
	}
	for j := 0; j < gridSide; j++ {
		for i := 0; i < gridSide; i++ {
			if known[j*gridSide+i] {
				continue
			}
			bx := box(i, j)
			if contains(bx.Center()) {
				g.cells[j*gridSide+i] = cellInside
			} else {
				g.cells[j*gridSide+i] = cellOutside
			}
		}
	}
	return g
}

// cell is the cell holding p, clamped to the grid.
func (g *cellGrid) cell(p orb.Point) (int, int) {
	i := int((p[0] - g.min[0]) * g.sx)
	j := int((p[1] - g.min[1]) * g.sy)
	return min(max(i, 0), gridSide-1), min(max(j, 0), gridSide-1)
}

// at classifies p's cell: cellEdge when p needs the exact test.
func (g *cellGrid) at(p orb.Point) uint8 {
	if g.cells == nil {
		return cellEdge
	}
	i, j := g.cell(p)
	return g.cells[j*gridSide+i]
}

// segIndex is a static packed R-tree (sort-tile-recursive) over a source's
// segments. A nearest query descends branch and bound, nearer boxes first,
// so it looks at a few dozen segments however dense the source is; a box
// query lists the segments whose boxes meet the box.
type segIndex struct {
	segs  [][2]orb.Point
	nodes []segNode
	kids  []int32 // inner nodes' children (node indexes), leaves' segments
	root  int32
}

type segNode struct {
	b        orb.Bound
	first, n int32 // kids[first:first+n]
	leaf     bool
}

// segFanout is the R-tree's node size.
const segFanout = 16

type strEntry struct {
	b  orb.Bound
	id int32
}

func newSegIndex(segs [][2]orb.Point) *segIndex {
	if len(segs) < indexMinEdges {
		return nil
	}
	ix := &segIndex{segs: segs}
	level := make([]strEntry, len(segs))
	for i, s := range segs {
		level[i] = strEntry{segBound(s), int32(i)}
	}
	leaf := true
	for {
		level = ix.pack(level, leaf)
		leaf = false
		if len(level) == 1 {
			ix.root = level[0].id
			return ix
		}
	}
}

// pack groups entries into nodes of segFanout, tiling them into vertical
// slices by x and each slice by y, and returns the new nodes as entries.
func (ix *segIndex) pack(es []strEntry, leaf bool) []strEntry {
	cx := func(e strEntry) float64 { return e.b.Min[0] + e.b.Max[0] }
	cy := func(e strEntry) float64 { return e.b.Min[1] + e.b.Max[1] }
	slices.SortFunc(es, func(a, b strEntry) int { return cmpFloat(cx(a), cx(b)) })
	nodes := (len(es) + segFanout - 1) / segFanout
	perSlice := int(math.Ceil(math.Sqrt(float64(nodes)))) * segFanout
	var out []strEntry
	for s := 0; s < len(es); s += perSlice {
		sl := es[s:min(s+perSlice, len(es))]
		slices.SortFunc(sl, func(a, b strEntry) int { return cmpFloat(cy(a), cy(b)) })
		for g := 0; g < len(sl); g += segFanout {
			grp := sl[g:min(g+segFanout, len(sl))]
			n := segNode{b: grp[0].b, first: int32(len(ix.kids)), n: int32(len(grp)), leaf: leaf}
			for _, e := range grp {
				n.b = n.b.Union(e.b)
				ix.kids = append(ix.kids, e.id)
			}
			ix.nodes = append(ix.nodes, n)
			out = append(out, strEntry{n.b, int32(len(ix.nodes) - 1)})
		}
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func segBound(s [2]orb.Point) orb.Bound {
	return orb.Bound{
		Min: orb.Point{min(s[0][0], s[1][0]), min(s[0][1], s[1][1])},
		Max: orb.Point{max(s[0][0], s[1][0]), max(s[0][1], s[1][1])},
	}
}

// boxDist is a lower bound of the computed distance from p to anything in
// b: the closest point of a segment, computed with rounding, may stray a
// few units in the last place outside the segment's box, hence the margin.
func boxDist(p orb.Point, b orb.Bound) float64 {
	dx := max(b.Min[0]-p[0], 0, p[0]-b.Max[0])
	dy := max(b.Min[1]-p[1], 0, p[1]-b.Max[1])
	return math.Hypot(dx, dy)*(1-1e-12) - 1e-7
}

// nearest is the nearest point of the segments within limit of p, and its
// distance; +Inf when there is none. Among equal distances the lowest
// segment index wins, as in a scan in order, so a distance ≤ limit and its
// point are exactly what the full scan gives: a box is skipped only when
// everything in it is farther than the best so far (not merely as far,
// since an equal one could carry a lower index) or than limit.
func (ix *segIndex) nearest(p orb.Point, limit float64) (float64, orb.Point) {
	st := nearState{p: p, best: math.Inf(1), bi: -1, near: p, limit: limit}
	ix.search(&st, ix.root)
	return st.best, st.near
}

type nearState struct {
	p           orb.Point
	best, limit float64
	bi          int32
	near        orb.Point
}

func (ix *segIndex) search(st *nearState, ni int32) {
	n := &ix.nodes[ni]
	kids := ix.kids[n.first : n.first+n.n]
	if n.leaf {
		for _, i := range kids {
			s := ix.segs[i]
			q := closestOnSegment(st.p, s[0], s[1])
			if d := math.Hypot(st.p[0]-q[0], st.p[1]-q[1]); d < st.best || (d == st.best && i < st.bi) {
				st.best, st.bi, st.near = d, i, q
			}
		}
		return
	}
	var order [segFanout]struct {
		d float64
		i int32
	}
	m := 0
	for _, k := range kids {
		d := boxDist(st.p, ix.nodes[k].b)
		if d > st.limit || d > st.best {
			continue
		}
		j := m
		for ; j > 0 && order[j-1].d > d; j-- {
			order[j] = order[j-1]
		}
		order[j].d, order[j].i = d, k
		m++
	}
	for _, o := range order[:m] {
		if o.d > st.best {
			break
		}
		ix.search(st, o.i)
	}
}

// grow widens b by d on every side, rounding outwards: a box used to find
// candidates may be too big, never too small.
func grow(b orb.Bound, d float64) orb.Bound {
	d = d*(1+1e-9) + 1e-7
	return orb.Bound{Min: orb.Point{b.Min[0] - d, b.Min[1] - d}, Max: orb.Point{b.Max[0] + d, b.Max[1] + d}}
}

// candidates appends, in ascending order, the segments whose bounding
// boxes meet b.
func (ix *segIndex) candidates(b orb.Bound, out []int32) []int32 {
	n0 := len(out)
	var walk func(ni int32)
	walk = func(ni int32) {
		n := &ix.nodes[ni]
		if !n.b.Intersects(b) {
			return
		}
		for _, k := range ix.kids[n.first : n.first+n.n] {
			if !n.leaf {
				walk(k)
			} else if segBound(ix.segs[k]).Intersects(b) {
				out = append(out, k)
			}
		}
	}
	walk(ix.root)
	slices.Sort(out[n0:])
	return out
}

// sfShared converts a projected multipolygon to simplefeatures without
// copying its coordinates: an orb.Point is two float64s, so a ring's
// backing array is already the flat XY sequence simplefeatures wants. Both
// sides are read-only once a zone is prepared, which halves the memory a
// big zone holds.
func sfShared(mp orb.MultiPolygon) sf.Geometry {
	ps := make([]sf.Polygon, len(mp))
	for i, p := range mp {
		rings := make([]sf.LineString, len(p))
		for j, r := range p {
			rings[j] = sf.NewLineString(sf.NewSequence(flatXY(r), sf.DimXY))
		}
		ps[i] = sf.NewPolygon(rings)
	}
	return sf.NewMultiPolygon(ps).AsGeometry() // as toSF makes it
}

func flatXY(pts []orb.Point) []float64 {
	if len(pts) == 0 {
		return nil
	}
	return unsafe.Slice(&pts[0][0], 2*len(pts))
}
