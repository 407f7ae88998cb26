package gen

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// The layers the generator draws: zones, built-up masks, rivers, the canal.

// zoneSizes splits the vertex budget over the zones: a long tail, as in
// real red-line layers, each at least 16.
func (g *generator) zoneSizes(n, total int) []int {
	if n <= 0 {
		return nil
	}
	w := make([]float64, n)
	sum := 0.0
	for i := range w {
		w[i] = math.Exp(g.rng.NormFloat64() * 1.1)
		sum += w[i]
	}
	out := make([]int, n)
	left := total
	for i := range w {
		out[i] = max(16, int(float64(total)*w[i]/sum))
		left -= out[i]
	}
	for i := 0; left != 0; i = (i + 1) % n { // settle the rounding
		if left > 0 {
			out[i]++
			left--
		} else if out[i] > 16 {
			out[i]--
			left++
		}
	}
	return out
}

// zones returns the eco-control and green-line zone layers.
func (g *generator) zones() (eco, green []Feature) {
	g.eachZone(func(f Feature, isEco bool) error {
		if isEco {
			eco = append(eco, f)
		} else {
			green = append(green, f)
		}
		return nil
	})
	return eco, green
}

// bigCentres are where the big red-line polygons lie: the first through
// Zhonglou, the others elsewhere in the province.
var bigCentres = []orb.Point{{119.84, 31.80}, {118.90, 32.10}, {120.55, 31.40}, {117.60, 34.20}, {119.30, 33.40}, {120.30, 32.60}}

// eachZone draws the zones one at a time, in a fixed order, and hands each
// to f with the layer it belongs to (eco-control or green line), so that
// a national layer need not be held in memory.
func (g *generator) eachZone(f func(z Feature, eco bool) error) error {
	o := g.o
	n := o.Zones
	budget := o.Vertices
	bigs := 0
	if o.Big > 0 && n > 0 {
		bigs = min(max(o.BigCount, 1), len(bigCentres), n)
	}
	for k := 0; k < bigs; k++ {
		// The big ones: river-protection red lines 40 km long, 1–3 km
		// wide, the first through the district.
		ctr := bigCentres[k]
		c := at(ctr[0], ctr[1])
		angle := 0.0
		if k > 0 {
			angle = g.rng.Float64() * math.Pi
		}
		p := g.banks(c, o.Big, 40_000, 2_000, 0.03, 0.15, 0.35+angle)
		id := "gen-big"
		if k > 0 {
			id = fmt.Sprintf("gen-big-%d", k+1)
		}
		if err := f(Feature{ID: id, Geom: p, Props: props(id, "合成红线区（大）", "Synthetic red-line zone (big)", "big")}, true); err != nil {
			return err
		}
		n--
		budget -= geo.CountVertices(p)
	}
	sizes := g.zoneSizes(n, max(budget, 16*n))
	for i, size := range sizes {
		var centre orb.Point
		if g.rng.Float64() < o.DistrictShare {
			centre = g.inDistrict(0.02)
		} else {
			centre = g.inProvince()
		}
		c := at(centre[0], centre[1])
		id := fmt.Sprintf("gen-%05d", i+1)
		var poly orb.Polygon
		var shape string
		switch k := g.rng.IntN(10); {
		case k < 3: // river buffer: long, meandering, wide-ish
			shape = "river-buffer"
			length := max(2_000+g.rng.Float64()*30_000, float64(size)*0.5) // vertices ≥ 1 m apart
			poly = g.banks(c, size, length, 60+g.rng.Float64()*600, 0.04, 0.2, g.rng.Float64()*math.Pi)
		case k < 5: // corridor: straighter, narrower, even banks
			shape = "corridor"
			length := max(1_000+g.rng.Float64()*12_000, float64(size)*0.5)
			poly = g.banks(c, size, length, 30+g.rng.Float64()*200, 0.01, 0.02, g.rng.Float64()*math.Pi)
		default: // irregular parcel, a fifth of them with holes
			shape = "parcel"
			holes := 0
			if g.rng.IntN(5) == 0 && size >= 64 {
				holes = 1 + g.rng.IntN(3)
				shape = "parcel-with-holes"
			}
			r := max(100+math.Exp(g.rng.Float64()*3.5)*40, float64(size)*0.3) // vertices ≥ 1 m apart
			poly = g.parcel(c, size, r, holes)
		}
		z := Feature{ID: id, Geom: poly, Props: props(id, fmt.Sprintf("合成管控区%05d", i+1), fmt.Sprintf("Synthetic zone %05d", i+1), shape)}
		if i%2 != 0 {
			// A green corridor's subzone comes from green_line (城市绿线
			// land or a plan corridor): half of each.
			z.Props["green_line"] = i%4 == 1
		}
		if err := f(z, i%2 == 0); err != nil {
			return err
		}
	}
	return nil
}

// builtUp is a mask of city cores: one around Changzhou's centre (east of
// Zhonglou) and others spread over the province.
func (g *generator) builtUp() []Feature {
	cities := []orb.Point{{119.97, 31.79}, {118.78, 32.06}, {120.30, 31.57}, {120.62, 31.31}, {119.42, 32.39},
		{119.45, 32.20}, {120.86, 32.01}, {119.02, 33.61}, {117.18, 34.26}, {119.16, 34.60}, {120.16, 33.35}, {119.92, 32.46}, {118.28, 33.96}}
	var out []Feature
	for i, cp := range cities {
		r := 3_000 + g.rng.Float64()*6_000
		if i == 0 {
			r = 6_000
		}
		p := g.parcel(at(cp[0], cp[1]), 400, r, 0)
		id := fmt.Sprintf("built-up-%02d", i+1)
		out = append(out, Feature{ID: id, Geom: p, Props: props(id, fmt.Sprintf("合成建成区%02d", i+1), fmt.Sprintf("Synthetic built-up area %02d", i+1), "built-up")})
	}
	return out
}

// walk is a meandering line of n vertices from a point, heading dir
// (radians), step metres apart, keeping to its heading.
func (g *generator) walk(start orb.Point, n int, step, dir float64) orb.LineString {
	c := at(start[0], start[1])
	ls := make(orb.LineString, 0, n)
	x, y, d := 0.0, 0.0, dir
	for i := 0; i < n; i++ {
		ls = append(ls, c.pt(x, y))
		d += g.rng.NormFloat64()*0.15 - 0.1*(d-dir)
		x, y = x+step*math.Cos(d), y+step*math.Sin(d)
	}
	return ls
}

// Half-widths of the generated water surfaces, metres: a trunk river, and
// the canal's 90 m (口宽) as the demo draws it.
const (
	riverHalfWidth = 40
	canalHalfWidth = 45
)

// rivers: one through Zhonglou (as the demo Xinmeng River runs, north to
// south west of the centre) and others across the province.
func (g *generator) rivers() []Feature {
	n := g.o.RiverVertices
	if n < 20 {
		n = 20
	}
	k := max(1, min(20, n/200))
	per := n / k
	var out []Feature
	for i := 0; i < k; i++ {
		var start orb.Point
		dir := g.rng.Float64() * 2 * math.Pi
		if i == 0 {
			start, dir = orb.Point{119.765, 31.90}, -math.Pi/2-0.05
		} else {
			start = g.inProvince()
		}
		ls := g.walk(start, per, 120, dir)
		id := fmt.Sprintf("river-%02d", i+1)
		out = append(out, Feature{ID: id, Geom: surface(ls, riverHalfWidth), Props: props(id, fmt.Sprintf("合成河流%02d", i+1), fmt.Sprintf("Synthetic river %02d", i+1), "river")})
	}
	return out
}

// canal follows the Grand Canal's course through Jiangsu, north-west to
// south-east, through Changzhou.
func (g *generator) canal() []Feature {
	via := []orb.Point{{117.20, 34.60}, {118.30, 33.95}, {119.02, 33.55}, {119.45, 32.40}, {119.50, 32.20},
		{119.70, 31.95}, {119.85, 31.79}, {120.05, 31.72}, {120.30, 31.57}, {120.62, 31.30}, {120.65, 30.85}}
	n := max(g.o.CanalVertices, len(via))
	per := n / (len(via) - 1)
	var ls orb.LineString
	for i := 0; i+1 < len(via); i++ {
		a, b := via[i], via[i+1]
		for k := 0; k < per; k++ {
			t := float64(k) / float64(per)
			// a gentle meander across the straight course
			off := 0.004 * math.Sin(t*math.Pi*6+float64(i))
			ls = append(ls, orb.Point{a[0] + t*(b[0]-a[0]) + off*(b[1]-a[1]), a[1] + t*(b[1]-a[1]) - off*(b[0]-a[0])})
		}
	}
	ls = append(ls, via[len(via)-1])
	return []Feature{{ID: "canal-synthetic", Geom: surface(ls, canalHalfWidth), Props: props("canal-synthetic", "合成大运河", "Synthetic Grand Canal", "canal")}}
}
