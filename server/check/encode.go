package check

import (
	"fmt"
	"strconv"
	"time"

	"github.com/zhonglou/ecospace/geo"
)

// The check document is encoded by hand because encoding/json's reflection
// was a third of a point check's CPU. Every function here writes what
// json.Marshal writes for its type, member for member and byte for byte:
// TestEncodeMatchesMarshal holds them to that over real checks and
// TestEncodeEveryField over a response with every field of every type
// filled in, so a field added to one of these types and not here fails.

// encode writes what json.Marshal(r) writes, by hand, and splices in the
// conflicts, nearest and site GeoJSON, which geo.AppendGeometry and
// geo.AppendFeature wrote compact, instead of having encoding/json re-scan
// and compact them, as it does for every json.RawMessage.
func encode(r *Response) ([]byte, error) {
	doc := make([]byte, 0, 2048+len(r.Hits)*1024+len(r.Conflicts)+len(r.Nearest)+len(r.Site))
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
	b = append(b, `,"category":`...)
	b = geo.AppendString(b, h.Category)
	b = append(b, `,"category_name":`...)
	b = appendText(b, h.CategoryName)
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
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range h.Hits {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendHit(b, &h.Hits[i]); err != nil {
			return b, fmt.Errorf("hit %d: %w", i, err)
		}
	}
	return append(b, ']'), nil
}

func appendHit(b []byte, h *geo.Hit) ([]byte, error) {
	b = append(b, `{"layer":`...)
	b = geo.AppendString(b, h.Layer)
	b = append(b, `,"zone_id":`...)
	b = geo.AppendString(b, h.ZoneID)
	b = append(b, `,"zone_name":`...)
	b = appendText(b, h.ZoneName)
	for _, m := range [...]struct{ key, v string }{
		{`,"subzone":`, h.Subzone}, {`,"basis":`, h.Basis}, {`,"zone_status":`, h.Status},
	} {
		if m.v != "" {
			b = geo.AppendString(append(b, m.key...), m.v)
		}
	}
	var err error
	if o := h.Origin; o != nil {
		b = append(b, `,"origin":{"kind":`...)
		b = geo.AppendString(b, o.Kind)
		if b, err = geo.AppendFloat(append(b, `,"half_width_m":`...), o.HalfWidthM); err != nil {
			return b, fmt.Errorf("origin half_width_m %w", err)
		}
		b = appendText(append(b, `,"note":`...), o.Note)
		b = append(b, '}')
	}
	b = append(b, `,"relation":`...)
	b = geo.AppendString(b, h.Relation.Relation)
	for _, m := range [...]struct {
		key string
		v   float64
	}{{`,"distance_m":`, h.DistanceM}, {`,"overlap_m2":`, h.OverlapM2}, {`,"overlap_ratio":`, h.OverlapRatio}} {
		if b, err = geo.AppendFloat(append(b, m.key...), m.v); err != nil {
			return b, fmt.Errorf("%s %w", m.key[2:len(m.key)-2], err)
		}
	}
	b = append(b, `,"effect":`...)
	b = geo.AppendString(b, h.Effect)
	b = append(b, `,"rule_id":`...)
	b = geo.AppendString(b, h.RuleID)
	if h.Condition != nil {
		b = append(b, `,"condition":`...)
		b = appendText(b, *h.Condition)
	}
	c := &h.Citation
	b = append(b, `,"citation":{"document":`...)
	b = geo.AppendString(b, c.Document)
	b = append(b, `,"title":`...)
	b = geo.AppendString(b, c.Title)
	b = append(b, `,"article":`...)
	b = geo.AppendString(b, c.Article)
	b = append(b, `,"quote":`...)
	b = geo.AppendString(b, c.Quote)
	b = append(b, `,"status":`...)
	b = geo.AppendString(b, c.Status)
	if len(c.SeeAlso) > 0 {
		b = append(b, `,"see_also":[`...)
		for i, r := range c.SeeAlso {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"document":`...)
			b = geo.AppendString(b, r.Document)
			b = append(b, `,"title":`...)
			b = geo.AppendString(b, r.Title)
			if r.Quote != "" {
				b = append(b, `,"quote":`...)
				b = geo.AppendString(b, r.Quote)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "}}"...), nil
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
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"rules_version":`...)
	b = geo.AppendString(b, t.RulesVersion)
	b = append(b, `,"as_of":`...)
	b = appendDate(b, t.AsOf)
	b = append(b, `,"checked_at":`...)
	// time.Time.MarshalJSON refuses years outside 0–9999; so does this.
	if y := t.CheckedAt.Year(); y < 0 || y > 9999 {
		return b, fmt.Errorf("checked_at: year %d outside 0–9999", y)
	}
	b = append(t.CheckedAt.AppendFormat(append(b, '"'), time.RFC3339Nano), '"')
	b = append(b, `,"decision_hash":`...)
	return geo.AppendString(b, t.DecisionHash), nil
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
