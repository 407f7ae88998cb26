package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/gen"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
)

// A GeoJSON file above the stream size (here 0 bytes) is imported feature
// by feature, and stored as the whole file would be; a dry run checks it
// the same way, and a bad feature refuses it with its index.
func TestImportCommandStreamed(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("ECOSPACE_IMPORT_STREAM_ABOVE", "0")
	dbURL := pgtest.NewDatabase(t)
	if code, stdout, stderr := runCmd(t, "import", "--demo", "--migrate", "--database-url", dbURL); code != 0 {
		t.Fatalf("import --demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	o := gen.Defaults()
	o.Zones, o.Vertices, o.Big, o.Points = 3000, 150_000, 20_000, 0
	o.RiverVertices, o.CanalVertices = 100, 100
	dir := t.TempDir()
	if _, err := gen.Write(dir, o); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "xinmeng-corridor.geojson")
	code, stdout, stderr := runCmd(t, "import", "--layer", "xinmeng-corridor", "--file", file, "--valid-from", "2024-06-01", "--backdate", "--database-url", dbURL)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, w := range []string{"streamed", "version:    2", "features:   1501", "extent:     lon 1"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	whole, _, err := layerfile.ReadPath(file, layerfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	man, _ := demo.Manifest()
	store, err := postgis.Open(context.Background(), dbURL, man, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	n := 0
	byID := map[string]geo.Feature{}
	for _, f := range whole {
		byID[f.ID] = f
	}
	if err := store.Features(context.Background(), "xinmeng-corridor", data.FeatureQuery{AsOf: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), Zoom: -1}, func(f geo.Feature) error {
		n++
		if w, ok := byID[f.ID]; !ok || geo.CountVertices(w.Geometry) != geo.CountVertices(f.Geometry) || w.Properties["name_en"] != f.Properties["name_en"] {
			t.Errorf("stored %s differs from the file's", f.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(whole) {
		t.Errorf("%d features stored, the file has %d", n, len(whole))
	}

	// A polygon layer fed a line: refused, in a dry run and for real.
	src, _ := os.ReadFile(file)
	bad := strings.Replace(string(src), `{"type":"Polygon","coordinates":[[`, `{"type":"LineString","coordinates":[`, 1)
	bad = strings.Replace(bad, `]]},"properties"`, `]},"properties"`, 1)
	badFile := filepath.Join(dir, "bad.geojson")
	os.WriteFile(badFile, []byte(bad), 0o644)
	for _, args := range [][]string{{"--dry-run"}, {"--database-url", dbURL}} {
		code, stdout, stderr := runCmd(t, append([]string{"import", "--layer", "xinmeng-corridor", "--file", badFile, "--valid-from", "2024-07-01", "--backdate"}, args...)...)
		if code != 1 || !strings.Contains(stderr, "invalid: feature index 0") || !strings.Contains(stdout, "streamed") {
			t.Errorf("%v: exit %d\n%s\n%s", args, code, stdout, stderr)
		}
	}
	if info, err := store.Layer(context.Background(), "xinmeng-corridor", time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)); err != nil || info.Version != 2 {
		t.Errorf("after the refused import: %+v %v", info, err)
	}
}
