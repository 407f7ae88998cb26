package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	goodZone = `{"type":"FeatureCollection","features":[{"type":"Feature","id":"z1","properties":{"name_zh":"新孟河清水通道维护区","status":"official"},
		"geometry":{"type":"Polygon","coordinates":[[[119.75,31.70],[119.78,31.70],[119.78,31.80],[119.75,31.80],[119.75,31.70]]]}}]}`
	// Feature 1 is a bow-tie: its ring crosses itself.
	badZone = `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":"ok","properties":{},"geometry":{"type":"Polygon","coordinates":[[[119.75,31.70],[119.78,31.70],[119.78,31.80],[119.75,31.80],[119.75,31.70]]]}},
		{"type":"Feature","id":"bowtie","properties":{},"geometry":{"type":"Polygon","coordinates":[[[119.90,31.70],[119.95,31.75],[119.95,31.70],[119.90,31.75],[119.90,31.70]]]}}]}`
	lineInZone = `{"type":"FeatureCollection","features":[{"type":"Feature","id":"l","properties":{},"geometry":{"type":"LineString","coordinates":[[119.75,31.70],[119.78,31.80]]}}]}`
	river      = `{"type":"FeatureCollection","features":[{"type":"Feature","id":"xinmeng-river","properties":{"name_zh":"新孟河","status":"estimated"},
		"geometry":{"type":"LineString","coordinates":[[119.742,31.70],[119.745,31.75],[119.748,31.80]]}}]}`
)

// gkZone is goodZone's polygon in EPSG:4549 metres, without a crs member.
func gkZone() string {
	var pts []string
	for _, p := range [][2]float64{{119.75, 31.70}, {119.78, 31.70}, {119.78, 31.80}, {119.75, 31.80}, {119.75, 31.70}} {
		x, y := geo.ToGK(p[0], p[1])
		pts = append(pts, fmt.Sprintf("[%.4f,%.4f]", x, y))
	}
	return `{"type":"FeatureCollection","features":[{"type":"Feature","id":"z1","properties":{},"geometry":{"type":"Polygon","coordinates":[[` + strings.Join(pts, ",") + `]]}}]}`
}

func TestImportCommand(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	good := writeFile(t, "zone.geojson", goodZone)
	bad := writeFile(t, "bad.geojson", badZone)
	line := writeFile(t, "line.geojson", lineInZone)
	riv := writeFile(t, "river.json", river)
	gk := writeFile(t, "gk.geojson", gkZone())
	cases := []struct {
		desc      string
		args      []string
		code      int
		stdout    []string
		stderr    []string
		notStderr []string
	}{
		{"dry run, good file", []string{"--layer", "xinmeng-corridor", "--file", good, "--dry-run"}, 0,
			[]string{"GeoJSON, 1 feature(s)", "EPSG:4326", "dry run: 1 feature(s) fit layer xinmeng-corridor", "nothing stored"}, nil, []string{"invalid"}},
		{"dry run, source layer names what it would recompute", []string{"--layer", "xinmeng-river", "--file", riv, "--half-width", "50", "--dry-run", "--valid-from", "2024-06-01"}, 0,
			[]string{"1 of 1 feature(s) made from centre lines ± 50 m", "fit layer xinmeng-river", "valid from 2024-06-01", "recompute xinmeng-band"}, nil, nil},
		{"a centre line without a half-width is refused for a source layer", []string{"--layer", "xinmeng-river", "--file", riv, "--dry-run"}, 1,
			nil, []string{"invalid: feature index 0 (id xinmeng-river)", "holds water surfaces", "not a LineString", "--half-width", "refused"}, nil},
		{"--half-width on a zone layer", []string{"--layer", "xinmeng-corridor", "--file", good, "--half-width", "50", "--dry-run"}, 2,
			nil, []string{"--half-width makes water surfaces of centre lines, for source layers only", "zone layer"}, nil},
		{"negative --half-width", []string{"--layer", "xinmeng-river", "--file", riv, "--half-width", "-5", "--dry-run"}, 2,
			nil, []string{"--half-width -5", "more than 0"}, nil},
		{"display layer takes a line", []string{"--layer", "xinmeng-centreline", "--file", riv, "--dry-run"}, 0,
			[]string{"fit layer xinmeng-centreline"}, nil, nil},
		{"dry run, EPSG:4549 coordinates with --crs", []string{"--layer", "xinmeng-corridor", "--file", gk, "--crs", "EPSG:4549", "--dry-run"}, 0,
			[]string{"EPSG:4549 (given explicitly)", "lon 119.750000 … 119.780000", "fit layer"}, nil, nil},
		{"dry run, EPSG:4549 coordinates without --crs", []string{"--layer", "xinmeng-corridor", "--file", gk, "--dry-run"}, 1,
			nil, []string{"is not a longitude, latitude pair", "refused"}, nil},
		{"dry run, invalid geometry", []string{"--layer", "xinmeng-corridor", "--file", bad, "--dry-run"}, 1,
			[]string{"2 feature(s)"}, []string{"invalid: feature index 1 (id bowtie) at /coordinates/0: ", "intersects itself", "refused: 1 of 2 feature(s)", "--make-valid"}, []string{"index 0"}},
		{"dry run, invalid geometry with --make-valid", []string{"--layer", "xinmeng-corridor", "--file", bad, "--dry-run", "--make-valid"}, 0,
			[]string{"dry run: 2 feature(s) fit"}, []string{"would be repaired (--make-valid): feature index 1 (id bowtie)"}, nil},
		{"--make-valid cannot turn a line into a zone", []string{"--layer", "xinmeng-corridor", "--file", line, "--dry-run", "--make-valid"}, 1,
			nil, []string{"invalid: feature index 0 (id l)", "holds polygons, not LineString", "refused"}, nil},
		{"demo dry run", []string{"--demo", "--dry-run"}, 0,
			[]string{"demo layer district", "demo layer xinmeng-corridor", "valid from 2020-01-08"}, nil, nil},

		{"unknown layer", []string{"--layer", "nope", "--file", good, "--dry-run"}, 2,
			nil, []string{`unknown layer "nope"`, "xinmeng-corridor"}, nil},
		{"derived layer", []string{"--layer", "xinmeng-band", "--file", good, "--dry-run"}, 2,
			nil, []string{"derived from xinmeng-river", "import xinmeng-river instead"}, nil},
		{"missing file", []string{"--layer", "xinmeng-corridor", "--file", filepath.Join(t.TempDir(), "missing.geojson"), "--dry-run"}, 2,
			nil, []string{"--file ", "missing.geojson: no such file"}, nil},
		{"bad date", []string{"--layer", "xinmeng-corridor", "--file", good, "--valid-from", "2024-13-01", "--dry-run"}, 2,
			nil, []string{`--valid-from "2024-13-01"`, "YYYY-MM-DD"}, nil},
		{"bad crs", []string{"--layer", "xinmeng-corridor", "--file", good, "--crs", "EPSG:3857", "--dry-run"}, 2,
			nil, []string{"--crs", "EPSG:3857"}, nil},
		{"no --file", []string{"--layer", "xinmeng-corridor", "--dry-run"}, 2,
			nil, []string{"--file is required"}, []string{"--layer is required"}},
		{"--demo with --file", []string{"--demo", "--file", good, "--dry-run"}, 2,
			nil, []string{"--demo loads the bundled layers"}, nil},
		{"no database without --dry-run", []string{"--layer", "xinmeng-corridor", "--file", good}, 2,
			nil, []string{"no database", "DATABASE_URL", "would vanish", "--dry-run"}, nil},
		{"unknown flag", []string{"--bogus"}, 2, nil, []string{"bogus"}, nil},

		// The parcel register: its number field named, checked in the whole file.
		{"parcels, dry run", []string{"--layer", "parcels", "--file", "../../data/demo/parcels-sample.geojson", "--parcel-field", "宗地号", "--dry-run"}, 0,
			[]string{"parcels:    3, numbered by field 宗地号 (stored as parcel_no)", "fit layer parcels"}, nil, nil},
		{"parcels without --parcel-field", []string{"--layer", "parcels", "--file", "../../data/demo/parcels-sample.geojson", "--dry-run"}, 2,
			nil, []string{"--parcel-field names the field"}, nil},
		{"parcels, a field they do not have", []string{"--layer", "parcels", "--file", "../../data/demo/parcels-sample.geojson", "--parcel-field", "ZDDM", "--dry-run"}, 1,
			nil, []string{"has no field ZDDM", "宗地号"}, nil},
		{"--parcel-field on a zone layer", []string{"--layer", "xinmeng-corridor", "--file", good, "--parcel-field", "宗地号", "--dry-run"}, 2,
			nil, []string{"--parcel-field is for the parcel register"}, nil},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			code, stdout, stderr := runCmd(t, append([]string{"import"}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, stdout, stderr)
			}
			for _, w := range c.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range c.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			for _, w := range c.notStderr {
				if strings.Contains(stderr, w) {
					t.Errorf("stderr has %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// memStore replaces the database with an embedded store for one test, so
// the command's storing path runs without PostgreSQL. The PostGIS store
// itself is tested in package data.
func memStore(t *testing.T, loadDemo bool) *memory.Store {
	t.Helper()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.New(man)
	if loadDemo {
		if err := demo.Load(context.Background(), mem, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
			t.Fatal(err)
		}
	}
	old := openImportStore
	openImportStore = func(ctx context.Context, log *slog.Logger, url string, migrate bool) (data.Store, error) {
		if url != "postgres://test" {
			return nil, fmt.Errorf("url %q", url)
		}
		return mem, nil
	}
	t.Cleanup(func() { openImportStore = old })
	return mem
}

func TestImportCommandStores(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://test")
	mem := memStore(t, true)
	riv := writeFile(t, "river.geojson", river)
	// Before today: refused without --backdate, saying so.
	code, _, stderr := runCmd(t, "import", "--layer", "xinmeng-river", "--file", riv, "--half-width", "50", "--valid-from", "2024-06-01")
	if code != 1 || !strings.Contains(stderr, "refused") || !strings.Contains(stderr, "--backdate") {
		t.Fatalf("a back-dated import without --backdate: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := runCmd(t, "import", "--layer", "xinmeng-river", "--file", riv, "--half-width", "50", "--valid-from", "2024-06-01", "--backdate")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, w := range []string{"surfaces:   1 of 1 feature(s) made from centre lines ± 50 m", "layer:      xinmeng-river", "version:    2", "valid_from: 2024-06-01", "features:   1", "elapsed:", "derived:    xinmeng-band version 2 (recomputed)"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	asOf := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	info, err := mem.Layer(context.Background(), "xinmeng-river", asOf)
	if err != nil || info.Version != 2 || info.FeatureCount != 1 || info.GeometryType != "Polygon" || info.Origin == nil || info.Origin.HalfWidthM != 50 {
		t.Errorf("stored layer %+v, %v", info, err)
	}
	old, err := mem.Layer(context.Background(), "xinmeng-river", asOf.AddDate(0, 0, -1))
	if err != nil || old.Version != 1 {
		t.Errorf("the previous version is not kept for earlier dates: %+v, %v", old, err)
	}

	// A date before the newest version's is refused without --backdate,
	// naming the version it would precede.
	code, _, stderr = runCmd(t, "import", "--layer", "xinmeng-river", "--file", riv, "--half-width", "50", "--valid-from", "2024-01-01")
	if code != 1 || !strings.Contains(stderr, "before 2024-06-01, the valid_from of version 2") || !strings.Contains(stderr, "--backdate") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}

	// An invalid file never reaches the store.
	bad := writeFile(t, "bad.geojson", badZone)
	code, _, stderr = runCmd(t, "import", "--layer", "xinmeng-corridor", "--file", bad)
	if code != 1 || !strings.Contains(stderr, "id bowtie") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if info, _ := mem.Layer(context.Background(), "xinmeng-corridor", asOf); info.Version != 1 {
		t.Errorf("xinmeng-corridor version %d after a refused import, want 1", info.Version)
	}
}

func TestImportCommandDemo(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	memStore(t, false)
	code, stdout, stderr := runCmd(t, "import", "--demo", "--database-url", "postgres://test")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, w := range []string{"valid from 2020-01-08", "district", "xinmeng-band", "version 1", "(derived)"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
}

func TestImportCommandInterrupted(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://test")
	mem := memStore(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"import", "--layer", "xinmeng-river", "--file", writeFile(t, "r.geojson", river), "--half-width", "50", "--valid-from", "2024-06-01", "--backdate"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "interrupted") || !strings.Contains(errb.String(), "stays in force") {
		t.Errorf("exit %d, stderr:\n%s", code, errb.String())
	}
	if info, _ := mem.Layer(context.Background(), "xinmeng-river", time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)); info.Version != 1 {
		t.Errorf("version %d after an interrupted import, want 1", info.Version)
	}
}

func TestImportProgressPlainLines(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "import x")
	for i := 0; i <= 1000; i++ {
		p.update(i, 1000)
	}
	p.update(1000, 1000) // stores may report the end twice
	p.finish(true)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) < 2 || len(lines) > 12 {
		t.Fatalf("%d lines, want a few:\n%s", len(lines), b.String())
	}
	if lines[0] != "import x: 0/1000 features (0%)" || lines[len(lines)-1] != "import x: 1000/1000 features (100%)" {
		t.Errorf("lines:\n%s", b.String())
	}
	if strings.Count(b.String(), "(100%)") != 1 {
		t.Errorf("100%% reported more than once:\n%s", b.String())
	}
}

// TestImportCommandPostGIS runs the command against a real, throwaway
// PostGIS database: the demo layers, then a zipped Shapefile written by
// GDAL with GBK attributes in EPSG:4549, and reads the stored features
// back.
func TestImportCommandPostGIS(t *testing.T) {
	ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		t.Fatal("ogr2ogr not found: install gdal-bin (scripts/test-deps.sh does)")
	}
	t.Setenv("DATABASE_URL", "")
	dbURL := pgtest.NewDatabase(t)

	code, stdout, stderr := runCmd(t, "import", "--demo", "--migrate", "--database-url", dbURL)
	if code != 0 {
		t.Fatalf("import --demo: exit %d\n%s\n%s", code, stdout, stderr)
	}

	dir := t.TempDir()
	src := filepath.Join(dir, "zone.geojson")
	if err := os.WriteFile(src, []byte(goodZone), 0o644); err != nil {
		t.Fatal(err)
	}
	shp := filepath.Join(dir, "shp")
	if b, err := exec.Command(ogr, "-f", "ESRI Shapefile", "-t_srs", "EPSG:4549", "-lco", "ENCODING=CP936", "-nln", "zones", shp, src).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, b)
	}
	zipPath := filepath.Join(dir, "zones.zip")
	zf, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	ents, _ := os.ReadDir(shp)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(shp, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(e.Name())
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zf.Close()

	code, stdout, stderr = runCmd(t, "import", "--layer", "xinmeng-corridor", "--file", zipPath, "--valid-from", "2024-06-01", "--backdate", "--database-url", dbURL)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, w := range []string{"encoding:   GBK", "EPSG:4549", "version:    2", "valid_from: 2024-06-01", "features:   1"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}

	man, _ := demo.Manifest()
	store, err := postgis.Open(context.Background(), dbURL, man, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var got []geo.Feature
	asOf := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	if err := store.Features(context.Background(), "xinmeng-corridor", data.FeatureQuery{AsOf: asOf, Zoom: -1}, func(f geo.Feature) error {
		got = append(got, f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Properties["name_zh"] != "新孟河清水通道维护区" {
		t.Fatalf("stored features %+v", got)
	}
	b := got[0].Geometry.Bound()
	if math.Abs(b.Min[0]-119.75) > 1e-6 || math.Abs(b.Max[1]-31.80) > 1e-6 {
		t.Errorf("stored extent %v, want lon 119.75…119.78, lat 31.70…31.80", b)
	}

	// The version before the import is still there for earlier dates.
	var old int
	if err := store.Features(context.Background(), "xinmeng-corridor", data.FeatureQuery{AsOf: asOf.AddDate(0, 0, -1), Zoom: -1}, func(f geo.Feature) error {
		old++
		if f.Properties["name_zh"] == "新孟河清水通道维护区" && f.ID == "1" {
			t.Errorf("the new feature shows before its valid_from")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if old == 0 {
		t.Error("the demo version is gone for dates before the import")
	}

	// An invalid file is refused and leaves version 2 in force.
	code, _, stderr = runCmd(t, "import", "--layer", "xinmeng-corridor", "--file", writeFile(t, "bad.geojson", badZone), "--valid-from", "2024-07-01", "--database-url", dbURL)
	if code != 1 || !strings.Contains(stderr, "id bowtie") {
		t.Errorf("invalid import: exit %d\n%s", code, stderr)
	}
	if info, err := store.Layer(context.Background(), "xinmeng-corridor", asOf.AddDate(0, 2, 0)); err != nil || info.Version != 2 {
		t.Errorf("after a refused import: %+v, %v; want version 2", info, err)
	}

	// With --make-valid the database repairs the bow-tie.
	code, stdout, stderr = runCmd(t, "import", "--layer", "xinmeng-corridor", "--file", writeFile(t, "bad.geojson", badZone), "--valid-from", "2024-07-01", "--backdate", "--make-valid", "--database-url", dbURL)
	if code != 0 || !strings.Contains(stdout, "version:    3") || !strings.Contains(stdout, "1 repaired") {
		t.Errorf("--make-valid import: exit %d\n%s\n%s", code, stdout, stderr)
	}
}
