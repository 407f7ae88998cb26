package geo

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	quoteStatuses = []string{QuoteRead, QuoteToVerify}
	applications  = []string{ApplicationSettled, ApplicationInterpretation, ApplicationToVerify}
)

// citations reads a rule's citations: a non-empty list.
func (p *rulesParser) citations(n *yaml.Node, what string) ([]Citation, []*yaml.Node, error) {
	items, err := sequenceOf(n, what+": citations")
	if err != nil {
		return nil, nil, err
	}
	out := make([]Citation, 0, len(items))
	for i, item := range items {
		c, err := p.citation(item, fmt.Sprintf("%s: citations[%d]", what, i))
		if err != nil {
			return nil, nil, err
		}
		out = append(out, c)
	}
	return out, items, nil
}

// citation reads one citation. The article and item may be "" (not known,
// or no items) but must be written; a quote not read, or an application
// that is not settled, needs a note saying why.
func (p *rulesParser) citation(n *yaml.Node, what string) (Citation, error) {
	var c Citation
	m, err := asMapping(n, what, []string{"document", "article", "item", "quote", "quote_status", "application", "note"})
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
	c.Document, c.Title, c.ReadIn = docID, doc.Title, doc.ReadIn
	for _, k := range []struct {
		key string
		dst *string
	}{{"article", &c.Article}, {"item", &c.Item}} {
		if _, ok := m.vals[k.key]; !ok {
			return c, errAt(m.node, "%s: missing %q (write \"\" if there is none or it is not known)", what, k.key)
		}
		if *k.dst, _, err = m.optionalString(k.key); err != nil {
			return c, err
		}
	}
	if c.Quote, _, err = m.requiredString("quote"); err != nil {
		return c, err
	}
	for _, s := range []struct {
		key     string
		dst     *string
		allowed []string
	}{{"quote_status", &c.QuoteStatus, quoteStatuses}, {"application", &c.Application, applications}} {
		v, vn, err := m.requiredString(s.key)
		if err != nil {
			return c, err
		}
		if !slices.Contains(s.allowed, v) {
			return c, errAt(vn, "%s: %s %q is not one of %s", what, s.key, v, strings.Join(s.allowed, ", "))
		}
		*s.dst = v
	}
	if nn := m.get("note"); nn != nil {
		if c.Note, err = textOf(nn, what+": note"); err != nil {
			return c, err
		}
	} else if c.QuoteStatus != QuoteRead || c.Application != ApplicationSettled {
		return c, errAt(m.node, "%s: quote_status %s, application %s: a note {zh, en} must say why (where the words come from, what is read into them)", what, c.QuoteStatus, c.Application)
	}
	return c, nil
}
