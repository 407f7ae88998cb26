package layerfile

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhonglou/ecospace/geo"
)

// The surveyor's file: the 用地报盘 boundary-point exchange TXT (also
// called 国土TXT, 勘测定界界址点坐标文件), in which land departments and
// permit systems pass parcels. As read in
//   - 建设项目用地红线坐标文件内容要求 (https://m.wenku365.com/p-6705749.html):
//     the two sections, the header line 界址点数,地块面积,地块编号,地块名称,
//     记录图形属性(面),图幅号,地块用途,,@ then 点号,地块圈号,X坐标,Y坐标;
//     地块面积 in 公顷; "@" kept; 点号 J1, J2, …, J1 (the ring closed);
//   - 国土TXT格式 (https://www.cnblogs.com/znlgis/p/19274558): the
//     [属性描述] keys (格式版本号, 数据产生单位, 数据产生日期, 坐标系,
//     几度分带, 投影类型, 计量单位, 带号, 精度, 转换参数), the header's
//     fields (…, 地类编码, and more after it in some provinces), 圈号 1 the
//     outer ring and 2… the inner rings, the easting carrying the 带号;
//   - 基于ArcGIS的通用界址点导入导出工具 (https://www.cnblogs.com/loveyl/p/19088909):
//     a CGCS2000 example with several 地块 in one file, and that writers
//     differ on the 带号 prefix ("添加大数 / 移除大数").
// X is the northing and Y the easting (surveying axes), Y with the zone
// number prefixed or not. What ecospace reads is CGCS2000 3° zone 40
// (central meridian 120°E): EPSG:4528 with the prefix, EPSG:4549 without.

// TXTErrorKind says what kind of fault a TXTError is.
type TXTErrorKind int

const (
	// TXTSyntax: the file is not a 用地报盘 TXT as written (a malformed
	// line, a missing section, a count that does not add up).
	TXTSyntax TXTErrorKind = iota
	// TXTCRS: the file is in a coordinate system ecospace does not read
	// (another datum, zone, band width or unit).
	TXTCRS
	// TXTGeometry: a 地块's rings are not a valid site.
	TXTGeometry
	// TXTEncoding: the bytes are not text in the charset given or found.
	TXTEncoding
	// TXTTooManyPoints: a 地块 has more 界址点 than a site may have.
	TXTTooManyPoints
	// TXTTooComplex: a 地块's rings are too complex to check in bounded
	// time (geo.TooComplexError).
	TXTTooComplex
	// TXTTooManyParcels: the file holds more 地块 than
	// TXTOptions.MaxParcels; Line is the header of the first one past it.
	TXTTooManyParcels
)

// TXTError is a refused 用地报盘 file: what is wrong (Detail) and where
// (Line, 1-based; 0 for the file as a whole).
type TXTError struct {
	Kind   TXTErrorKind
	Line   int
	Detail string
}

func (e *TXTError) Error() string {
	if e.Line == 0 {
		return "用地报盘 TXT: " + e.Detail
	}
	return fmt.Sprintf("用地报盘 TXT line %d: %s", e.Line, e.Detail)
}

// Unwrap makes every TXTError an input error.
func (e *TXTError) Unwrap() error { return geo.ErrInput }

func txtErr(kind TXTErrorKind, line int, format string, args ...any) *TXTError {
	return &TXTError{Kind: kind, Line: line, Detail: fmt.Sprintf(format, args...)}
}

// TXTAttribute is one key=value line of [属性描述].
type TXTAttribute struct {
	Key, Value string
	Line       int
}

// TXTParcel is one 地块 of the file.
type TXTParcel struct {
	Index      int     // 1-based, in file order
	Line       int     // the line of its header
	Number     string  // 地块编号
	Name       string  // 地块名称
	Shape      string  // 记录图形属性 (面)
	Sheet      string  // 图幅号
	Use        string  // 地块用途
	LandCode   string  // 地类编码
	DeclaredHa float64 // 地块面积 as written (公顷); NaN when left blank
	Points     int     // 界址点 lines
	Rings      int
	// Reference is what the parcel is called in answers: 地块编号, else
	// 地块名称, else its index.
	Reference string
	// Geometry is the 地块 as written, in EPSG:4549 metres (x easting, y
	// northing; the zone number removed), RFC 7946 ring orientation.
	Geometry orb.Geometry
	// RingPoints are the 界址点 of Geometry as the file writes them (点号,
	// X, Y): one slice a ring in Geometry's ring order (polygon by
	// polygon, the outer ring then its holes), each in Geometry's vertex
	// order, the closing point left out. Assembling reorders and reverses
	// rings, so this is not the file's order. nil when Err is set or with
	// TXTOptions.DropSites.
	RingPoints [][]TXTPoint
	// Site is the 地块 as a checked site (lon/lat and EPSG:4549); nil
	// when Err is set.
	Site *geo.Site
	// Err is why the 地块's rings are no site (TXTGeometry,
	// TXTTooManyPoints or TXTTooComplex), when TXTOptions.KeepInvalid
	// kept it; nil otherwise.
	Err *TXTError
}

// TXTFile is a read 用地报盘 file.
type TXTFile struct {
	Attributes     []TXTAttribute
	Encoding       string // "UTF-8" or "GB18030"
	EncodingSource string
	// ZonePrefix: the eastings carried the zone number 40 (EPSG:4528),
	// removed on reading.
	ZonePrefix bool
	Parcels    []TXTParcel
	Warnings   []string
}

// Attribute is the value of a [属性描述] key ("" when absent).
func (f *TXTFile) Attribute(key string) string {
	for _, a := range f.Attributes {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

// TXTOptions control ReadTXT.
type TXTOptions struct {
	// Charset of the bytes (a Content-Type charset parameter): UTF-8,
	// GBK, GB2312, GB18030, … Empty: UTF-8 (with or without a BOM) when
	// the bytes are valid UTF-8, else GB18030 (a superset of the GBK
	// surveying software writes).
	Charset string
	// MaxVertices bounds the 界址点 of one 地块 (0: geo.MaxVertices).
	MaxVertices int
	// MaxParcels bounds the 地块 read (0: no bound): the header of one
	// more is a TXTTooManyParcels error, and nothing past it is read, so
	// that a file refused for its size does not have every 地块 built
	// first.
	MaxParcels int
	// DropSites: the caller builds each 地块's site again from its
	// Geometry (a batch checks it as the JSON request it would be), so
	// TXTParcel.Site is checked but not kept: a file's sites would double
	// its 地块's memory while the batch runs.
	DropSites bool
	// KeepInvalid keeps a 地块 whose rings are no valid site (with Err
	// set) instead of refusing the file: a batch or a sweep answers it
	// with its own problem and goes on. Faults in the file's form or
	// coordinate system refuse the file whatever this says.
	KeepInvalid bool
}

// MaybeTXT reports whether src looks like a 用地报盘 file: its first
// non-blank line is a section header of one ([属性描述] or [地块坐标]),
// in UTF-8 or GBK.
func MaybeTXT(src []byte) bool {
	src = bytes.TrimPrefix(src, utf8BOM)
	src = bytes.TrimLeft(src, " \t\r\n")
	for _, h := range []string{"[属性描述]", "[地块坐标]"} {
		if bytes.HasPrefix(src, []byte(h)) {
			return true
		}
		if g, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(h)); err == nil && bytes.HasPrefix(src, g) {
			return true
		}
	}
	return false
}

// ReadTXT reads a 用地报盘 file: every 地块 becomes a checked site. The
// first fault is returned as a *TXTError naming its line.
func ReadTXT(src []byte, opts TXTOptions) (*TXTFile, error) {
	f := &TXTFile{}
	text, err := decodeTXT(src, opts.Charset, f)
	if err != nil {
		return nil, err
	}
	maxV := opts.MaxVertices
	if maxV <= 0 {
		maxV = geo.MaxVertices
	}
	p := txtParser{f: f, maxVertices: maxV, maxParcels: opts.MaxParcels, dropSites: opts.DropSites, keepInvalid: opts.KeepInvalid}
	if err := p.parse(text); err != nil {
		return nil, err
	}
	return f, nil
}

// decodeTXT turns the bytes into text: by the charset given, else UTF-8
// when they are valid UTF-8, else GB18030.
func decodeTXT(src []byte, charset string, f *TXTFile) (string, error) {
	bom := bytes.HasPrefix(src, utf8BOM)
	if charset != "" {
		e, ok := encodings[normEncoding(charset)]
		if !ok {
			return "", txtErr(TXTEncoding, 0, "charset %q is not one ecospace reads; send UTF-8, GBK, GB2312 or GB18030", charset)
		}
		f.Encoding, f.EncodingSource = e.name, "charset "+strings.TrimSpace(charset)
		if e.enc == nil {
			if !utf8.Valid(src) {
				return "", txtErr(TXTEncoding, lineOfByte(src, invalidUTF8At(src)), "the text is declared UTF-8 but is not valid UTF-8 (byte %d); a file from surveying software is usually GBK: declare charset=GBK", invalidUTF8At(src))
			}
			return string(bytes.TrimPrefix(src, utf8BOM)), nil
		}
		if bom {
			return "", txtErr(TXTEncoding, 1, "the text starts with a UTF-8 byte order mark but is declared charset %s", charset)
		}
		return gb18030(src, e.name, f)
	}
	if utf8.Valid(src) {
		f.Encoding, f.EncodingSource = "UTF-8", "detected: valid UTF-8"
		if bom {
			f.EncodingSource = "detected: UTF-8 byte order mark"
		}
		return string(bytes.TrimPrefix(src, utf8BOM)), nil
	}
	return gb18030(src, "GB18030", f)
}

func gb18030(src []byte, name string, f *TXTFile) (string, error) {
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(src)
	if err != nil {
		return "", txtErr(TXTEncoding, 0, "the text is neither UTF-8 nor GB18030/GBK: %v", err)
	}
	if f.Encoding == "" {
		f.Encoding, f.EncodingSource = name, "detected: not valid UTF-8, read as GB18030 (GBK)"
	}
	return string(out), nil
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func lineOfByte(b []byte, off int) int {
	return 1 + bytes.Count(b[:min(off, len(b))], []byte("\n"))
}

// txtParser reads the text line by line.
type txtParser struct {
	f           *TXTFile
	maxVertices int
	maxParcels  int
	dropSites   bool
	keepInvalid bool
	cur         *txtBlock // the 地块 being read
	zone        zoneRule
}

// txtBlock is a 地块 as read, before its rings are assembled.
type txtBlock struct {
	parcel   TXTParcel
	declared int // 界址点数
	rings    []*txtRing
	tooMany  int // the line of the first 界址点 past the limit; 0: none
}

// txtRing is one 圈 of a 地块: its positions in EPSG:4549 metres
// (x easting, y northing) and the line of each.
type txtRing struct {
	no    int
	pts   orb.Ring
	lines []int
	names []string // 点号
}

func (p *txtParser) parse(text string) error {
	section := ""
	sawAttrs, sawCoords := false, false
	// Line by line without splitting the text first: a batch's file may
	// have millions of lines.
	n := 0
	for rest, more := text, true; more; {
		var raw string
		raw, rest, more = strings.Cut(rest, "\n")
		n++
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			name := strings.TrimSpace(line[1 : len(line)-1])
			switch name {
			case "属性描述":
				if sawAttrs {
					return txtErr(TXTSyntax, n, "[属性描述] appears a second time")
				}
				if sawCoords {
					return txtErr(TXTSyntax, n, "[属性描述] comes after [地块坐标]; it must come first")
				}
				sawAttrs = true
			case "地块坐标":
				if sawCoords {
					return txtErr(TXTSyntax, n, "[地块坐标] appears a second time")
				}
				if !sawAttrs {
					return txtErr(TXTSyntax, n, "[地块坐标] comes before any [属性描述]: the file must say its coordinate system first")
				}
				sawCoords = true
				zr, err := p.checkAttributes()
				if err != nil {
					return err
				}
				p.zone = zr
			default:
				// Other sections ([扩展信息], …) carry nothing ecospace uses.
				if sawCoords {
					return txtErr(TXTSyntax, n, "section %q after [地块坐标]; the coordinates must come last", clipTXT(line))
				}
				p.f.Warnings = append(p.f.Warnings, fmt.Sprintf("line %d: section %s ignored", n, clipTXT(line)))
			}
			section = name
			continue
		}
		switch section {
		case "属性描述":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return txtErr(TXTSyntax, n, "%q is not a key=value line of [属性描述]", clipTXT(line))
			}
			k = strings.TrimSpace(k)
			for _, a := range p.f.Attributes {
				if a.Key == k {
					return txtErr(TXTSyntax, n, "%s is given twice in [属性描述] (lines %d and %d)", k, a.Line, n)
				}
			}
			p.f.Attributes = append(p.f.Attributes, TXTAttribute{Key: k, Value: strings.TrimSpace(v), Line: n})
		case "地块坐标":
			if err := p.coordLine(line, n); err != nil {
				return err
			}
		case "":
			return txtErr(TXTSyntax, n, "%q comes before any section; a 用地报盘 file starts with [属性描述]", clipTXT(line))
		}
	}
	if !sawAttrs {
		return txtErr(TXTSyntax, 0, "no [属性描述] section: this is not a 用地报盘 TXT")
	}
	if !sawCoords {
		return txtErr(TXTSyntax, 0, "no [地块坐标] section: the file holds no 地块")
	}
	if err := p.finish(n); err != nil {
		return err
	}
	if len(p.f.Parcels) == 0 {
		return txtErr(TXTSyntax, 0, "[地块坐标] holds no 地块")
	}
	return nil
}

// coordLine reads a line of [地块坐标]: a 地块 header (ending in @) or a
// 界址点 (点号,圈号,X,Y).
func (p *txtParser) coordLine(line string, n int) error {
	if strings.HasSuffix(line, "@") {
		if err := p.finish(n - 1); err != nil {
			return err
		}
		return p.header(line, n)
	}
	if p.cur == nil {
		return txtErr(TXTSyntax, n, "%q comes before the first 地块 header (界址点数,地块面积,地块编号,地块名称,…,@)", clipTXT(line))
	}
	fields := splitTXT(line)
	if len(fields) != 4 {
		return txtErr(TXTSyntax, n, "a 界址点 line is 点号,圈号,X,Y (4 fields), not %d: %q", len(fields), clipTXT(line))
	}
	ringNo, err := strconv.Atoi(fields[1])
	if err != nil || ringNo < 1 {
		return txtErr(TXTSyntax, n, "圈号 %q is not a ring number (1 the outer ring, 2… the others)", clipTXT(fields[1]))
	}
	x, errX := parseTXTNumber(fields[2])
	y, errY := parseTXTNumber(fields[3])
	if errX != nil {
		return txtErr(TXTSyntax, n, "X %q is not a number", clipTXT(fields[2]))
	}
	if errY != nil {
		return txtErr(TXTSyntax, n, "Y %q is not a number", clipTXT(fields[3]))
	}
	e, err := p.easting(x, y, n)
	if err != nil {
		return err
	}
	b := p.cur
	b.parcel.Points++
	if b.parcel.Points > p.maxVertices {
		if b.tooMany == 0 {
			b.tooMany = n
		}
		return nil // counted, not kept: finish reports it
	}
	var r *txtRing
	if k := len(b.rings); k > 0 && b.rings[k-1].no == ringNo {
		r = b.rings[k-1]
	} else {
		for _, old := range b.rings {
			if old.no == ringNo {
				return txtErr(TXTSyntax, n, "ring 圈号 %d of 地块 %s starts again after other rings (it began at line %d); a ring's points are consecutive", ringNo, b.parcel.Reference, old.lines[0])
			}
		}
		if len(b.rings) == 0 && ringNo != 1 {
			return txtErr(TXTSyntax, n, "the first ring of 地块 %s is 圈号 %d; the outer ring is 圈号 1", b.parcel.Reference, ringNo)
		}
		r = &txtRing{no: ringNo}
		b.rings = append(b.rings, r)
	}
	r.pts = append(r.pts, orb.Point{e, x})
	r.lines = append(r.lines, n)
	r.names = append(r.names, fields[0])
	return nil
}

// header reads a 地块 header: 界址点数,地块面积,地块编号,地块名称,
// 记录图形属性,图幅号,地块用途,地类编码,…,@.
func (p *txtParser) header(line string, n int) error {
	fields := splitTXT(strings.TrimSuffix(line, "@"))
	if len(fields) > 0 && fields[len(fields)-1] == "" {
		fields = fields[:len(fields)-1] // the comma before @
	}
	if len(fields) < 3 {
		return txtErr(TXTSyntax, n, "a 地块 header is 界址点数,地块面积,地块编号,地块名称,记录图形属性,图幅号,地块用途,地类编码,@; %q has %d fields", clipTXT(line), len(fields))
	}
	count, err := strconv.Atoi(fields[0])
	if err != nil || count < 1 {
		return txtErr(TXTSyntax, n, "界址点数 %q is not a positive whole number", clipTXT(fields[0]))
	}
	idx := len(p.f.Parcels) + 1
	if p.maxParcels > 0 && idx > p.maxParcels {
		return txtErr(TXTTooManyParcels, n, "the file holds more than %d 地块; at most %d are read at once: split it", p.maxParcels, p.maxParcels)
	}
	par := TXTParcel{Index: idx, Line: n, DeclaredHa: math.NaN()}
	if fields[1] != "" {
		ha, err := parseTXTNumber(fields[1])
		if err != nil || ha < 0 {
			return txtErr(TXTSyntax, n, "地块面积 %q is not an area in 公顷", clipTXT(fields[1]))
		}
		par.DeclaredHa = ha
	}
	get := func(i int) string {
		if i < len(fields) {
			return fields[i]
		}
		return ""
	}
	par.Number, par.Name, par.Shape, par.Sheet, par.Use, par.LandCode = get(2), get(3), get(4), get(5), get(6), get(7)
	if par.Shape != "" && par.Shape != "面" {
		return txtErr(TXTCRS, n, "记录图形属性 is %q; ecospace reads 地块 recorded as 面 (polygons)", clipTXT(par.Shape))
	}
	switch {
	case par.Number != "":
		par.Reference = par.Number
	case par.Name != "":
		par.Reference = par.Name
	default:
		par.Reference = strconv.Itoa(idx)
	}
	p.cur = &txtBlock{parcel: par, declared: count}
	return nil
}

// finish closes the 地块 being read (its last line is last): the point
// count must match, every ring be closed, and the rings a valid site.
func (p *txtParser) finish(last int) error {
	b := p.cur
	if b == nil {
		return nil
	}
	p.cur = nil
	par := b.parcel
	if par.Points == 0 {
		return txtErr(TXTSyntax, par.Line, "地块 %s has no 界址点 lines", par.Reference)
	}
	if par.Points != b.declared {
		return txtErr(TXTSyntax, par.Line, "地块 %s says 界址点数 %d but %d 界址点 lines follow (lines %d–%d): is the file cut short?",
			par.Reference, b.declared, par.Points, par.Line+1, last)
	}
	par.Rings = len(b.rings)
	var g orb.Geometry
	var site *geo.Site
	var err *TXTError
	if b.tooMany > 0 {
		err = txtErr(TXTTooManyPoints, b.tooMany, "地块 %s has %d 界址点; a site may have at most %d", par.Reference, par.Points, p.maxVertices)
	} else {
		g, site, err = b.site()
	}
	if err != nil {
		if !p.keepInvalid || err.Kind == TXTSyntax || err.Kind == TXTCRS || err.Kind == TXTEncoding {
			return err
		}
		par.Err = err
	}
	par.Geometry, par.Site = g, site
	if p.dropSites {
		par.Site = nil
	} else if g != nil {
		par.RingPoints = b.ringPoints(g)
	}
	p.f.Parcels = append(p.f.Parcels, par)
	return nil
}

// splitTXT splits a line at commas (ASCII or full-width, which hand
// edits leave), trimming each field.
func splitTXT(line string) []string {
	out := strings.Split(strings.ReplaceAll(line, "，", ","), ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// parseTXTNumber reads a decimal number; NaN and infinities are refused.
func parseTXTNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a finite number")
	}
	return v, nil
}

func clipTXT(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
