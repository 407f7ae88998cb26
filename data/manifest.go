package data

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/zhonglou/ecospace/geo"
)

// Manifest is the list of layer definitions that both stores serve.
type Manifest struct {
	Layers []geo.LayerDef `yaml:"layers"`
}

// Def returns a layer definition by id.
func (m *Manifest) Def(id string) (geo.LayerDef, bool) {
	for _, d := range m.Layers {
		if d.ID == id {
			return d, true
		}
	}
	return geo.LayerDef{}, false
}

// Coverage returns the coverage layer's definition.
func (m *Manifest) Coverage() (geo.LayerDef, bool) {
	for _, d := range m.Layers {
		if d.Kind == geo.LayerCoverage {
			return d, true
		}
	}
	return geo.LayerDef{}, false
}

// Register returns the parcel register's definition: the layer of kind
// register (ecospace import --layer parcels --parcel-field 宗地号), whose
// features are looked up by their parcel number.
func (m *Manifest) Register() (geo.LayerDef, bool) {
	for _, d := range m.Layers {
		if d.Kind == geo.LayerRegister {
			return d, true
		}
	}
	return geo.LayerDef{}, false
}

// DependsOn lists the derived layers computed from layer id (as source,
// mask or, for outside masks, coverage).
func (m *Manifest) DependsOn(id string) []geo.LayerDef {
	var out []geo.LayerDef
	cov, _ := m.Coverage()
	for _, d := range m.Layers {
		if d.Derived == nil {
			continue
		}
		if d.Derived.Source == id || (d.Derived.Mask != "" && (d.Derived.Mask == id || cov.ID == id)) {
			out = append(out, d)
		}
	}
	return out
}

// ParseManifest reads a layer manifest and checks it.
func ParseManifest(src []byte) (*Manifest, error) {
	var m Manifest
	dec := yaml.NewDecoder(strings.NewReader(string(src)))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("layer manifest: %w", err)
	}
	seen := map[string]bool{}
	covs := 0
	for _, d := range m.Layers {
		if d.ID == "" || seen[d.ID] {
			return nil, fmt.Errorf("layer manifest: layer id %q is empty or repeated", d.ID)
		}
		seen[d.ID] = true
		switch d.Kind {
		case geo.LayerCoverage:
			covs++
		case geo.LayerSource, geo.LayerMask, geo.LayerZone, geo.LayerDistance, geo.LayerDisplay, geo.LayerRegister:
		default:
			return nil, fmt.Errorf("layer manifest: layer %s: unknown kind %q", d.ID, d.Kind)
		}
		if (d.Kind == geo.LayerDistance) != (d.Derived != nil) {
			return nil, fmt.Errorf("layer manifest: layer %s: a distance layer, and only it, is derived", d.ID)
		}
		// A zone layer without a zone kind is informational: drawn with
		// its status, never judged.
		if d.Kind == geo.LayerDistance && d.ZoneKind == "" {
			return nil, fmt.Errorf("layer manifest: layer %s: zone_kind is required", d.ID)
		}
		if d.SubzoneFrom != nil {
			if d.Kind != geo.LayerZone {
				return nil, fmt.Errorf("layer manifest: layer %s: subzone_from is for zone layers (a %s layer's subzones are its bands')", d.ID, d.Kind)
			}
			if err := d.SubzoneFrom.Check(); err != nil {
				return nil, fmt.Errorf("layer manifest: layer %s: %w", d.ID, err)
			}
		}
		if d.ZoneKind != "" && d.Kind != geo.LayerZone && d.Kind != geo.LayerDistance {
			return nil, fmt.Errorf("layer manifest: layer %s: a %s layer is not judged and takes no zone_kind", d.ID, d.Kind)
		}
	}
	if covs != 1 {
		return nil, fmt.Errorf("layer manifest: exactly one coverage layer is required, found %d", covs)
	}
	for _, d := range m.Layers {
		if d.Derived == nil {
			continue
		}
		if s, ok := m.Def(d.Derived.Source); !ok || s.Kind != geo.LayerSource {
			return nil, fmt.Errorf("layer manifest: layer %s: source %q is not a source layer", d.ID, d.Derived.Source)
		}
		if d.Derived.Mask != "" {
			if s, ok := m.Def(d.Derived.Mask); !ok || s.Kind != geo.LayerMask {
				return nil, fmt.Errorf("layer manifest: layer %s: mask %q is not a mask layer", d.ID, d.Derived.Mask)
			}
		}
		for _, b := range d.Derived.Bands {
			if b.Mask != "" && d.Derived.Mask == "" {
				return nil, fmt.Errorf("layer manifest: layer %s band %s: masked band without a mask layer", d.ID, b.ID)
			}
		}
	}
	sort.SliceStable(m.Layers, func(i, j int) bool { return m.Layers[i].Order < m.Layers[j].Order })
	return &m, nil
}

// CheckRules reports a manifest that the rules cannot judge: a judged
// layer whose zone kind the rules do not know, or a band or subzone_from
// value naming a subzone that is not one of its zone kind's (or none where
// the kind has subzones). `ecospace serve` refuses to start with it rather
// than fail every check that meets the layer.
func (m *Manifest) CheckRules(rs *geo.RuleSet) error {
	for _, d := range m.Layers {
		if d.ZoneKind == "" {
			continue
		}
		if _, ok := rs.ZoneKind(d.ZoneKind); !ok {
			return fmt.Errorf("layer manifest: layer %s: zone_kind %q is not one of the rules' (rules version %s)", d.ID, d.ZoneKind, rs.Version)
		}
		subs := rs.SubzoneIDs(d.ZoneKind)
		var given []string
		switch {
		case d.Derived != nil:
			for _, b := range d.Derived.Bands {
				given = append(given, b.Subzone)
			}
		case d.SubzoneFrom != nil:
			for _, v := range d.SubzoneFrom.Values {
				given = append(given, v)
			}
		}
		for _, sub := range given {
			if (len(subs) == 0 && sub != "") || (len(subs) > 0 && !slices.Contains(subs, sub)) {
				return fmt.Errorf("layer manifest: layer %s: subzone %q is not one of zone kind %s's (%s)", d.ID, sub, d.ZoneKind, strings.Join(subs, ", "))
			}
		}
	}
	return nil
}
