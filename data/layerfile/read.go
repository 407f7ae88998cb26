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
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/paulmach/orb"

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

// toLonLat converts g from crs to lon/lat. dx is added to eastings first
// (−40 000 000 for zone-prefixed EPSG:4528 coordinates).
func toLonLat(g orb.Geometry, crs geo.CRS, dx float64) orb.Geometry {
	if dx == 0 && (crs == geo.CRS84 || crs == geo.CGCS2000 || crs == "") {
		return g
	}
	return geo.TransformGeometry(g, func(x, y float64) (float64, float64) { return crs.ToLonLat(x+dx, y) })
}
