package geo

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

func (p *rulesParser) zoneKinds(n *yaml.Node) error {
	items, err := sequenceOf(n, "zone_kinds")
	if err != nil {
		return err
	}
	lines := map[string]int{}
	for i, item := range items {
		what := fmt.Sprintf("zone_kinds[%d]", i)
		m, err := asMapping(item, what, []string{"id", "name", "subzones"})
		if err != nil {
			return err
		}
		id, idNode, err := m.requiredString("id")
		if err != nil {
			return err
		}
		what = fmt.Sprintf("zone kind %q", id)
		m.what = what
		if err := checkID(idNode, what, id); err != nil {
			return err
		}
		if l, dup := lines[id]; dup {
			return errAt(idNode, "zone kind id %q already used at line %d", id, l)
		}
		lines[id] = idNode.Line
		z := ZoneKind{ID: id}
		if z.Name, err = m.requiredText("name"); err != nil {
			return err
		}
		if sn := m.get("subzones"); sn != nil {
			sm, err := asMapping(sn, what+": subzones", nil)
			if err != nil {
				return err
			}
			if len(sm.keys) == 0 {
				return errAt(sn, "%s: subzones is empty (leave it out instead)", what)
			}
			z.Subzones = map[string]Text{}
			for _, k := range sm.keys {
				if err := checkID(k, what+": subzone", k.Value); err != nil {
					return err
				}
				t, err := textOf(sm.vals[k.Value], fmt.Sprintf("%s: subzone %q", what, k.Value))
				if err != nil {
					return err
				}
				z.Subzones[k.Value] = t
				p.rs.subzones[id] = append(p.rs.subzones[id], k.Value)
			}
		}
		p.rs.kinds[id] = len(p.rs.ZoneKinds)
		p.rs.ZoneKinds = append(p.rs.ZoneKinds, z)
	}
	return nil
}
