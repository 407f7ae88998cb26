// Package gen writes seeded synthetic layers at province scale (Jiangsu):
// zone polygons shaped like river buffers, corridors and irregular parcels
// (some with holes), one very big red-line polygon, river and canal water
// surfaces (drawn along meandering centre lines), built-up masks, a province-sized coverage polygon and a register
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
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// Options size the generated data.
type Options struct {
	Seed     uint64
	Zones    int // zone polygons in all (the big one included)
	Vertices int // vertices of all zone polygons together
	Big      int // vertices of each big polygon (0: none)
	BigCount int // big polygons (at most 6; 0 or 1: one, through Zhonglou)
	Points   int // register points
	// DistrictShare is the share of zones placed in and around Zhonglou
	// District, so that checks there meet them; PointDistrictShare the
	// share of register points there.
	DistrictShare      float64
	PointDistrictShare float64
	// RiverVertices and CanalVertices size the source centre lines (each
	// written as a water surface of twice as many vertices). Derived bands
	// are buffers of every source segment, drawn at import; that overlay
	// grows faster than linearly, so sources stay modest.
	RiverVertices int
	CanalVertices int
	// PointsGeoJSON also writes the register as GeoJSON (it is always
	// written as CSV).
	PointsGeoJSON bool
	// Check validates every feature as an import would before writing.
	Check bool
	// Region is the box the zones, rivers and register points are spread
	// over (and the coverage outline fills), RegionCentre the outline's
	// centre; empty: Province. The big polygons, the canal and the
	// built-up masks stay where they are in Jiangsu.
	Region       orb.Bound
	RegionCentre orb.Point
}

// Defaults are the province-scale figures of issue 6.
func Defaults() Options {
	return Options{Seed: 1, Zones: 5000, Vertices: 5_000_000, Big: 200_000, BigCount: 1, Points: 1_000_000,
		DistrictShare: 0.05, PointDistrictShare: 0.2, RiverVertices: 4000, CanalVertices: 1500, PointsGeoJSON: true, Check: true}
}

// Sizes are the named sizes of 'ecospace gen --size': province is
// Defaults; national (issue 18) has twenty times the zones and four times
// the vertices, three of them 200 000-vertex polygons, spread over a
// China-sized box (Nation) at the province's density: about as many zones
// lie in and around Zhonglou as in the province data (a quarter of a per
// cent of them placed there, and the nation's share of the rest), as a
// national red-line layer is a province's many times over, not a denser
// one. Zhonglou, the big polygons and the canal stay in Jiangsu.
func Sizes() map[string]Options {
	prov := Defaults()
	nat := Defaults()
	nat.Zones, nat.Vertices, nat.BigCount = 100_000, 20_000_000, 3
	nat.DistrictShare = 0.0025
	nat.Region, nat.RegionCentre = Nation, orb.Point{112, 32}
	return map[string]Options{"province": prov, "national": nat}
}

// Nation is the box national data lies in (lon/lat): China's breadth.
var Nation = orb.Bound{Min: orb.Point{88, 20}, Max: orb.Point{124, 45}}

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
	g, out := newGenerator(o)
	eco, green := g.zones()
	out["xinmeng-corridor"], out["green-corridors"] = eco, green
	return out
}

// newGenerator seeds a generator and draws the layers other than the
// zones, in the order Layers and Write both draw them: the coverage, the
// built-up mask, the rivers, the canal, and the Taihu tier (the whole
// synthetic province as tier 3, so that every site judged lies in one).
func newGenerator(o Options) (*generator, map[string][]Feature) {
	g := &generator{o: o, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))}
	g.coverage = g.provinceOutline(2000)
	out := map[string][]Feature{
		"district": {{ID: "province", Geom: orb.Polygon{g.coverage}, Props: props("province", "江苏省（合成）", "Jiangsu province (synthetic)", "coverage")}},
	}
	out["canal-built-up"] = g.builtUp()
	out["xinmeng-river"] = g.rivers()
	out["canal"] = g.canal()
	tier := props("province-tier-3", "太湖流域三级保护区（合成）", "Taihu basin tier 3 (synthetic)", "coverage")
	tier["tier"] = 3
	out["taihu-tier"] = []Feature{{ID: "province-tier-3", Geom: orb.Polygon{g.coverage}, Props: tier}}
	return g, out
}

// ImportOrder is the order the layers load in: coverage, masks, sources,
// zones, so that derived layers can be computed.
var ImportOrder = []string{"district", "canal-built-up", "xinmeng-river", "canal", "xinmeng-corridor", "green-corridors", "taihu-tier"}

// Write generates the layers and the register into dir. The zone layers
// are written as they are drawn, feature by feature (checked in batches
// on all cores when o.Check), so that a national size needs no more
// memory than a province.
func Write(dir string, o Options) (*Summary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sum := &Summary{Options: o, Files: map[string]int64{}, Layers: map[string]Count{}, Imports: ImportOrder}
	// The same draws, in the same order, as Layers.
	g, layers := newGenerator(o)
	if o.Check {
		if err := Check(layers); err != nil {
			return nil, err
		}
	}
	count := func(id string, f Feature) {
		c := sum.Layers[id]
		c.Features++
		c.Vertices += geo.CountVertices(f.Geom)
		sum.Layers[id] = c
		if f.Props["shape"] == "big" && sum.BigID == "" {
			sum.BigID = f.ID
		}
	}
	for _, id := range ImportOrder {
		if _, ok := layers[id]; !ok {
			continue
		}
		for _, f := range layers[id] {
			count(id, f)
		}
		name := id + ".geojson"
		n, err := writeFile(filepath.Join(dir, name), func(w io.Writer) error { return WriteGeoJSON(w, layers[id]) })
		if err != nil {
			return nil, err
		}
		sum.Files[name] = n
	}
	if err := g.writeZones(dir, sum, count); err != nil {
		return nil, err
	}
	sum.Vertices = sum.Layers["xinmeng-corridor"].Vertices + sum.Layers["green-corridors"].Vertices
	if o.Points > 0 {
		pg := &generator{o: o, rng: rand.New(rand.NewPCG(o.Seed+1, o.Seed^0x51ed270b))}
		pg.coverage = g.coverage
		pts := pg.points(o.Points)
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
