package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	sf "github.com/peterstace/simplefeatures/geom"
)

// wigglyCorridor is a river-like polygon in projected metres: two x-monotone
// banks of n/2 vertices each around a meandering centre line, turned by
// angle (radians) about (cx, cy). Its banks never cross, so it is simple.
func wigglyCorridor(rng *rand.Rand, n int, cx, cy, length, width, angle float64) orb.Polygon {
	half := n / 2
	phase := [4]float64{rng.Float64() * 6, rng.Float64() * 6, rng.Float64() * 6, rng.Float64() * 6}
	centre := func(t float64) float64 {
		return length * (0.05*math.Sin(2*math.Pi*3*t+phase[0]) + 0.01*math.Sin(2*math.Pi*17*t+phase[1]))
	}
	w := func(t float64) float64 {
		return width * (1 + 0.4*math.Sin(2*math.Pi*5*t+phase[2]) + 0.1*math.Sin(2*math.Pi*200*t+phase[3]))
	}
	sin, cos := math.Sincos(angle)
	at := func(x, y float64) orb.Point { return orb.Point{cx + x*cos - y*sin, cy + x*sin + y*cos} }
	ring := make(orb.Ring, 0, 2*half+1)
	for i := 0; i < half; i++ { // south bank, west to east
		t := float64(i) / float64(half-1)
		ring = append(ring, at((t-0.5)*length, centre(t)-w(t)/2))
	}
	for i := half - 1; i >= 0; i-- { // north bank, east to west
		t := float64(i) / float64(half-1)
		ring = append(ring, at((t-0.5)*length, centre(t)+w(t)/2+0.01*width*rng.Float64()))
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}
}

// starRing is a star-shaped ring (so simple) of n vertices with radius
// r·(1 ± rough), counter-clockwise.
func starRing(rng *rand.Rand, n int, cx, cy, r, rough float64) orb.Ring {
	ring := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		rr := r * (1 + rough*(0.5*math.Sin(7*a)+0.3*math.Sin(31*a)+0.2*(rng.Float64()*2-1)))
		ring = append(ring, orb.Point{cx + rr*math.Cos(a), cy + rr*math.Sin(a)})
	}
	return append(ring, ring[0])
}

// staircase is an axis-aligned ring on integer coordinates: every edge is
// horizontal or vertical, the worst case for the ray test's special cases.
func staircase(steps int) orb.Ring {
	var r orb.Ring
	for i := 0; i < steps; i++ {
		r = append(r, orb.Point{float64(i), float64(i)}, orb.Point{float64(i + 1), float64(i)})
	}
	r = append(r, orb.Point{float64(steps), float64(steps + 3)}, orb.Point{0, float64(steps + 3)}, orb.Point{0, 0})
	return r
}

func reversed(r orb.Ring) orb.Ring {
	r.Reverse()
	return r
}

// probes are points that exercise every branch of the ray test: random
// ones, the vertices themselves, edge midpoints, and points sharing a
// vertex's x or y.
func probes(rng *rand.Rand, mp orb.MultiPolygon, n int) []orb.Point {
	b := mp.Bound()
	var out []orb.Point
	for i := 0; i < n; i++ {
		out = append(out, orb.Point{b.Min[0] + (b.Max[0]-b.Min[0])*(rng.Float64()*1.2-0.1), b.Min[1] + (b.Max[1]-b.Min[1])*(rng.Float64()*1.2-0.1)})
	}
	for _, p := range mp {
		for _, r := range p {
			for k := 0; k < n/4; k++ {
				i := rng.IntN(len(r) - 1)
				a, c := r[i], r[i+1]
				out = append(out, a, orb.Point{(a[0] + c[0]) / 2, (a[1] + c[1]) / 2},
					orb.Point{a[0], b.Min[1] + (b.Max[1]-b.Min[1])*rng.Float64()},
					orb.Point{b.Min[0] + (b.Max[0]-b.Min[0])*rng.Float64(), a[1]},
					orb.Point{a[0], c[1]}, orb.Point{math.Nextafter(a[0], math.Inf(1)), a[1]})
			}
		}
	}
	return out
}

func TestPolygonIndexMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string]orb.MultiPolygon{
		"corridor-east":  {wigglyCorridor(rng, 4000, 500_000, 3_500_000, 40_000, 800, 0.1)},
		"corridor-north": {wigglyCorridor(rng, 4000, 500_000, 3_500_000, 40_000, 800, 1.5)},
		"star-with-hole": {{starRing(rng, 2000, 0, 0, 10_000, 0.3), reversed(starRing(rng, 1000, 0, 0, 3000, 0.2))}},
		"staircase":      {{staircase(100)}, {staircase(80)}},
		"small":          {{starRing(rng, 20, 0, 0, 100, 0.3)}},
		// long edges that cross many grid cells between their ends
		"spiky-star": {{starRing(rng, 300, 0, 0, 10_000, 0.9)}},
		"square-with-star-hole": {{{{-9000, -9000}, {9000, -9000}, {9000, 9000}, {-9000, 9000}, {-9000, -9000}},
			reversed(starRing(rng, 400, 0, 0, 5000, 0.5))}},
	}
	for name, mp := range cases {
		t.Run(name, func(t *testing.T) {
			ix := NewPolygonIndex(mp)
			in := 0
			pts := probes(rng, mp, 4000)
			if name == "staircase" {
				for x := -1.0; x <= 104; x += 0.5 {
					for y := -1.0; y <= 104; y += 0.5 {
						pts = append(pts, orb.Point{x, y})
					}
				}
			}
			// Besides the probes, points a hair off the grid's cell
			// borders, where a cell's rounding could misplace them.
			if g := ix.grid; g.cells != nil {
				for k := 0; k <= gridSide; k++ {
					x := g.min[0] + float64(k)/g.sx
					y := g.min[1] + float64(k)/g.sy
					for range 20 {
						pts = append(pts,
							orb.Point{math.Nextafter(x, math.Inf(rng.IntN(2)*2-1)), g.min[1] + rng.Float64()*gridSide/g.sy},
							orb.Point{g.min[0] + rng.Float64()*gridSide/g.sx, math.Nextafter(y, math.Inf(rng.IntN(2)*2-1))})
					}
				}
			}
			byGrid := 0
			for _, p := range pts {
				want := planar.MultiPolygonContains(mp, p)
				if got := ix.Contains(p); got != want {
					t.Fatalf("point %v: index says %v, orb %v", p, got, want)
				}
				if want {
					in++
				}
				if ix.bound.Contains(p) && ix.grid.at(p) != cellEdge {
					byGrid++
				}
			}
			if in == 0 || in == len(pts) {
				t.Fatalf("%d of %d probes inside: the probes do not test anything", in, len(pts))
			}
			if name != "small" && byGrid < len(pts)/10 {
				t.Errorf("the grid answered %d of %d probes", byGrid, len(pts))
			}
			t.Logf("%d probes, %d inside, %d answered by the grid", len(pts), in, byGrid)
		})
	}
}

func TestSegIndexMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// A long meandering river of 5 000 segments and a few points.
	var ls orb.LineString
	x, y, dir := 400_000.0, 3_500_000.0, 0.3
	for i := 0; i < 5000; i++ {
		ls = append(ls, orb.Point{x, y})
		dir += rng.NormFloat64() * 0.2
		x, y = x+20*math.Cos(dir), y+20*math.Sin(dir)
	}
	for _, dist := range []float64{50, 1000, 2000} {
		z := sourceOnly(ls, dist)
		if z.srcIx == nil {
			t.Fatal("no index on a 5 000-segment source")
		}
		b := ls.Bound()
		hits := 0
		for i := 0; i < 2000; i++ {
			var p orb.Point
			if i%3 == 0 { // right at the river
				s := z.srcSegs[rng.IntN(len(z.srcSegs))]
				p = orb.Point{s[0][0] + rng.NormFloat64()*dist, s[0][1] + rng.NormFloat64()*dist}
			} else {
				p = orb.Point{b.Min[0] + (b.Max[0]-b.Min[0])*rng.Float64(), b.Min[1] + (b.Max[1]-b.Min[1])*rng.Float64()}
			}
			wd, wq := z.pointDistance(p)
			gd, gq := z.pointDistanceWithin(p, dist)
			if wd <= dist {
				hits++
				if gd != wd || gq != wq {
					t.Fatalf("point %v: index %v at %v, scan %v at %v", p, gd, gq, wd, wq)
				}
			} else if gd <= dist {
				t.Fatalf("point %v: index %v ≤ %v but scan %v", p, gd, dist, wd)
			}
		}
		if hits == 0 {
			t.Fatalf("distance %v: no probe within it", dist)
		}
		// Parcels: the pairwise nearest points must be the same pair.
		for i := 0; i < 200; i++ {
			s := z.srcSegs[rng.IntN(len(z.srcSegs))]
			c := orb.Point{s[0][0] + rng.NormFloat64()*dist, s[0][1] + rng.NormFloat64()*dist}
			site := orb.Polygon{starRing(rng, 12, c[0], c[1], 30+rng.Float64()*200, 0.2)}
			g := toSF(site)
			wd, wa, wb := z.geometryDistance(g)
			gd, ga, gb := z.geometryDistanceWithin(g, site.Bound(), dist)
			if wd <= dist && (gd != wd || ga != wa || gb != wb) {
				t.Fatalf("parcel %d: index %v %v %v, scan %v %v %v", i, gd, ga, gb, wd, wa, wb)
			}
			if wd > dist && gd <= dist {
				t.Fatalf("parcel %d: index %v ≤ %v but scan %v", i, gd, dist, wd)
			}
		}
	}
}

// sourceOnly prepares the distance part of a zone around a projected
// source the way PrepareZone does, without drawing its band polygon (a
// buffer of thousands of segments takes long and is not under test).
func sourceOnly(src orb.Geometry, dist float64) *PreparedZone {
	z := &PreparedZone{Zone: Zone{ID: "r", DistanceM: dist}}
	z.Source = UnprojectGeometry(src)
	z.srcSF = toSF(src)
	collectSource(src, z)
	z.srcIx = newSegIndex(z.srcSegs)
	z.srcLines = linesOnly(src)
	if len(z.srcPolys) > 0 {
		z.srcPolyIx = NewPolygonIndex(z.srcPolys)
	}
	return z
}

// TestSurfaceDistanceMatchesScan: to a water surface (a source polygon)
// the indexed distance is 0 in the water and on its edge, and elsewhere
// exactly the scan's distance to the shore, with the same nearest point.
func TestSurfaceDistanceMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	cx, cy := ToGK(119.80, 31.79)
	water := wigglyCorridor(rng, 6000, cx, cy, 12_000, 100, 0.3)
	z := sourceOnly(water, 1000)
	if z.srcIx == nil || z.srcPolyIx == nil || z.srcLines {
		t.Fatal("no indexes on a 6 000-vertex surface")
	}
	b := water.Bound()
	inWater, near := 0, 0
	for i := 0; i < 4000; i++ {
		var p orb.Point
		switch i % 4 {
		case 0: // a vertex of the shore
			p = z.srcSegs[rng.IntN(len(z.srcSegs))][0]
		case 1: // beside the shore
			s := z.srcSegs[rng.IntN(len(z.srcSegs))]
			p = orb.Point{s[0][0] + rng.NormFloat64()*60, s[0][1] + rng.NormFloat64()*60}
		default:
			p = orb.Point{b.Min[0] - 1000 + (b.Max[0]-b.Min[0]+2000)*rng.Float64(), b.Min[1] - 1000 + (b.Max[1]-b.Min[1]+2000)*rng.Float64()}
		}
		wd, wq := z.pointDistance(p)
		gd, gq := z.pointDistanceWithin(p, 1000)
		if wd == 0 {
			inWater++
		} else if wd <= 1000 {
			near++
		}
		if wd <= 1000 && (gd != wd || gq != wq) {
			t.Fatalf("point %v: index %v at %v, scan %v at %v", p, gd, gq, wd, wq)
		}
		if wd > 1000 && gd <= 1000 {
			t.Fatalf("point %v: index %v but scan %v", p, gd, wd)
		}
		if i%4 == 0 && gd != 0 {
			t.Fatalf("a vertex of the shore %v: distance %v, want 0", p, gd)
		}
	}
	if inWater < 1000 || near < 500 {
		t.Fatalf("%d probes in the water, %d near it: too few", inWater, near)
	}
}

// BenchmarkPointNearBigSurface: distance from a point to a 200 000-vertex
// water surface (a source polygon): 0 in the water (the polygon index),
// else to the nearest shore segment (the R-tree), as a check measures it.
func BenchmarkPointNearBigSurface(b *testing.B) {
	rng := rand.New(rand.NewPCG(13, 14))
	cx, cy := ToGK(119.84, 31.80)
	water := wigglyCorridor(rng, 200_000, cx, cy, 30_000, 100, 0.4)
	z := sourceOnly(water, 1000)
	pts := make([]orb.Point, 1024)
	for i := range pts {
		s := z.srcSegs[rng.IntN(len(z.srcSegs))]
		pts[i] = orb.Point{s[0][0] + rng.NormFloat64()*800, s[0][1] + rng.NormFloat64()*800}
	}
	b.Run("indexed", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			z.pointDistanceWithin(pts[i&1023], 1000)
			i++
		}
	})
	b.Run("scan", func(b *testing.B) {
		i := 0
		for b.Loop() {
			z.pointDistance(pts[i&1023])
			i++
		}
	})
}

// bigZone is a 200 000-vertex polygon zone across Zhonglou, as a province's
// red-line layer has them.
func bigZone(tb testing.TB) (*PreparedZone, orb.Polygon) {
	rng := rand.New(rand.NewPCG(7, 7))
	cx, cy := ToGK(119.84, 31.80)
	p := wigglyCorridor(rng, 200_000, cx, cy, 30_000, 3000, 0.4)
	z, err := PrepareZone(Zone{ID: "big", Area: UnprojectGeometry(p)})
	if err != nil {
		tb.Fatal(err)
	}
	return z, z.areaP[0]
}

// BenchmarkPointInBigPolygon: a point test against a 200 000-vertex
// polygon (target ≤ 50 µs). "orb" is the linear scan it replaced.
func BenchmarkPointInBigPolygon(b *testing.B) {
	z, poly := bigZone(b)
	rng := rand.New(rand.NewPCG(8, 8))
	bd := poly.Bound()
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = orb.Point{bd.Min[0] + (bd.Max[0]-bd.Min[0])*rng.Float64(), bd.Min[1] + (bd.Max[1]-bd.Min[1])*rng.Float64()}
	}
	b.Run("indexed", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			z.areaIx.Contains(pts[i&4095])
			i++
		}
	})
	b.Run("orb", func(b *testing.B) {
		i := 0
		for b.Loop() {
			planar.MultiPolygonContains(z.areaP, pts[i&4095])
			i++
		}
	})
	b.Run("relate", func(b *testing.B) {
		sites := make([]*Site, 256)
		for i := range sites {
			var err error
			if sites[i], err = SiteFromLonLat(UnprojectGeometry(pts[i])); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			Relate(sites[i&255], z)
			i++
		}
	})
}

// BenchmarkPointNearBigSource: distance from a point to a 100 000-segment
// source (indexed vs the linear scan).
func BenchmarkPointNearBigSource(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	var ls orb.LineString
	x, y, dir := gkStart(119.70, 31.78)
	for i := 0; i < 100_000; i++ { // 500 km of meandering river
		ls = append(ls, orb.Point{x, y})
		dir += rng.NormFloat64()*0.05 - 0.01*(dir-0.2)
		x, y = x+5*math.Cos(dir), y+5*math.Sin(dir)
	}
	z := sourceOnly(ls, 1000)
	pts := make([]orb.Point, 1024)
	for i := range pts {
		s := ls[rng.IntN(len(ls))]
		pts[i] = orb.Point{s[0] + rng.NormFloat64()*800, s[1] + rng.NormFloat64()*800}
	}
	b.Run("indexed", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			z.pointDistanceWithin(pts[i&1023], 1000)
			i++
		}
	})
	b.Run("scan", func(b *testing.B) {
		i := 0
		for b.Loop() {
			z.pointDistance(pts[i&1023])
			i++
		}
	})
}

// gkStart is ToGK with a heading, for the random walks above.
func gkStart(lon, lat float64) (x, y, dir float64) {
	x, y = ToGK(lon, lat)
	return x, y, 0.2
}

// TestCutOverlayMatchesWhole relates parcels to big zones (area, band,
// inner band) through the cut polygons and through the whole ones: the
// relation must be the same and the measures equal to rounding.
func TestCutOverlayMatchesWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cx, cy := ToGK(119.84, 31.80)
	star := orb.Polygon{starRing(rng, 3000, cx, cy, 4000, 0.3), reversed(starRing(rng, 1500, cx, cy, 1200, 0.2))}
	corridor := wigglyCorridor(rng, 6000, cx, cy, 20_000, 1500, 0.4)
	var river orb.LineString
	for i := 0; i < 600; i++ {
		river = append(river, orb.Point{cx - 6000 + float64(i)*20, cy + 800*math.Sin(float64(i)/40)})
	}
	zones := []Zone{
		{ID: "star-with-hole", Area: UnprojectGeometry(star)},
		{ID: "corridor", Area: UnprojectGeometry(corridor)},
		{ID: "band", Source: UnprojectGeometry(river), DistanceM: 500, MinDistanceM: 200},
	}
	for _, zd := range zones {
		z, err := PrepareZone(zd)
		if err != nil {
			t.Fatal(err)
		}
		if (z.areaLP != nil && z.areaLP.mp == nil) || (z.drawnLP != nil && z.drawnLP.mp == nil) {
			t.Fatalf("%s: not big enough to be cut", zd.ID)
		}
		// The same zone with the cut switched off.
		whole := *z
		if z.areaLP != nil {
			whole.areaLP = &localPolygon{full: z.areaSF}
		}
		if z.drawnLP != nil {
			whole.drawnLP = &localPolygon{full: z.drawnSF}
		}
		if z.innerLP != nil {
			whole.innerLP = &localPolygon{full: z.innerSF}
		}
		hits := map[string]int{}
		for i := 0; i < 60; i++ {
			var c orb.Point
			switch i % 3 {
			case 0: // anywhere near
				c = orb.Point{cx + (rng.Float64()*2-1)*7000, cy + (rng.Float64()*2-1)*3000}
			case 1: // at the centre (inside the star's hole, on the corridor)
				c = orb.Point{cx + rng.NormFloat64()*300, cy + rng.NormFloat64()*300}
			default: // on a boundary vertex
				var ring orb.Ring
				if z.areaP != nil {
					ring = z.areaP[0][rng.IntN(len(z.areaP[0]))]
				} else {
					d := areaOf(z.drawnSF)
					ring = d[0][0]
				}
				c = ring[rng.IntN(len(ring))]
			}
			site, err := SiteFromLonLat(UnprojectGeometry(orb.Polygon{starRing(rng, 40, c[0], c[1], 20+rng.Float64()*400, 0.2)}))
			if err != nil {
				t.Fatal(err)
			}
			got, gok, err := Relate(site, z)
			if err != nil {
				t.Fatal(err)
			}
			want, wok, err := Relate(site, &whole)
			if err != nil {
				t.Fatal(err)
			}
			if gok != wok || got.Relation != want.Relation || got.DistanceM != want.DistanceM ||
				!near(got.OverlapM2, want.OverlapM2) || !near(got.OverlapRatio, want.OverlapRatio) {
				t.Fatalf("%s parcel %d at %v: cut %v %+v, whole %v %+v", zd.ID, i, c, gok, got, wok, want)
			}
			if z.areaP != nil { // against the plain overlay, no shortcut
				in, err := sf.Intersection(site.sfg, z.areaSF)
				if err != nil {
					t.Fatal(err)
				}
				if m := in.Area(); (m >= minAreaM2) != gok || (gok && !near(m, got.OverlapM2)) {
					t.Fatalf("%s parcel %d: overlay %v m², relation %v %v", zd.ID, i, m, gok, got.OverlapM2)
				}
			}
			if (got.Conflict == nil) != (want.Conflict == nil) {
				t.Fatalf("%s parcel %d: conflict %v vs %v", zd.ID, i, got.Conflict, want.Conflict)
			}
			hits[want.Relation]++
		}
		if len(hits) < 2 {
			t.Errorf("%s: relations %v; the parcels do not test much", zd.ID, hits)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(b)) }
