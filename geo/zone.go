package geo

import (
	"encoding/json"
	"time"

	"github.com/paulmach/orb"
)

// Layer kinds: how a layer takes part in a siting check.
const (
	LayerCoverage = "coverage" // the district: outside it the service does not judge
	LayerSource   = "source"   // water surfaces (inside the shoreline) that distance zones are measured from
	LayerMask     = "mask"     // a polygon that sub-zones a derived layer (e.g. built-up area)
	LayerZone     = "zone"     // polygon zones that the rules apply to
	LayerDistance = "distance" // derived: everything within a distance of a source layer
	LayerDisplay  = "display"  // drawn, listed and served, never judged nor measured from (e.g. a centre line)
	LayerRegister = "register" // a register looked up by number (the cadastral parcels, 宗地), served, never judged
)

// Relations of a site to a zone.
const (
	RelInside         = "inside"
	RelOverlaps       = "overlaps"
	RelWithinDistance = "within_distance"
)

// LayerDef describes a layer: what it is, how the rules see it and, for a
// derived layer, how it is computed from its source.
type LayerDef struct {
	ID       string `json:"id" yaml:"id"`
	Title    Text   `json:"title" yaml:"title"`
	Kind     string `json:"kind" yaml:"kind"`
	ZoneKind string `json:"zone_kind,omitempty" yaml:"zone_kind"` // key into the rules; empty: not judged
	// SubzoneFrom: a zone layer whose features' subzone comes from a
	// property (see SubzoneOf); nil: from the "subzone" property.
	SubzoneFrom *SubzoneFrom `json:"subzone_from,omitempty" yaml:"subzone_from"`
	Derived     *Derived     `json:"derived,omitempty" yaml:"derived"`
	Order       int          `json:"-" yaml:"order"`
}

// Judged reports whether sites are judged against the layer's zones: a
// distance layer, or a zone layer with a zone kind. A zone layer without
// one is informational (drawn with its status, never judged).
func (d LayerDef) Judged() bool {
	return d.Kind == LayerDistance || (d.Kind == LayerZone && d.ZoneKind != "")
}

// Decides reports whether the layer's version takes part in a decision
// and is named in an answer: the coverage, the judged layers and the
// sources and masks they are derived from. Display and informational
// layers do not.
func (d LayerDef) Decides() bool {
	return d.Kind == LayerCoverage || d.Kind == LayerSource || d.Kind == LayerMask || d.Judged()
}

// Derived defines a distance layer by its source layer and distances. Each
// band becomes one zone of the derived layer; it is recomputed whenever the
// source or mask layer changes and is never drawn by hand.
type Derived struct {
	Source string `json:"source" yaml:"source"`
	Mask   string `json:"mask,omitempty" yaml:"mask"` // optional mask layer that splits bands into inside/outside parts
	Bands  []Band `json:"bands" yaml:"bands"`
}

// Band is one zone of a derived layer: the land within DistanceM (inclusive)
// and farther than MinDistanceM (exclusive, 0 for none) of the source,
// optionally restricted to the inside or outside of the mask layer.
type Band struct {
	ID           string  `json:"id" yaml:"id"`
	Name         Text    `json:"name" yaml:"name"`
	Subzone      string  `json:"subzone,omitempty" yaml:"subzone"`
	DistanceM    float64 `json:"distance_m" yaml:"distance_m"`
	MinDistanceM float64 `json:"min_distance_m,omitempty" yaml:"min_distance_m"`
	Mask         string  `json:"mask,omitempty" yaml:"mask"` // "", "inside" or "outside"
	Basis        string  `json:"basis,omitempty" yaml:"basis"`
}

// Feature is one stored feature of a layer, in lon/lat (CGCS2000 ≈ WGS84).
type Feature struct {
	ID         string         `json:"id"`
	Geometry   orb.Geometry   `json:"-"`
	Properties map[string]any `json:"properties"`
	// PropertiesJSON is Properties as encoding/json writes them, when a
	// store kept them encoded and was asked for them so; Properties is
	// then nil.
	PropertiesJSON []byte `json:"-"`
}

// EncodedProperties is the feature's properties object as encoding/json
// writes it ({} for none), from PropertiesJSON when the store gave it.
func (f *Feature) EncodedProperties() ([]byte, error) {
	if f.PropertiesJSON != nil {
		return f.PropertiesJSON, nil
	}
	if f.Properties == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(f.Properties)
}

// Zone is one feature that a site can be judged against. A plain polygon
// zone has Area only. A distance zone has Source and DistanceM, and may have
// Area as a mask: the site must then also intersect Area. Membership of a
// distance zone is decided by exact distance to Source in EPSG:4549 metres;
// Drawn is only a polygon approximation for maps and conflict areas.
type Zone struct {
	ID           string
	Layer        string
	ZoneKind     string
	Name         Text
	Subzone      string
	Basis        string // legal basis named by the feature
	Status       string // illustrative | estimated | official
	Area         orb.Geometry
	Source       orb.Geometry
	DistanceM    float64
	MinDistanceM float64
	Drawn        orb.Geometry
	Properties   map[string]any
	// Origin is set when the band's source surfaces were derived from a
	// centre line (origin.go); hits on the zone say so.
	Origin *Origin
}

// IsDistance reports whether membership is decided by distance to a source.
func (z *Zone) IsDistance() bool { return z.Source != nil }

// LayerVersion names the version of a layer that answered a check.
// Relate fills Status in (the layer version's data status: illustrative,
// estimated or official, from its features' "status"); elsewhere it may
// be empty and is then left out.
type LayerVersion struct {
	ID        string `json:"id"`
	Version   int64  `json:"version"`
	ValidFrom Date   `json:"valid_from"`
	Status    string `json:"status,omitempty"`
	// RecordedAt is when ecospace learned the version (data.At: the
	// knowledge time); zero where not known, and then left out.
	RecordedAt time.Time `json:"recorded_at,omitzero"`
}

// LayerInfo is what the API lists about a layer.
type LayerInfo struct {
	LayerDef
	GeometryType string     `json:"geometry_type"`
	FeatureCount int        `json:"feature_count"`
	BBox         [4]float64 `json:"bbox"`
	Version      int64      `json:"version"`
	ValidFrom    Date       `json:"valid_from"`
	// RecordedAt is when ecospace learned this version: set by the store
	// when the import committed, never changed.
	RecordedAt time.Time `json:"recorded_at"`
	Status     string    `json:"status"`
	// Origin: the layer's surfaces (or, for a derived layer, its source's)
	// were derived from a centre line; absent when they were drawn.
	Origin *Origin `json:"origin,omitempty"`
}
