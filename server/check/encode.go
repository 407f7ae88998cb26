package check

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/zhonglou/ecospace/geo"
)

// The check document is encoded by hand because encoding/json's reflection
// was a third of a point check's CPU. Every function here (and in
// encode_hit.go) writes what json.Marshal writes for its type, member for
// member and byte for byte: TestEncodeMatchesMarshal holds them to that
// over real checks and TestEncodeEveryField over a response with every
// field of every type filled in, so a field added to one of these types
// and not here fails.

// encode writes what json.Marshal(r) writes, by hand, and splices in the
// conflicts, nearest and site GeoJSON, which geo.AppendGeometry and
// geo.AppendFeature wrote compact, instead of having encoding/json re-scan
// and compact them, as it does for every json.RawMessage.
func encode(r *Response) ([]byte, error) {
	doc := make([]byte, 0, 4096+len(r.Hits)*2048+len(r.Conflicts)+len(r.Nearest)+len(r.Site))
	doc, err := appendHead(append(doc, '{'), &r.Head)
	if err != nil {
		return nil, err
	}
	doc = append(append(doc, `,"conflicts":`...), r.Conflicts...)
	doc = append(append(doc, `,"nearest":`...), r.Nearest...)
	if doc, err = appendTail(append(doc, ','), &r.Tail); err != nil {
		return nil, err
	}
	doc = append(append(doc, `,"site":`...), r.Site...)
	return append(doc, '}'), nil
}

// appendHead writes Head's members without the braces.
func appendHead(b []byte, h *Head) ([]byte, error) {
	b = append(b, `"check_id":`...)
	b = geo.AppendString(b, h.CheckID)
	b = append(b, `,"verdict":`...)
	b = geo.AppendString(b, h.Verdict)
	if h.DecidingRule != "" {
		b = append(b, `,"deciding_rule":`...)
		b = geo.AppendString(b, h.DecidingRule)
	}
	b = append(b, `,"data_status":`...)
	b = geo.AppendString(b, h.DataStatus)
	if h.DataStatusNote != (geo.Text{}) {
		b = append(b, `,"data_status_note":`...)
		b = appendText(b, h.DataStatusNote)
	}
	b = append(b, `,"category":`...)
	b = geo.AppendString(b, h.Category)
	b = append(b, `,"category_name":`...)
	b = appendText(b, h.CategoryName)
	b = appendFacts(append(b, `,"facts":`...), h.Facts)
	if h.Reference != "" {
		b = append(b, `,"reference":`...)
		b = geo.AppendString(b, h.Reference)
	}
	b = append(b, `,"crs":`...)
	b = geo.AppendString(b, h.CRS)
	b = append(b, `,"coverage":{"inside":`...)
	b = appendBool(b, h.Coverage.Inside)
	b = append(b, `,"whole":`...)
	b = appendBool(b, h.Coverage.Whole)
	b = append(b, `,"inside_ratio":`...)
	b, err := geo.AppendFloat(b, h.Coverage.InsideRatio)
	if err != nil {
		return b, fmt.Errorf("coverage inside_ratio: %w", err)
	}
	b = append(b, '}')
	if len(h.Notes) > 0 {
		b = append(b, `,"notes":[`...)
		for i, n := range h.Notes {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendText(b, n)
		}
		b = append(b, ']')
	}
	b = append(b, `,"hits":`...)
	if h.Hits == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range h.Hits {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendHit(b, &h.Hits[i]); err != nil {
				return b, fmt.Errorf("hit %d: %w", i, err)
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"questions":`...)
	if h.Questions == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range h.Questions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendQuestion(b, &h.Questions[i])
		}
		b = append(b, ']')
	}
	b = append(b, `,"absent":`...)
	if h.Absent == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range h.Absent {
		a := &h.Absent[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = geo.AppendString(b, a.ID)
		b = append(b, `,"name":`...)
		b = appendText(b, a.Name)
		b = append(b, `,"citation":`...)
		b = append(appendCitation(b, &a.Citation), '}')
	}
	return append(b, ']'), nil
}

// appendTail writes Tail's members without the braces.
func appendTail(b []byte, t *Tail) ([]byte, error) {
	b = append(b, `"layers":`...)
	if t.Layers == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, l := range t.Layers {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = geo.AppendString(b, l.ID)
			b = append(b, `,"version":`...)
			b = strconv.AppendInt(b, l.Version, 10)
			b = append(b, `,"valid_from":`...)
			b = appendDate(b, l.ValidFrom)
			if l.Status != "" {
				b = append(b, `,"status":`...)
				b = geo.AppendString(b, l.Status)
			}
			if !l.RecordedAt.IsZero() {
				b = append(b, `,"recorded_at":`...)
				b = append(l.RecordedAt.AppendFormat(append(b, '"'), time.RFC3339Nano), '"')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"rules_version":`...)
	b = geo.AppendString(b, t.RulesVersion)
	b = append(b, `,"as_of":`...)
	b = appendDate(b, t.AsOf)
	b = append(b, `,"known_at":`...)
	if y := t.KnownAt.Year(); y < 0 || y > 9999 {
		return b, fmt.Errorf("known_at: year %d outside 0–9999", y)
	}
	b = append(t.KnownAt.AppendFormat(append(b, '"'), time.RFC3339Nano), '"')
	b = append(b, `,"checked_at":`...)
	// time.Time.MarshalJSON refuses years outside 0–9999; so does this.
	if y := t.CheckedAt.Year(); y < 0 || y > 9999 {
		return b, fmt.Errorf("checked_at: year %d outside 0–9999", y)
	}
	b = append(t.CheckedAt.AppendFormat(append(b, '"'), time.RFC3339Nano), '"')
	b = append(b, `,"decision_hash":`...)
	return geo.AppendString(b, t.DecisionHash), nil
}

// appendFacts writes a map of facts as encoding/json does: keys sorted,
// null for a nil map.
func appendFacts(b []byte, facts map[string]bool) []byte {
	if facts == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(facts))
	for k := range facts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(geo.AppendString(b, k), ':')
		b = appendBool(b, facts[k])
	}
	return append(b, '}')
}

func appendText(b []byte, t geo.Text) []byte {
	b = append(b, `{"zh":`...)
	b = geo.AppendString(b, t.ZH)
	b = append(b, `,"en":`...)
	return append(geo.AppendString(b, t.EN), '}')
}

func appendDate(b []byte, d geo.Date) []byte {
	if d.IsZero() {
		return append(b, "null"...)
	}
	// geo.Date's JSON form; digits and dashes need no escaping.
	return append(d.AppendFormat(append(b, '"'), time.DateOnly), '"')
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}
