package layerfile

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The fixtures are written as surveying software writes them: GBK bytes,
// CRLF, the 带号 prefix on every easting, a hole ring, two 地块.
func TestReadTXTFixtures(t *testing.T) {
	type parcel struct {
		ref, name string
		rings     int
		areaM2    float64
		polys     int // 1 Polygon; >1 MultiPolygon parts
	}
	cases := []struct {
		file, charset string
		encoding      string
		prefix        bool
		parcels       []parcel
	}{
		{"zhonglou-gbk-crlf.txt", "", "GB18030", true, []parcel{
			{"ZL-2026-001", "钟楼示意地块一", 2, 150*200 - 50*50, 1},
			{"ZL-2026-002", "新孟河边示意地块", 1, 100 * 100, 1},
		}},
		{"zhonglou-gbk-crlf.txt", "GBK", "GBK", true, []parcel{
			{"ZL-2026-001", "钟楼示意地块一", 2, 27500, 1},
			{"ZL-2026-002", "新孟河边示意地块", 1, 10000, 1},
		}},
		// No 地块编号: the reference falls back to the name; no prefix.
		{"single-utf8-bom.txt", "", "UTF-8", false, []parcel{{"钟楼示意地块一", "钟楼示意地块一", 1, 30000, 1}}},
		{"single-utf8-bom.txt", "utf-8", "UTF-8", false, []parcel{{"钟楼示意地块一", "钟楼示意地块一", 1, 30000, 1}}},
	}
	for _, c := range cases {
		t.Run(c.file+"/"+c.charset, func(t *testing.T) {
			f, err := ReadTXT(readFixture(t, c.file), TXTOptions{Charset: c.charset})
			if err != nil {
				t.Fatal(err)
			}
			if f.Encoding != c.encoding || f.ZonePrefix != c.prefix {
				t.Errorf("encoding %s prefix %v, want %s %v", f.Encoding, f.ZonePrefix, c.encoding, c.prefix)
			}
			if got := f.Attribute("坐标系"); got != "2000国家大地坐标系" {
				t.Errorf("坐标系 %q", got)
			}
			if len(f.Parcels) != len(c.parcels) {
				t.Fatalf("%d parcels, want %d", len(f.Parcels), len(c.parcels))
			}
			for i, want := range c.parcels {
				p := f.Parcels[i]
				if p.Reference != want.ref || p.Name != want.name || p.Rings != want.rings || p.Index != i+1 {
					t.Errorf("parcel %d: %+v, want %+v", i, p, want)
				}
				if math.Abs(p.Site.Measure-want.areaM2) > 0.01 {
					t.Errorf("parcel %d: area %.3f m², want %.3f", i, p.Site.Measure, want.areaM2)
				}
				poly, ok := p.Site.Projected.(orb.Polygon)
				if !ok || len(poly) != want.rings {
					t.Errorf("parcel %d: geometry %T with %d rings", i, p.Site.Projected, len(poly))
				}
			}
			// The first point of the first 地块 is J1: X 3517550 (northing), Y 490400 (easting).
			first := f.Parcels[0].Site.Projected.(orb.Polygon)[0]
			found := false
			for _, q := range first {
				if math.Abs(q[0]-490400) < 0.01 && math.Abs(q[1]-3517550) < 0.01 {
					found = true
				}
			}
			if !found {
				t.Errorf("J1 (X 3517550, Y 490400) not among %v: axes or prefix wrong", first)
			}
			lon, lat := f.Parcels[0].Site.Geometry.Bound().Center().X(), f.Parcels[0].Site.Geometry.Bound().Center().Y()
			if lon < 119.73 || lon > 119.96 || lat < 31.74 || lat > 31.86 {
				t.Errorf("parcel 1 centre at %f, %f, outside Zhonglou", lon, lat)
			}
		})
	}
}

func TestReadTXTRefused(t *testing.T) {
	head := func(attrs string) string {
		return "[属性描述]\r\n" + attrs + "[地块坐标]\r\n"
	}
	std := "坐标系=2000国家大地坐标系\r\n几度分带=3\r\n投影类型=高斯克吕格\r\n计量单位=米\r\n带号=40\r\n"
	sq := "5,1,A-1,甲,面,,,,@\r\n1,1,3517550,490400\r\n2,1,3517550,490600\r\n3,1,3517400,490600\r\n4,1,3517400,490400\r\n5,1,3517550,490400\r\n"
	cases := []struct {
		name string
		src  []byte
		kind TXTErrorKind
		line int
		want string // in the detail
	}{
		{"wrong datum (GBK fixture)", readFixture(t, "xian80-gbk.txt"), TXTCRS, 5, "1980西安坐标系"},
		{"zone 39 (GBK fixture)", readFixture(t, "zone39-gbk.txt"), TXTCRS, 9, "zone 39"},
		{"malformed line (GBK fixture)", readFixture(t, "malformed-gbk.txt"), TXTSyntax, 16, "4 fields"},
		{"北京54", []byte(head(strings.Replace(std, "2000国家大地坐标系", "1954北京坐标系", 1)) + sq), TXTCRS, 2, "北京"},
		{"6° bands", []byte(head(strings.Replace(std, "几度分带=3", "几度分带=6", 1)) + sq), TXTCRS, 3, "6° bands"},
		{"unit not 米", []byte(head(strings.Replace(std, "计量单位=米", "计量单位=度", 1)) + sq), TXTCRS, 5, "米"},
		{"no 坐标系", []byte(head(strings.Replace(std, "坐标系=2000国家大地坐标系\r\n", "", 1)) + sq), TXTCRS, 0, "坐标系 is not given"},
		{"zone 39 by prefix, no 带号", []byte(head(strings.Replace(std, "带号=40\r\n", "", 1)) + strings.ReplaceAll(sq, ",490", ",39490")), TXTCRS, 8, "zone number 39"},
		{"transformation parameters", []byte(head(std+"转换参数=1,2,3,0,0,0,0\r\n") + sq), TXTCRS, 7, "转换参数"},
		{"axes swapped", []byte(head(std) + "5,1,A-1,甲,面,,,,@\r\n1,1,490400,3517550\r\n"), TXTSyntax, 9, "X (northing) first"},
		{"mixed prefix", []byte(head(std) + strings.Replace(sq, "2,1,3517550,490600", "2,1,3517550,40490600", 1)), TXTSyntax, 10, "same way"},
		{"count mismatch", []byte(head(std) + strings.Replace(sq, "5,1,A-1", "6,1,A-1", 1)), TXTSyntax, 8, "界址点数 6 but 5"},
		{"ring not closed", []byte(head(std) + strings.Replace(sq, "5,1,3517550,490400", "5,1,3517551,490400", 1)), TXTGeometry, 13, "not closed"},
		{"self-intersecting ring", []byte(head(std) + strings.Replace(strings.Replace(sq, "2,1,3517550,490600", "2,1,3517400,490600", 1), "3,1,3517400,490600", "3,1,3517550,490600", 1)), TXTGeometry, 0, "intersects itself"},
		{"bad number", []byte(head(std) + strings.Replace(sq, "3517400,490600", "3517400,49O600", 1)), TXTSyntax, 11, "not a number"},
		{"NaN", []byte(head(std) + strings.Replace(sq, "3517400,490600", "NaN,490600", 1)), TXTSyntax, 11, "not a number"},
		{"no sections", []byte("1,1,3517550,490400\r\n"), TXTSyntax, 1, "before any section"},
		{"coordinates first", []byte("[地块坐标]\r\n" + sq), TXTSyntax, 1, "before any [属性描述]"},
		{"no 地块", []byte(head(std)), TXTSyntax, 0, "holds no 地块"},
		{"point before header", []byte(head(std) + "1,1,3517550,490400\r\n"), TXTSyntax, 8, "before the first 地块 header"},
		{"line shape", []byte(head(std) + strings.Replace(sq, ",面,", ",线,", 1)), TXTCRS, 8, "面"},
		{"declared UTF-8, GBK bytes", nil, TXTEncoding, 0, "declared UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := TXTOptions{}
			src := c.src
			if src == nil {
				src, opts.Charset = readFixture(t, "zhonglou-gbk-crlf.txt"), "UTF-8"
			}
			f, err := ReadTXT(src, opts)
			var te *TXTError
			if !errors.As(err, &te) {
				t.Fatalf("got %v, %v; want a *TXTError", f, err)
			}
			if !errors.Is(err, geo.ErrInput) {
				t.Error("not an input error")
			}
			if te.Kind != c.kind || (c.line != 0 && te.Line != c.line) || !strings.Contains(te.Detail, c.want) {
				t.Errorf("got kind %d line %d %q; want kind %d line %d containing %q", te.Kind, te.Line, te.Detail, c.kind, c.line, c.want)
			}
		})
	}
}

func TestReadTXTSelfIntersectionLine(t *testing.T) {
	// A bow tie: the error names the line of a 界址点 of the ring.
	src := "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=40\n[地块坐标]\n5,,B,乙,面,@\n1,1,3517550,490400\n2,1,3517400,490600\n3,1,3517550,490600\n4,1,3517400,490400\n5,1,3517550,490400\n"
	_, err := ReadTXT([]byte(src), TXTOptions{})
	var te *TXTError
	if !errors.As(err, &te) || te.Kind != TXTGeometry || te.Line < 7 || te.Line > 11 {
		t.Fatalf("got %v; want a geometry error at a 界址点 line (7–11)", err)
	}
}

func TestReadTXTRings(t *testing.T) {
	// 圈号 2 outside 圈号 1: a second part, not a hole. Unnumbered 地块
	// fall back to their index; the header needs no 记录图形属性.
	src := "[属性描述]\n坐标系=CGCS2000\n几度分带=3\n带号=120\n[地块坐标]\n10,,,,@\n" +
		"1,1,3517550,490400\n2,1,3517550,490600\n3,1,3517400,490600\n4,1,3517400,490400\n5,1,3517550,490400\n" +
		"6,2,3517350,490400\n7,2,3517350,490500\n8,2,3517300,490500\n9,2,3517300,490400\n10,2,3517350,490400\n"
	f, err := ReadTXT([]byte(src), TXTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := f.Parcels[0]
	mp, ok := p.Site.Projected.(orb.MultiPolygon)
	if !ok || len(mp) != 2 || p.Reference != "1" || !math.IsNaN(p.DeclaredHa) {
		t.Fatalf("got %T %v ref %q ha %v", p.Site.Projected, p.Site.Projected, p.Reference, p.DeclaredHa)
	}
	if math.Abs(p.Site.Measure-(30000+5000)) > 0.01 {
		t.Errorf("area %.3f, want 35000", p.Site.Measure)
	}
}

func TestMaybeTXT(t *testing.T) {
	for _, c := range []struct {
		src  []byte
		want bool
	}{
		{readFixture(t, "zhonglou-gbk-crlf.txt"), true},
		{readFixture(t, "single-utf8-bom.txt"), true},
		{[]byte(`{"type":"FeatureCollection"}`), false},
		{[]byte("name,lon,lat\n"), false},
	} {
		if got := MaybeTXT(c.src); got != c.want {
			t.Errorf("MaybeTXT(%.20q) = %v", c.src, got)
		}
	}
}

// KeepInvalid keeps a 地块 whose rings are no site, with its error, and
// reads the others; faults of the file's form still refuse it.
func TestReadTXTKeepInvalid(t *testing.T) {
	head := "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=40\n[地块坐标]\n"
	good := "5,,A,甲,面,@\n1,1,3517550,490400\n2,1,3517550,490600\n3,1,3517400,490600\n4,1,3517400,490400\n5,1,3517550,490400\n"
	bowtie := "5,,B,乙,面,@\n1,1,3517550,490400\n2,1,3517400,490600\n3,1,3517550,490600\n4,1,3517400,490400\n5,1,3517550,490400\n"
	f, err := ReadTXT([]byte(head+bowtie+good), TXTOptions{KeepInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Parcels) != 2 || f.Parcels[0].Err == nil || f.Parcels[0].Err.Kind != TXTGeometry || f.Parcels[0].Site != nil ||
		f.Parcels[1].Err != nil || f.Parcels[1].Site == nil || f.Parcels[1].Reference != "A" {
		t.Fatalf("%+v", f.Parcels)
	}
	if _, err := ReadTXT([]byte(head+bowtie+good), TXTOptions{}); err == nil {
		t.Error("without KeepInvalid the bow tie refuses the file")
	}
	// More 界址点 than a site may have: that 地块 alone.
	f, err = ReadTXT([]byte(head+good+strings.Replace(good, ",A,", ",C,", 1)), TXTOptions{KeepInvalid: true, MaxVertices: 4})
	if err != nil {
		t.Fatal(err)
	}
	if e := f.Parcels[0].Err; e == nil || e.Kind != TXTTooManyPoints || e.Line != 11 {
		t.Errorf("%+v", e)
	}
	// A malformed line refuses the file even so.
	var te *TXTError
	if _, err := ReadTXT([]byte(head+"5,,A,甲,面,@\n1,1,3517550\n"), TXTOptions{KeepInvalid: true}); !errors.As(err, &te) || te.Kind != TXTSyntax {
		t.Errorf("got %v", err)
	}
}

// FuzzReadTXT: whatever the bytes, the reader answers a file or a
// *TXTError, and never panics.
func FuzzReadTXT(f *testing.F) {
	for _, name := range []string{"zhonglou-gbk-crlf.txt", "single-utf8-bom.txt", "zone39-gbk.txt", "malformed-gbk.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
	}
	f.Fuzz(func(t *testing.T, src []byte, keep bool) {
		file, err := ReadTXT(src, TXTOptions{KeepInvalid: keep, MaxVertices: 1000})
		if err != nil {
			var te *TXTError
			if !errors.As(err, &te) {
				t.Fatalf("%T %v is not a *TXTError", err, err)
			}
			return
		}
		for _, p := range file.Parcels {
			if (p.Site == nil) == (p.Err == nil) {
				t.Fatalf("地块 %s: site %v, err %v", p.Reference, p.Site, p.Err)
			}
			if p.Err == nil {
				assertPointsFollowGeometry(t, p)
			}
		}
	})
}

// MaxParcels: the header of one 地块 more is the error, and nothing past
// it is read (a malformed line after it is not what refuses the file); at
// the limit the file is read.
func TestReadTXTMaxParcels(t *testing.T) {
	head := "[属性描述]\r\n坐标系=2000国家大地坐标系\r\n几度分带=3\r\n投影类型=高斯克吕格\r\n计量单位=米\r\n带号=40\r\n[地块坐标]\r\n"
	sq := func(ref string) string {
		return "5,1," + ref + ",甲,面,,,,@\r\n1,1,3517550,490400\r\n2,1,3517550,490600\r\n3,1,3517400,490600\r\n4,1,3517400,490400\r\n5,1,3517550,490400\r\n"
	}
	src := []byte(head + sq("A-1") + sq("A-2") + sq("A-3") + "this line is malformed\r\n")
	_, err := ReadTXT(src, TXTOptions{MaxParcels: 2})
	var te *TXTError
	if !errors.As(err, &te) || te.Kind != TXTTooManyParcels || te.Line != 20 || !strings.Contains(te.Detail, "more than 2 地块") {
		t.Fatalf("got %v; want TXTTooManyParcels at line 20 (地块 A-3's header)", err)
	}
	f, err := ReadTXT([]byte(head+sq("A-1")+sq("A-2")), TXTOptions{MaxParcels: 2})
	if err != nil || len(f.Parcels) != 2 || f.Parcels[1].Site == nil {
		t.Fatalf("at the limit: %v, %v", f, err)
	}
	// DropSites: the sites are checked, not kept.
	f, err = ReadTXT([]byte(head+sq("A-1")+sq("A-2")), TXTOptions{DropSites: true})
	if err != nil || len(f.Parcels) != 2 || f.Parcels[0].Site != nil || f.Parcels[0].Geometry == nil {
		t.Fatalf("DropSites: %+v, %v", f, err)
	}
	bad := strings.Replace(sq("A-1"), "5,1,3517550,490400\r\n", "5,1,3517551,490400\r\n", 1)
	if _, err := ReadTXT([]byte(head+bad), TXTOptions{DropSites: true}); !errors.As(err, &te) || te.Kind != TXTGeometry {
		t.Fatalf("DropSites, a ring not closed: %v, want TXTGeometry", err)
	}
}
