package geo

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

func (p *rulesParser) categories(n *yaml.Node) error {
	items, err := sequenceOf(n, "categories")
	if err != nil {
		return err
	}
	lines := map[string]int{}
	for i, item := range items {
		what := fmt.Sprintf("categories[%d]", i)
		m, err := asMapping(item, what, []string{"id", "name", "description"})
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
		c := Category{ID: id}
		if c.Name, err = m.requiredText("name"); err != nil {
			return err
		}
		if c.Description, err = m.requiredText("description"); err != nil {
			return err
		}
		p.rs.cats[id] = len(p.rs.Categories)
		p.rs.Categories = append(p.rs.Categories, c)
	}
	return nil
}
