package layerfile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

func TestReadGeoJSON(t *testing.T) {
	gkPoly := func() string {
		var b strings.Builder
		for i, k := range []int{0, 3, 2, 1, 0} {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "[%.9f,%.9f]", gkRef[k].x, gkRef[k].y)
		}
		return "[[" + b.String() + "]]"
	}()
	cases := []struct {
		desc    string
		src     string
		opts    Options
		n       int
		crs     geo.CRS
		ids     []string
		first   orb.Point // first vertex of the first feature, lon/lat
		warn    string
		wantErr []string
	}{
		{"FeatureCollection lon/lat", `{"type":"FeatureCollection","features":[
			{"type":"Feature","id":"a","properties":{"name_zh":"新孟河"},"geometry":{"type":"Point","coordinates":[119.9,31.75]}},
			{"type":"Feature","id":"b","properties":{},"geometry":{"type":"LineString","coordinates":[[119.9,31.7],[119.91,31.8]]}}]}`,
			Options{}, 2, geo.CRS84, []string{"a", "b"}, orb.Point{119.9, 31.75}, "", nil},
		{"crs member EPSG:4549 URN", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},"features":[
			{"type":"Feature","properties":{"id":7},"geometry":{"type":"Polygon","coordinates":` + gkPoly + `}}]}`,
			Options{}, 1, geo.GK120, []string{"7"}, orb.Point{119.8, 31.7}, "", nil},
		{"crs member EPSG:4490", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4490"}},"features":[
			{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[119.9,31.75]}}]}`,
			Options{}, 1, geo.CGCS2000, []string{"1"}, orb.Point{119.9, 31.75}, "", nil},
		{"explicit CRS beats the crs member", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4326"}},"features":[
			{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":` + gkPoly + `}}]}`,
			Options{CRS: geo.GK120}, 1, geo.GK120, []string{"1"}, orb.Point{119.8, 31.7}, "crs member says", nil},
		{"single Feature", `{"type":"Feature","id":12,"properties":{"x":1},"geometry":{"type":"Point","coordinates":[119.9,31.75]}}`,
			Options{}, 1, geo.CRS84, []string{"12"}, orb.Point{119.9, 31.75}, "", nil},
		{"BOM and GBK bytes", "\xEF\xBB\xBF" + `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","properties":{"name_zh":"` + gbk(t, "新孟河") + `"},"geometry":{"type":"Point","coordinates":[119.9,31.75]}}]}`,
			Options{}, 1, geo.CRS84, []string{"a"}, orb.Point{119.9, 31.75}, "not UTF-8", nil},
		{"repeated ids fall back to record numbers", `{"type":"FeatureCollection","features":[
			{"type":"Feature","id":"a","properties":{},"geometry":{"type":"Point","coordinates":[119.9,31.75]}},
			{"type":"Feature","id":"a","properties":{},"geometry":{"type":"Point","coordinates":[119.9,31.76]}}]}`,
			Options{}, 2, geo.CRS84, []string{"1", "2"}, orb.Point{119.9, 31.75}, "repeats", nil},
		{"explicit CRS beats an unknown crs member", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[
			{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[119.9,31.75]}}]}`,
			Options{CRS: geo.CGCS2000}, 1, geo.CGCS2000, []string{"1"}, orb.Point{119.9, 31.75}, "ignored the crs member", nil},
		{"unknown crs member", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[]}`,
			Options{}, 0, "", nil, orb.Point{}, "", []string{"read in.geojson", "/crs", "EPSG:3857"}},
		{"bad geometry names the feature", `{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[119.9,31.75]}},
			{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[1,"x"],[3,4],[5,6],[1,2]]]}},
			{"type":"Feature","properties":{},"geometry":null}]}`,
			Options{}, 0, "", nil, orb.Point{}, "", []string{"2 bad features", "feature 1", "/features/1/geometry/coordinates/0/0", "feature 2", "/features/2/geometry"}},
		{"not GeoJSON", `{"type":"Topology"}`, Options{}, 0, "", nil, orb.Point{}, "", []string{`"Topology"`}},
		{"broken JSON", `{"type":"FeatureCollection","features":[`, Options{}, 0, "", nil, orb.Point{}, "", []string{"not valid GeoJSON"}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			feats, info, err := Read("in.geojson", strings.NewReader(c.src), int64(len(c.src)), c.opts)
			if c.wantErr != nil {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(feats) != c.n || info.CRS != c.crs || info.Format != FormatGeoJSON {
				t.Fatalf("%d features in %s (%s), want %d in %s", len(feats), info.CRS, info.Format, c.n, c.crs)
			}
			for i, id := range c.ids {
				if feats[i].ID != id || feats[i].Properties["id"] != id {
					t.Errorf("feature %d id %q (property %v), want %q", i, feats[i].ID, feats[i].Properties["id"], id)
				}
			}
			var first orb.Point
			switch g := feats[0].Geometry.(type) {
			case orb.Point:
				first = g
			case orb.Polygon:
				first = g[0][0]
			}
			if !closeTo(first, c.first, 1e-7) {
				t.Errorf("first vertex %.9f, want %.9f", first, c.first)
			}
			if c.warn != "" && !strings.Contains(strings.Join(info.Warnings, "\n"), c.warn) {
				t.Errorf("warnings %q lack %q", info.Warnings, c.warn)
			}
			if c.desc == "BOM and GBK bytes" && feats[0].Properties["name_zh"] != "新孟河" {
				t.Errorf("name_zh = %q", feats[0].Properties["name_zh"])
			}
		})
	}
}
