package server

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/zhonglou/ecospace/server/servertest"
)

// TestLayerBytesSameOnPostGIS: the map's GeoJSON of every imported demo
// layer is the same bytes from the embedded store and from PostGIS (which
// splices the properties it kept at import, and writes geometry from WKB),
// with and without a bbox. Derived bands are drawn by each store's own
// buffer and are compared by the conformance suite instead.
func TestLayerBytesSameOnPostGIS(t *testing.T) {
	pg := servertest.DemoPG(t)
	man := pg.Manifest
	onPG := serve(pg)
	onMem := demoServer(t)
	compared := 0
	for _, def := range man.Layers {
		if def.Derived != nil || def.Kind == "register" { // the demo holds no parcel register
			continue
		}
		for _, q := range []string{"", "&bbox=119.80,31.76,119.90,31.83"} {
			path := "/api/v1/layers/" + def.ID + "/features?as_of=2026-06-01" + q
			want := do(t, onMem, http.MethodGet, path, "", nil)
			got := do(t, onPG, http.MethodGet, path, "", nil)
			if got.Code != http.StatusOK || want.Code != http.StatusOK {
				t.Fatalf("%s: PostGIS %d, embedded %d: %s", path, got.Code, want.Code, got.Body)
			}
			if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
				t.Errorf("%s: PostGIS and embedded bytes differ\nPostGIS  %.300s\nembedded %.300s", path, got.Body, want.Body)
			}
			compared++
		}
	}
	if compared < 10 {
		t.Errorf("compared %d responses; the manifest should have six imported layers", compared)
	}
}
