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
		c := ruleCell{r.ZoneKind, r.Subzone, r.Category}
		p.rs.cells[c] = append(p.rs.cells[c], idx)
	}
	for _, idxs := range p.rs.cells {
		slices.SortStableFunc(idxs, func(a, b int) int {
			return p.rs.Rules[a].EffectiveFrom.Compare(p.rs.Rules[b].EffectiveFrom.Time)
		})
	}
	return nil
}

func (p *rulesParser) rule(i int, item *yaml.Node, lines map[string]int) (Rule, ruleNodes, error) {
	rs := p.rs
	var r Rule
	nodes := ruleNodes{node: item}
	what := fmt.Sprintf("rules[%d]", i)
	if id := peekID(item); id != "" {
		what = fmt.Sprintf("rule %q", id)
	}
	m, err := asMapping(item, what,
		[]string{"id", "zone_kind", "subzone", "category", "effect", "condition", "citation", "effective_from", "effective_to"})
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

	sub, subNode, err := m.optionalString("subzone")
	if err != nil {
		return r, nodes, err
	}
	subs := rs.subzones[kind]
	switch {
	case len(subs) > 0 && sub == "":
		return r, nodes, errAt(item, "%s: zone kind %q needs a subzone (one of %s)", what, kind, strings.Join(subs, ", "))
	case len(subs) == 0 && sub != "":
		return r, nodes, errAt(subNode, "%s: zone kind %q has no subzones, got subzone %q", what, kind, sub)
	case len(subs) > 0 && !slices.Contains(subs, sub):
		return r, nodes, errAt(subNode, "%s: unknown subzone %q of zone kind %q (one of %s)", what, sub, kind, strings.Join(subs, ", "))
	}
	r.Subzone = sub

	cat, catNode, err := m.requiredString("category")
	if err != nil {
		return r, nodes, err
	}
	if _, ok := rs.cats[cat]; !ok {
		return r, nodes, errAt(catNode, "%s: unknown category %q (one of %s)", what, cat, strings.Join(rs.CategoryIDs(), ", "))
	}
	r.Category = cat

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

	cn := m.get("citation")
	if cn == nil {
		return r, nodes, errAt(item, "%s: missing citation (every rule, %s ones above all, needs its legal basis)", what, eff)
	}
	if r.Citation, err = p.citation(cn, what); err != nil {
		return r, nodes, err
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
	// A rule cannot be in force outside its primary document's period.
	doc, _ := rs.Document(r.Citation.Document)
	if r.EffectiveFrom.Before(doc.EffectiveFrom.Time) {
		return r, nodes, errAt(nodes.from, "%s: in force from %s, before its document %q takes effect on %s", what, r.EffectiveFrom, doc.ID, doc.EffectiveFrom)
	}
	if doc.EffectiveTo != nil {
		if r.EffectiveTo == nil {
			return r, nodes, errAt(item, "%s: open-ended, but its document %q is in force only until %s; end the rule by then (effective_to) and add the rule that follows", what, doc.ID, doc.EffectiveTo)
		}
		if r.EffectiveTo.After(doc.EffectiveTo.Time) {
			return r, nodes, errAt(nodes.to, "%s: in force until %s, after its document %q lapses on %s", what, r.EffectiveTo, doc.ID, doc.EffectiveTo)
		}
	}
	return r, nodes, nil
}
