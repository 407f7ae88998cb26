package gen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/geo"
)

func small() Options {
	o := Defaults()
	o.Zones, o.Vertices, o.Big, o.Points = 300, 120_000, 20_000, 2000
	o.RiverVertices, o.CanalVertices = 400, 300
	return o
}

func TestLayersAreValidAndImportable(t *testing.T) {
	o := small()
	layers := Layers(o)
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	zones, zoneVerts, inDistrict := 0, 0, 0
	for _, id := range ImportOrder {
		def, ok := man.Def(id)
		if !ok {
			t.Fatalf("layer %s is not in the manifest", id)
		}
		var feats []geo.Feature
		for _, f := range layers[id] {
			feats = append(feats, geo.Feature{ID: f.ID, Geometry: f.Geom, Properties: f.Props})
			if !Province.Contains(f.Geom.Bound().Center()) {
				t.Errorf("%s/%s lies outside the province box", id, f.ID)
			}
			if def.Kind == geo.LayerZone && id != "taihu-tier" { // the tier is the whole province, not a zone drawn
				zones++
				zoneVerts += geo.CountVertices(f.Geom)
				if District.Intersects(f.Geom.Bound()) {
					inDistrict++
				}
			}
		}
		if err := data.CheckFeatures(def, feats); err != nil {
			t.Fatalf("layer %s: %v", id, err)
		}
	}
	if zones != o.Zones {
		t.Errorf("%d zones, want %d", zones, o.Zones)
	}
	if d := zoneVerts - o.Vertices; d < -o.Zones || d > o.Zones {
		t.Errorf("%d zone vertices, want about %d", zoneVerts, o.Vertices)
	}
	if big := layers["xinmeng-corridor"][0]; geo.CountVertices(big.Geom) != o.Big || !District.Intersects(big.Geom.Bound()) {
		t.Errorf("big zone: %d vertices, bound %v", geo.CountVertices(big.Geom), big.Geom.Bound())
	}
	if inDistrict < o.Zones/40 {
		t.Errorf("only %d zones touch the district", inDistrict)
	}
	// Zhonglou lies inside the synthetic province.
	cov := layers["district"][0].Geom.(orb.Polygon)
	for _, p := range []orb.Point{District.Min, District.Max, {District.Min[0], District.Max[1]}, {District.Max[0], District.Min[1]}} {
		if !planar.PolygonContains(cov, p) {
			t.Errorf("district corner %v is outside the province outline", p)
		}
	}
}

func TestWriteIsSeededAndLoads(t *testing.T) {
	o := small()
	d1, d2 := t.TempDir(), t.TempDir()
	s1, err := Write(d1, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(d2, o); err != nil {
		t.Fatal(err)
	}
	for name := range s1.Files {
		a, _ := os.ReadFile(filepath.Join(d1, name))
		b, _ := os.ReadFile(filepath.Join(d2, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	if s1.Points != o.Points {
		t.Errorf("%d points", s1.Points)
	}
	// The files load into the embedded store as they would through import.
	man, _ := demo.Manifest()
	mem := memory.New(man)
	for _, id := range ImportOrder {
		src, err := os.ReadFile(filepath.Join(d1, id+".geojson"))
		if err != nil {
			t.Fatal(err)
		}
		feats, err := layerfile.ParseGeoJSON(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mem.Import(context.Background(), id, feats, data.ImportOptions{ValidFrom: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatalf("import %s: %v", id, err)
		}
	}
	site, err := geo.SiteFromLonLat(orb.Point{119.84, 31.80})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := mem.Relate(context.Background(), site, data.At{AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if !rel.Coverage.Inside {
		t.Fatal("the centre of Zhonglou is outside the synthetic coverage")
	}
	big := false
	for _, h := range rel.Hits {
		big = big || h.ZoneID == "gen-big"
	}
	if !big {
		t.Errorf("the big zone does not hold the centre of Zhonglou; hits %+v", rel.Hits)
	}
}

// Dense zones (thousands of vertices on small shapes) stay valid after
// rounding to the files' precision.
func TestDenseZonesStayValid(t *testing.T) {
	o := small()
	o.Zones, o.Vertices, o.Big = 20, 200_000, 0
	if err := Check(Layers(o)); err != nil {
		t.Fatal(err)
	}
}
