package geo

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// SubzoneFrom derives a zone layer's subzones from a feature property:
// the property's value (a string, number or boolean, written as text:
// "1", "true") maps to a subzone of the layer's zone kind. The green
// corridors take theirs from green_line (true: 城市绿线 land, false: a
// plan corridor), the Taihu tiers from tier (1, 2, 3). A feature whose
// value has no mapping is refused at import.
type SubzoneFrom struct {
	Property string            `json:"property" yaml:"property"`
	Values   map[string]string `json:"values" yaml:"values"`
}

// Check reports what is wrong with a mapping: no property, no values, a
// blank key or subzone.
func (s *SubzoneFrom) Check() error {
	if strings.TrimSpace(s.Property) == "" {
		return fmt.Errorf("subzone_from: property is required")
	}
	if len(s.Values) == 0 {
		return fmt.Errorf("subzone_from: values maps each value of %q to a subzone; it is empty", s.Property)
	}
	for k, v := range s.Values {
		if strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			return fmt.Errorf("subzone_from: values: %q → %q: a value and its subzone must not be blank", k, v)
		}
	}
	return nil
}

// propertyText writes a scalar property value as the text SubzoneFrom's
// keys use; ok is false for anything else (absent, null, a list, an
// object).
func propertyText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// SubzoneOf is the subzone of a feature of this layer: by SubzoneFrom
// when the layer has it, else the feature's "subzone" property ("" for
// none). The error says which value was found and which are mapped.
func (d LayerDef) SubzoneOf(props map[string]any) (string, error) {
	s := d.SubzoneFrom
	if s == nil {
		return PropString(props, "subzone"), nil
	}
	v, ok := props[s.Property]
	text, scalar := propertyText(v)
	keys := make([]string, 0, len(s.Values))
	for k := range s.Values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !ok || !scalar {
		return "", fmt.Errorf("property %q is missing or not a single value; layer %s takes its subzone from it (%s)", s.Property, d.ID, subzoneMapping(s, keys))
	}
	sub, ok := s.Values[text]
	if !ok {
		return "", fmt.Errorf("property %q is %s, which has no subzone; layer %s maps %s", s.Property, strconv.Quote(text), d.ID, subzoneMapping(s, keys))
	}
	return sub, nil
}

func subzoneMapping(s *SubzoneFrom, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " → " + s.Values[k]
	}
	return strings.Join(parts, ", ")
}
