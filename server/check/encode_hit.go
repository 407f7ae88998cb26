package check

import (
	"fmt"

	"github.com/zhonglou/ecospace/geo"
)

// appendHit writes a hit as json.Marshal does.
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
	b = append(b, `,"citations":`...)
	if h.Citations == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range h.Citations {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCitation(b, &h.Citations[i])
		}
		b = append(b, ']')
	}
	if len(h.OpenFacts) > 0 {
		b = append(b, `,"open_facts":[`...)
		for i, f := range h.OpenFacts {
			if i > 0 {
				b = append(b, ',')
			}
			b = geo.AppendString(b, f)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// appendCitation writes a citation as json.Marshal does.
func appendCitation(b []byte, c *geo.Citation) []byte {
	b = append(b, `{"document":`...)
	b = geo.AppendString(b, c.Document)
	b = append(b, `,"title":`...)
	b = geo.AppendString(b, c.Title)
	b = append(b, `,"article":`...)
	b = geo.AppendString(b, c.Article)
	b = append(b, `,"item":`...)
	b = geo.AppendString(b, c.Item)
	b = append(b, `,"quote":`...)
	b = geo.AppendString(b, c.Quote)
	b = append(b, `,"read_in":`...)
	b = geo.AppendString(b, c.ReadIn)
	b = append(b, `,"quote_status":`...)
	b = geo.AppendString(b, c.QuoteStatus)
	b = append(b, `,"application":`...)
	b = geo.AppendString(b, c.Application)
	if c.Note != (geo.Text{}) {
		b = append(b, `,"note":`...)
		b = appendText(b, c.Note)
	}
	return append(b, '}')
}

// appendQuestion writes a question as json.Marshal does.
func appendQuestion(b []byte, q *geo.Question) []byte {
	b = append(b, `{"id":`...)
	b = geo.AppendString(b, q.ID)
	b = append(b, `,"name":`...)
	b = appendText(b, q.Name)
	b = append(b, `,"question":`...)
	b = appendText(b, q.Question)
	b = appendOutcome(append(b, `,"if_true":`...), &q.IfTrue)
	b = appendOutcome(append(b, `,"if_false":`...), &q.IfFalse)
	return append(b, '}')
}

func appendOutcome(b []byte, o *geo.Outcome) []byte {
	b = append(b, `{"verdict":`...)
	b = geo.AppendString(b, o.Verdict)
	if o.RuleID != "" {
		b = append(b, `,"rule_id":`...)
		b = geo.AppendString(b, o.RuleID)
	}
	if o.Citation != nil {
		b = append(b, `,"citation":`...)
		b = appendCitation(b, o.Citation)
	}
	return append(b, '}')
}
