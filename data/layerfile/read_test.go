package layerfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhonglou/ecospace/geo"
)

// ---------------------------------------------------------------------
// A minimal Shapefile writer for tests: .shp, .shx and .dbf bytes by hand,
// so the tests need no fixture files and no GDAL.

type tShape struct {
	typ   uint32         // 0 null, 1 point, 3 polyline, 5 polygon
	parts [][][2]float64 // rings or lines; a point is one part of one position
}

type tField struct {
	name   string // raw bytes (already encoded)
	typ    byte
	length int
	dec    int
}

type tShapefile struct {
	stem    string // file stem inside the zip; "t" when empty
	shapes  []tShape
	fields  []tField
	rows    [][]string // raw (already encoded) values per field
	deleted map[int]bool
	prj     *string
	cpg     *string
	ldid    byte
	omit    map[string]bool // extensions to leave out, e.g. ".dbf"
	extra   map[string][]byte
}

func ptr(s string) *string { return &s }

func polygonShape(rings ...[][2]float64) tShape { return tShape{typ: 5, parts: rings} }

func le32(b *bytes.Buffer, v uint32) { binary.Write(b, binary.LittleEndian, v) }
func be32(b *bytes.Buffer, v uint32) { binary.Write(b, binary.BigEndian, v) }
func lef(b *bytes.Buffer, v float64) { binary.Write(b, binary.LittleEndian, v) }

func shpHeader(b *bytes.Buffer, fileLen int, typ uint32, box [4]float64) {
	be32(b, 9994)
	for range 5 {
		be32(b, 0)
	}
	be32(b, uint32(fileLen/2))
	le32(b, 1000)
	le32(b, typ)
	for _, v := range box {
		lef(b, v)
	}
	for range 4 {
		lef(b, 0)
	}
}

func (s tShapefile) files() map[string][]byte {
	var contents [][]byte
	box := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	var fileType uint32
	for _, sh := range s.shapes {
		var c bytes.Buffer
		le32(&c, sh.typ)
		if sh.typ != 0 {
			fileType = sh.typ
		}
		rb := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
		n := 0
		for _, p := range sh.parts {
			for _, q := range p {
				rb = [4]float64{math.Min(rb[0], q[0]), math.Min(rb[1], q[1]), math.Max(rb[2], q[0]), math.Max(rb[3], q[1])}
				n++
			}
		}
		switch sh.typ {
		case 1:
			lef(&c, sh.parts[0][0][0])
			lef(&c, sh.parts[0][0][1])
		case 3, 5:
			for _, v := range rb {
				lef(&c, v)
			}
			le32(&c, uint32(len(sh.parts)))
			le32(&c, uint32(n))
			k := 0
			for _, p := range sh.parts {
				le32(&c, uint32(k))
				k += len(p)
			}
			for _, p := range sh.parts {
				for _, q := range p {
					lef(&c, q[0])
					lef(&c, q[1])
				}
			}
		}
		if sh.typ != 0 {
			box = [4]float64{math.Min(box[0], rb[0]), math.Min(box[1], rb[1]), math.Max(box[2], rb[2]), math.Max(box[3], rb[3])}
		}
		contents = append(contents, c.Bytes())
	}
	shpLen, shxLen := 100, 100+8*len(contents)
	for _, c := range contents {
		shpLen += 8 + len(c)
	}
	var shp, shx bytes.Buffer
	shpHeader(&shp, shpLen, fileType, box)
	shpHeader(&shx, shxLen, fileType, box)
	for i, c := range contents {
		be32(&shx, uint32(shp.Len()/2))
		be32(&shx, uint32(len(c)/2))
		be32(&shp, uint32(i+1))
		be32(&shp, uint32(len(c)/2))
		shp.Write(c)
	}

	var dbf bytes.Buffer
	recLen := 1
	for _, f := range s.fields {
		recLen += f.length
	}
	hdrLen := 32 + 32*len(s.fields) + 1
	dbf.Write([]byte{0x03, 126, 1, 1})
	le32(&dbf, uint32(len(s.rows)))
	binary.Write(&dbf, binary.LittleEndian, uint16(hdrLen))
	binary.Write(&dbf, binary.LittleEndian, uint16(recLen))
	h := make([]byte, 20)
	h[17] = s.ldid // byte 29 of the header
	dbf.Write(h)
	for _, f := range s.fields {
		d := make([]byte, 32)
		copy(d[:11], f.name)
		d[11] = f.typ
		d[16] = byte(f.length)
		d[17] = byte(f.dec)
		dbf.Write(d)
	}
	dbf.WriteByte(0x0D)
	for i, row := range s.rows {
		if s.deleted[i] {
			dbf.WriteByte('*')
		} else {
			dbf.WriteByte(' ')
		}
		for k, f := range s.fields {
			v := []byte(row[k])
			pad := bytes.Repeat([]byte(" "), f.length-len(v))
			if f.typ == 'N' || f.typ == 'F' {
				dbf.Write(pad)
				dbf.Write(v)
			} else {
				dbf.Write(v)
				dbf.Write(pad)
			}
		}
	}
	dbf.WriteByte(0x1A)

	stem := s.stem
	if stem == "" {
		stem = "t"
	}
	out := map[string][]byte{stem + ".shp": shp.Bytes(), stem + ".shx": shx.Bytes(), stem + ".dbf": dbf.Bytes()}
	if s.prj != nil {
		out[stem+".prj"] = []byte(*s.prj)
	}
	if s.cpg != nil {
		out[stem+".cpg"] = []byte(*s.cpg)
	}
	for name := range out {
		if s.omit[filepath.Ext(name)] {
			delete(out, name)
		}
	}
	for name, b := range s.extra {
		out[name] = b
	}
	return out
}

func zipFiles(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (s tShapefile) zip(t *testing.T) []byte { return zipFiles(t, s.files()) }

func gbk(t *testing.T, s string) string {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ---------------------------------------------------------------------
// Reference coordinates: EPSG:4549 values computed by PROJ 9 (GDAL 3.6
// ogr2ogr -t_srs EPSG:4549) for the lon/lat corners below.

var gkRef = []struct{ lon, lat, x, y float64 }{
	{119.8, 31.7, 481040.079359567, 3508604.56604692},
	{119.8, 31.8, 481060.446750892, 3519692.84083394},
	{119.9, 31.8, 490530.22983925, 3519679.77659825},
	{119.9, 31.7, 490520.046195865, 3508591.52459635},
	{119.82, 31.72, 482939.736361156, 3510818.90208667},
	{119.84, 31.72, 484835.323569289, 3510815.94498671},
	{119.84, 31.74, 484838.580495606, 3513033.59079148},
	{119.82, 31.74, 482943.400407528, 3513036.5489258},
}

const (
	prj4549ESRI = `PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
	prj4549OGC  = `PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 120E",
    GEOGCS["China Geodetic Coordinate System 2000",
        DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],
        PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],
        UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],
        AUTHORITY["EPSG","4490"]],
    PROJECTION["Transverse_Mercator"],
    PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",120],PARAMETER["scale_factor",1],
    PARAMETER["false_easting",500000],PARAMETER["false_northing",0],
    UNIT["metre",1,AUTHORITY["EPSG","9001"]],
    AXIS["Northing",NORTH],AXIS["Easting",EAST],
    AUTHORITY["EPSG","4549"]]`
	prj4528       = `PROJCS["CGCS2000_3_Degree_GK_Zone_40",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",40500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
	prj4548       = `PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
	prjBadName    = `PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
	prjCustomName = `PROJCS["Changzhou_2000",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
	prjXian80     = `PROJCS["Xian_1980_3_Degree_GK_CM_120E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`
	prj4490       = `GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`
	prj4326       = `GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`
	prjBeijing54  = `GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`
	prjMercator   = `PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]`
)

// Lon/lat rings: a 0.1° square (clockwise, as Shapefiles want exteriors)
// and a hole in it (counter-clockwise).
var (
	lonlatOuterCW = [][2]float64{{119.8, 31.7}, {119.8, 31.8}, {119.9, 31.8}, {119.9, 31.7}, {119.8, 31.7}}
	lonlatHoleCCW = [][2]float64{{119.82, 31.72}, {119.84, 31.72}, {119.84, 31.74}, {119.82, 31.74}, {119.82, 31.72}}
)

// gkRing returns the reference corners i… in EPSG:4549 metres plus dx.
func gkRing(dx float64, idx ...int) [][2]float64 {
	var r [][2]float64
	for _, i := range idx {
		r = append(r, [2]float64{gkRef[i].x + dx, gkRef[i].y})
	}
	return r
}

func nameFields() []tField {
	return []tField{{name: "id", typ: 'C', length: 10}, {name: "name_zh", typ: 'C', length: 80}, {name: "area_km2", typ: 'N', length: 12, dec: 3}}
}

func readZip(t *testing.T, b []byte, opts Options) ([]geo.Feature, Info, error) {
	t.Helper()
	return Read("layer.zip", bytes.NewReader(b), int64(len(b)), opts)
}

func closeTo(a, b orb.Point, tol float64) bool {
	return math.Abs(a[0]-b[0]) <= tol && math.Abs(a[1]-b[1]) <= tol
}

// ---------------------------------------------------------------------

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
		{"bad number", z(func(s *tShapefile) { s.rows[1][2] = "abc" }), Options{}, []string{"record 2", "area_km2", `"abc" is not a number`}, nil},
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

func TestReadUnknownFormat(t *testing.T) {
	_, _, err := Read("zones.kml", strings.NewReader("<kml/>"), 6, Options{})
	if err == nil || !strings.Contains(err.Error(), "unrecognised format") {
		t.Fatalf("err = %v", err)
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
