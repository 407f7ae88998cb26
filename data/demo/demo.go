// Package demo holds the bundled layers: the layer manifest (layers.yaml)
// that every store serves and the illustrative demo layer files (one
// <id>.geojson per layer that is not derived; see README.md), and loads
// them into a store. `ecospace serve` without a database and the tests
// start from them.
package demo

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/geo"
)

//go:embed layers.yaml *.geojson testpoints.json
var files embed.FS

// ValidFrom is the date the bundled demo layers are valid from, wherever
// they are loaded (ecospace serve without a database, import --demo, the
// tests): the rules' valid_from, the day 苏政发〔2020〕1号 issued the
// ecological-space zones, so that a check as of any day the rules answer
// for (a 2022 one too) has layers to be judged on.
var ValidFrom = time.Date(2020, 1, 8, 0, 0, 0, 0, time.UTC)

// TestPoint is one row of the README's test-point table (testpoints.json,
// written by report.py from the layer files as drawn): a point, its
// distances to the 新孟河 shore, centre line and canal water in EPSG:4549
// metres, and the zones a store should find there, as "layer-or-zone
// (subzone or note)".
type TestPoint struct {
	N            int      `json:"n"`
	Label        string   `json:"label"`
	Lon          float64  `json:"lon"`
	Lat          float64  `json:"lat"`
	DShoreM      float64  `json:"d_shore_m"`
	DCentreLineM float64  `json:"d_centreline_m"`
	DCanalWaterM float64  `json:"d_canal_water_m"`
	Hits         []string `json:"hits"`
}

// TestPoints reads testpoints.json.
func TestPoints() ([]TestPoint, error) {
	src, err := files.ReadFile("testpoints.json")
	if err != nil {
		return nil, err
	}
	var out []TestPoint
	if err := json.Unmarshal(src, &out); err != nil {
		return nil, fmt.Errorf("testpoints.json: %w", err)
	}
	return out, nil
}

// Manifest is the bundled layer manifest, layers.yaml: the layers every
// store serves, whether it holds the demo layers or official ones.
func Manifest() (*data.Manifest, error) {
	src, err := files.ReadFile("layers.yaml")
	if err != nil {
		return nil, err
	}
	return data.ParseManifest(src)
}

// Features reads the bundled demo layer files, keyed by layer id: one
// <id>.geojson for each layer of m that is not derived (nor the parcel
// register, which the demo does not fill: a steward imports one).
func Features(m *data.Manifest) (map[string][]geo.Feature, error) {
	out := map[string][]geo.Feature{}
	for _, d := range m.Layers {
		if d.Derived != nil || d.Kind == geo.LayerRegister {
			continue
		}
		src, err := fs.ReadFile(files, d.ID+".geojson")
		if err != nil {
			return nil, fmt.Errorf("demo layer %s: %w", d.ID, err)
		}
		feats, err := layerfile.ParseGeoJSON(src)
		if err != nil {
			return nil, fmt.Errorf("demo layer %s: %w", d.ID, err)
		}
		out[d.ID] = feats
	}
	return out, nil
}

// Load imports the bundled demo layers into a store, each as its next
// version valid from opts.ValidFrom, in an order that lets derived layers
// be computed: coverage and masks, then sources, then zones, then the
// layers only drawn.
func Load(ctx context.Context, s data.Store, m *data.Manifest, opts data.ImportOptions) error {
	feats, err := Features(m)
	if err != nil {
		return err
	}
	for _, kind := range []string{geo.LayerCoverage, geo.LayerMask, geo.LayerSource, geo.LayerZone, geo.LayerDisplay} {
		for _, d := range m.Layers {
			if d.Kind != kind {
				continue
			}
			opts.Source = "demo/" + d.ID + ".geojson"
			if _, err := s.Import(ctx, d.ID, feats[d.ID], opts); err != nil {
				return fmt.Errorf("load demo layer %s: %w", d.ID, err)
			}
		}
	}
	return nil
}
