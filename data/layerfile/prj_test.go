package layerfile

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

func TestReadShapefileCRS(t *testing.T) {
	want := []orb.Point{}
	for _, r := range gkRef {
		want = append(want, orb.Point{r.lon, r.lat})
	}
	llRing := func(idx ...int) [][2]float64 {
		var r [][2]float64
		for _, i := range idx {
			r = append(r, [2]float64{gkRef[i].lon, gkRef[i].lat})
		}
		return r
	}
	cases := []struct {
		desc    string
		prj     *string
		crs     geo.CRS
		outer   [][2]float64
		hole    [][2]float64
		wantCRS geo.CRS
		source  string
		warn    string
	}{
		{"EPSG:4549 as ArcGIS/GDAL write it", ptr(prj4549ESRI), "", gkRing(0, 0, 1, 2, 3, 0), gkRing(0, 4, 5, 6, 7, 4), geo.GK120, "EPSG:4549", ""},
		{"EPSG:4549 in OGC WKT", ptr(prj4549OGC), "", gkRing(0, 0, 1, 2, 3, 0), gkRing(0, 4, 5, 6, 7, 4), geo.GK120, "EPSG:4549", ""},
		{"EPSG:4549 parameters under another name", ptr(prjCustomName), "", gkRing(0, 0, 1, 2, 3, 0), gkRing(0, 4, 5, 6, 7, 4), geo.GK120, "recognised by its parameters", ""},
		{"EPSG:4528 zone-prefixed eastings", ptr(prj4528), "", gkRing(4e7, 0, 1, 2, 3, 0), gkRing(4e7, 4, 5, 6, 7, 4), geo.GK120, "EPSG:4528", ""},
		{"EPSG:4490", ptr(prj4490), "", llRing(0, 1, 2, 3, 0), llRing(4, 5, 6, 7, 4), geo.CGCS2000, "EPSG:4490", ""},
		{"EPSG:4326", ptr(prj4326), "", llRing(0, 1, 2, 3, 0), llRing(4, 5, 6, 7, 4), geo.CRS84, "EPSG:4326", ""},
		{"no .prj, explicit EPSG:4549", nil, "EPSG:4549", gkRing(0, 0, 1, 2, 3, 0), gkRing(0, 4, 5, 6, 7, 4), geo.GK120, "given explicitly", ""},
		{"explicit CRS wins over the .prj", ptr(prj4490), "urn:ogc:def:crs:EPSG::4549", gkRing(0, 0, 1, 2, 3, 0), gkRing(0, 4, 5, 6, 7, 4), geo.GK120, "given explicitly", "the .prj says"},
		{"explicit CRS wins over an unknown .prj", ptr(prjXian80), "EPSG:4549", gkRing(0, 0, 1, 2, 3, 0), gkRing(0, 4, 5, 6, 7, 4), geo.GK120, "given explicitly", "ignored the .prj"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			s := tShapefile{
				shapes: []tShape{polygonShape(c.outer, c.hole)},
				fields: nameFields(),
				rows:   [][]string{{"z1", "x", "1"}},
				prj:    c.prj, cpg: ptr("UTF-8"),
			}
			feats, info, err := readZip(t, s.zip(t), Options{CRS: c.crs})
			if err != nil {
				t.Fatal(err)
			}
			if info.CRS != c.wantCRS || !strings.Contains(info.CRSSource, c.source) {
				t.Errorf("CRS %s from %q, want %s from …%s…", info.CRS, info.CRSSource, c.wantCRS, c.source)
			}
			if c.warn != "" && !strings.Contains(strings.Join(info.Warnings, "\n"), c.warn) {
				t.Errorf("warnings %q lack %q", info.Warnings, c.warn)
			}
			p, ok := feats[0].Geometry.(orb.Polygon)
			if !ok || len(p) != 2 {
				t.Fatalf("geometry %#v, want a polygon with one hole", feats[0].Geometry)
			}
			// RFC 7946 orientation: exterior counter-clockwise (the
			// Shapefile's clockwise ring reversed), hole clockwise.
			wantOuter := []orb.Point{want[0], want[3], want[2], want[1], want[0]}
			wantHole := []orb.Point{want[4], want[7], want[6], want[5], want[4]}
			for k, ring := range [][]orb.Point{wantOuter, wantHole} {
				for i, w := range ring {
					if !closeTo(p[k][i], w, 1e-7) {
						t.Errorf("ring %d vertex %d = %.9f, want %.9f within 1e-7°", k, i, p[k][i], w)
					}
				}
			}
			if err := geo.CheckGeometry(feats[0].Geometry); err != nil {
				t.Errorf("CheckGeometry: %v", err)
			}
		})
	}
}

func TestCRSFromPRJErrors(t *testing.T) {
	cases := []struct {
		desc, prj string
		want      []string
	}{
		{"CM 117E (EPSG:4548)", prj4548, []string{"central_meridian 117", "EPSG:4549"}},
		{"named 120E but CM 117", prjBadName, []string{"named like EPSG:4549", "central_meridian 117"}},
		{"Xian 1980", prjXian80, []string{"Xian_1980", "not CGCS2000"}},
		{"Beijing 1954 geographic", prjBeijing54, []string{"GCS_Beijing_1954", "D_Beijing_1954"}},
		{"Web Mercator", prjMercator, []string{"Mercator_Auxiliary_Sphere"}},
		{"WKT2", `PROJCRS["CGCS2000 / 3-degree Gauss-Kruger CM 120E",BASEGEOGCRS["China Geodetic Coordinate System 2000"]]`, []string{"PROJCRS", "unrecognised"}},
		{"garbage", `hello`, []string{"cannot read the .prj"}},
		{"empty", ``, []string{"empty"}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			_, _, _, err := crsFromPRJ(c.prj)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
