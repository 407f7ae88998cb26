package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
)

// MaxVertices is the most positions one site geometry may have.
const MaxVertices = 100_000

// DecodeGeometry reads a site geometry: a GeoJSON geometry, a GeoJSON
// Feature (its geometry is used) or a WKT string. pointer is where raw sits
// in the request, so that errors can say where the problem is. It checks the
// shape of the input only; NewSite checks coordinates and validity. Every
// error is or wraps an *InputError; more than maxVertices positions is a
// *TooManyVerticesError.
func DecodeGeometry(raw json.RawMessage, pointer string, maxVertices int) (orb.Geometry, error) {
	return decodeGeometry(raw, pointer, maxVertices, true)
}

// geoJSONMembers are the members of a GeoJSON geometry or Feature this
// reader takes; others are foreign members, ignored unless they only
// differ from one of these in case.
var geoJSONMembers = []string{"type", "coordinates", "geometry", "geometries", "properties", "id", "bbox", "crs"}

func decodeGeometry(raw json.RawMessage, pointer string, maxVertices int, featureOK bool) (orb.Geometry, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, inputErr(pointer, "geometry is missing")
	}
	if raw[0] == '"' {
		var s string
		if err := jsonv2.Unmarshal(raw, &s); err != nil {
			return nil, inputErr(pointer, "not a valid JSON string: %v", err)
		}
		if err := strictWKT(s, pointer); err != nil {
			return nil, err
		}
		g, err := wkt.Unmarshal(strings.TrimSpace(s))
		if err != nil {
			return nil, inputErr(pointer, "not valid WKT: %v", err)
		}
		if n := countVertices(g); n > maxVertices {
			return nil, &TooManyVerticesError{Pointer: pointer, Count: n, Max: maxVertices}
		}
		return g, nil
	}
	var obj struct {
		Type        *string                   `json:"type"`
		Coordinates json.RawMessage           `json:"coordinates"`
		Geometry    json.RawMessage           `json:"geometry"`
		Foreign     map[string]jsontext.Value `json:",unknown"`
	}
	if raw[0] != '{' {
		return nil, inputErr(pointer, "geometry must be a GeoJSON object or a WKT string")
	}
	// Member names are matched exactly; a repeated name is refused.
	if err := jsonv2.Unmarshal(raw, &obj); err != nil {
		var se *jsonv2.SemanticError
		if errors.As(err, &se) && se.JSONPointer != "" {
			return nil, inputErr(pointer+string(se.JSONPointer), "not a GeoJSON object: %v", se.Err)
		}
		return nil, inputErr(pointer, "not a GeoJSON object: %v", err)
	}
	for name := range obj.Foreign {
		if known, ok := FoldVariant(name, geoJSONMembers...); ok {
			return nil, inputErr(pointer+"/"+name, "member %q is not %q: GeoJSON member names are exact and case-sensitive", clip60(name), known)
		}
	}
	if obj.Type == nil {
		return nil, inputErr(pointer+"/type", "GeoJSON member \"type\" is missing")
	}
	switch *obj.Type {
	case "Feature":
		if !featureOK {
			return nil, inputErr(pointer+"/type", "a Feature's geometry is a GeoJSON geometry, not another Feature")
		}
		return decodeGeometry(obj.Geometry, pointer+"/geometry", maxVertices, false)
	case "FeatureCollection":
		return nil, inputErr(pointer+"/type", "a FeatureCollection holds many sites; send one geometry or Feature here (POST /api/v1/checks/batch takes collections)")
	case "GeometryCollection":
		return nil, inputErr(pointer+"/type", "GeometryCollection is not accepted; send a Point, Polygon or MultiPolygon")
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon":
	default:
		return nil, inputErr(pointer+"/type", "unknown GeoJSON type %q", *obj.Type)
	}
	cp := pointer + "/coordinates"
	if len(obj.Coordinates) == 0 || bytes.Equal(obj.Coordinates, []byte("null")) {
		return nil, inputErr(cp, "coordinates are missing")
	}
	var tree any
	dec := json.NewDecoder(bytes.NewReader(obj.Coordinates))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return nil, inputErr(cp, "coordinates are not valid JSON: %v", err)
	}
	d := coordDecoder{max: maxVertices}
	var g orb.Geometry
	var err error
	switch *obj.Type {
	case "Point":
		g, err = d.position(tree, cp)
	case "MultiPoint":
		var ps []orb.Point
		ps, err = d.positions(tree, cp, 1)
		g = orb.MultiPoint(ps)
	case "LineString":
		var ps []orb.Point
		ps, err = d.positions(tree, cp, 2)
		g = orb.LineString(ps)
	case "MultiLineString":
		g, err = d.multiLine(tree, cp)
	case "Polygon":
		g, err = d.polygon(tree, cp)
	case "MultiPolygon":
		g, err = d.multiPolygon(tree, cp)
	}
	if err != nil {
		return nil, err
	}
	return g, nil
}

type coordDecoder struct {
	n, max int
}

func (d *coordDecoder) array(v any, p, what string) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, inputErr(p, "expected an array of %s, got %s", what, jsonKind(v))
	}
	return a, nil
}

func (d *coordDecoder) position(v any, p string) (orb.Point, error) {
	a, ok := v.([]any)
	if !ok {
		return orb.Point{}, inputErr(p, "expected a position [lon, lat], got %s", jsonKind(v))
	}
	if len(a) < 2 || len(a) > 3 {
		return orb.Point{}, inputErr(p, "a position has 2 (or 3) numbers, this one has %d", len(a))
	}
	d.n++
	if d.n > d.max {
		return orb.Point{}, &TooManyVerticesError{Pointer: p, Max: d.max}
	}
	var pt orb.Point
	for i := range a {
		num, ok := a[i].(json.Number)
		if !ok {
			return orb.Point{}, inputErr(fmt.Sprintf("%s/%d", p, i), "expected a number, got %s", jsonKind(a[i]))
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return orb.Point{}, inputErr(fmt.Sprintf("%s/%d", p, i), "%s is not a finite number", num)
		}
		if i < 2 {
			pt[i] = f // a height, if any, is checked and dropped
		}
	}
	return pt, nil
}

func (d *coordDecoder) positions(v any, p string, min int) ([]orb.Point, error) {
	a, err := d.array(v, p, "positions")
	if err != nil {
		return nil, err
	}
	if len(a) < min {
		if len(a) == 0 {
			return nil, inputErr(p, "empty geometry: no positions")
		}
		return nil, inputErr(p, "needs at least %d positions, has %d", min, len(a))
	}
	out := make([]orb.Point, len(a))
	for i, e := range a {
		if out[i], err = d.position(e, fmt.Sprintf("%s/%d", p, i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d *coordDecoder) multiLine(v any, p string) (orb.MultiLineString, error) {
	a, err := d.array(v, p, "line strings")
	if err != nil {
		return nil, err
	}
	if len(a) == 0 {
		return nil, inputErr(p, "empty geometry: no line strings")
	}
	out := make(orb.MultiLineString, len(a))
	for i, e := range a {
		ps, err := d.positions(e, fmt.Sprintf("%s/%d", p, i), 2)
		if err != nil {
			return nil, err
		}
		out[i] = ps
	}
	return out, nil
}

func (d *coordDecoder) polygon(v any, p string) (orb.Polygon, error) {
	a, err := d.array(v, p, "rings")
	if err != nil {
		return nil, err
	}
	if len(a) == 0 {
		return nil, inputErr(p, "empty geometry: a polygon needs an exterior ring")
	}
	out := make(orb.Polygon, len(a))
	for i, e := range a {
		rp := fmt.Sprintf("%s/%d", p, i)
		ps, err := d.positions(e, rp, 1)
		if err != nil {
			return nil, err
		}
		out[i] = orb.Ring(ps)
	}
	return out, nil
}

func (d *coordDecoder) multiPolygon(v any, p string) (orb.MultiPolygon, error) {
	a, err := d.array(v, p, "polygons")
	if err != nil {
		return nil, err
	}
	if len(a) == 0 {
		return nil, inputErr(p, "empty geometry: no polygons")
	}
	out := make(orb.MultiPolygon, len(a))
	for i, e := range a {
		if out[i], err = d.polygon(e, fmt.Sprintf("%s/%d", p, i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func countVertices(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Point:
		return 1
	case orb.MultiPoint:
		return len(g)
	case orb.LineString:
		return len(g)
	case orb.Ring:
		return len(g)
	case orb.MultiLineString:
		n := 0
		for _, l := range g {
			n += len(l)
		}
		return n
	case orb.Polygon:
		n := 0
		for _, r := range g {
			n += len(r)
		}
		return n
	case orb.MultiPolygon:
		n := 0
		for _, p := range g {
			n += countVertices(p)
		}
		return n
	case orb.Collection:
		n := 0
		for _, c := range g {
			n += countVertices(c)
		}
		return n
	}
	return 0
}
