package layerfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/paulmach/orb/geojson"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// GeoJSON files: a FeatureCollection, a Feature or a bare geometry, in
// lon/lat unless a legacy "crs" member or Options.CRS says otherwise.

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
	// What is imported is what any JSON reader sees: no member repeated
	// or differing from another only in case, bounded nesting, and
	// member names matched exactly.
	if err := geo.CheckJSONBytes(src, geo.MaxJSONDepth); err != nil {
		return nil, info, fmt.Errorf("not valid GeoJSON: %w", err)
	}
	var doc struct {
		Type       string                    `json:"type"`
		CRS        json.RawMessage           `json:"crs"`
		Features   []json.RawMessage         `json:"features"`
		Geometry   json.RawMessage           `json:"geometry"`
		Properties map[string]any            `json:"properties"`
		ID         json.RawMessage           `json:"id"`
		Foreign    map[string]jsontext.Value `json:",unknown"`
	}
	if err := jsonv2.Unmarshal(src, &doc); err != nil {
		return nil, info, fmt.Errorf("not valid GeoJSON: %w", err)
	}
	if err := foldedMember(doc.Foreign, ""); err != nil {
		return nil, info, err
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
		Type       string                    `json:"type"`
		ID         json.RawMessage           `json:"id"`
		Geometry   json.RawMessage           `json:"geometry"`
		Properties map[string]any            `json:"properties"`
		Foreign    map[string]jsontext.Value `json:",unknown"`
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
			if err := jsonv2.Unmarshal(fr, &f); err != nil {
				return nil, info, fmt.Errorf("/features/%d: not a GeoJSON Feature: %w", i, err)
			}
			if err := foldedMember(f.Foreign, fmt.Sprintf("/features/%d", i)); err != nil {
				return nil, info, err
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

// geoJSONMembers are the members of a GeoJSON object this reader takes.
var geoJSONMembers = []string{"type", "crs", "features", "geometry", "properties", "id"}

// foldedMember refuses a foreign member whose name differs from one read
// here only in case ("Features", "CRS"): a reader that folds names would
// take it for that member.
func foldedMember(foreign map[string]jsontext.Value, ptr string) error {
	for name := range foreign {
		if k, ok := geo.FoldVariant(name, geoJSONMembers...); ok {
			return fmt.Errorf("%s/%s: member %q is not %q: GeoJSON member names are exact and case-sensitive", ptr, name, name, k)
		}
	}
	return nil
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
	if err := jsonv2.Unmarshal(raw, &m); err != nil {
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
		if raw[0] == '"' && jsonv2.Unmarshal(raw, &s) == nil {
			return strings.TrimSpace(s)
		}
		if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
			return string(raw)
		}
	}
	return idString(props["id"])
}

// ParseGeoJSON reads a FeatureCollection in lon/lat as it is: no CRS, no
// re-orientation, no id checks (Read does those, for a steward's files).
// It is for files this project writes itself (the bundled demo layers,
// generated test layers). A feature's id is its "id" member, else its "id"
// property, else its 1-based index; a feature without geometry is an
// error wrapping data.data.ErrInvalidImport.
func ParseGeoJSON(src []byte) ([]geo.Feature, error) {
	fc, err := geojson.UnmarshalFeatureCollection(src)
	if err != nil {
		return nil, fmt.Errorf("read GeoJSON: %w", err)
	}
	feats := make([]geo.Feature, 0, len(fc.Features))
	for i, f := range fc.Features {
		if f.Geometry == nil {
			return nil, fmt.Errorf("%w: feature %d has no geometry", data.ErrInvalidImport, i)
		}
		id := ""
		switch v := f.ID.(type) {
		case string:
			id = v
		case float64:
			id = fmt.Sprintf("%d", int64(v))
		}
		if id == "" {
			id = geo.PropString(f.Properties, "id")
		}
		if id == "" {
			id = fmt.Sprintf("%d", i+1)
		}
		props := map[string]any(f.Properties)
		if props == nil {
			props = map[string]any{}
		}
		props["id"] = id
		feats = append(feats, geo.Feature{ID: id, Geometry: f.Geometry, Properties: props})
	}
	return feats, nil
}
