package layerfile

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

func TestReadShapefileAttributes(t *testing.T) {
	const name = "新孟河清水通道维护区"
	sq := polygonShape(lonlatOuterCW)
	cases := []struct {
		desc         string
		cpg          *string
		ldid         byte
		enc          string // Options.Encoding
		value        string // raw dbf bytes of name_zh
		fieldName    string // raw dbf name of the second field
		wantEncoding string
		wantSource   string
	}{
		{"GBK .cpg", ptr("GBK"), 0, "", gbk(t, name), "name_zh", "GBK", "t.cpg"},
		{"CP936 .cpg as GDAL writes it", ptr("CP936"), 0, "", gbk(t, name), "name_zh", "GBK", "t.cpg"},
		{"936 .cpg as ArcGIS writes it", ptr("936\r\n"), 0, "", gbk(t, name), "name_zh", "GBK", "t.cpg"},
		{"GB2312 .cpg", ptr("gb2312"), 0, "", gbk(t, name), "name_zh", "GB2312", "t.cpg"},
		{"GB18030 .cpg", ptr("GB18030"), 0, "", gbk(t, name), "name_zh", "GB18030", "t.cpg"},
		{"UTF-8 .cpg", ptr("UTF-8"), 0, "", name, "name_zh", "UTF-8", "t.cpg"},
		{"no .cpg, GBK bytes: GB18030 fallback", nil, 0, "", gbk(t, name), "name_zh", "GB18030", "detected"},
		{"no .cpg, UTF-8 bytes", nil, 0, "", name, "name_zh", "UTF-8", "detected"},
		{"no .cpg, language driver 0x4D", nil, 0x4D, "", gbk(t, name), "name_zh", "GBK", "language driver"},
		{"explicit encoding beats a wrong .cpg", ptr("UTF-8"), 0, "GBK", gbk(t, name), "name_zh", "GBK", "given explicitly"},
		{"Chinese field name in GBK", ptr("GBK"), 0, "", gbk(t, name), gbk(t, "名称"), "GBK", "t.cpg"},
		{"System .cpg means detect", ptr("System"), 0, "", gbk(t, name), "name_zh", "GB18030", "detected"},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			fields := nameFields()
			fields[1].name = c.fieldName
			s := tShapefile{
				shapes: []tShape{sq, sq},
				fields: fields,
				rows:   [][]string{{"z1", c.value, "12.500"}, {"z2", "plain ascii", ""}},
				prj:    ptr(prj4490),
				cpg:    c.cpg,
				ldid:   c.ldid,
			}
			feats, info, err := readZip(t, s.zip(t), Options{Encoding: c.enc})
			if err != nil {
				t.Fatal(err)
			}
			if info.Encoding != c.wantEncoding || !strings.Contains(info.EncodingSource, c.wantSource) {
				t.Errorf("encoding %q from %q, want %q from …%s…", info.Encoding, info.EncodingSource, c.wantEncoding, c.wantSource)
			}
			field := "name_zh"
			if c.fieldName != "name_zh" {
				field = "名称"
			}
			if len(feats) != 2 {
				t.Fatalf("%d features, want 2", len(feats))
			}
			if got := feats[0].Properties[field]; got != name {
				t.Errorf("%s = %q, want %q (properties %v)", field, got, name, feats[0].Properties)
			}
			if got := feats[1].Properties[field]; got != "plain ascii" {
				t.Errorf("record 2 %s = %q", field, got)
			}
			if got := feats[0].Properties["area_km2"]; got != 12.5 {
				t.Errorf("area_km2 = %#v, want 12.5", got)
			}
			if got, ok := feats[1].Properties["area_km2"]; !ok || got != nil {
				t.Errorf("empty numeric = %#v, %v; want nil, present", got, ok)
			}
			if feats[0].ID != "z1" || feats[1].ID != "z2" || info.IDSource != "field id" {
				t.Errorf("ids %q %q from %q, want z1 z2 from field id", feats[0].ID, feats[1].ID, info.IDSource)
			}
		})
	}
}

func TestReadShapefileUTF8CPGWithGBKBytesFails(t *testing.T) {
	s := tShapefile{
		shapes: []tShape{polygonShape(lonlatOuterCW), polygonShape(lonlatOuterCW)},
		fields: nameFields(),
		rows:   [][]string{{"a", "ok", "1"}, {"b", gbk(t, "新孟河"), "1"}},
		prj:    ptr(prj4490), cpg: ptr("UTF-8"),
	}
	_, _, err := readZip(t, s.zip(t), Options{})
	if err == nil || !strings.Contains(err.Error(), "record 2") || !strings.Contains(err.Error(), "--encoding") {
		t.Fatalf("err = %v, want record 2 named and the --encoding hint", err)
	}
}

func TestReadShapefilePolygons(t *testing.T) {
	sq := func(x0, y0, size float64, cw bool) [][2]float64 {
		r := [][2]float64{{x0, y0}, {x0, y0 + size}, {x0 + size, y0 + size}, {x0 + size, y0}, {x0, y0}}
		if !cw {
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
		}
		return r
	}
	a := sq(119.80, 31.70, 0.10, true)   // exterior A
	ah := sq(119.82, 31.72, 0.02, false) // hole in A
	b := sq(120.00, 31.70, 0.10, true)   // exterior B
	bh := sq(120.02, 31.72, 0.02, false) // hole in B
	island := sq(120.025, 31.725, 0.01, true)
	cases := []struct {
		desc  string
		parts [][][2]float64
		want  [][]int // polygons, each its ring counts… as ring sizes in degrees×100
	}{
		{"polygon with a hole", [][][2]float64{a, ah}, [][]int{{10, 2}}},
		{"hole listed before its exterior", [][][2]float64{ah, a}, [][]int{{10, 2}}},
		{"two exteriors, the hole of the second after the first", [][][2]float64{a, b, bh}, [][]int{{10}, {10, 2}}},
		{"holes listed after both exteriors", [][][2]float64{a, b, ah, bh}, [][]int{{10, 2}, {10, 2}}},
		{"island inside a hole", [][][2]float64{b, bh, island}, [][]int{{10, 2}, {1}}},
		{"every ring counter-clockwise (non-conforming writer)", [][][2]float64{sq(119.80, 31.70, 0.10, false), sq(119.82, 31.72, 0.02, false)}, [][]int{{10, 2}}},
		{"every ring clockwise (non-conforming writer)", [][][2]float64{a, sq(119.82, 31.72, 0.02, true)}, [][]int{{10}, {2}}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			s := tShapefile{
				shapes: []tShape{{typ: 5, parts: c.parts}},
				fields: nameFields(), rows: [][]string{{"p", "x", "1"}},
				prj: ptr(prj4490), cpg: ptr("UTF-8"),
			}
			feats, _, err := readZip(t, s.zip(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var mp orb.MultiPolygon
			switch g := feats[0].Geometry.(type) {
			case orb.Polygon:
				mp = orb.MultiPolygon{g}
			case orb.MultiPolygon:
				mp = g
			default:
				t.Fatalf("geometry %T", g)
			}
			var got [][]int
			for _, p := range mp {
				var sizes []int
				for k, r := range p {
					b := r.Bound()
					sizes = append(sizes, int(math.Round((b.Max[0]-b.Min[0])*100)))
					ccw := signedArea(r) > 0
					if ccw != (k == 0) {
						t.Errorf("polygon ring %d counter-clockwise = %v; RFC 7946 wants exteriors CCW, holes CW", k, ccw)
					}
				}
				got = append(got, sizes)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("polygons %v, want %v", got, c.want)
			}
		})
	}
}

func TestReadShapefileLinesPointsIDsAndDeleted(t *testing.T) {
	s := tShapefile{
		shapes: []tShape{
			{typ: 3, parts: [][][2]float64{{{119.9, 31.7}, {119.91, 31.8}}}},
			{typ: 3, parts: [][][2]float64{{{119.9, 31.7}, {119.91, 31.8}}, {{119.95, 31.7}, {119.96, 31.8}}}},
			{typ: 3, parts: [][][2]float64{{{119.9, 31.7}, {119.91, 31.8}}}},
		},
		fields:  []tField{{name: "ID", typ: 'N', length: 6}, {name: "built", typ: 'D', length: 8}, {name: "ok", typ: 'L', length: 1}},
		rows:    [][]string{{"0", "20230101", "T"}, {"0", "", "?"}, {"0", "20240315", "F"}},
		deleted: map[int]bool{2: true},
		prj:     ptr(prj4326),
	}
	feats, info, err := readZip(t, s.zip(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(feats) != 2 || info.Deleted != 1 || info.Records != 3 {
		t.Fatalf("%d features, %d deleted, %d records; want 2, 1, 3", len(feats), info.Deleted, info.Records)
	}
	if _, ok := feats[0].Geometry.(orb.LineString); !ok {
		t.Errorf("record 1: %T, want LineString", feats[0].Geometry)
	}
	if _, ok := feats[1].Geometry.(orb.MultiLineString); !ok {
		t.Errorf("record 2: %T, want MultiLineString", feats[1].Geometry)
	}
	// ArcGIS's default "Id" field is all zeros: not unique, so record numbers.
	if feats[0].ID != "1" || feats[1].ID != "2" || info.IDSource != "record number" {
		t.Errorf("ids %q %q from %q, want record numbers", feats[0].ID, feats[1].ID, info.IDSource)
	}
	if !strings.Contains(strings.Join(info.Warnings, "\n"), "repeats") {
		t.Errorf("no warning about the repeated id: %q", info.Warnings)
	}
	if feats[0].Properties["built"] != "2023-01-01" || feats[0].Properties["ok"] != true || feats[1].Properties["built"] != nil || feats[1].Properties["ok"] != nil {
		t.Errorf("properties %v %v", feats[0].Properties, feats[1].Properties)
	}
	if feats[0].Properties["ID"] != int64(0) || feats[0].Properties["id"] != "1" {
		t.Errorf("ID/id properties %#v %#v", feats[0].Properties["ID"], feats[0].Properties["id"])
	}
}

func TestReadShapefileErrors(t *testing.T) {
	good := func() tShapefile {
		return tShapefile{
			shapes: []tShape{polygonShape(lonlatOuterCW), polygonShape(lonlatOuterCW)},
			fields: nameFields(),
			rows:   [][]string{{"a", "x", "1"}, {"b", "y", "2"}},
			prj:    ptr(prj4490), cpg: ptr("UTF-8"),
		}
	}
	z := func(mod func(*tShapefile)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			s := good()
			mod(&s)
			return s.zip(t)
		}
	}
	cases := []struct {
		desc string
		file func(t *testing.T) []byte
		opts Options
		want []string
		is   error
	}{
		{"not a zip", func(*testing.T) []byte { return []byte("this is not a zip at all") }, Options{}, []string{"read layer.zip", "not a readable zip"}, nil},
		{"truncated zip", func(t *testing.T) []byte { b := good().zip(t); return b[:len(b)/2] }, Options{}, []string{"not a readable zip"}, nil},
		{"missing .dbf", z(func(s *tShapefile) { s.omit = map[string]bool{".dbf": true} }), Options{}, []string{"t.shp has no .dbf"}, nil},
		{"missing .shp", z(func(s *tShapefile) { s.omit = map[string]bool{".shp": true} }), Options{}, []string{"no .shp", "t.dbf"}, nil},
		{"unknown .prj", z(func(s *tShapefile) { s.prj = ptr(prjXian80) }), Options{}, []string{"t.prj", "Xian_1980_3_Degree_GK_CM_120E"}, nil},
		{"no .prj, no CRS", z(func(s *tShapefile) { s.prj = nil }), Options{}, []string{"no .prj", "--crs"}, ErrNeedCRS},
		{"bad explicit CRS", z(func(*tShapefile) {}), Options{CRS: "EPSG:3857"}, []string{"EPSG:3857"}, geo.ErrUnknownCRS},
		{"unknown .cpg", z(func(s *tShapefile) { s.cpg = ptr("KOI8-R") }), Options{}, []string{"t.cpg", "KOI8-R"}, nil},
		{"null shape", z(func(s *tShapefile) { s.shapes[1] = tShape{typ: 0} }), Options{}, []string{"record 2", "null shape"}, nil},
		{"degenerate rings in two records", z(func(s *tShapefile) {
			flat := polygonShape([][2]float64{{119.8, 31.7}, {119.9, 31.7}, {119.85, 31.7}, {119.8, 31.7}})
			s.shapes[0], s.shapes[1] = flat, flat
		}), Options{}, []string{"2 bad records", "record 1", "record 2", "zero area"}, nil},
		{"record counts differ", z(func(s *tShapefile) { s.rows = s.rows[:1] }), Options{}, []string{"t.shp has 2 records but t.dbf has 1"}, nil},
		{"two shapefiles in one zip", z(func(s *tShapefile) {
			s.extra = map[string][]byte{"other/o.shp": s.files()["t.shp"]}
		}), Options{}, []string{"2 Shapefiles", "other/o.shp", "t.shp"}, nil},
		{"bad number", z(func(s *tShapefile) { s.rows[1][2] = "abc" }), Options{}, []string{"record 2", "area_km2", `"abc" is not a finite number`}, nil},
		{"NaN number", z(func(s *tShapefile) { s.rows[1][2] = "NaN" }), Options{}, []string{"record 2", "area_km2", `"NaN" is not a finite number`}, nil},
		{"infinite number", z(func(s *tShapefile) { s.rows[0][2] = "-Inf" }), Options{}, []string{"record 1", "area_km2", `"-Inf" is not a finite number`}, nil},
		{"truncated .dbf", z(func(s *tShapefile) {
			b := s.files()["t.dbf"]
			s.extra = map[string][]byte{"t.dbf": b[:len(b)-20]}
		}), Options{}, []string{"t.dbf", "truncated"}, nil},
		{"truncated .shp", z(func(s *tShapefile) {
			b := s.files()["t.shp"]
			s.extra = map[string][]byte{"t.shp": b[:len(b)-8]}
		}), Options{}, []string{"t.shp", "header says"}, nil},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			_, _, err := readZip(t, c.file(t), c.opts)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %q is not %v", err, c.is)
			}
		})
	}
}

func TestReadShapefileDir(t *testing.T) {
	dir := t.TempDir()
	s := tShapefile{
		stem:   "Zones",
		shapes: []tShape{polygonShape(lonlatOuterCW, lonlatHoleCCW)},
		fields: nameFields(), rows: [][]string{{"z1", gbk(t, "新孟河"), "1"}},
		prj: ptr(prj4490), cpg: ptr("GBK"),
	}
	for name, b := range s.files() {
		// Sibling files whose names differ in case, as on Windows.
		if strings.HasSuffix(name, ".dbf") {
			name = strings.ToUpper(name)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{filepath.Join(dir, "Zones.shp"), dir} {
		feats, info, err := ReadPath(p, Options{})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(feats) != 1 || feats[0].Properties["name_zh"] != "新孟河" || info.Format != FormatShapefile {
			t.Errorf("%s: %v %v", p, feats, info)
		}
	}
	// A bare .shp handed over as bytes cannot find its siblings.
	b := s.files()["Zones.shp"]
	_, _, err := Read("Zones.shp", bytes.NewReader(b), int64(len(b)), Options{})
	if err == nil || !strings.Contains(err.Error(), "zip the .shp") {
		t.Errorf("bare .shp: %v", err)
	}
}

// TestReadOGR2OGRShapefile reads a Shapefile written by GDAL's ogr2ogr
// (GBK attributes, EPSG:4549 .prj, clockwise exteriors), the kind of file
// data stewards export. make test installs gdal-bin (scripts/test-deps.sh);
// a missing ogr2ogr is a failure, never a skip.
func TestReadOGR2OGRShapefile(t *testing.T) {
	ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		t.Fatal("ogr2ogr not found: install gdal-bin (scripts/test-deps.sh does)")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "in.geojson")
	doc := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name_zh":"新孟河清水通道维护区","code":"XMH-01"},"geometry":{"type":"Polygon","coordinates":[[[119.8,31.7],[119.9,31.7],[119.9,31.8],[119.8,31.8],[119.8,31.7]],[[119.82,31.72],[119.82,31.74],[119.84,31.74],[119.84,31.72],[119.82,31.72]]]}}]}`
	if err := os.WriteFile(src, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	cmd := exec.Command(ogr, "-f", "ESRI Shapefile", "-t_srs", "EPSG:4549", "-lco", "ENCODING=CP936", "-nln", "zones", out, src)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, b)
	}
	files := map[string][]byte{}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files["zones/"+e.Name()] = b
	}
	feats, info, err := readZip(t, zipFiles(t, files), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if info.CRS != geo.GK120 || info.Encoding != "GBK" {
		t.Errorf("CRS %s, encoding %s; want EPSG:4549, GBK", info.CRS, info.Encoding)
	}
	if len(feats) != 1 || feats[0].Properties["name_zh"] != "新孟河清水通道维护区" {
		t.Fatalf("features %v", feats)
	}
	p, ok := feats[0].Geometry.(orb.Polygon)
	if !ok || len(p) != 2 {
		t.Fatalf("geometry %#v, want one polygon with one hole", feats[0].Geometry)
	}
	for _, w := range []orb.Point{{119.8, 31.7}, {119.9, 31.8}} {
		found := false
		for _, q := range p[0] {
			found = found || closeTo(q, w, 1e-7)
		}
		if !found {
			t.Errorf("exterior %v lacks %v within 1e-7°", p[0], w)
		}
	}
	if err := geo.CheckGeometry(p); err != nil {
		t.Error(err)
	}
}

// FuzzReadShapefile feeds arbitrary .shp and .dbf bytes (zipped with a
// valid .prj) to the reader: it may refuse them, never panic.
func FuzzReadShapefile(f *testing.F) {
	s := tShapefile{
		shapes: []tShape{polygonShape(lonlatOuterCW, lonlatHoleCCW), {typ: 3, parts: [][][2]float64{{{119.9, 31.7}, {119.91, 31.8}}}}},
		fields: nameFields(),
		rows:   [][]string{{"a", "新孟河", "1.5"}, {"b", "x", ""}},
	}
	files := s.files()
	f.Add(files["t.shp"], files["t.dbf"])
	f.Fuzz(func(t *testing.T, shp, dbf []byte) {
		b := zipFiles(t, map[string][]byte{"t.shp": shp, "t.dbf": dbf, "t.prj": []byte(prj4490)})
		feats, _, err := readZip(t, b, Options{})
		if err == nil {
			for _, ft := range feats {
				if ft.ID == "" || ft.Geometry == nil {
					t.Fatalf("feature without id or geometry: %+v", ft)
				}
			}
		}
	})
}
