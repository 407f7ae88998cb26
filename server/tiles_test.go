package server

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// featuresOnly hides a store's own tiles, so that the server builds them.
type featuresOnly struct{ data.Store }

func tilePath(id string, z int, p orb.Point) string {
	t := maptile.At(p, maptile.Zoom(z))
	return fmt.Sprintf("/api/v1/layers/%s/tiles/%d/%d/%d.mvt?as_of=2026-06-01", id, z, t.X, t.Y)
}

func TestLayerTile(t *testing.T) {
	s := demoServer(t)
	if _, ok := s.store.(countingStore).Store.(data.TileStore); !ok || s.tiles == nil {
		t.Fatal("the embedded store does not make its own tiles")
	}
	fallback := New(Config{Store: featuresOnly{s.store.(countingStore).Store}, Rules: s.rules, Manifest: s.man, Log: discardLog()})
	if fallback.tiles != nil {
		t.Fatal("the wrapper still makes tiles")
	}
	zhonglou := orb.Point{119.84, 31.80}
	for _, id := range []string{"green-corridors", "xinmeng-band", "canal-core", "xinmeng-river"} {
		for _, z := range []int{8, 12, 14} {
			path := tilePath(id, z, zhonglou)
			rec := get(t, s, path)
			if rec.Code != 200 || rec.Header().Get("Content-Type") != MVTContentType {
				t.Fatalf("%s: %d %s %s", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			layers, err := mvt.Unmarshal(rec.Body.Bytes())
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if len(layers) != 1 || layers[0].Name != id || layers[0].Extent != data.TileExtent {
				t.Fatalf("%s: layers %+v", path, layers)
			}
			if z == 8 && len(layers[0].Features) == 0 {
				t.Errorf("%s: no features", path)
			}
			for _, f := range layers[0].Features {
				if geo.PropString(f.Properties, "id") == "" {
					t.Errorf("%s: a feature without its id", path)
				}
			}
			// The server's own build from Features gives the same tile.
			if fb := get(t, fallback, path); !bytes.Equal(fb.Body.Bytes(), rec.Body.Bytes()) {
				t.Errorf("%s: the tile built from Features differs from the store's", path)
			}
			// Revalidation and gzip, as for GeoJSON.
			if nm := get(t, s, path, "If-None-Match", rec.Header().Get("ETag")); nm.Code != http.StatusNotModified {
				t.Errorf("%s: If-None-Match got %d", path, nm.Code)
			}
			if zr := get(t, s, path, "Accept-Encoding", "gzip"); !bytes.Equal(gunzip(t, zr.Body.Bytes()), rec.Body.Bytes()) {
				t.Errorf("%s: the gzip tile differs", path)
			}
		}
	}
	// A tile far from any feature is empty but fine.
	if rec := get(t, s, tilePath("green-corridors", 12, orb.Point{100, 30})); rec.Code != 200 {
		t.Errorf("empty tile: %d", rec.Code)
	}
}

func TestLayerTileBadRequests(t *testing.T) {
	s := demoServer(t)
	for path, want := range map[string]int{
		"/api/v1/layers/green-corridors/tiles/23/0/0.mvt":        400,
		"/api/v1/layers/green-corridors/tiles/a/0/0.mvt":         400,
		"/api/v1/layers/green-corridors/tiles/3/8/0.mvt":         404,
		"/api/v1/layers/green-corridors/tiles/3/1/-1.mvt":        404,
		"/api/v1/layers/green-corridors/tiles/3/1/1.png":         404,
		"/api/v1/layers/no-such-layer/tiles/3/1/1.mvt":           404,
		"/api/v1/layers/green-corridors/tiles/3/1/1.mvt":         200,
		"/api/v1/layers/green-corridors/tiles/0/0/0.mvt":         200,
		"/api/v1/layers/green-corridors/tiles/22/0/0.mvt":        200,
		"/api/v1/layers/green-corridors/tiles/3/1/1.mvt?as_of=x": 400,
	} {
		if rec := get(t, s, path); rec.Code != want {
			t.Errorf("%s: %d, want %d: %s", path, rec.Code, want, rec.Body)
		}
	}
}
