package layerfile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-shapefile"

	"github.com/zhonglou/ecospace/geo"
)

// Reading a Shapefile: the .prj decides the CRS, the .dbf the attributes
// (dbf.go), the .shp the geometries, checked against the .shx.

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
