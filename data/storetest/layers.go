package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// testTileProperties: a store that makes its own vector tiles gives each
// feature in them the scalar properties it has in Features (strings,
// numbers, booleans; its id among them), so that a map popup over tiles
// says what it says over GeoJSON, whichever store answers.
func testTileProperties(t *testing.T, open Opener) {
	s := open(t)
	ts, ok := s.(data.TileStore)
	if !ok {
		t.Fatalf("%T does not make vector tiles", s)
	}
	zhonglou := orb.Point{119.84, 31.80}
	seen := 0
	for _, id := range []string{"green-corridors", "xinmeng-band", "xinmeng-corridor", "canal-core", "xinmeng-river"} {
		want := map[string]map[string]any{}
		for _, f := range features(t, s, id, data.FeatureQuery{Zoom: -1}) {
			props := map[string]any{"id": f.ID}
			for k, v := range f.Properties {
				switch v.(type) {
				case string, bool, float64:
					props[k] = v
				}
			}
			want[fmt.Sprint(props["id"])] = props
		}
		info, err := s.Layer(ctx(t), id, AsOf)
		if err != nil {
			t.Fatal(err)
		}
		tile := maptile.At(zhonglou, 8)
		b, err := ts.Tile(ctx(t), id, info.Version, int(tile.Z), int(tile.X), int(tile.Y))
		if err != nil {
			t.Fatalf("tile of %s: %v", id, err)
		}
		layers, err := mvt.Unmarshal(b)
		if err != nil || len(layers) != 1 {
			t.Fatalf("tile of %s: %d layers, %v", id, len(layers), err)
		}
		if len(layers[0].Features) != len(want) {
			t.Errorf("%s: %d features in the zoom-8 tile over the district, want all %d", id, len(layers[0].Features), len(want))
		}
		for _, f := range layers[0].Features {
			w, ok := want[fmt.Sprint(f.Properties["id"])]
			if !ok {
				t.Errorf("%s: tile feature %v is not a feature of the layer", id, f.Properties["id"])
				continue
			}
			seen++
			if len(f.Properties) != len(w) {
				t.Errorf("%s/%v: tile properties %v, want %v", id, f.Properties["id"], f.Properties, w)
				continue
			}
			for k, v := range w {
				got := f.Properties[k]
				// MVT keeps integers and doubles apart; JSON numbers
				// are one kind.
				if gn, ok := asFloat(got); ok {
					got = gn
				}
				if got != v {
					t.Errorf("%s/%v: property %s = %v (%T), want %v", id, f.Properties["id"], k, f.Properties[k], f.Properties[k], v)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no tile feature was compared")
	}
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case int:
		return float64(n), true
	}
	return 0, false
}

// testFeaturesExactBBox: with Exact, a bbox selects exactly the features
// whose geometry meets it (geo.BoundIntersects over every feature), in
// the same order, on boxes of every size over the district, many of them
// inside the bounds of long corridors and bands that they miss.
func testFeaturesExactBBox(t *testing.T, open Opener) {
	s := open(t)
	rng := rand.New(rand.NewPCG(11, 12))
	checked, dropped := 0, 0
	for _, id := range []string{"green-corridors", "xinmeng-band", "canal-core", "xinmeng-river", "canal"} {
		all := features(t, s, id, data.FeatureQuery{Zoom: -1})
		for range 60 {
			w := 0.001 + rng.Float64()*rng.Float64()*0.05
			x, y := 119.72+rng.Float64()*0.24, 31.74+rng.Float64()*0.12
			box := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, y + w*0.8}}
			var want []string
			loose := 0
			for _, f := range all {
				if box.Intersects(f.Geometry.Bound()) {
					loose++
					if geo.BoundIntersects(box, f.Geometry) {
						want = append(want, f.ID)
					}
				}
			}
			got := ids(features(t, s, id, data.FeatureQuery{Zoom: -1, BBox: &box, Exact: true}))
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s, box %v: %v, want %v", id, box, got, want)
			}
			// Offset and limit count the features that pass the exact test.
			page := ids(features(t, s, id, data.FeatureQuery{Zoom: -1, BBox: &box, Exact: true, Offset: 1, Limit: 2}))
			if wantPage := want[min(1, len(want)):min(3, len(want))]; fmt.Sprint(page) != fmt.Sprint(wantPage) {
				t.Errorf("%s, box %v, offset 1, limit 2: %v, want %v", id, box, page, wantPage)
			}
			checked++
			dropped += loose - len(want)
		}
	}
	if dropped == 0 {
		t.Errorf("none of %d boxes met a feature's bounds but not the feature: the test proves nothing", checked)
	}
}

// testRawProperties: asked for properties only to write them out, a store
// gives the bytes encoding/json writes for the properties it gives when
// asked for the map: for the demo layers (the derived ones among them) and
// for a new version whose properties need escaping, exponents and nesting.
// The embedded store and PostGIS must give the same bytes; PostGIS passes
// the encoding it kept at import through.
func testRawProperties(t *testing.T, open Opener) {
	s := open(t)
	tricky := []map[string]any{
		{"name": "绿廊 <一> & \"二\"", "n": 3.0, "big": 1e21, "small": 1.5e-7, "neg": -0.25},
		{"nested": map[string]any{"b": []any{1.0, "x", true, nil}, "a": "\u2028"}, "empty": map[string]any{}},
		{},
		nil,
	}
	old := features(t, s, "green-corridors", data.FeatureQuery{Zoom: -1})
	next := make([]geo.Feature, len(old))
	for i, f := range old {
		next[i] = geo.Feature{ID: f.ID, Geometry: f.Geometry, Properties: tricky[i%len(tricky)]}
	}
	from := AsOf.AddDate(0, 0, 1)
	if _, err := s.Import(ctx(t), "green-corridors", next, data.ImportOptions{ValidFrom: from}); err != nil {
		t.Fatal(err)
	}
	for _, id := range demoLayers {
		for _, asOf := range []time.Time{AsOf, from} {
			plain := features(t, s, id, data.FeatureQuery{AsOf: asOf, Zoom: -1})
			raw := features(t, s, id, data.FeatureQuery{AsOf: asOf, Zoom: -1, RawProperties: true})
			if fmt.Sprint(ids(raw)) != fmt.Sprint(ids(plain)) {
				t.Fatalf("%s on %s: raw ids %v, want %v", id, asOf.Format(time.DateOnly), ids(raw), ids(plain))
			}
			for i := range plain {
				want := []byte("{}")
				if plain[i].Properties != nil {
					var err error
					if want, err = json.Marshal(plain[i].Properties); err != nil {
						t.Fatal(err)
					}
				}
				got, err := raw[i].EncodedProperties()
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s/%s on %s: raw properties %s (%v), want %s", id, raw[i].ID, asOf.Format(time.DateOnly), got, err, want)
				}
				if raw[i].PropertiesJSON != nil && raw[i].Properties != nil {
					t.Errorf("%s/%s: both Properties and PropertiesJSON set", id, raw[i].ID)
				}
			}
		}
	}
	// The tricky version's maps, once encoded, decode to what was imported.
	for i, f := range features(t, s, "green-corridors", data.FeatureQuery{AsOf: from, Zoom: -1, RawProperties: true}) {
		got, _ := f.EncodedProperties()
		want, _ := json.Marshal(next[i].Properties)
		if next[i].Properties == nil {
			want = []byte("{}")
		}
		if !bytes.Equal(got, want) {
			t.Errorf("green-corridors/%s: %s, want %s", f.ID, got, want)
		}
	}
}
