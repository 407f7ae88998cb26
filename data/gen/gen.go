// Package gen writes seeded synthetic layers at province scale (Jiangsu):
// zone polygons shaped like river buffers, corridors and irregular parcels
// (some with holes), one very big red-line polygon, river and canal source
// lines, built-up masks, a province-sized coverage polygon and a register
// of points for sweeps. The files are RFC 7946 GeoJSON, one per layer of the
// bundled manifest, so `ecospace import --layer ID --file DIR/ID.geojson`
// loads them into either store. Every polygon is simple and valid by
// construction: star-shaped rings, or two x-monotone banks.
//
// Nothing here is real data: every feature says "synthetic": true and
// "status": "illustrative".
package gen

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/planar"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/geo"
)

// Options size the generated data.
type Options struct {
	Seed     uint64
	Zones    int // zone polygons in all (the big one included)
	Vertices int // vertices of all zone polygons together
	Big      int // vertices of the one big polygon (0: none)
	Points   int // register points
	// DistrictShare is the share of zones placed in and around Zhonglou
	// District, so that checks there meet them; PointDistrictShare the
	// share of register points there.
	DistrictShare      float64
	PointDistrictShare float64
	// RiverVertices and CanalVertices size the source lines. Derived bands
	// are buffers of every source segment, drawn at import; that overlay
	// grows faster than linearly, so sources stay modest.
	RiverVertices int
	CanalVertices int
	// PointsGeoJSON also writes the register as GeoJSON (it is always
	// written as CSV).
	PointsGeoJSON bool
	// Check validates every feature as an import would before writing.
	Check bool
}

// Defaults are the province-scale figures of issue 6.
func Defaults() Options {
	return Options{Seed: 1, Zones: 5000, Vertices: 5_000_000, Big: 200_000, Points: 1_000_000,
		DistrictShare: 0.05, PointDistrictShare: 0.2, RiverVertices: 4000, CanalVertices: 1500, PointsGeoJSON: true, Check: true}
}

// Province is the box the data lies in (lon/lat): Jiangsu.
var Province = orb.Bound{Min: orb.Point{116.3, 30.7}, Max: orb.Point{121.9, 35.1}}

// District is Zhonglou District's box (lon/lat), from the demo layer.
var District = orb.Bound{Min: orb.Point{119.731, 31.743}, Max: orb.Point{119.955, 31.851}}

// Summary says what was written.
type Summary struct {
	Options  Options          `json:"options"`
	Files    map[string]int64 `json:"files"` // name → bytes
	Layers   map[string]Count `json:"layers"`
	BigID    string           `json:"big_id,omitempty"`
	Points   int              `json:"points"`
	Imports  []string         `json:"imports"` // layer ids in import order
	Vertices int              `json:"zone_vertices"`
}

// Count is a layer's size.
type Count struct {
	Features int `json:"features"`
	Vertices int `json:"vertices"`
}

// Feature is one generated feature.
type Feature struct {
	ID    string
	Geom  orb.Geometry
	Props map[string]any
}

// Layers generates every layer in memory, keyed by layer id.
func Layers(o Options) map[string][]Feature {
	g := &generator{o: o, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))}
	g.coverage = g.provinceOutline(2000)
	out := map[string][]Feature{
		"district": {{ID: "province", Geom: orb.Polygon{g.coverage}, Props: props("province", "江苏省（合成）", "Jiangsu province (synthetic)", "coverage")}},
	}
	out["canal-built-up"] = g.builtUp()
	out["xinmeng-river"] = g.rivers()
	out["canal"] = g.canal()
	eco, green := g.zones()
	out["xinmeng-corridor"], out["green-corridors"] = eco, green
	return out
}

// ImportOrder is the order the layers load in: coverage, masks, sources,
// zones, so that derived layers can be computed.
var ImportOrder = []string{"district", "canal-built-up", "xinmeng-river", "canal", "xinmeng-corridor", "green-corridors"}

// Write generates the layers and the register into dir.
func Write(dir string, o Options) (*Summary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sum := &Summary{Options: o, Files: map[string]int64{}, Layers: map[string]Count{}, Imports: ImportOrder}
	layers := Layers(o)
	if o.Check {
		if err := Check(layers); err != nil {
			return nil, err
		}
	}
	for _, id := range ImportOrder {
		name := id + ".geojson"
		n, err := writeFile(filepath.Join(dir, name), func(w io.Writer) error { return WriteGeoJSON(w, layers[id]) })
		if err != nil {
			return nil, err
		}
		sum.Files[name] = n
		c := Count{Features: len(layers[id])}
		for _, f := range layers[id] {
			c.Vertices += geo.CountVertices(f.Geom)
			if f.Props["shape"] == "big" {
				sum.BigID = f.ID
			}
		}
		sum.Layers[id] = c
		if id == "xinmeng-corridor" || id == "green-corridors" {
			sum.Vertices += c.Vertices
		}
	}
	if o.Points > 0 {
		g := &generator{o: o, rng: rand.New(rand.NewPCG(o.Seed+1, o.Seed^0x51ed270b))}
		g.coverage = layers["district"][0].Geom.(orb.Polygon)[0]
		pts := g.points(o.Points)
		n, err := writeFile(filepath.Join(dir, "points.csv"), func(w io.Writer) error { return WritePointsCSV(w, pts) })
		if err != nil {
			return nil, err
		}
		sum.Files["points.csv"] = n
		if o.PointsGeoJSON {
			n, err := writeFile(filepath.Join(dir, "points.geojson"), func(w io.Writer) error { return writePointsGeoJSON(w, pts) })
			if err != nil {
				return nil, err
			}
			sum.Files["points.geojson"] = n
		}
		sum.Points = len(pts)
	}
	b, _ := json.MarshalIndent(sum, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "gen.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return sum, nil
}

func writeFile(path string, write func(io.Writer) error) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	cw := &countWriter{w: f}
	bw := bufio.NewWriterSize(cw, 1<<20)
	if err := write(bw); err != nil {
		f.Close()
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return cw.n, f.Close()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func props(id, zh, en, shape string) map[string]any {
	return map[string]any{"id": id, "name_zh": zh, "name_en": en, "status": "illustrative", "synthetic": true, "shape": shape}
}

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

// provinceOutline is a star-shaped ring filling most of the province box
// and holding Zhonglou well inside.
func (g *generator) provinceOutline(n int) orb.Ring {
	c := orb.Point{119.2, 32.9}
	ph := [3]float64{g.rng.Float64() * 6, g.rng.Float64() * 6, g.rng.Float64() * 6}
	ring := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		dx, dy := math.Cos(a), math.Sin(a)
		// distance to the box edge along (dx, dy)
		t := math.Inf(1)
		if dx > 0 {
			t = min(t, (Province.Max[0]-c[0])/dx)
		} else if dx < 0 {
			t = min(t, (Province.Min[0]-c[0])/dx)
		}
		if dy > 0 {
			t = min(t, (Province.Max[1]-c[1])/dy)
		} else if dy < 0 {
			t = min(t, (Province.Min[1]-c[1])/dy)
		}
		f := 0.93 - 0.05*(1+math.Sin(5*a+ph[0])) - 0.02*(1+math.Sin(23*a+ph[1])) - 0.005*(1+math.Sin(97*a+ph[2]))
		ring = append(ring, orb.Point{c[0] + t*f*dx, c[1] + t*f*dy})
	}
	return append(ring, ring[0])
}

// inProvince draws a lon/lat point inside the coverage outline.
func (g *generator) inProvince() orb.Point {
	for {
		p := orb.Point{Province.Min[0] + g.rng.Float64()*(Province.Max[0]-Province.Min[0]), Province.Min[1] + g.rng.Float64()*(Province.Max[1]-Province.Min[1])}
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
	o := g.o
	n := o.Zones
	budget := o.Vertices
	if o.Big > 0 && n > 0 {
		// The big one: a river-protection red line 40 km long through the
		// district, 1–3 km wide.
		c := at(119.84, 31.80)
		p := g.banks(c, o.Big, 40_000, 2_000, 0.03, 0.15, 0.35)
		f := Feature{ID: "gen-big", Geom: p, Props: props("gen-big", "合成红线区（大）", "Synthetic red-line zone (big)", "big")}
		eco = append(eco, f)
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
		f := Feature{ID: id, Geom: poly, Props: props(id, fmt.Sprintf("合成管控区%05d", i+1), fmt.Sprintf("Synthetic zone %05d", i+1), shape)}
		if i%2 == 0 {
			eco = append(eco, f)
		} else {
			green = append(green, f)
		}
	}
	return eco, green
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
		out = append(out, Feature{ID: id, Geom: ls, Props: props(id, fmt.Sprintf("合成河流%02d", i+1), fmt.Sprintf("Synthetic river %02d", i+1), "river")})
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
	return []Feature{{ID: "canal-synthetic", Geom: ls, Props: props("canal-synthetic", "合成大运河", "Synthetic Grand Canal", "canal")}}
}

// Point is one register point.
type Point struct {
	ID       string
	Lon, Lat float64
}

func (g *generator) points(n int) []Point {
	out := make([]Point, n)
	for i := range out {
		var p orb.Point
		if g.rng.Float64() < g.o.PointDistrictShare {
			p = g.inDistrict(0)
		} else {
			p = g.inProvince()
		}
		out[i] = Point{ID: fmt.Sprintf("P%07d", i+1), Lon: p[0], Lat: p[1]}
	}
	return out
}

// WritePointsCSV writes id,lon,lat rows under a header.
func WritePointsCSV(w io.Writer, pts []Point) error {
	if _, err := io.WriteString(w, "id,lon,lat\n"); err != nil {
		return err
	}
	buf := make([]byte, 0, 64)
	for _, p := range pts {
		buf = append(buf[:0], p.ID...)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, p.Lon, 'f', 6, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, p.Lat, 'f', 6, 64)
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

func writePointsGeoJSON(w io.Writer, pts []Point) error {
	if _, err := io.WriteString(w, `{"type":"FeatureCollection","features":[`); err != nil {
		return err
	}
	buf := make([]byte, 0, 128)
	for i, p := range pts {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ",\n"...)
		}
		buf = append(buf, `{"type":"Feature","id":"`...)
		buf = append(buf, p.ID...)
		buf = append(buf, `","geometry":{"type":"Point","coordinates":[`...)
		buf = strconv.AppendFloat(buf, p.Lon, 'f', 6, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, p.Lat, 'f', 6, 64)
		buf = append(buf, `]},"properties":{}}`...)
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]}\n")
	return err
}

// Decimals is the precision of the layer files: 7 decimals of a degree is
// about 1 cm, finer than any vertex spacing generated.
const Decimals = 7

// WriteGeoJSON writes features as a FeatureCollection, one feature a line.
func WriteGeoJSON(w io.Writer, feats []Feature) error {
	if _, err := io.WriteString(w, `{"type":"FeatureCollection","features":[`+"\n"); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for i, f := range feats {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ",\n"...)
		}
		buf = append(buf, `{"type":"Feature","id":`...)
		buf = geo.AppendString(buf, f.ID)
		buf = append(buf, `,"geometry":`...)
		buf = appendGeometry(buf, f.Geom)
		pb, err := json.Marshal(f.Props)
		if err != nil {
			return err
		}
		buf = append(buf, `,"properties":`...)
		buf = append(buf, pb...)
		buf = append(buf, '}')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "\n]}\n")
	return err
}

func appendGeometry(b []byte, g orb.Geometry) []byte {
	switch g := g.(type) {
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = appendRings(b, g)
	case orb.LineString:
		b = append(b, `{"type":"LineString","coordinates":`...)
		b = appendPts(b, g)
	default:
		panic(fmt.Sprintf("gen: geometry %T", g))
	}
	return append(b, '}')
}

func appendRings(b []byte, p orb.Polygon) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPts(b, r)
	}
	return append(b, ']')
}

func appendPts[S ~[]orb.Point](b []byte, ps S) []byte {
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendFloat(b, p[0], 'f', Decimals, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, p[1], 'f', Decimals, 64)
		b = append(b, ']')
	}
	return append(b, ']')
}

// Load imports the layer files written into dir into a store, in
// ImportOrder, each as version 1 valid from validFrom. It returns the
// bytes of raw WKB the layers take (16 per vertex plus headers), the
// figure the embedded store's memory is compared with.
func Load(ctx context.Context, s data.Store, dir string, validFrom time.Time, log func(format string, a ...any)) (wkbBytes int64, err error) {
	for _, id := range ImportOrder {
		start := time.Now()
		src, err := os.ReadFile(filepath.Join(dir, id+".geojson"))
		if err != nil {
			return 0, err
		}
		feats, err := layerfile.ParseGeoJSON(src)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", id, err)
		}
		for _, f := range feats {
			b, err := wkb.Marshal(f.Geometry)
			if err != nil {
				return 0, fmt.Errorf("%s/%s: %w", id, f.ID, err)
			}
			wkbBytes += int64(len(b))
		}
		if _, err := s.Import(ctx, id, feats, data.ImportOptions{ValidFrom: validFrom, Source: filepath.Join(dir, id+".geojson")}); err != nil {
			return 0, fmt.Errorf("import %s: %w", id, err)
		}
		if log != nil {
			log("loaded %s: %d features in %s", id, len(feats), time.Since(start).Round(time.Millisecond))
		}
	}
	return wkbBytes, nil
}

// Check validates every feature as an import does (closed, simple rings,
// valid polygons), on all cores.
func Check(layers map[string][]Feature) error {
	var all []Feature
	for _, id := range ImportOrder {
		all = append(all, layers[id]...)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  atomic.Int64
	)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(all) {
					return
				}
				if err := geo.CheckGeometry(all[i].Geom); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("gen: feature %s is invalid (a bug in the generator): %w", all[i].ID, err)
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
