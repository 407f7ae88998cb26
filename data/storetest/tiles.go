package storetest

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/zhonglou/ecospace/data"
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
		tile := maptile.At(zhonglou, 8)
		b, err := ts.Tile(ctx(t), id, AsOf, int(tile.Z), int(tile.X), int(tile.Y))
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
