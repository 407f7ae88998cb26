package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/zhonglou/ecospace/data/layerfile"
)

func TestGenCommand(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"gen", "--out", dir, "--seed", "3", "--zones", "40", "--vertices", "8000", "--big", "1000",
		"--points", "100", "--river-vertices", "100", "--canal-vertices", "100"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, f := range []string{"district.geojson", "xinmeng-river.geojson", "canal.geojson", "canal-built-up.geojson",
		"xinmeng-corridor.geojson", "green-corridors.geojson", "points.csv", "points.geojson", "gen.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if !strings.Contains(out.String(), "ecospace import --layer district --file") {
		t.Errorf("no import commands in %s", out.String())
	}
	b, _ := os.ReadFile(filepath.Join(dir, "points.csv"))
	if n := strings.Count(string(b), "\n"); n != 101 {
		t.Errorf("points.csv has %d lines", n)
	}
}

func TestGenCommandRefuses(t *testing.T) {
	for _, args := range [][]string{
		{"gen"},
		{"gen", "--out", t.TempDir(), "--zones", "0"},
		{"gen", "--out", t.TempDir(), "--big", "900000", "--vertices", "1000"},
		{"gen", "--out", t.TempDir(), "--district-share", "2"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}

// --size national sets the defaults (three big polygons among them);
// flags given win over them.
func TestGenCommandNationalSize(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"gen", "--size", "national", "--out", dir, "--zones", "60", "--vertices", "9000", "--big", "1000",
		"--points", "0", "--river-vertices", "100", "--canal-vertices", "100"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "xinmeng-corridor.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{`"gen-big"`, `"gen-big-2"`, `"gen-big-3"`} {
		if !strings.Contains(string(b), `"id":`+id) {
			t.Errorf("no big polygon %s", id)
		}
	}
	if strings.Contains(string(b), `"gen-big-4"`) {
		t.Error("four big polygons")
	}
	// The coverage spans the nation and holds Zhonglou.
	feats, err := layerfile.ParseGeoJSON(must(os.ReadFile(filepath.Join(dir, "district.geojson"))))
	if err != nil || len(feats) != 1 {
		t.Fatalf("district: %v", err)
	}
	if bb := feats[0].Geometry.Bound(); bb.Max[0]-bb.Min[0] < 20 || !planar.PolygonContains(feats[0].Geometry.(orb.Polygon), orb.Point{119.84, 31.80}) {
		t.Errorf("national coverage %v does not span the nation around Zhonglou", bb)
	}
	var errb2 bytes.Buffer
	if code := run(context.Background(), []string{"gen", "--size", "county", "--out", dir}, &out, &errb2); code != 2 {
		t.Errorf("--size county: exit %d", code)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
