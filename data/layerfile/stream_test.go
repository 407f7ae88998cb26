package layerfile

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhonglou/ecospace/geo"
)

// The stream gives what Read gives, feature for feature, and the same
// Info once Each has run: for the demo layers and for files that make the
// reader decide (ids that repeat or are missing, a crs member before the
// features, a BOM).
func TestGeoJSONStreamAsRead(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	demo, _ := filepath.Glob("../demo/*.geojson")
	for _, p := range demo {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = string(b)
	}
	files["repeats.geojson"] = `{"type":"FeatureCollection","features":[
{"type":"Feature","id":"a","properties":{"n":1},"geometry":{"type":"Point","coordinates":[119.8,31.8]}},
{"type":"Feature","properties":{"id":"a","n":2},"geometry":{"type":"Point","coordinates":[119.81,31.8]}}]}`
	files["missing.geojson"] = `{"type":"FeatureCollection","features":[
{"type":"Feature","id":7,"properties":{},"geometry":{"type":"Polygon","coordinates":[[[119.8,31.8],[119.8,31.81],[119.81,31.81],[119.8,31.8]]]}},
{"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[119.81,31.8]}}]}`
	files["crs.geojson"] = "\xEF\xBB\xBF" + `{"name":"x","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"type":"FeatureCollection","features":[
{"type":"Feature","id":"p","properties":{"名称":"甲"},"geometry":{"type":"Point","coordinates":[478000.5,3515000.25]}}]}`
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		want, wantInfo, err := ReadPath(p, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s, err := ScanGeoJSON(p, Options{})
		if err != nil {
			t.Fatalf("%s: scan: %v", name, err)
		}
		var got []geo.Feature
		if err := s.Each(func(i int, f geo.Feature) error {
			if i != len(got) {
				t.Fatalf("%s: feature %d handed out as %d", name, len(got), i)
			}
			got = append(got, f)
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: streamed features differ from Read's", name)
		}
		if !reflect.DeepEqual(s.Info, wantInfo) {
			t.Errorf("%s: info\n%+v\nwant\n%+v", name, s.Info, wantInfo)
		}
	}
}

// Files the stream cannot read say so (ErrNotStreamable), for the caller
// to read them whole; broken files are errors.
func TestGeoJSONStreamRefuses(t *testing.T) {
	dir := t.TempDir()
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"名称":"甲"},"geometry":{"type":"Point","coordinates":[119.8,31.8]}}]}`)
	for name, tc := range map[string]struct {
		src     string
		stream  bool // ErrNotStreamable, else another error
		message string
	}{
		"gbk":       {gbk, true, "not UTF-8"},
		"crs-after": {`{"type":"FeatureCollection","features":[],"crs":{"type":"name","properties":{"name":"EPSG:4549"}}}`, true, "after the features"},
		"feature":   {`{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[119.8,31.8]}}`, true, "not a FeatureCollection"},
		"array":     {`[1,2]`, true, "not a JSON object"},
		"not-feat":  {`{"type":"FeatureCollection","features":[{"type":"Point"}]}`, false, `want "Feature"`},
		"truncated": {`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Po`, false, "Feature"},
	} {
		p := filepath.Join(dir, name+".geojson")
		os.WriteFile(p, []byte(tc.src), 0o644)
		_, err := ScanGeoJSON(p, Options{})
		if err == nil || errors.Is(err, ErrNotStreamable) != tc.stream || !strings.Contains(err.Error(), tc.message) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A bad geometry is found by Each, after the others were handed out.
	p := filepath.Join(dir, "badgeom.geojson")
	os.WriteFile(p, []byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[119.8,31.8]}},
{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":["x",31.8]}},
{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[119.9,31.8]}}]}`), 0o644)
	s, err := ScanGeoJSON(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = s.Each(func(int, geo.Feature) error { n++; return nil })
	if err == nil || n != 2 || !strings.Contains(err.Error(), "feature 1") {
		t.Errorf("bad geometry: %v after %d features", err, n)
	}
}
