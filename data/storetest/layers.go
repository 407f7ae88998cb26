package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/geo"
)

func testLayers(t *testing.T, open Opener) {
	s := open(t)
	layers, err := s.Layers(ctx(t), AsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != len(demoLayers) {
		t.Fatalf("got %d layers, want %d", len(layers), len(demoLayers))
	}
	for i, l := range layers {
		if l.ID != demoLayers[i] {
			t.Errorf("layer %d is %s, want %s", i, l.ID, demoLayers[i])
		}
		if l.Version != 1 || !l.ValidFrom.Equal(demo.ValidFrom) {
			t.Errorf("layer %s: version %d from %s, want 1 from %s", l.ID, l.Version, l.ValidFrom, demo.ValidFrom)
		}
		if l.FeatureCount == 0 || l.Title.ZH == "" || l.Title.EN == "" {
			t.Errorf("layer %s: %d features, title %+v", l.ID, l.FeatureCount, l.Title)
		}
		if l.Status != "illustrative" {
			t.Errorf("layer %s: status %q, want illustrative", l.ID, l.Status)
		}
		b := l.BBox
		if b[0] < 119.5 || b[2] > 120.2 || b[1] < 31.5 || b[3] > 32.1 || b[0] >= b[2] || b[1] >= b[3] {
			t.Errorf("layer %s: bbox %v is not around Zhonglou", l.ID, b)
		}
	}
	if _, err := s.Layer(ctx(t), "no-such-layer", AsOf); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("unknown layer: err %v, want ErrNotFound", err)
	}
}

func testFeatures(t *testing.T, open Opener) {
	s := open(t)
	for _, id := range demoLayers {
		info, err := s.Layer(ctx(t), id, AsOf)
		if err != nil {
			t.Fatal(err)
		}
		fs := features(t, s, id, data.FeatureQuery{Zoom: -1})
		if len(fs) != info.FeatureCount {
			t.Errorf("%s: %d features, info says %d", id, len(fs), info.FeatureCount)
		}
		for i := 1; i < len(fs); i++ {
			if fs[i-1].ID >= fs[i].ID {
				t.Errorf("%s: features not ordered by id: %q then %q", id, fs[i-1].ID, fs[i].ID)
			}
		}
	}
	// The Xinmeng band: the water (within 0.1 m of the source) and the
	// land beyond it up to 1 000 m, in id order.
	band := features(t, s, "xinmeng-band", data.FeatureQuery{Zoom: -1})
	if len(band) != 2 || band[0].ID != "xinmeng-band-land" || band[1].ID != "xinmeng-band-water" {
		t.Fatalf("xinmeng-band features: %v", ids(band))
	}
	land, water := band[0].Properties, band[1].Properties
	if land["distance_m"] != 1000.0 || land["min_distance_m"] != 0.1 || land["subzone"] != "land" || land["source"] != "xinmeng-river" ||
		water["distance_m"] != 0.1 || water["min_distance_m"] != nil || water["subzone"] != "water" {
		t.Errorf("xinmeng-band properties: land %v, water %v", land, water)
	}
	if a := geo.ProjectedArea(band[0].Geometry); a < 5e6 {
		t.Errorf("xinmeng-band drawn area %.0f m², want a 2 km wide band", a)
	}
	// The green corridors' and Taihu tiers' subzones come from a property.
	for id, want := range map[string]string{"green-corridors": "green_line", "taihu-tier": "tier"} {
		for _, f := range features(t, s, id, data.FeatureQuery{Zoom: -1}) {
			if _, ok := f.Properties[want]; !ok {
				t.Errorf("%s/%s has no %s", id, f.ID, want)
			}
		}
	}
	core := features(t, s, "canal-core", data.FeatureQuery{Zoom: -1})
	subs := map[string]bool{}
	for _, f := range core {
		subs[geo.PropString(f.Properties, "subzone")] = true
	}
	for _, want := range []string{"built-up", "riverside-eco", "non-built-up"} {
		if !subs[want] {
			t.Errorf("canal-core has no %s subzone (has %v)", want, subs)
		}
	}
	// A bbox far away selects nothing; one around the river selects it.
	if fs := features(t, s, "green-corridors", data.FeatureQuery{Zoom: -1, BBox: &orb.Bound{Min: orb.Point{100, 20}, Max: orb.Point{100.1, 20.1}}}); len(fs) != 0 {
		t.Errorf("far bbox selected %d features", len(fs))
	}
	river := features(t, s, "xinmeng-river", data.FeatureQuery{Zoom: -1})
	rb := river[0].Geometry.Bound()
	if fs := features(t, s, "xinmeng-river", data.FeatureQuery{Zoom: -1, BBox: &rb}); len(fs) != 1 {
		t.Errorf("river bbox selected %d features", len(fs))
	}
	// Low zoom simplifies.
	full := countVertices(features(t, s, "district", data.FeatureQuery{Zoom: -1}))
	low := countVertices(features(t, s, "district", data.FeatureQuery{Zoom: 8}))
	if low >= full {
		t.Errorf("zoom 8 has %d vertices, full %d: not simplified", low, full)
	}
	// Limit and offset page through in order.
	all := features(t, s, "green-corridors", data.FeatureQuery{Zoom: -1})
	page := features(t, s, "green-corridors", data.FeatureQuery{Zoom: -1, Limit: 2, Offset: 1})
	if len(all) < 3 || len(page) != 2 || page[0].ID != all[1].ID || page[1].ID != all[2].ID {
		t.Errorf("paging: all %d, page %v", len(all), ids(page))
	}
}

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
	for _, id := range []string{"green-corridors", "xinmeng-band", "xinmeng-corridor", "canal-core", "xinmeng-river", "taihu-tier"} {
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
		// Every feature is in the tile, but for one narrower than a
		// pixel at zoom 8 (the Xinmeng band's water, 0.2 m wide while the
		// river is a line), which simplification may drop.
		tiny := 0
		for _, f := range features(t, s, id, data.FeatureQuery{Zoom: -1}) {
			if a := geo.ProjectedArea(f.Geometry); a > 0 && a < 1e4 {
				tiny++
			}
		}
		if n := len(layers[0].Features); n > len(want) || n < len(want)-tiny {
			t.Errorf("%s: %d features in the zoom-8 tile over the district, want all %d (%d may be too small to draw)", id, n, len(want), tiny)
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
	// The green corridors need their green_line (it gives their
	// subzone); the canal's two courses take the empty and the missing
	// properties.
	from := AsOf.AddDate(0, 0, 1)
	imported := map[string][]geo.Feature{}
	for id, props := range map[string][]map[string]any{"green-corridors": tricky[:2], "canal": tricky[2:]} {
		old := features(t, s, id, data.FeatureQuery{Zoom: -1})
		next := make([]geo.Feature, len(old))
		for i, f := range old {
			p := props[i%len(props)]
			if id == "green-corridors" {
				p = maps.Clone(p)
				p["green_line"] = i%2 == 0
			}
			next[i] = geo.Feature{ID: f.ID, Geometry: f.Geometry, Properties: p}
		}
		if _, err := s.Import(ctx(t), id, next, data.ImportOptions{ValidFrom: from}); err != nil {
			t.Fatal(err)
		}
		imported[id] = next
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
	for id, next := range imported {
		for i, f := range features(t, s, id, data.FeatureQuery{AsOf: from, Zoom: -1, RawProperties: true}) {
			got, _ := f.EncodedProperties()
			want, _ := json.Marshal(next[i].Properties)
			if next[i].Properties == nil {
				want = []byte("{}")
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s/%s: %s, want %s", id, f.ID, got, want)
			}
		}
	}
}
