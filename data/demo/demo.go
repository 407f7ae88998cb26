// Package demo holds the bundled layers: the layer manifest (layers.yaml)
// that every store serves and the illustrative demo layer files (one
// <id>.geojson per layer that is not derived; see README.md), and loads
// them into a store. `ecospace serve` without a database and the tests
// start from them.
package demo

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/geo"
)

//go:embed layers.yaml *.geojson
var files embed.FS

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
// <id>.geojson for each layer of m that is not derived.
func Features(m *data.Manifest) (map[string][]geo.Feature, error) {
	out := map[string][]geo.Feature{}
	for _, d := range m.Layers {
		if d.Derived != nil {
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
