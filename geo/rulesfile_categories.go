package geo

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

func (p *rulesParser) categories(n *yaml.Node) error {
	items, err := sequenceOf(n, "categories")
	if err != nil {
		return err
	}
	lines := map[string]int{}
	p.catNodes = map[string]*yaml.Node{}
	for i, item := range items {
		what := fmt.Sprintf("categories[%d]", i)
		m, err := asMapping(item, what, []string{"id", "name", "description", "facts"})
		if err != nil {
			return err
		}
		id, idNode, err := m.requiredString("id")
		if err != nil {
			return err
		}
		what = fmt.Sprintf("category %q", id)
		m.what = what
		if err := checkID(idNode, what, id); err != nil {
			return err
		}
		if l, dup := lines[id]; dup {
			return errAt(idNode, "category id %q already used at line %d", id, l)
		}
		lines[id] = idNode.Line
		c := Category{ID: id, Facts: []string{}}
		if c.Name, err = m.requiredText("name"); err != nil {
			return err
		}
		if c.Description, err = m.requiredText("description"); err != nil {
			return err
		}
		p.catNodes[id] = item
		if fn := m.get("facts"); fn != nil {
			p.catNodes[id] = fn
			if c.Facts, err = p.factIDList(fn, what+": facts"); err != nil {
				return err
			}
		}
		p.rs.cats[id] = len(p.rs.Categories)
		p.rs.Categories = append(p.rs.Categories, c)
	}
	return nil
}

// factIDList reads a list of distinct known fact ids.
func (p *rulesParser) factIDList(n *yaml.Node, what string) ([]string, error) {
	items, err := sequenceOf(n, what)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, it := range items {
		id, err := scalarOf(it, what)
		if err != nil {
			return nil, err
		}
		if _, ok := p.rs.facts[id]; !ok {
			return nil, errAt(it, "%s: unknown fact %q (one of %s)", what, id, strings.Join(p.rs.FactIDs(), ", "))
		}
		if slices.Contains(out, id) {
			return nil, errAt(it, "%s: fact %q listed twice", what, id)
		}
		out = append(out, id)
	}
	return out, nil
}

// categoryFacts checks that a category lists exactly the facts its rules
// turn on: those are the questions a check of it may be asked, and the
// API lists them with the category.
func (p *rulesParser) categoryFacts() error {
	rs := p.rs
	used := map[string][]string{}
	for _, r := range rs.Rules {
		for _, c := range r.Categories {
			for f := range r.When {
				if !slices.Contains(used[c], f) {
					used[c] = append(used[c], f)
				}
			}
		}
	}
	for _, c := range rs.Categories {
		for _, f := range c.Facts {
			if !slices.Contains(used[c.ID], f) {
				return errAt(p.catNodes[c.ID], "category %q: lists fact %q, but none of its rules turns on it", c.ID, f)
			}
		}
		for _, f := range used[c.ID] {
			if !slices.Contains(c.Facts, f) {
				for i, r := range rs.Rules {
					if _, ok := r.When[f]; ok && slices.Contains(r.Categories, c.ID) {
						return errAt(p.ruleNodes[i].when, "rule %q turns on fact %q, which category %q does not list in its facts", r.ID, f, c.ID)
					}
				}
			}
		}
	}
	return nil
}
