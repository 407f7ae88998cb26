package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/zhonglou/ecospace/geo"
)

// openGeoJSONRegister reads a register that is a GeoJSON FeatureCollection:
// a first pass finds its crs member and counts its features, the second
// yields one feature at a time.
func openGeoJSONRegister(path string, o sweepOptions) (*register, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// First pass: the crs member and the feature count.
	total, fileCRS, err := scanRegister(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if fileCRS != "" && !o.crsGiven {
		c, err := geo.ParseCRS(fileCRS)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: crs member: %w (or give --crs)", path, err)
		}
		o.crs = c
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		br.Discard(3)
	}
	dec := json.NewDecoder(br)
	if err := toFeatures(dec); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	row := 0
	next := func() (sweepItem, bool, error) {
		if !dec.More() {
			return sweepItem{}, false, nil
		}
		row++
		var feat struct {
			Type       string          `json:"type"`
			ID         json.RawMessage `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		}
		if err := dec.Decode(&feat); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return sweepItem{row: row, err: fmt.Errorf("feature %d is not a GeoJSON Feature", row-1)}, true, nil
			}
			return sweepItem{}, false, fmt.Errorf("%s feature %d: %w", path, row-1, err)
		}
		keys := make([]string, 0, len(feat.Properties))
		for k := range feat.Properties {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		prop := func(named string, cands []string) string {
			if i := field(keys, named, cands); i >= 0 {
				return propText(feat.Properties[keys[i]])
			}
			return ""
		}
		it := sweepItem{row: row, id: prop(o.idField, idNames), name: prop(o.nameField, nameNames)}
		if it.id == "" && o.idField == "" {
			it.id = strings.Trim(string(feat.ID), `"`)
		}
		if o.categoryField != "" {
			it.category = prop(o.categoryField, nil)
		}
		if i := field(keys, o.factsField, factNames); i >= 0 {
			it.facts = propText(feat.Properties[keys[i]])
		}
		g, err := geo.DecodeGeometry(feat.Geometry, fmt.Sprintf("/features/%d/geometry", row-1), geo.MaxVertices)
		if err != nil {
			it.err = err
		} else {
			it.geometry = g
		}
		return it, true, nil
	}
	return &register{total: total, next: next, close: func() { f.Close() }}, nil
}

func propText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// scanRegister counts a FeatureCollection's features and reads its crs.
func scanRegister(r io.Reader) (int, string, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return 0, "", errors.New("not a GeoJSON FeatureCollection")
	}
	n, crs, features := 0, "", false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return 0, "", err
		}
		switch tok {
		case "features":
			features = true
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return 0, "", errors.New(`"features" is not an array`)
			}
			for dec.More() {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return 0, "", fmt.Errorf("feature %d: %w", n, err)
				}
				n++
			}
			dec.Token()
		case "crs":
			var c struct {
				Properties struct {
					Name string `json:"name"`
				} `json:"properties"`
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return 0, "", err
			}
			if json.Unmarshal(raw, &crs) != nil && json.Unmarshal(raw, &c) == nil {
				crs = c.Properties.Name
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, "", err
			}
		}
	}
	if !features {
		return 0, "", errors.New(`not a GeoJSON FeatureCollection: no "features"`)
	}
	return n, crs, nil
}

// toFeatures moves the decoder to the first element of "features".
func toFeatures(dec *json.Decoder) error {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("not a GeoJSON FeatureCollection")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok == "features" {
			_, err := dec.Token()
			return err
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return errors.New(`no "features"`)
}
