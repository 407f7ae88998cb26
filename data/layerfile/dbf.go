package layerfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// dBase (.dbf) attribute tables, with their text encodings (code page
// 936 / GBK, GB18030, UTF-8, …).
//
// The attribute table is read here rather than with go-shapefile's DBF
// reader: that one decodes only through HTML charset labels (no "936" or
// "CP936"), leaves field names undecoded (Chinese field names are common),
// does not say which record is bad, and cannot detect the encoding from the
// bytes.

type dbfField struct {
	name   []byte
	typ    byte
	length int
	dec    int
	offset int // within a record, after the deletion flag
}

type dbfTable struct {
	ldid    byte
	fields  []dbfField
	records [][]byte // raw records, deletion flag first
}

func parseDBF(b []byte) (*dbfTable, error) {
	if len(b) < 33 {
		return nil, errors.New("not a dBase file: too short")
	}
	n := int(binary.LittleEndian.Uint32(b[4:8]))
	hdrLen := int(binary.LittleEndian.Uint16(b[8:10]))
	recLen := int(binary.LittleEndian.Uint16(b[10:12]))
	t := &dbfTable{ldid: b[29]}
	if hdrLen < 33 || hdrLen > len(b) || recLen < 1 {
		return nil, fmt.Errorf("not a dBase file: header length %d, record length %d", hdrLen, recLen)
	}
	off := 1
	for p := 32; p+32 <= hdrLen && b[p] != 0x0D; p += 32 {
		d := b[p : p+32]
		name := d[:11]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		f := dbfField{name: bytes.TrimSpace(name), typ: d[11], length: int(d[16]), dec: int(d[17]), offset: off}
		off += f.length
		t.fields = append(t.fields, f)
	}
	if off != recLen {
		return nil, fmt.Errorf("the field lengths add up to %d bytes but records are %d", off, recLen)
	}
	if need := hdrLen + n*recLen; need > len(b) {
		return nil, fmt.Errorf("truncated: the header announces %d records (%d bytes) but the file has %d bytes", n, need, len(b))
	}
	t.records = make([][]byte, n)
	for i := range n {
		t.records[i] = b[hdrLen+i*recLen : hdrLen+(i+1)*recLen]
	}
	return t, nil
}

func (t *dbfTable) deleted(i int) bool { return t.records[i][0] == '*' }

// textBytes calls fn with every field name and character value.
func (t *dbfTable) textBytes(fn func([]byte) bool) {
	for _, f := range t.fields {
		if !fn(f.name) {
			return
		}
	}
	for _, r := range t.records {
		for _, f := range t.fields {
			if f.typ == 'C' && !fn(r[f.offset:f.offset+f.length]) {
				return
			}
		}
	}
}

// encodings maps normalised encoding names (a .cpg's content, --encoding)
// to a display name and a decoder; nil decoder means UTF-8.
var encodings = map[string]struct {
	name string
	enc  encoding.Encoding
}{
	"UTF8": {"UTF-8", nil}, "65001": {"UTF-8", nil}, "ASCII": {"UTF-8", nil}, "USASCII": {"UTF-8", nil},
	"GBK": {"GBK", simplifiedchinese.GB18030}, "GB2312": {"GB2312", simplifiedchinese.GB18030},
	"936": {"GBK", simplifiedchinese.GB18030}, "CP936": {"GBK", simplifiedchinese.GB18030},
	"ANSI936": {"GBK", simplifiedchinese.GB18030}, "WINDOWS936": {"GBK", simplifiedchinese.GB18030},
	"GB18030": {"GB18030", simplifiedchinese.GB18030}, "54936": {"GB18030", simplifiedchinese.GB18030},
	"EUCCN":  {"GB2312", simplifiedchinese.GB18030},
	"LATIN1": {"ISO-8859-1", charmap.ISO8859_1}, "ISO88591": {"ISO-8859-1", charmap.ISO8859_1}, "88591": {"ISO-8859-1", charmap.ISO8859_1},
	"1252": {"Windows-1252", charmap.Windows1252}, "CP1252": {"Windows-1252", charmap.Windows1252}, "WINDOWS1252": {"Windows-1252", charmap.Windows1252},
}

func normEncoding(s string) string {
	s = strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(s, "\uFEFF")))
	return strings.NewReplacer("-", "", "_", "", " ", "").Replace(s)
}

// textDecoder decodes attribute text; utf8 means check, not convert.
type textDecoder struct {
	name string
	enc  encoding.Encoding // nil: UTF-8
}

func (d textDecoder) decode(b []byte) (string, error) {
	if d.enc == nil {
		if !utf8.Valid(b) {
			return "", fmt.Errorf("not valid UTF-8 although the encoding is %s; if the .cpg is wrong, name the encoding explicitly (ecospace import --encoding GBK)", d.name)
		}
		return string(b), nil
	}
	return d.enc.NewDecoder().String(string(b))
}

func chooseEncoding(t *dbfTable, override string, cpg []byte, parts *shpParts, info *Info) (textDecoder, error) {
	pick := func(name, source string) (textDecoder, error) {
		e, ok := encodings[normEncoding(name)]
		if !ok {
			return textDecoder{}, fmt.Errorf("%s names encoding %q, which ecospace does not know; known: UTF-8, GBK, GB2312, GB18030, 936, CP936, ISO-8859-1, 1252", source, strings.TrimSpace(name))
		}
		info.Encoding, info.EncodingSource = e.name, source
		return textDecoder{name: e.name, enc: e.enc}, nil
	}
	if override != "" {
		return pick(override, "given explicitly")
	}
	if cpg != nil {
		switch n := normEncoding(string(cpg)); n {
		case "", "SYSTEM":
			info.warnf("%s says %q, which names no encoding; detecting it", parts.cpg.name, strings.TrimSpace(string(cpg)))
		default:
			return pick(string(cpg), parts.cpg.name)
		}
	}
	// dBase language driver ids 0x4D and 0x7A are code page 936 (GBK).
	if t.ldid == 0x4D || t.ldid == 0x7A {
		return pick("936", fmt.Sprintf("dBase language driver id 0x%02X (code page 936)", t.ldid))
	}
	valid := true
	t.textBytes(func(b []byte) bool {
		valid = utf8.Valid(b)
		return valid
	})
	if valid {
		info.Encoding, info.EncodingSource = "UTF-8", "detected: no .cpg, and all text is valid UTF-8"
		return textDecoder{name: "UTF-8"}, nil
	}
	info.Encoding, info.EncodingSource = "GB18030", "detected: no .cpg, and the text is not UTF-8, so read as GB18030 (GBK)"
	return textDecoder{name: "GB18030", enc: simplifiedchinese.GB18030}, nil
}

func (t *dbfTable) fieldNames(dec textDecoder, info *Info) ([]string, error) {
	names := make([]string, len(t.fields))
	seen := map[string]bool{}
	for i, f := range t.fields {
		n, err := dec.decode(f.name)
		if err != nil {
			return nil, fmt.Errorf("field %d name: %w", i+1, err)
		}
		if n == "" {
			n = fmt.Sprintf("field_%d", i+1)
		}
		if seen[n] {
			orig := n
			for k := 2; seen[n]; k++ {
				n = fmt.Sprintf("%s_%d", orig, k)
			}
			info.warnf("field name %q repeats; the later one is called %q", orig, n)
		}
		seen[n] = true
		names[i] = n
		switch f.typ {
		case 'C', 'N', 'F', 'D', 'L':
		default:
			info.warnf("field %q has dBase type %q, which is not read; its values are left out", n, string(f.typ))
		}
	}
	return names, nil
}

// idField is the index of the field called "id" (exactly, else in any
// case), or -1.
func (t *dbfTable) idField(names []string) int {
	k := -1
	for i, n := range names {
		if n == "id" {
			return i
		}
		if k < 0 && strings.EqualFold(n, "id") {
			k = i
		}
	}
	return k
}

// record decodes one record's attributes.
func (t *dbfTable) record(i int, names []string, dec textDecoder) (map[string]any, error) {
	r := t.records[i]
	props := make(map[string]any, len(t.fields))
	for k, f := range t.fields {
		raw := r[f.offset : f.offset+f.length]
		var v any
		switch f.typ {
		case 'C':
			s, err := dec.decode(bytes.TrimRight(raw, " \x00"))
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", names[k], err)
			}
			v = s
		case 'N', 'F':
			s := strings.TrimSpace(strings.Trim(string(raw), "\x00"))
			if s == "" || strings.Trim(s, "*") == "" {
				break // null, or an overflow marker
			}
			if f.dec == 0 {
				if n, err := strconv.ParseInt(s, 10, 64); err == nil {
					v = n
					break
				}
			}
			x, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("field %s: %q is not a finite number", names[k], s)
			}
			v = x
		case 'D':
			s := strings.TrimSpace(strings.Trim(string(raw), "\x00"))
			switch {
			case s == "" || s == "00000000":
			case len(s) == 8 && strings.Trim(s, "0123456789") == "":
				v = s[:4] + "-" + s[4:6] + "-" + s[6:]
			default:
				v = s
			}
		case 'L':
			switch strings.TrimSpace(string(raw)) {
			case "T", "t", "Y", "y":
				v = true
			case "F", "f", "N", "n":
				v = false
			}
		default:
			continue
		}
		props[names[k]] = v
	}
	return props, nil
}
