package geo

import (
	"errors"
	"strings"
	"testing"
)

// lineOf is a GeoJSON LineString of n positions.
func lineOf(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"LineString","coordinates":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("[119.9,31.8]")
	}
	b.WriteString("]}")
	return b.String()
}

func TestDecodeGeometryVertexLimit(t *testing.T) {
	square := `[[119.9,31.8],[119.9,31.801],[119.901,31.801],[119.901,31.8],[119.9,31.8]]`
	for _, tc := range []struct {
		name, raw string
		max       int
		want      *TooManyVerticesError // nil: accepted
		text      string                // what users read (Error)
	}{
		{"line at the limit", lineOf(11), 11, nil, ""},
		{"line over the limit", lineOf(11), 10,
			&TooManyVerticesError{Pointer: "/geometry/coordinates/10", Max: 10},
			"/geometry/coordinates/10: too many vertices: at most 10 are accepted"},
		{"polygon, second ring", `{"type":"Polygon","coordinates":[` + square + `,` + square + `]}`, 7,
			&TooManyVerticesError{Pointer: "/geometry/coordinates/1/2", Max: 7},
			"/geometry/coordinates/1/2: too many vertices: at most 7 are accepted"},
		{"feature", `{"type":"Feature","properties":{},"geometry":` + lineOf(3) + `}`, 2,
			&TooManyVerticesError{Pointer: "/geometry/geometry/coordinates/2", Max: 2},
			"/geometry/geometry/coordinates/2: too many vertices: at most 2 are accepted"},
		{"WKT at the limit", `"LINESTRING (119.9 31.8, 119.91 31.8, 119.92 31.8)"`, 3, nil, ""},
		{"WKT over the limit", `"POLYGON ((119.9 31.8, 119.9 31.801, 119.901 31.801, 119.9 31.8))"`, 3,
			&TooManyVerticesError{Pointer: "/geometry", Count: 4, Max: 3},
			"/geometry: geometry has 4 vertices; at most 3 are accepted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeGeometry([]byte(tc.raw), "/geometry", tc.max)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var tv *TooManyVerticesError
			if !errors.As(err, &tv) {
				t.Fatalf("err = %T %v, want a *TooManyVerticesError", err, err)
			}
			if *tv != *tc.want {
				t.Errorf("got %+v, want %+v", *tv, *tc.want)
			}
			if err.Error() != tc.text {
				t.Errorf("Error() = %q, want %q", err.Error(), tc.text)
			}
			if !errors.Is(err, ErrInput) {
				t.Error("not an ErrInput")
			}
			// Code that handles every InputError alike sees the same pointer and text.
			var ie *InputError
			if !errors.As(err, &ie) || ie.Pointer != tv.Pointer || ie.Detail != tv.Detail() || ie.Error() != tc.text {
				t.Errorf("as an InputError: %+v", ie)
			}
		})
	}
}

// Other refusals are plain InputErrors, never TooManyVerticesError.
func TestDecodeGeometryOtherErrors(t *testing.T) {
	for _, raw := range []string{``, `{"type":"Point"}`, `"POINT (1)"`, `{"type":"Point","coordinates":[1,2,3,4]}`} {
		_, err := DecodeGeometry([]byte(raw), "/geometry", 10)
		var tv *TooManyVerticesError
		if !errors.Is(err, ErrInput) || errors.As(err, &tv) {
			t.Errorf("%q: %T %v", raw, err, err)
		}
	}
}
