package geo

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

func (p *rulesParser) citation(n *yaml.Node, what string) (Citation, error) {
	what += ": citation"
	var c Citation
	m, err := asMapping(n, what, []string{"document", "article", "quote", "status", "see_also"})
	if err != nil {
		return c, err
	}
	docID, docNode, err := m.requiredString("document")
	if err != nil {
		return c, err
	}
	doc, ok := p.rs.Document(docID)
	if !ok {
		return c, errAt(docNode, "%s: unknown document %q (one of %s)", what, docID, strings.Join(p.documentIDs(), ", "))
	}
	c.Document, c.Title = docID, doc.Title
	// article may be "" (not known) but must be written.
	if _, ok := m.vals["article"]; !ok {
		return c, errAt(m.node, "%s: missing \"article\" (write \"\" if not known)", what)
	}
	if c.Article, _, err = m.optionalString("article"); err != nil {
		return c, err
	}
	if c.Quote, _, err = m.requiredString("quote"); err != nil {
		return c, err
	}
	st, stNode, err := m.requiredString("status")
	if err != nil {
		return c, err
	}
	if st != StatusVerified && st != StatusToVerify {
		return c, errAt(stNode, "%s: status %q is not one of %s, %s", what, st, StatusVerified, StatusToVerify)
	}
	c.Status = st
	if sn := m.get("see_also"); sn != nil {
		items, err := sequenceOf(sn, what+": see_also")
		if err != nil {
			return c, err
		}
		for j, item := range items {
			sm, err := asMapping(item, fmt.Sprintf("%s: see_also[%d]", what, j), []string{"document", "quote"})
			if err != nil {
				return c, err
			}
			id, idNode, err := sm.requiredString("document")
			if err != nil {
				return c, err
			}
			d, ok := p.rs.Document(id)
			if !ok {
				return c, errAt(idNode, "%s: see_also: unknown document %q (one of %s)", what, id, strings.Join(p.documentIDs(), ", "))
			}
			q, _, err := sm.optionalString("quote")
			if err != nil {
				return c, err
			}
			c.SeeAlso = append(c.SeeAlso, Reference{Document: id, Title: d.Title, Quote: q})
		}
	}
	return c, nil
}
