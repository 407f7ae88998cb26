package geo

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// factList reads facts: the booleans a check may declare about a project.
func (p *rulesParser) factList(n *yaml.Node) error {
	items, err := sequenceOf(n, "facts")
	if err != nil {
		return err
	}
	lines := map[string]int{}
	for i, item := range items {
		what := fmt.Sprintf("facts[%d]", i)
		m, err := asMapping(item, what, []string{"id", "name", "question"})
		if err != nil {
			return err
		}
		id, idNode, err := m.requiredString("id")
		if err != nil {
			return err
		}
		what = fmt.Sprintf("fact %q", id)
		m.what = what
		if err := checkID(idNode, what, id); err != nil {
			return err
		}
		if l, dup := lines[id]; dup {
			return errAt(idNode, "fact id %q already used at line %d", id, l)
		}
		lines[id] = idNode.Line
		f := Fact{ID: id}
		if f.Name, err = m.requiredText("name"); err != nil {
			return err
		}
		if f.Question, err = m.requiredText("question"); err != nil {
			return err
		}
		p.rs.facts[id] = len(p.rs.Facts)
		p.rs.Facts = append(p.rs.Facts, f)
	}
	return nil
}

// absentList reads absent: the layers known not to exist in the district,
// each with the words that say so.
func (p *rulesParser) absentList(n *yaml.Node) error {
	items, err := sequenceOf(n, "absent")
	if err != nil {
		return err
	}
	lines := map[string]int{}
	for i, item := range items {
		what := fmt.Sprintf("absent[%d]", i)
		m, err := asMapping(item, what, []string{"id", "name", "citation"})
		if err != nil {
			return err
		}
		id, idNode, err := m.requiredString("id")
		if err != nil {
			return err
		}
		what = fmt.Sprintf("absent layer %q", id)
		m.what = what
		if err := checkID(idNode, what, id); err != nil {
			return err
		}
		if l, dup := lines[id]; dup {
			return errAt(idNode, "absent layer id %q already used at line %d", id, l)
		}
		lines[id] = idNode.Line
		a := Absent{ID: id}
		if a.Name, err = m.requiredText("name"); err != nil {
			return err
		}
		cn, err := m.required("citation")
		if err != nil {
			return err
		}
		if a.Citation, err = p.citation(cn, what+": citation"); err != nil {
			return err
		}
		p.rs.Absent = append(p.rs.Absent, a)
	}
	return nil
}
