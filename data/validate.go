package data

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zhonglou/ecospace/geo"
)

// FeatureProblem is what is wrong with one feature of an import.
type FeatureProblem struct {
	Index   int    `json:"index"` // 0-based position in the file
	ID      string `json:"id,omitempty"`
	Pointer string `json:"pointer,omitempty"` // into the feature's geometry, or /properties/<name>
	Reason  string `json:"reason"`
	// Shape: the fault is the geometry's shape (a ring that crosses
	// itself, say), which a repair (import --make-valid) may mend; an id
	// repeated, a wrong geometry type or property is not.
	Shape bool `json:"-"`
}

// ImportError refuses an import and lists every bad feature.
type ImportError struct {
	Layer    string
	Problems []FeatureProblem
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import %s: %d invalid feature(s)", e.Layer, len(e.Problems))
	for i, p := range e.Problems {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(e.Problems)-5)
			break
		}
		fmt.Fprintf(&b, "; feature %d (%s)%s: %s", p.Index, p.ID, p.Pointer, p.Reason)
	}
	return b.String()
}

func (e *ImportError) Unwrap() error { return ErrInvalidImport }

// CheckFeatures checks the features of an import against the layer's kind
// and returns every problem found, not only the first.
func CheckFeatures(def geo.LayerDef, feats []geo.Feature) error {
	c := NewFeatureCheck(def)
	for i, f := range feats {
		c.Add(i, f)
	}
	return c.Err()
}

// FeatureCheck is CheckFeatures one feature at a time, for imports that
// stream their features: Add each in order, then Err.
type FeatureCheck struct {
	def   geo.LayerDef
	n     int
	ids   map[string]int
	probs []FeatureProblem
}

// NewFeatureCheck starts checking the features of an import into def.
func NewFeatureCheck(def geo.LayerDef) *FeatureCheck {
	return &FeatureCheck{def: def, ids: map[string]int{}}
}

// Add checks feature i.
func (c *FeatureCheck) Add(i int, f geo.Feature) {
	c.n++
	if j, dup := c.ids[f.ID]; dup {
		c.probs = append(c.probs, FeatureProblem{Index: i, ID: f.ID, Reason: fmt.Sprintf("id repeats feature %d", j)})
		return
	}
	c.ids[f.ID] = i
	if err := geo.CheckGeometry(f.Geometry); err != nil {
		p := FeatureProblem{Index: i, ID: f.ID, Reason: err.Error(), Shape: true}
		var ie *geo.InputError
		if errors.As(err, &ie) {
			p.Pointer, p.Reason = ie.Pointer, ie.Detail
		}
		c.probs = append(c.probs, p)
		return
	}
	def := c.def
	switch t := f.Geometry.GeoJSONType(); def.Kind {
	case geo.LayerCoverage, geo.LayerZone, geo.LayerMask, geo.LayerRegister:
		switch t {
		case "Polygon", "MultiPolygon":
		default:
			c.probs = append(c.probs, FeatureProblem{Index: i, ID: f.ID, Reason: fmt.Sprintf("a %s layer holds polygons, not %s", def.Kind, t)})
			return
		}
	case geo.LayerSource:
		switch t {
		case "Polygon", "MultiPolygon":
		case "LineString", "MultiLineString":
			c.probs = append(c.probs, FeatureProblem{Index: i, ID: f.ID, Reason: fmt.Sprintf(
				"a source layer holds water surfaces (polygons: the area inside the shoreline, which distances are measured from), not a %s; "+
					"to import a centre line, declare the channel's half-width (ecospace import --half-width METRES, or ?half_width=METRES) "+
					"and it is made a surface, noted as derived", t)})
			return
		default:
			c.probs = append(c.probs, FeatureProblem{Index: i, ID: f.ID, Reason: fmt.Sprintf("a source layer holds water surfaces (polygons), not %s", t)})
			return
		}
	}
	if def.SubzoneFrom != nil {
		if _, err := def.SubzoneOf(f.Properties); err != nil {
			c.probs = append(c.probs, FeatureProblem{Index: i, ID: f.ID, Pointer: "/properties/" + def.SubzoneFrom.Property, Reason: err.Error()})
		}
	}
}

// Err is every problem found, as CheckFeatures reports them.
func (c *FeatureCheck) Err() error {
	if c.def.Derived != nil {
		return fmt.Errorf("%w: layer %s is derived from %s and cannot be imported", ErrInvalidImport, c.def.ID, c.def.Derived.Source)
	}
	if c.n == 0 {
		return fmt.Errorf("%w: layer %s: the file has no features", ErrInvalidImport, c.def.ID)
	}
	if len(c.probs) > 0 {
		return &ImportError{Layer: c.def.ID, Problems: c.probs}
	}
	return nil
}
