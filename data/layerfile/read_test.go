package layerfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
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

func TestReadUnknownFormat(t *testing.T) {
	_, _, err := Read("zones.kml", strings.NewReader("<kml/>"), 6, Options{})
	if err == nil || !strings.Contains(err.Error(), "unrecognised format") {
		t.Fatalf("err = %v", err)
	}
}
