package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/zhonglou/ecospace/data/gen"
)

const genUsage = `usage:
  ecospace gen --out DIR [--size province|national] [--seed N] [--zones 5000] [--vertices 5000000] [--big 200000] [--points 1000000]

Writes seeded synthetic layers at province scale, or national (--size national: 100 000
zones, 20 M vertices, three 200 000-vertex polygons), over Jiangsu (lon 116.3–121.9, lat 30.7–35.1)
for load tests and benchmarks: zone polygons shaped like river buffers, corridors and
irregular parcels (some with holes), one very big red-line polygon through Zhonglou,
river and canal water surfaces, built-up masks, a province-sized coverage polygon, and a
register of points for sweeps (points.csv: id,lon,lat; and points.geojson). Every
feature is marked "synthetic": true and "status": "illustrative". The same seed gives
the same bytes.

One GeoJSON file per layer of the bundled manifest, to load with
  ecospace import --layer ID --file DIR/ID.geojson --valid-from 2023-01-01
in the order gen prints (coverage, masks, sources, zones), or to serve directly with
  ecospace bench --start --data DIR

flags:
`

func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gen", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), genUsage)
		fs.PrintDefaults()
	}
	d := gen.Defaults()
	// --size picks the defaults of the other flags; flags given win.
	for i, a := range args {
		name, val, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "size" {
			continue
		}
		if !ok && i+1 < len(args) {
			val = args[i+1]
		}
		if o, ok := gen.Sizes()[val]; ok {
			d = o
		}
	}
	size := fs.String("size", "province", "province (5 000 zones, 5 M vertices, one 200 000-vertex polygon) or national (100 000 zones, 20 M vertices, three of 200 000): the defaults of the flags below")
	out := fs.String("out", "", "directory to write into (created if missing)")
	seed := fs.Uint64("seed", d.Seed, "random seed")
	zones := fs.Int("zones", d.Zones, "zone polygons in all, the big one included")
	verts := fs.Int("vertices", d.Vertices, "vertices of all zone polygons together")
	big := fs.Int("big", d.Big, "vertices of each big polygon (0: none)")
	bigCount := fs.Int("big-count", d.BigCount, "big polygons (1 to 6: the first through Zhonglou)")
	points := fs.Int("points", d.Points, "register points for sweeps")
	share := fs.Float64("district-share", d.DistrictShare, "share of zones placed in and around Zhonglou District")
	pshare := fs.Float64("points-district-share", d.PointDistrictShare, "share of register points in Zhonglou District")
	rivers := fs.Int("river-vertices", d.RiverVertices, "vertices of the rivers' centre lines (each written as a water surface; derived 1 km bands are drawn from them at import, which grows faster than linearly)")
	canal := fs.Int("canal-vertices", d.CanalVertices, "vertices of the canal's centre line (written as a 90 m water surface)")
	pointsGeoJSON := fs.Bool("points-geojson", d.PointsGeoJSON, "also write the register as points.geojson")
	check := fs.Bool("check", d.Check, "validate every feature as an import would before writing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "ecospace gen: "+format+"\n", a...)
		fmt.Fprintln(stderr, "run 'ecospace gen -h' for help")
		return errUsage
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q", fs.Arg(0))
	case *out == "":
		return bad("--out DIR is required")
	case gen.Sizes()[*size].Zones == 0:
		return bad("--size %q: province or national", *size)
	case *bigCount < 1 || *bigCount > 6:
		return bad("--big-count must be 1 to 6")
	case *zones < 1 || *verts < 16**zones || *big < 0 || *points < 0:
		return bad("--zones must be ≥ 1, --vertices ≥ 16 per zone, --big and --points ≥ 0")
	case *big > 0 && *big < 8:
		return bad("--big needs at least 8 vertices")
	case *big**bigCount >= *verts:
		return bad("--big (%d) must be less than --vertices (%d)", *big, *verts)
	case !(*share >= 0 && *share <= 1) || !(*pshare >= 0 && *pshare <= 1): // NaN too
		return bad("shares are between 0 and 1")
	case *rivers < 0 || *canal < 0:
		return bad("--river-vertices and --canal-vertices must be ≥ 0")
	}
	if fi, err := os.Stat(*out); err == nil && !fi.IsDir() {
		return bad("--out %s is a file; give a directory", *out)
	}
	o := d // the --size preset: its region too
	o.Seed, o.Zones, o.Vertices, o.Big, o.BigCount, o.Points = *seed, *zones, *verts, *big, *bigCount, *points
	o.DistrictShare, o.PointDistrictShare, o.RiverVertices, o.CanalVertices = *share, *pshare, *rivers, *canal
	o.PointsGeoJSON, o.Check = *pointsGeoJSON, *check
	start := time.Now()
	sum, err := gen.Write(*out, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s in %s (seed %d)\n", *out, time.Since(start).Round(time.Millisecond), *seed)
	names := make([]string, 0, len(sum.Files))
	for n := range sum.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(stdout, "  %-24s %10.1f MB\n", n, float64(sum.Files[n])/1e6)
	}
	fmt.Fprintf(stdout, "zones: %d polygons, %d vertices (big: %s); register: %d points\n", *zones, sum.Vertices, sum.BigID, sum.Points)
	fmt.Fprintln(stdout, "import (PostGIS), in this order:")
	for _, id := range sum.Imports {
		c := sum.Layers[id]
		fmt.Fprintf(stdout, "  ecospace import --layer %s --file %s --valid-from 2023-01-01   # %d features, %d vertices\n",
			id, filepath.Join(*out, id+".geojson"), c.Features, c.Vertices)
	}
	fmt.Fprintf(stdout, "embedded store: ecospace bench --start --data %s\n", *out)
	return nil
}
