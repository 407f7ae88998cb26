package geo

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

var effects = []string{EffectProhibited, EffectRestricted, EffectAllowed}

func (p *rulesParser) rules(n *yaml.Node) error {
	items, err := sequenceOf(n, "rules")
	if err != nil {
		return err
	}
	lines := map[string]int{}
	for i, item := range items {
		r, nodes, err := p.rule(i, item, lines)
		if err != nil {
			return err
		}
		idx := len(p.rs.Rules)
		p.rs.Rules = append(p.rs.Rules, r)
		p.ruleNodes = append(p.ruleNodes, nodes)
		subs := r.Subzones
		if len(subs) == 0 {
			subs = []string{""}
		}
		for _, sub := range subs {
			for _, cat := range r.Categories {
				c := ruleCell{r.ZoneKind, sub, cat}
				p.rs.cells[c] = append(p.rs.cells[c], idx)
			}
		}
	}
	for _, idxs := range p.rs.cells {
		slices.SortStableFunc(idxs, func(a, b int) int {
			return p.rs.Rules[a].EffectiveFrom.Compare(p.rs.Rules[b].EffectiveFrom.Time)
		})
	}
	return nil
}

// oneOrMany reads `key: x` or `keys: [x, y]` (exactly one of the two) as
// a list of distinct values, each checked by valid.
func oneOrMany(m *mapping, what, one, many string, valid func(*yaml.Node, string) error) ([]string, *yaml.Node, error) {
	on, mn := m.get(one), m.get(many)
	switch {
	case on != nil && mn != nil:
		return nil, nil, errAt(mn, "%s: give %q or %q, not both", what, one, many)
	case on != nil:
		v, err := scalarOf(on, what+": "+one)
		if err != nil {
			return nil, nil, err
		}
		if strings.TrimSpace(v) == "" {
			return nil, nil, errAt(on, "%s: %q is blank", what, one)
		}
		return []string{v}, on, valid(on, v)
	case mn != nil:
		items, err := sequenceOf(mn, what+": "+many)
		if err != nil {
			return nil, nil, err
		}
		var out []string
		for _, it := range items {
			v, err := scalarOf(it, what+": "+many)
			if err != nil {
				return nil, nil, err
			}
			if err := valid(it, v); err != nil {
				return nil, nil, err
			}
			if slices.Contains(out, v) {
				return nil, nil, errAt(it, "%s: %s: %q listed twice", what, many, v)
			}
			out = append(out, v)
		}
		return out, mn, nil
	}
	return nil, nil, nil
}

func (p *rulesParser) rule(i int, item *yaml.Node, lines map[string]int) (Rule, ruleNodes, error) {
	rs := p.rs
	var r Rule
	nodes := ruleNodes{node: item}
	what := fmt.Sprintf("rules[%d]", i)
	if id := peekID(item); id != "" {
		what = fmt.Sprintf("rule %q", id)
	}
	m, err := asMapping(item, what, []string{"id", "zone_kind", "subzone", "subzones", "category", "categories", "when",
		"effect", "condition", "citations", "effective_from", "effective_to"})
	if err != nil {
		return r, nodes, err
	}
	id, idNode, err := m.requiredString("id")
	if err != nil {
		return r, nodes, err
	}
	what = fmt.Sprintf("rule %q", id)
	m.what = what
	if err := checkID(idNode, what, id); err != nil {
		return r, nodes, err
	}
	if l, dup := lines[id]; dup {
		return r, nodes, errAt(idNode, "rule id %q already used at line %d", id, l)
	}
	lines[id] = idNode.Line
	r.ID = id

	kind, kindNode, err := m.requiredString("zone_kind")
	if err != nil {
		return r, nodes, err
	}
	if _, ok := rs.kinds[kind]; !ok {
		return r, nodes, errAt(kindNode, "%s: unknown zone_kind %q (one of %s)", what, kind, strings.Join(idsOf(rs.ZoneKinds, func(z ZoneKind) string { return z.ID }), ", "))
	}
	r.ZoneKind = kind

	subs := rs.subzones[kind]
	r.Subzones, _, err = oneOrMany(m, what, "subzone", "subzones", func(n *yaml.Node, sub string) error {
		if len(subs) == 0 {
			return errAt(n, "%s: zone kind %q has no subzones, got subzone %q", what, kind, sub)
		}
		if !slices.Contains(subs, sub) {
			return errAt(n, "%s: unknown subzone %q of zone kind %q (one of %s)", what, sub, kind, strings.Join(subs, ", "))
		}
		return nil
	})
	if err != nil {
		return r, nodes, err
	}
	if len(subs) > 0 && len(r.Subzones) == 0 {
		return r, nodes, errAt(item, "%s: zone kind %q needs a subzone or subzones (of %s)", what, kind, strings.Join(subs, ", "))
	}

	r.Categories, _, err = oneOrMany(m, what, "category", "categories", func(n *yaml.Node, cat string) error {
		if _, ok := rs.cats[cat]; !ok {
			return errAt(n, "%s: unknown category %q (one of %s)", what, cat, strings.Join(rs.CategoryIDs(), ", "))
		}
		return nil
	})
	if err != nil {
		return r, nodes, err
	}
	if len(r.Categories) == 0 {
		return r, nodes, errAt(item, "%s: missing \"category\" (or \"categories\")", what)
	}

	if wn := m.get("when"); wn != nil {
		nodes.when = wn
		if r.When, err = p.when(wn, what); err != nil {
			return r, nodes, err
		}
	}

	eff, effNode, err := m.requiredString("effect")
	if err != nil {
		return r, nodes, err
	}
	if !slices.Contains(effects, eff) {
		return r, nodes, errAt(effNode, "%s: effect %q is not one of %s", what, eff, strings.Join(effects, ", "))
	}
	r.Effect = eff

	if cn := m.get("condition"); cn != nil {
		if r.Condition, err = textOf(cn, what+": condition"); err != nil {
			return r, nodes, err
		}
	} else if eff == EffectRestricted {
		return r, nodes, errAt(item, "%s: a restricted rule needs a condition {zh, en}: what the applicant must still show or which review it goes to", what)
	}

	var citeNodes []*yaml.Node
	if cn := m.get("citations"); cn != nil {
		if r.Citations, citeNodes, err = p.citations(cn, what); err != nil {
			return r, nodes, err
		}
	} else if eff != EffectAllowed {
		return r, nodes, errAt(item, "%s: missing citations (a %s rule needs its legal basis)", what, eff)
	} else {
		r.Citations = []Citation{}
	}

	if r.EffectiveFrom, nodes.from, err = m.requiredDate("effective_from"); err != nil {
		return r, nodes, err
	}
	if r.EffectiveTo, nodes.to, err = m.optionalDate("effective_to"); err != nil {
		return r, nodes, err
	}
	if r.EffectiveTo != nil && r.EffectiveTo.Before(r.EffectiveFrom.Time) {
		return r, nodes, errAt(nodes.to, "%s: effective_to %s is before effective_from %s", what, r.EffectiveTo, r.EffectiveFrom)
	}
	// A rule cannot be in force outside any cited document's period.
	for k, c := range r.Citations {
		doc, _ := rs.Document(c.Document)
		if r.EffectiveFrom.Before(doc.EffectiveFrom.Time) {
			return r, nodes, errAt(nodes.from, "%s: in force from %s, before its cited document %q takes effect on %s (citations[%d], line %d)", what, r.EffectiveFrom, doc.ID, doc.EffectiveFrom, k, citeNodes[k].Line)
		}
		if doc.EffectiveTo != nil {
			if r.EffectiveTo == nil {
				return r, nodes, errAt(item, "%s: open-ended, but its cited document %q is in force only until %s; end the rule by then (effective_to) and add the rule that follows", what, doc.ID, doc.EffectiveTo)
			}
			if r.EffectiveTo.After(doc.EffectiveTo.Time) {
				return r, nodes, errAt(nodes.to, "%s: in force until %s, after its cited document %q lapses on %s", what, r.EffectiveTo, doc.ID, doc.EffectiveTo)
			}
		}
	}
	return r, nodes, nil
}

// when reads a rule's facts: fact id → true or false.
func (p *rulesParser) when(n *yaml.Node, what string) (map[string]bool, error) {
	wm, err := asMapping(n, what+": when", nil)
	if err != nil {
		return nil, err
	}
	if len(wm.keys) == 0 {
		return nil, errAt(n, "%s: when is empty (leave it out instead)", what)
	}
	out := map[string]bool{}
	for _, k := range wm.keys {
		if _, ok := p.rs.facts[k.Value]; !ok {
			return nil, errAt(k, "%s: when: unknown fact %q (one of %s)", what, k.Value, strings.Join(p.rs.FactIDs(), ", "))
		}
		v := wm.vals[k.Value]
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
			return nil, errAt(v, "%s: when: fact %q must be true or false, not %s", what, k.Value, kindName(v))
		}
		out[k.Value] = strings.EqualFold(v.Value, "true")
	}
	return out, nil
}
