package layerfile

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/width"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// The parcel register (宗地, layer kind register): the field a steward
// names (--parcel-field 宗地号, ?parcel_field=) becomes the searchable
// parcel number, stored as the property ParcelNoProperty in a normal form,
// so that both stores find a parcel by property equality and a number
// typed as it is printed (full-width digits, spaces, lower case) finds it.

// ParcelNoProperty is the property a register's features are looked up by
// (both stores index it).
const ParcelNoProperty = data.ParcelNoProperty

// ParcelNumber is the normal form of a parcel number: full-width
// characters folded to ASCII, spaces removed, letters upper-cased
// (320404 001 001 gb00001 → 320404001001GB00001).
func ParcelNumber(s string) string {
	s = width.Fold.String(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\uFEFF' || (r >= 0x200B && r <= 0x200D) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// ParcelFieldError refuses a register whose parcel numbers cannot be
// looked up: the field is missing, or a number is blank or repeats.
type ParcelFieldError struct {
	Field    string
	Problems []string // "feature 3 (id x): …", at most 20
	Count    int      // problems in all
}

func (e *ParcelFieldError) Error() string {
	msg := strings.Join(e.Problems, "; ")
	if e.Count > len(e.Problems) {
		msg += fmt.Sprintf("; and %d more", e.Count-len(e.Problems))
	}
	return fmt.Sprintf("parcel field %q: %s", e.Field, msg)
}

// Unwrap makes a ParcelFieldError an input error.
func (e *ParcelFieldError) Unwrap() error { return geo.ErrInput }

// MarkParcels sets every feature's ParcelNoProperty from its field (the
// property named field, else the one property whose name matches it up to
// case): every feature must have a number, and no two the same.
func MarkParcels(feats []geo.Feature, field string) error {
	e := &ParcelFieldError{Field: field}
	add := func(format string, args ...any) {
		e.Count++
		if len(e.Problems) < 20 {
			e.Problems = append(e.Problems, fmt.Sprintf(format, args...))
		}
	}
	if strings.TrimSpace(field) == "" {
		add("name the field that holds the parcel number (宗地号, e.g. --parcel-field 宗地号)")
		return e
	}
	seen := map[string]int{}
	for i, f := range feats {
		key, ok := fieldOf(f.Properties, field)
		if !ok {
			add("feature %d (id %s) has no field %s; its fields are %s", i, f.ID, field, strings.Join(propNames(f.Properties), ", "))
			continue
		}
		n := ParcelNumber(idString(f.Properties[key]))
		if n == "" {
			add("feature %d (id %s) has no parcel number in %s", i, f.ID, key)
			continue
		}
		if j, dup := seen[n]; dup {
			add("feature %d (id %s) has parcel number %s, as feature %d has", i, f.ID, n, j)
			continue
		}
		seen[n] = i
		f.Properties[ParcelNoProperty] = n
	}
	if e.Count > 0 {
		return e
	}
	return nil
}

func fieldOf(props map[string]any, field string) (string, bool) {
	if _, ok := props[field]; ok {
		return field, true
	}
	found := ""
	for k := range props {
		if strings.EqualFold(k, field) {
			if found != "" {
				return "", false // ambiguous
			}
			found = k
		}
	}
	return found, found != ""
}

func propNames(props map[string]any) []string {
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
