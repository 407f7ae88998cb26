package gen

import (
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The synthetic shapes: a seeded generator draws star-shaped rings and
// river banks, valid by construction, at places in the province.

type generator struct {
	o        Options
	rng      *rand.Rand
	coverage orb.Ring
}

// local converts metres east/north of a centre to lon/lat. The map is
// affine, so simple shapes stay simple.
type local struct{ lon, lat, kx, ky float64 }

func at(lon, lat float64) local {
	return local{lon, lat, 1 / (111_320 * math.Cos(lat*math.Pi/180)), 1 / 110_574.0}
}

// pt rounds to the files' precision, so that what is generated is what is
// read back.
func (l local) pt(x, y float64) orb.Point {
	return orb.Point{round7(l.lon + x*l.kx), round7(l.lat + y*l.ky)}
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

// region is the box the data is spread over and the centre of its
// coverage outline: the province's, unless Options.Region says otherwise.
func (g *generator) region() (orb.Bound, orb.Point) {
	if g.o.Region == (orb.Bound{}) {
		return Province, orb.Point{119.2, 32.9}
	}
	return g.o.Region, g.o.RegionCentre
}

// provinceOutline is a star-shaped ring filling most of the region's box
// and holding Zhonglou well inside.
func (g *generator) provinceOutline(n int) orb.Ring {
	box, c := g.region()
	ph := [3]float64{g.rng.Float64() * 6, g.rng.Float64() * 6, g.rng.Float64() * 6}
	ring := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		dx, dy := math.Cos(a), math.Sin(a)
		// distance to the box edge along (dx, dy)
		t := math.Inf(1)
		if dx > 0 {
			t = min(t, (box.Max[0]-c[0])/dx)
		} else if dx < 0 {
			t = min(t, (box.Min[0]-c[0])/dx)
		}
		if dy > 0 {
			t = min(t, (box.Max[1]-c[1])/dy)
		} else if dy < 0 {
			t = min(t, (box.Min[1]-c[1])/dy)
		}
		f := 0.93 - 0.05*(1+math.Sin(5*a+ph[0])) - 0.02*(1+math.Sin(23*a+ph[1])) - 0.005*(1+math.Sin(97*a+ph[2]))
		ring = append(ring, orb.Point{c[0] + t*f*dx, c[1] + t*f*dy})
	}
	return append(ring, ring[0])
}

// inProvince draws a lon/lat point inside the coverage outline.
func (g *generator) inProvince() orb.Point {
	box, _ := g.region()
	for {
		p := orb.Point{box.Min[0] + g.rng.Float64()*(box.Max[0]-box.Min[0]), box.Min[1] + g.rng.Float64()*(box.Max[1]-box.Min[1])}
		if planar.RingContains(g.coverage, p) {
			return p
		}
	}
}

// inDistrict draws a point in Zhonglou's box grown by margin degrees.
func (g *generator) inDistrict(margin float64) orb.Point {
	return orb.Point{District.Min[0] - margin + g.rng.Float64()*(District.Max[0]-District.Min[0]+2*margin),
		District.Min[1] - margin + g.rng.Float64()*(District.Max[1]-District.Min[1]+2*margin)}
}

// star is a star-shaped ring of n vertices around (0, 0) in metres: radius
// r times a smooth positive wobble, counter-clockwise (or clockwise for a
// hole). A ring whose angles increase and radii stay positive is simple.
func (g *generator) star(n int, r, rough float64, cw bool) [][2]float64 {
	type wave struct{ k, amp, ph float64 }
	waves := []wave{{2, 0.25, 0}, {3, 0.2, 0}, {7, 0.12, 0}, {17, 0.06, 0}, {61, 0.02, 0}}
	for i := range waves {
		waves[i].ph = g.rng.Float64() * 2 * math.Pi
		waves[i].amp *= rough * (0.5 + g.rng.Float64())
	}
	sum := 0.0
	for _, w := range waves {
		sum += w.amp
	}
	if sum > 0.8 { // keep the radius well above zero
		for i := range waves {
			waves[i].amp *= 0.8 / sum
		}
		sum = 0.8
	}
	out := make([][2]float64, 0, n+1)
	for i := 0; i < n; i++ {
		k := i
		if cw {
			k = n - i
		}
		a := 2 * math.Pi * float64(k) / float64(n)
		f := 1.0
		for _, w := range waves {
			f += w.amp * math.Sin(w.k*a+w.ph)
		}
		f /= 1 + sum // in (0, 1]: never beyond r
		out = append(out, [2]float64{r * f * math.Cos(a), r * f * math.Sin(a)})
	}
	return append(out, out[0])
}

// parcel is a star-shaped polygon of about n vertices and radius up to r
// with holes.
func (g *generator) parcel(c local, n int, r float64, holes int) orb.Polygon {
	outer := g.star(n-holes*max(n/8, 8), r, 1.2, false)
	rmin := math.Inf(1)
	for _, p := range outer[:len(outer)-1] {
		rmin = min(rmin, math.Hypot(p[0], p[1]))
	}
	poly := orb.Polygon{toRing(c, outer, 0, 0)}
	// Holes sit inside the disc of radius rmin (the star's kernel holds it),
	// side by side on a small circle, each within its own slice.
	for h := 0; h < holes; h++ {
		hr := rmin * 0.25
		dist := 0.0
		if holes > 1 {
			dist = rmin * 0.55
		}
		a := 2 * math.Pi * float64(h) / float64(holes)
		hole := g.star(max(n/8, 8), hr, 0.5, true)
		poly = append(poly, toRing(c, hole, dist*math.Cos(a), dist*math.Sin(a)))
	}
	return poly
}

func toRing(c local, pts [][2]float64, dx, dy float64) orb.Ring {
	r := make(orb.Ring, len(pts))
	for i, p := range pts {
		r[i] = c.pt(p[0]+dx, p[1]+dy)
	}
	return r
}

// banks is a river-buffer or corridor polygon: a centre line meandering
// across x in [-length/2, length/2] with a varying width, as two x-monotone
// banks joined at the ends, turned by angle. meander and wiggle set how
// much the centre line and the banks wander.
func (g *generator) banks(c local, n int, length, width, meander, wiggle, angle float64) orb.Polygon {
	// Both banks are sampled at the same x, so the north bank lies above
	// the south one between samples too. An odd vertex out is the middle
	// of the east end.
	half := max((n-1)/2, 3)
	extra := n-1-2*half == 1
	ph := [6]float64{}
	for i := range ph {
		ph[i] = g.rng.Float64() * 2 * math.Pi
	}
	line := func(t float64) float64 {
		return length * meander * (math.Sin(2*math.Pi*2*t+ph[0]) + 0.3*math.Sin(2*math.Pi*7*t+ph[1]))
	}
	// through the centre point halfway along
	centre := func(t float64) float64 { return line(t) - line(0.5) }
	w := func(t, side float64) float64 {
		return width / 2 * (1 + 0.35*math.Sin(2*math.Pi*3*t+ph[2]+side) + wiggle*(0.5*math.Sin(2*math.Pi*41*t+ph[3]+side)+0.25*math.Sin(2*math.Pi*173*t+ph[4]*side)))
	}
	sin, cos := math.Sincos(angle)
	rot := func(x, y float64) orb.Point { return c.pt(x*cos-y*sin, x*sin+y*cos) }
	ring := make(orb.Ring, 0, 2*half+2)
	for i := 0; i < half; i++ {
		t := float64(i) / float64(half-1)
		ring = append(ring, rot((t-0.5)*length, centre(t)-w(t, 0)))
	}
	if extra {
		ring = append(ring, rot(length/2, centre(1)+(w(1, 1)-w(1, 0))/2))
	}
	for i := half - 1; i >= 0; i-- {
		t := float64(i) / float64(half-1)
		ring = append(ring, rot((t-0.5)*length, centre(t)+w(t, 1)))
	}
	return orb.Polygon{append(ring, ring[0])}
}
