package geo

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

func (p *rulesParser) documents(n *yaml.Node) error {
	m, err := asMapping(n, "documents", nil)
	if err != nil {
		return err
	}
	if len(m.keys) == 0 {
		return errAt(n, "documents is empty")
	}
	for _, k := range m.keys {
		id := k.Value
		what := fmt.Sprintf("document %q", id)
		if err := checkID(k, what, id); err != nil {
			return err
		}
		dm, err := asMapping(m.vals[id], what, []string{"title", "effective_from", "effective_to", "dates_status", "read_in"})
		if err != nil {
			return err
		}
		d := Document{ID: id}
		if d.Title, _, err = dm.requiredString("title"); err != nil {
			return err
		}
		if d.EffectiveFrom, _, err = dm.requiredDate("effective_from"); err != nil {
			return err
		}
		to, toNode, err := dm.optionalDate("effective_to")
		if err != nil {
			return err
		}
		if to != nil && to.Before(d.EffectiveFrom.Time) {
			return errAt(toNode, "%s: effective_to %s is before effective_from %s", what, to, d.EffectiveFrom)
		}
		d.EffectiveTo = to
		st, stNode, err := dm.requiredString("dates_status")
		if err != nil {
			return err
		}
		if st != StatusVerified && st != StatusToVerify {
			return errAt(stNode, "%s: dates_status %q is not one of %s, %s", what, st, StatusVerified, StatusToVerify)
		}
		d.DatesStatus = st
		if _, ok := dm.vals["read_in"]; !ok {
			return errAt(dm.node, "%s: missing \"read_in\" (where the full text was read; write \"\" if it was not)", what)
		}
		if d.ReadIn, _, err = dm.optionalString("read_in"); err != nil {
			return err
		}
		p.rs.docs[id] = len(p.rs.Documents)
		p.rs.Documents = append(p.rs.Documents, d)
	}
	return nil
}

func (p *rulesParser) documentIDs() []string {
	return idsOf(p.rs.Documents, func(d Document) string { return d.ID })
}
