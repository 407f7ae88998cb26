// Package layerfile reads layer files: GeoJSON and zipped (or unzipped)
// ESRI Shapefiles, into lon/lat geo.Features ready for data.Store.Import.
//
// What the readers decide, and how:
//
//   - Format: by content (a zip archive, a JSON object), else by name.
//   - CRS: Options.CRS when set; else a Shapefile's .prj (CGCS2000
//     lon/lat = EPSG:4490, WGS 84 = EPSG:4326, CGCS2000 3-degree GK CM 120E =
//     EPSG:4549, and its zone-prefixed twin EPSG:4528, whose eastings carry
//     40 000 000 m more and are shifted back exactly); else a GeoJSON legacy
//     "crs" member; else, for GeoJSON only, RFC 7946 lon/lat. A Shapefile
//     with neither .prj nor Options.CRS is refused (ErrNeedCRS).
//   - Attribute encoding (Shapefile): Options.Encoding; else the .cpg;
//     else the dBase language driver byte when it names code page 936; else
//     UTF-8 when every text value is valid UTF-8, else GB18030 (a superset
//     of the GBK/GB2312 that Chinese GIS software writes).
//   - Feature ids: the "id" member or property (GeoJSON) or field (any case,
//     Shapefile) when every feature has one and no two repeat; else the
//     1-based record number, for every feature of the file.
//   - Polygons (Shapefile): rings are grouped by orientation (clockwise =
//     exterior, as the Shapefile spec says) and each hole goes to the
//     smallest exterior that contains it; when the orientations contradict
//     the nesting, the nesting decides. Output rings follow RFC 7946
//     (exterior counter-clockwise, holes clockwise).
//
// The readers only read. Validity against a layer (data.CheckFeatures)
// and storing (data.Store.Import) are the caller's next steps.
package layerfile

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	geom "github.com/twpayne/go-geom"
	shapefile "github.com/twpayne/go-shapefile"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhonglou/ecospace/geo"
)

// ErrNeedCRS: a file does not say which coordinate system it is in (a
// Shapefile without .prj); the caller must name it (Options.CRS).
var ErrNeedCRS = errors.New("the file does not name its coordinate system")

// Formats reported in Info.Format.
const (
	FormatGeoJSON   = "GeoJSON"
	FormatShapefile = "Shapefile"
)

// Options control Read and ReadShapefileDir.
type Options struct {
	// CRS of the coordinates in the file. When set it wins over the file's
	// own .prj or "crs" member (a disagreement is reported in
	// Info.Warnings). Empty: take it from the file.
	CRS geo.CRS
	// Encoding of Shapefile attribute text (UTF-8, GBK, GB2312, GB18030,
	// 936, CP936, …). When set it wins over the .cpg. Empty: detect.
	Encoding string
}

// Info says how a file was read.
type Info struct {
	Format         string     // FormatGeoJSON or FormatShapefile
	CRS            geo.CRS    // the CRS the file's coordinates were read in
	CRSSource      string     // where CRS came from, for people
	Encoding       string     // attribute text encoding used ("UTF-8", "GBK", "GB18030", …)
	EncodingSource string     // where Encoding came from
	ShapeType      string     // Shapefile shape type, e.g. "Polygon", "PolygonZ"
	Records        int        // records (features) in the file, deleted ones included
	Deleted        int        // dBase records marked deleted, skipped
	IDSource       string     // "field ID", "property id", "record number", …
	BBox           [4]float64 // lon/lat extent of what was read: minLon, minLat, maxLon, maxLat
	Warnings       []string   // things the reader decided that a person should know
}

func (in *Info) warnf(format string, args ...any) {
	in.Warnings = append(in.Warnings, fmt.Sprintf(format, args...))
}

// ReadPath reads a layer file from disk: a GeoJSON file, a zipped
// Shapefile, a .shp beside its .shx/.dbf/.prj/.cpg, or a directory holding
// exactly one Shapefile.
func ReadPath(p string, opts Options) ([]geo.Feature, Info, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, Info{}, fmt.Errorf("read %s: %w", p, err)
	}
	if st.IsDir() || strings.EqualFold(filepath.Ext(p), ".shp") {
		return ReadShapefileDir(p, opts)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, Info{}, fmt.Errorf("read %s: %w", p, err)
	}
	defer f.Close()
	return Read(filepath.Base(p), f, st.Size(), opts)
}

// Read reads a GeoJSON document (a FeatureCollection, a single
// Feature or a bare geometry) or a zipped Shapefile from r and returns its
// features in lon/lat. name is the file's name: it is used in messages and,
// when the content does not tell, to pick the format.
func Read(name string, r io.ReaderAt, size int64, opts Options) ([]geo.Feature, Info, error) {
	feats, info, err := read(name, r, size, opts)
	if err != nil {
		return nil, info, fmt.Errorf("read %s: %w", name, err)
	}
	return feats, info, nil
}

func read(name string, r io.ReaderAt, size int64, opts Options) ([]geo.Feature, Info, error) {
	if opts.CRS != "" {
		c, err := geo.ParseCRS(string(opts.CRS))
		if err != nil {
			return nil, Info{}, err
		}
		opts.CRS = c
	}
	head := make([]byte, 512)
	n, err := r.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, Info{}, err
	}
	head = head[:n]
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n")
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")), ext == ".zip":
		zr, err := zip.NewReader(r, size)
		if err != nil {
			return nil, Info{Format: FormatShapefile}, fmt.Errorf("not a readable zip archive: %w", err)
		}
		parts, err := shapefileInZip(zr)
		if err != nil {
			return nil, Info{Format: FormatShapefile}, err
		}
		return readShapefile(parts, opts)
	case len(head) >= 4 && binary.BigEndian.Uint32(head) == shpFileCode:
		return nil, Info{Format: FormatShapefile}, errors.New("a .shp alone has no attributes (.dbf) or coordinate system (.prj): zip the .shp, .shx, .dbf, .prj and .cpg together, or read the .shp by its path so its sibling files are found")
	case len(trimmed) > 0 && trimmed[0] == '{', ext == ".geojson", ext == ".json":
		if size > maxGeoJSONBytes {
			return nil, Info{Format: FormatGeoJSON}, fmt.Errorf("a GeoJSON file of %d bytes is more than the %d this reader holds in memory; zip it as a Shapefile", size, int64(maxGeoJSONBytes))
		}
		src := make([]byte, size)
		if _, err := r.ReadAt(src, 0); err != nil && !errors.Is(err, io.EOF) {
			return nil, Info{Format: FormatGeoJSON}, err
		}
		return readGeoJSON(src, opts)
	default:
		return nil, Info{}, errors.New("unrecognised format: expected GeoJSON (.geojson, .json) or a zipped Shapefile (.zip holding .shp, .shx, .dbf and .prj)")
	}
}

var utf8BOM = []byte("\xEF\xBB\xBF")

// maxGeoJSONBytes bounds a GeoJSON file, which is read whole.
const maxGeoJSONBytes = 4 << 30

// ---------------------------------------------------------------------
// GeoJSON

func readGeoJSON(src []byte, opts Options) ([]geo.Feature, Info, error) {
	info := Info{Format: FormatGeoJSON, Encoding: "UTF-8", EncodingSource: "RFC 7946"}
	src = bytes.TrimPrefix(src, utf8BOM)
	if !utf8.Valid(src) {
		// RFC 8259 says UTF-8, but Chinese tools do write GBK GeoJSON.
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(src)
		if err != nil {
			return nil, info, fmt.Errorf("the file is neither UTF-8 nor GB18030: %w", err)
		}
		src = dec
		info.Encoding, info.EncodingSource = "GB18030", "detected: the file is not valid UTF-8"
		info.warnf("the GeoJSON is not UTF-8 (RFC 8259); read it as GB18030/GBK")
	}
	var doc struct {
		Type       string            `json:"type"`
		CRS        json.RawMessage   `json:"crs"`
		Features   []json.RawMessage `json:"features"`
		Geometry   json.RawMessage   `json:"geometry"`
		Properties map[string]any    `json:"properties"`
		ID         json.RawMessage   `json:"id"`
	}
	if err := json.Unmarshal(src, &doc); err != nil {
		return nil, info, fmt.Errorf("not valid GeoJSON: %w", err)
	}
	fileCRS, crsDesc, err := geoJSONCRS(doc.CRS)
	if err != nil && opts.CRS == "" {
		return nil, info, err
	}
	switch {
	case opts.CRS != "":
		info.CRS, info.CRSSource = opts.CRS, "given explicitly"
		if err != nil {
			info.warnf("ignored the crs member (%v) because %s was given", err, opts.CRS)
		} else if fileCRS != "" && fileCRS != opts.CRS {
			info.warnf("the GeoJSON crs member says %s but %s was given; using %s", crsDesc, opts.CRS, opts.CRS)
		}
	case fileCRS != "":
		info.CRS, info.CRSSource = fileCRS, "GeoJSON crs member "+crsDesc
	default:
		info.CRS, info.CRSSource = geo.CRS84, "RFC 7946 default: lon/lat"
	}

	type rawFeature struct {
		Type       string          `json:"type"`
		ID         json.RawMessage `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	}
	var raws []rawFeature
	var ptrs []string // JSON pointer of each feature
	switch doc.Type {
	case "FeatureCollection":
		if doc.Features == nil {
			return nil, info, errors.New(`a FeatureCollection without a "features" array`)
		}
		for i, fr := range doc.Features {
			var f rawFeature
			if err := json.Unmarshal(fr, &f); err != nil {
				return nil, info, fmt.Errorf("/features/%d: not a GeoJSON Feature: %w", i, err)
			}
			if f.Type != "Feature" {
				return nil, info, fmt.Errorf("/features/%d/type: %q, want \"Feature\"", i, f.Type)
			}
			raws = append(raws, f)
			ptrs = append(ptrs, fmt.Sprintf("/features/%d", i))
		}
	case "Feature":
		raws = []rawFeature{{Type: "Feature", ID: doc.ID, Geometry: doc.Geometry, Properties: doc.Properties}}
		ptrs = []string{""}
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon":
		raws = []rawFeature{{Type: "Feature", Geometry: src}}
		ptrs = []string{""}
		info.warnf("the file is a bare %s geometry; read it as one feature", doc.Type)
	case "":
		return nil, info, errors.New(`not GeoJSON: the top-level object has no "type"`)
	default:
		return nil, info, fmt.Errorf("GeoJSON type %q: want a FeatureCollection or a Feature", doc.Type)
	}
	info.Records = len(raws)

	var bad badRecords
	feats := make([]geo.Feature, 0, len(raws))
	ids := make([]string, 0, len(raws))
	for i, f := range raws {
		gp := ptrs[i] + "/geometry"
		if ptrs[i] == "" && doc.Type != "Feature" {
			gp = ""
		}
		g, err := geo.DecodeGeometry(f.Geometry, gp, math.MaxInt)
		if err != nil {
			bad.add(fmt.Sprintf("feature %d", i), err)
			continue
		}
		g = toLonLat(g, info.CRS, 0)
		orientRFC7946(g)
		props := map[string]any{}
		for k, v := range f.Properties {
			props[k] = v
		}
		feats = append(feats, geo.Feature{Geometry: g, Properties: props})
		ids = append(ids, geoJSONID(f.ID, f.Properties))
	}
	if err := bad.err("feature"); err != nil {
		return nil, info, err
	}
	info.IDSource = assignIDs(feats, ids, `"id" member or property`, &info)
	info.BBox = bboxOf(feats, &info)
	return feats, info, nil
}

// geoJSONCRS reads the legacy (GeoJSON 2008) "crs" member: a named CRS
// ({"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}}) or
// the older {"type":"EPSG","properties":{"code":4549}}.
func geoJSONCRS(raw json.RawMessage) (geo.CRS, string, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return "", "", nil
	}
	var m struct {
		Type       string `json:"type"`
		Properties struct {
			Name string          `json:"name"`
			Code json.RawMessage `json:"code"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", "", fmt.Errorf("/crs: not a GeoJSON crs member: %w", err)
	}
	var name string
	switch strings.ToLower(m.Type) {
	case "name":
		name = m.Properties.Name
	case "epsg":
		name = "EPSG:" + strings.Trim(string(m.Properties.Code), `" `)
	default:
		return "", "", fmt.Errorf("/crs: crs member of type %q: only named CRSs (\"type\": \"name\") are understood", m.Type)
	}
	if strings.TrimSpace(name) == "" {
		return "", "", errors.New("/crs: the crs member names no CRS")
	}
	c, err := geo.ParseCRS(name)
	if err != nil {
		return "", "", fmt.Errorf("/crs: the file's crs member names %q, which ecospace cannot convert; reproject to EPSG:4326, EPSG:4490 or EPSG:4549 (%w)", name, geo.ErrUnknownCRS)
	}
	return c, fmt.Sprintf("%q", name), nil
}

// geoJSONID is a feature's candidate id: its "id" member, else its "id"
// property; "" when neither is a string or number.
func geoJSONID(raw json.RawMessage, props map[string]any) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 {
		var s string
		if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
			return strings.TrimSpace(s)
		}
		if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
			return string(raw)
		}
	}
	return idString(props["id"])
}

// ---------------------------------------------------------------------
// Shapefile: finding the parts

const shpFileCode = 9994

// shpPart is one file of a Shapefile.
type shpPart struct {
	name string
	size int64
	open func() (io.ReadCloser, error)
}

type shpParts struct {
	shp, shx, dbf, prj, cpg *shpPart
}

var shpExts = []string{".shp", ".shx", ".dbf", ".prj", ".cpg"}

func (p *shpParts) set(ext string, part *shpPart) {
	switch ext {
	case ".shp":
		p.shp = part
	case ".shx":
		p.shx = part
	case ".dbf":
		p.dbf = part
	case ".prj":
		p.prj = part
	case ".cpg":
		p.cpg = part
	}
}

// shapefileInZip finds the one Shapefile in a zip archive: its .shp and the
// sibling files with the same stem (case ignored), in any folder.
func shapefileInZip(zr *zip.Reader) (*shpParts, error) {
	byStem := map[string]map[string]*zip.File{}
	var shps []string
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		n := f.Name
		if strings.Contains("/"+n, "/__MACOSX/") || strings.HasPrefix(path.Base(n), "._") {
			continue
		}
		ext := strings.ToLower(path.Ext(n))
		if !slices.Contains(shpExts, ext) {
			continue
		}
		stem := strings.ToLower(strings.TrimSuffix(n, path.Ext(n)))
		if byStem[stem] == nil {
			byStem[stem] = map[string]*zip.File{}
		}
		byStem[stem][ext] = f
		if ext == ".shp" {
			shps = append(shps, stem)
		}
	}
	switch len(shps) {
	case 0:
		var names []string
		for _, f := range zr.File {
			names = append(names, zipName(f))
		}
		return nil, fmt.Errorf("the zip holds no .shp file (it holds: %s)", strings.Join(names, ", "))
	case 1:
	default:
		var names []string
		for _, s := range shps {
			names = append(names, zipName(byStem[s][".shp"]))
		}
		sort.Strings(names)
		return nil, fmt.Errorf("the zip holds %d Shapefiles (%s); zip one layer per file", len(shps), strings.Join(names, ", "))
	}
	parts := &shpParts{}
	for ext, f := range byStem[shps[0]] {
		parts.set(ext, &shpPart{name: zipName(f), size: int64(f.UncompressedSize64), open: f.Open})
	}
	return parts, nil
}

// zipName is an entry's name for people: names not flagged UTF-8 are
// usually GBK in zips made on Chinese Windows.
func zipName(f *zip.File) string {
	if f.NonUTF8 {
		if s, err := simplifiedchinese.GB18030.NewDecoder().String(f.Name); err == nil {
			return s
		}
	}
	return f.Name
}

// ReadShapefileDir reads an unzipped Shapefile: p is the .shp (its sibling
// .shx, .dbf, .prj and .cpg are found by stem, case ignored) or a directory
// holding exactly one .shp.
func ReadShapefileDir(p string, opts Options) ([]geo.Feature, Info, error) {
	feats, info, err := readShapefileDir(p, opts)
	if err != nil {
		return nil, info, fmt.Errorf("read %s: %w", p, err)
	}
	return feats, info, nil
}

func readShapefileDir(p string, opts Options) ([]geo.Feature, Info, error) {
	info := Info{Format: FormatShapefile}
	if opts.CRS != "" {
		c, err := geo.ParseCRS(string(opts.CRS))
		if err != nil {
			return nil, info, err
		}
		opts.CRS = c
	}
	dir, shpName := filepath.Dir(p), filepath.Base(p)
	if st, err := os.Stat(p); err != nil {
		return nil, info, err
	} else if st.IsDir() {
		dir, shpName = p, ""
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, info, err
	}
	if shpName == "" {
		var shps []string
		for _, e := range ents {
			if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".shp") {
				shps = append(shps, e.Name())
			}
		}
		if len(shps) != 1 {
			return nil, info, fmt.Errorf("the directory holds %d .shp files (%s); name the .shp to read", len(shps), strings.Join(shps, ", "))
		}
		shpName = shps[0]
	}
	stem := strings.ToLower(strings.TrimSuffix(shpName, filepath.Ext(shpName)))
	parts := &shpParts{}
	for _, e := range ents {
		n := e.Name()
		ext := strings.ToLower(filepath.Ext(n))
		if e.IsDir() || !slices.Contains(shpExts, ext) || strings.ToLower(strings.TrimSuffix(n, filepath.Ext(n))) != stem {
			continue
		}
		full := filepath.Join(dir, n)
		fi, err := e.Info()
		if err != nil {
			return nil, info, err
		}
		parts.set(ext, &shpPart{name: n, size: fi.Size(), open: func() (io.ReadCloser, error) { return os.Open(full) }})
	}
	if parts.shp == nil {
		return nil, info, fmt.Errorf("%s: %w", shpName, fs.ErrNotExist)
	}
	return readShapefile(parts, opts)
}

// ---------------------------------------------------------------------
// Shapefile: reading

func readPart(p *shpPart) ([]byte, error) {
	rc, err := p.open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	return b, nil
}

func readShapefile(parts *shpParts, opts Options) (feats []geo.Feature, info Info, err error) {
	info.Format = FormatShapefile
	// go-shapefile indexes slices with numbers taken from the file; a
	// malformed file must come back as an error, not take the process down.
	defer func() {
		if r := recover(); r != nil {
			feats, err = nil, fmt.Errorf("%s: malformed Shapefile (%v)", parts.shp.name, r)
		}
	}()
	if parts.dbf == nil {
		return nil, info, fmt.Errorf("%s has no .dbf beside it: a Shapefile needs its .shp, .shx and .dbf (and a .prj)", parts.shp.name)
	}
	if parts.shx == nil {
		info.warnf("%s has no .shx beside it; read the .shp sequentially", parts.shp.name)
	}

	// Coordinate system.
	var prjCRS geo.CRS
	var dx float64
	var prjDesc string
	var prjErr error
	if parts.prj != nil {
		b, err := readPart(parts.prj)
		if err != nil {
			return nil, info, err
		}
		prjCRS, dx, prjDesc, prjErr = crsFromPRJ(string(b))
		if prjErr != nil {
			prjErr = fmt.Errorf("%s: %w", parts.prj.name, prjErr)
		}
	}
	switch {
	case opts.CRS != "":
		info.CRS, info.CRSSource, dx = opts.CRS, "given explicitly", 0
		if prjErr != nil {
			info.warnf("ignored the .prj (%v) because %s was given", prjErr, opts.CRS)
		} else if prjCRS != "" && prjCRS != opts.CRS {
			info.warnf("the .prj says %s but %s was given; using %s", prjDesc, opts.CRS, opts.CRS)
		}
	case prjErr != nil:
		return nil, info, prjErr
	case parts.prj == nil:
		return nil, info, fmt.Errorf("%s has no .prj: %w; name it explicitly (ecospace import --crs EPSG:4549, EPSG:4490, EPSG:4326 or GCJ-02)", parts.shp.name, ErrNeedCRS)
	default:
		info.CRS, info.CRSSource = prjCRS, ".prj: "+prjDesc
	}

	// Attributes.
	dbfBytes, err := readPart(parts.dbf)
	if err != nil {
		return nil, info, err
	}
	tab, err := parseDBF(dbfBytes)
	if err != nil {
		return nil, info, fmt.Errorf("%s: %w", parts.dbf.name, err)
	}
	var cpg []byte
	if parts.cpg != nil {
		if cpg, err = readPart(parts.cpg); err != nil {
			return nil, info, err
		}
	}
	dec, err := chooseEncoding(tab, opts.Encoding, cpg, parts, &info)
	if err != nil {
		return nil, info, err
	}
	names, err := tab.fieldNames(dec, &info)
	if err != nil {
		return nil, info, fmt.Errorf("%s: %w", parts.dbf.name, err)
	}

	// Geometry.
	shps, shapeType, err := readSHP(parts.shp)
	if err != nil {
		return nil, info, err
	}
	info.ShapeType = shapeTypeName(shapeType)
	info.Records = len(shps)
	if len(shps) != len(tab.records) {
		return nil, info, fmt.Errorf("%s has %d records but %s has %d: the files do not belong together", parts.shp.name, len(shps), parts.dbf.name, len(tab.records))
	}
	if parts.shx != nil {
		if n, err := countSHX(parts.shx); err != nil {
			info.warnf("%s unreadable (%v); read the .shp sequentially", parts.shx.name, err)
		} else if n != len(shps) {
			return nil, info, fmt.Errorf("%s has %d records but %s has %d: the files do not belong together", parts.shp.name, len(shps), parts.shx.name, n)
		}
	}

	var bad badRecords
	ids := make([]string, 0, len(shps))
	idField := tab.idField(names)
	for i, rec := range shps {
		recName := fmt.Sprintf("record %d", i+1)
		if tab.deleted(i) {
			info.Deleted++
			continue
		}
		if rec.err != nil {
			bad.add(recName, rec.err)
			continue
		}
		if rec.geom == nil {
			bad.add(recName, errors.New("null shape (the record has no geometry)"))
			continue
		}
		g, err := shpGeometry(rec.geom)
		if err != nil {
			bad.add(recName, err)
			continue
		}
		g = toLonLat(g, info.CRS, dx)
		orientRFC7946(g)
		props, err := tab.record(i, names, dec)
		if err != nil {
			bad.add(recName, err)
			continue
		}
		id := ""
		if idField >= 0 {
			id = idString(props[names[idField]])
		}
		feats = append(feats, geo.Feature{ID: strconv.Itoa(i + 1), Geometry: g, Properties: props})
		ids = append(ids, id)
	}
	if err := bad.err("record"); err != nil {
		return nil, info, fmt.Errorf("%s: %w", parts.shp.name, err)
	}
	fieldLabel := ""
	if idField >= 0 {
		fieldLabel = "field " + names[idField]
	}
	info.IDSource = assignIDs(feats, ids, fieldLabel, &info)
	info.BBox = bboxOf(feats, &info)
	return feats, info, nil
}

type shpRecord struct {
	geom geom.T // nil: null shape
	err  error
}

// readSHP reads every record of a .shp with go-shapefile's record parser.
// A record whose content is malformed (too few points in a ring, a ring of
// zero area, inconsistent lengths) gets an error of its own and reading
// goes on, so every bad record is named at once.
func readSHP(p *shpPart) ([]shpRecord, shapefile.ShapeType, error) {
	rc, err := p.open()
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", p.name, err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 1<<16)
	hdr := make([]byte, 100)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, 0, fmt.Errorf("%s: not a .shp file (header: %v)", p.name, err)
	}
	if binary.BigEndian.Uint32(hdr[0:4]) != shpFileCode || binary.LittleEndian.Uint32(hdr[28:32]) != 1000 {
		return nil, 0, fmt.Errorf("%s: not a .shp file (bad file code or version)", p.name)
	}
	fileLen := 2 * int64(binary.BigEndian.Uint32(hdr[24:28]))
	if fileLen != p.size {
		return nil, 0, fmt.Errorf("%s: truncated or padded: the header says %d bytes, the file has %d", p.name, fileLen, p.size)
	}
	st := shapefile.ShapeType(binary.LittleEndian.Uint32(hdr[32:36]))
	if st == shapefile.ShapeTypeMultiPatch {
		return nil, st, fmt.Errorf("%s: MultiPatch (3-D surface) shapes are not supported", p.name)
	}
	var recs []shpRecord
	for pos := int64(100); pos < fileLen; {
		var rh [8]byte
		if _, err := io.ReadFull(br, rh[:]); err != nil {
			return nil, st, fmt.Errorf("%s: record %d: truncated header: %v", p.name, len(recs)+1, err)
		}
		clen := 2 * int64(binary.BigEndian.Uint32(rh[4:8]))
		if clen < 4 || pos+8+clen > fileLen {
			return nil, st, fmt.Errorf("%s: record %d: content length %d runs past the end of the file", p.name, len(recs)+1, clen)
		}
		content := make([]byte, 8+clen)
		copy(content, rh[:])
		if _, err := io.ReadFull(br, content[8:]); err != nil {
			return nil, st, fmt.Errorf("%s: record %d: %v", p.name, len(recs)+1, err)
		}
		pos += 8 + clen
		rec, err := parseSHPRecord(content)
		switch {
		case err != nil:
			recs = append(recs, shpRecord{err: err})
		case rec.ShapeType == shapefile.ShapeTypeNull:
			recs = append(recs, shpRecord{})
		case rec.ShapeType == shapefile.ShapeTypeMultiPatch:
			recs = append(recs, shpRecord{err: errors.New("MultiPatch shapes are not supported")})
		default:
			recs = append(recs, shpRecord{geom: rec.Geom})
		}
	}
	return recs, st, nil
}

// parseSHPRecord parses one record with go-shapefile, turning a panic on
// malformed part indexes into an error for that record.
func parseSHPRecord(b []byte) (rec *shapefile.SHPRecord, err error) {
	defer func() {
		if r := recover(); r != nil {
			rec, err = nil, fmt.Errorf("malformed record (%v)", r)
		}
	}()
	return shapefile.ReadSHPRecord(bytes.NewReader(b), nil)
}

func countSHX(p *shpPart) (int, error) {
	rc, err := p.open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	shx, err := shapefile.ReadSHX(rc, p.size)
	if err != nil {
		return 0, err
	}
	return len(shx.Records), nil
}

func shapeTypeName(t shapefile.ShapeType) string {
	names := map[shapefile.ShapeType]string{
		shapefile.ShapeTypeNull: "Null", shapefile.ShapeTypePoint: "Point", shapefile.ShapeTypePolyLine: "PolyLine",
		shapefile.ShapeTypePolygon: "Polygon", shapefile.ShapeTypeMultiPoint: "MultiPoint", shapefile.ShapeTypePointZ: "PointZ",
		shapefile.ShapeTypePolyLineZ: "PolyLineZ", shapefile.ShapeTypePolygonZ: "PolygonZ", shapefile.ShapeTypeMultiPointZ: "MultiPointZ",
		shapefile.ShapeTypePointM: "PointM", shapefile.ShapeTypePolyLineM: "PolyLineM", shapefile.ShapeTypePolygonM: "PolygonM",
		shapefile.ShapeTypeMultiPointM: "MultiPointM", shapefile.ShapeTypeMultiPatch: "MultiPatch",
	}
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("shape type %d", t)
}

// shpGeometry converts a go-geom geometry read from a .shp to orb, in the
// file's coordinates, keeping x and y (z and m are dropped). Polygon rings
// are grouped into polygons by assemblePolygons.
func shpGeometry(t geom.T) (orb.Geometry, error) {
	flat, stride := t.FlatCoords(), t.Stride()
	for _, e := range t.Ends() {
		if e < 0 || e > len(flat) {
			return nil, fmt.Errorf("part end %d is outside the record's %d points", e/stride, len(flat)/stride)
		}
	}
	pts := func(from, to int) []orb.Point {
		if to < from {
			to = from
		}
		out := make([]orb.Point, 0, (to-from)/stride)
		for i := from; i < to; i += stride {
			out = append(out, orb.Point{flat[i], flat[i+1]})
		}
		return out
	}
	switch g := t.(type) {
	case *geom.Point:
		return orb.Point{flat[0], flat[1]}, nil
	case *geom.MultiPoint:
		return orb.MultiPoint(pts(0, len(flat))), nil
	case *geom.MultiLineString:
		var mls orb.MultiLineString
		start := 0
		for k, end := range g.Ends() {
			ls := orb.LineString(pts(start, end))
			if len(ls) < 2 {
				return nil, fmt.Errorf("part %d has %d point(s); a line needs 2", k, len(ls))
			}
			mls = append(mls, ls)
			start = end
		}
		if len(mls) == 1 {
			return mls[0], nil
		}
		return mls, nil
	case *geom.MultiPolygon:
		var rings []orb.Ring
		start := 0
		for _, ends := range g.Endss() {
			for _, end := range ends {
				rings = append(rings, orb.Ring(pts(start, end)))
				start = end
			}
		}
		return assemblePolygons(rings)
	default:
		return nil, fmt.Errorf("unsupported geometry %T", t)
	}
}

// assemblePolygons groups Shapefile polygon parts into polygons. By the
// Shapefile spec exterior rings are clockwise and holes counter-clockwise;
// each hole goes to the smallest exterior that contains it, whatever the
// order of the parts. If a hole lies in no exterior (or no ring is
// clockwise: writers that ignore the spec), the rings are nested by
// containment alone: a ring inside an even number of others is an exterior.
func assemblePolygons(rings []orb.Ring) (orb.Geometry, error) {
	type ringInfo struct {
		r     orb.Ring
		area  float64 // signed: > 0 counter-clockwise
		bound orb.Bound
	}
	infos := make([]ringInfo, len(rings))
	for i, r := range rings {
		if len(r) > 0 && r[0] != r[len(r)-1] {
			r = append(r, r[0])
		}
		if len(r) < 4 {
			return nil, fmt.Errorf("ring %d has %d points; a closed ring needs 4", i, len(r))
		}
		infos[i] = ringInfo{r: r, area: signedArea(r), bound: r.Bound()}
	}
	contains := func(outer, inner int) bool {
		return infos[outer].bound.Contains(infos[inner].bound.Min) && infos[outer].bound.Contains(infos[inner].bound.Max) &&
			ringInRing(infos[inner].r, infos[outer].r)
	}
	var outers, holes []int
	for i, ri := range infos {
		if ri.area < 0 {
			outers = append(outers, i)
		} else {
			holes = append(holes, i)
		}
	}
	parent := make([]int, len(infos)) // for holes: the exterior; -1 for exteriors
	for i := range parent {
		parent[i] = -1
	}
	byOrientation := len(outers) > 0
	for _, h := range holes {
		if !byOrientation {
			break
		}
		best := -1
		for _, o := range outers {
			if contains(o, h) && (best < 0 || math.Abs(infos[o].area) < math.Abs(infos[best].area)) {
				best = o
			}
		}
		if best < 0 {
			byOrientation = false
		}
		parent[h] = best
	}
	isHole := make([]bool, len(infos))
	if byOrientation {
		for _, h := range holes {
			isHole[h] = true
		}
	} else {
		// Nesting alone: visit rings from the largest; each ring's parent is
		// the smallest larger ring containing it.
		order := make([]int, len(infos))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return math.Abs(infos[order[a]].area) > math.Abs(infos[order[b]].area) })
		depth := make([]int, len(infos))
		for k, i := range order {
			parent[i] = -1
			container := -1
			for _, j := range order[:k] {
				if contains(j, i) && (container < 0 || math.Abs(infos[j].area) < math.Abs(infos[container].area)) {
					container = j
				}
			}
			if container >= 0 {
				depth[i] = depth[container] + 1
			}
			if depth[i]%2 == 1 {
				isHole[i], parent[i] = true, container
			}
		}
	}
	var mp orb.MultiPolygon
	index := map[int]int{} // exterior ring → polygon
	for i := range infos {
		if !isHole[i] {
			index[i] = len(mp)
			mp = append(mp, orb.Polygon{infos[i].r})
		}
	}
	for i := range infos {
		if isHole[i] {
			k := index[parent[i]]
			mp[k] = append(mp[k], infos[i].r)
		}
	}
	if len(mp) == 1 {
		return mp[0], nil
	}
	return mp, nil
}

// signedArea is the signed area of a closed ring, positive when
// counter-clockwise. Coordinates are taken relative to the first vertex so
// that projected metres in the millions lose no precision.
func signedArea(r orb.Ring) float64 {
	if len(r) < 3 {
		return 0
	}
	x0, y0 := r[0][0], r[0][1]
	var s float64
	for i := 1; i < len(r); i++ {
		ax, ay := r[i-1][0]-x0, r[i-1][1]-y0
		bx, by := r[i][0]-x0, r[i][1]-y0
		s += ax*by - bx*ay
	}
	return s / 2
}

// ringInRing reports whether inner lies inside outer, judged by the first
// vertex of inner that is not on outer's boundary.
func ringInRing(inner, outer orb.Ring) bool {
	for _, p := range inner {
		switch pointInRing(p, outer) {
		case 1:
			return true
		case -1:
			return false
		}
	}
	return true // every vertex on the boundary: the same ring
}

// pointInRing: 1 inside, -1 outside, 0 on the boundary (even-odd rule).
func pointInRing(p orb.Point, r orb.Ring) int {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[j], r[i]
		// On the segment?
		cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
		if cross == 0 && p[0] >= math.Min(a[0], b[0]) && p[0] <= math.Max(a[0], b[0]) &&
			p[1] >= math.Min(a[1], b[1]) && p[1] <= math.Max(a[1], b[1]) {
			return 0
		}
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	if in {
		return 1
	}
	return -1
}

// orientRFC7946 turns polygon exteriors counter-clockwise and holes
// clockwise, in place.
func orientRFC7946(g orb.Geometry) {
	orient := func(p orb.Polygon) {
		for i, r := range p {
			a := signedArea(r)
			if (i == 0 && a < 0) || (i > 0 && a > 0) {
				r.Reverse()
			}
		}
	}
	switch g := g.(type) {
	case orb.Polygon:
		orient(g)
	case orb.MultiPolygon:
		for _, p := range g {
			orient(p)
		}
	}
}

// toLonLat converts g from crs to lon/lat. dx is added to eastings first
// (−40 000 000 for zone-prefixed EPSG:4528 coordinates).
func toLonLat(g orb.Geometry, crs geo.CRS, dx float64) orb.Geometry {
	if dx == 0 && (crs == geo.CRS84 || crs == geo.CGCS2000 || crs == "") {
		return g
	}
	return geo.TransformGeometry(g, func(x, y float64) (float64, float64) { return crs.ToLonLat(x+dx, y) })
}

// ---------------------------------------------------------------------
// dBase (.dbf)
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
			if err != nil {
				return nil, fmt.Errorf("field %s: %q is not a number", names[k], s)
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

// ---------------------------------------------------------------------
// .prj

// crsFromPRJ recognises the coordinate systems ecospace converts. dx is
// what to add to eastings before converting (EPSG:4528 → EPSG:4549).
func crsFromPRJ(src string) (crs geo.CRS, dx float64, desc string, err error) {
	root, err := parseWKT(src)
	if err != nil {
		return "", 0, "", fmt.Errorf("cannot read the .prj: %w", err)
	}
	switch root.key {
	case "GEOGCS":
		c, d, err := geographic(root)
		return c, 0, d, err
	case "PROJCS":
		return projected(root)
	default:
		return "", 0, "", fmt.Errorf("unrecognised .prj: %s[%q]; ecospace reads EPSG:4326, EPSG:4490 and EPSG:4549 (WKT1 GEOGCS/PROJCS as ArcGIS, QGIS and GDAL write them)", root.key, root.name())
	}
}

func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func geographic(n *wktNode) (geo.CRS, string, error) {
	name := n.name()
	datum := ""
	if d := n.child("DATUM"); d != nil {
		datum = d.name()
	}
	if u := n.child("UNIT"); u != nil {
		if f, ok := u.num(1); ok && math.Abs(f-math.Pi/180) > 1e-10 {
			return "", "", fmt.Errorf("unrecognised .prj: GEOGCS[%q] measures angles in %q, not degrees", name, u.name())
		}
	}
	if p := n.child("PRIMEM"); p != nil {
		if f, ok := p.num(1); ok && f != 0 {
			return "", "", fmt.Errorf("unrecognised .prj: GEOGCS[%q] has prime meridian %g, not Greenwich", name, f)
		}
	}
	nn, dn := normName(name), normName(datum)
	switch {
	case dn == "dchina2000" || dn == "china2000" || strings.Contains(dn, "chinageodeticcoordinatesystem2000") || dn == "cgcs2000" ||
		strings.Contains(nn, "chinageodeticcoordinatesystem2000") || strings.Contains(nn, "cgcs2000"):
		return geo.CGCS2000, fmt.Sprintf("%q = %s (CGCS2000 lon/lat)", name, geo.CGCS2000), nil
	case dn == "dwgs1984" || dn == "wgs1984" || dn == "wgs84" || dn == "worldgeodeticsystem1984" ||
		nn == "gcswgs1984" || nn == "wgs84" || nn == "wgs1984":
		return geo.CRS84, fmt.Sprintf("%q = %s (WGS 84 lon/lat)", name, geo.CRS84), nil
	}
	return "", "", fmt.Errorf("unrecognised .prj: GEOGCS[%q] with DATUM[%q]; ecospace reads CGCS2000 (EPSG:4490) and WGS 84 (EPSG:4326) geographic coordinates, and EPSG:4549", name, datum)
}

// projected accepts CGCS2000 / 3-degree Gauss-Kruger CM 120E, checked by
// its parameters and not its name alone: Transverse Mercator (ArcGIS:
// Gauss_Kruger) on CGCS2000, central meridian 120, scale 1, latitude of
// origin 0, false northing 0, metres, and false easting 500 000 (EPSG:4549)
// or 40 500 000 (EPSG:4528, the same with the zone number 40 prefixed to
// the easting; converted exactly by subtracting 40 000 000 m).
func projected(n *wktNode) (geo.CRS, float64, string, error) {
	name := n.name()
	g := n.child("GEOGCS")
	if g == nil {
		return "", 0, "", fmt.Errorf("unrecognised .prj: PROJCS[%q] has no GEOGCS", name)
	}
	base, _, err := geographic(g)
	if err != nil || base != geo.CGCS2000 {
		return "", 0, "", fmt.Errorf("unsupported .prj: PROJCS[%q] is based on GEOGCS[%q], not CGCS2000; ecospace reads projected coordinates only in EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E); reproject the layer, or give its CRS explicitly if the .prj is wrong", name, g.name())
	}
	proj := ""
	if p := n.child("PROJECTION"); p != nil {
		proj = p.name()
	}
	params := map[string]float64{}
	for _, c := range n.children("PARAMETER") {
		if v, ok := c.num(1); ok {
			params[normName(c.name())] = v
		}
	}
	unit, unitF := "", 1.0
	if u := n.child("UNIT"); u != nil {
		unit = u.name()
		unitF, _ = u.num(1)
	}
	got := fmt.Sprintf("PROJCS[%q]: %s, central_meridian %g, false_easting %g, false_northing %g, scale_factor %g, latitude_of_origin %g, unit %q",
		name, proj, params["centralmeridian"], params["falseeasting"], params["falsenorthing"], scale(params), params["latitudeoforigin"], unit)
	pn := normName(proj)
	ok := (pn == "transversemercator" || pn == "gausskruger") &&
		params["centralmeridian"] == 120 && scale(params) == 1 &&
		params["latitudeoforigin"] == 0 && params["falsenorthing"] == 0 &&
		math.Abs(unitF-1) < 1e-12
	fe := params["falseeasting"]
	nn := normName(name)
	nameSays4549 := strings.Contains(nn, "cm120e") || strings.Contains(nn, "zone40")
	switch {
	case ok && fe == 500000:
		desc := fmt.Sprintf("%q = %s (CGCS2000 / 3-degree Gauss-Kruger CM 120E)", name, geo.GK120)
		if !nameSays4549 {
			desc += ", recognised by its parameters"
		}
		return geo.GK120, 0, desc, nil
	case ok && fe == 40500000:
		return geo.GK120, -40000000, fmt.Sprintf("%q = EPSG:4528 (CGCS2000 / 3-degree Gauss-Kruger zone 40, easting prefixed with the zone number), converted to %s by subtracting 40 000 000 m from eastings", name, geo.GK120), nil
	case nameSays4549:
		return "", 0, "", fmt.Errorf("the .prj is named like EPSG:4549 but its parameters differ (%s); EPSG:4549 is Transverse Mercator with central_meridian 120, false_easting 500000, false_northing 0, scale_factor 1, in metres", got)
	default:
		return "", 0, "", fmt.Errorf("unsupported .prj (%s); ecospace reads projected coordinates only in EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E: central_meridian 120, false_easting 500000, scale_factor 1); reproject the layer, or give its CRS explicitly if the .prj is wrong", got)
	}
}

func scale(params map[string]float64) float64 {
	if v, ok := params["scalefactor"]; ok {
		return v
	}
	return 1
}

// wktNode is a WKT1 node: KEY["name", args...].
type wktNode struct {
	key  string
	args []any // string, float64 or *wktNode
}

func (n *wktNode) name() string {
	if len(n.args) > 0 {
		if s, ok := n.args[0].(string); ok {
			return s
		}
	}
	return ""
}

func (n *wktNode) num(i int) (float64, bool) {
	if i < len(n.args) {
		f, ok := n.args[i].(float64)
		return f, ok
	}
	return 0, false
}

func (n *wktNode) child(key string) *wktNode {
	for _, a := range n.args {
		if c, ok := a.(*wktNode); ok && c.key == key {
			return c
		}
	}
	return nil
}

func (n *wktNode) children(key string) []*wktNode {
	var out []*wktNode
	for _, a := range n.args {
		if c, ok := a.(*wktNode); ok && c.key == key {
			out = append(out, c)
		}
	}
	return out
}

func parseWKT(src string) (*wktNode, error) {
	p := wktParser{s: strings.TrimSpace(strings.TrimPrefix(src, "\uFEFF"))}
	if p.s == "" {
		return nil, errors.New("the .prj is empty")
	}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	n, ok := v.(*wktNode)
	if !ok {
		return nil, fmt.Errorf("not WKT: %.40q", src)
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected text after the WKT at offset %d", p.i)
	}
	return n, nil
}

type wktParser struct {
	s string
	i int
}

func (p *wktParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *wktParser) value(depth int) (any, error) {
	if depth > 32 {
		return nil, errors.New("WKT nested too deeply")
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, errors.New("WKT ends early")
	}
	c := p.s[p.i]
	switch {
	case c == '"':
		var b strings.Builder
		for p.i++; ; p.i++ {
			if p.i >= len(p.s) {
				return nil, errors.New("unterminated string in WKT")
			}
			if p.s[p.i] == '"' {
				if p.i+1 < len(p.s) && p.s[p.i+1] == '"' {
					b.WriteByte('"')
					p.i++
					continue
				}
				p.i++
				return b.String(), nil
			}
			b.WriteByte(p.s[p.i])
		}
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		j := p.i
		for p.i < len(p.s) && strings.IndexByte("+-.0123456789eE", p.s[p.i]) >= 0 {
			p.i++
		}
		f, err := strconv.ParseFloat(p.s[j:p.i], 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q in WKT", p.s[j:p.i])
		}
		return f, nil
	case c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
		j := p.i
		for p.i < len(p.s) && (p.s[p.i] == '_' || (p.s[p.i]|0x20 >= 'a' && p.s[p.i]|0x20 <= 'z') || (p.s[p.i] >= '0' && p.s[p.i] <= '9')) {
			p.i++
		}
		word := p.s[j:p.i]
		p.space()
		if p.i >= len(p.s) || (p.s[p.i] != '[' && p.s[p.i] != '(') {
			return word, nil // an enumeration value such as NORTH
		}
		closer := byte(']')
		if p.s[p.i] == '(' {
			closer = ')'
		}
		p.i++
		n := &wktNode{key: strings.ToUpper(word)}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.args = append(n.args, v)
			p.space()
			if p.i >= len(p.s) {
				return nil, fmt.Errorf("WKT %s[…] is not closed", n.key)
			}
			switch p.s[p.i] {
			case ',':
				p.i++
			case closer:
				p.i++
				return n, nil
			default:
				return nil, fmt.Errorf("unexpected %q in WKT at offset %d", p.s[p.i], p.i)
			}
		}
	default:
		return nil, fmt.Errorf("unexpected %q in WKT at offset %d", c, p.i)
	}
}

// ---------------------------------------------------------------------
// Shared helpers

// badRecords collects per-record read errors so that all are reported.
type badRecords struct {
	n    int
	msgs []string
}

func (b *badRecords) add(where string, err error) {
	b.n++
	if len(b.msgs) < 20 {
		b.msgs = append(b.msgs, where+": "+err.Error())
	}
}

func (b *badRecords) err(what string) error {
	if b.n == 0 {
		return nil
	}
	msg := strings.Join(b.msgs, "; ")
	if b.n > len(b.msgs) {
		msg += fmt.Sprintf("; and %d more", b.n-len(b.msgs))
	}
	if b.n == 1 {
		return errors.New(msg)
	}
	return fmt.Errorf("%d bad %ss: %s", b.n, what, msg)
}

// idString renders an attribute value as an id; "" when it cannot be one.
func idString(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case json.Number:
		return v.String()
	}
	return ""
}

// assignIDs gives the features the candidate ids when every one is present
// and unique, else their 1-based record numbers; it returns the id source.
// The id is also written to the "id" property, as the demo loader does.
func assignIDs(feats []geo.Feature, ids []string, label string, info *Info) string {
	source := label
	if label != "" {
		first := map[string]int{}
		recNo := func(i int) string {
			if feats[i].ID != "" {
				return feats[i].ID
			}
			return strconv.Itoa(i + 1)
		}
		for i, id := range ids {
			if id == "" {
				info.warnf("%s is empty for record %s; ids are the record numbers instead", label, recNo(i))
				source = ""
				break
			}
			if j, dup := first[id]; dup {
				info.warnf("%s %q repeats (records %s and %s); ids are the record numbers instead", label, id, recNo(j), recNo(i))
				source = ""
				break
			}
			first[id] = i
		}
	}
	for i := range feats {
		if source != "" {
			feats[i].ID = ids[i]
		} else if feats[i].ID == "" {
			feats[i].ID = strconv.Itoa(i + 1)
		}
		feats[i].Properties["id"] = feats[i].ID
	}
	if source == "" {
		return "record number"
	}
	return source
}

// bboxOf is the lon/lat extent of the features; it warns when they lie
// outside China, which usually means a wrong CRS.
func bboxOf(feats []geo.Feature, info *Info) [4]float64 {
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, f := range feats {
		if f.Geometry != nil {
			b = b.Union(f.Geometry.Bound())
		}
	}
	if len(feats) == 0 || b.IsEmpty() {
		return [4]float64{}
	}
	out := [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	if !(b.Min[0] >= 73 && b.Max[0] <= 136 && b.Min[1] >= 3 && b.Max[1] <= 54) {
		info.warnf("the features span lon %.6f…%.6f, lat %.6f…%.6f, outside China: is the CRS (%s) right?", out[0], out[2], out[1], out[3], info.CRS)
	}
	return out
}
