package geo

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// mapping is a YAML mapping with its keys checked.
type mapping struct {
	node *yaml.Node
	what string
	vals map[string]*yaml.Node
	keys []*yaml.Node // in file order
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "empty"
		}
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "something else"
}

// asMapping checks that n is a mapping whose keys are distinct and, unless
// allowed is nil, among allowed.
func asMapping(n *yaml.Node, what string, allowed []string) (*mapping, error) {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "%s must be a mapping, not %s", what, kindName(n))
	}
	m := &mapping{node: n, what: what, vals: map[string]*yaml.Node{}}
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, errAt(k, "%s: keys must be plain names", what)
		}
		if k.Value == "<<" {
			return nil, errAt(k, "%s: merge keys (<<) are not supported; write the keys out", what)
		}
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			return nil, errAt(k, "%s: unknown key %q (expected one of %s)", what, k.Value, strings.Join(allowed, ", "))
		}
		if f, dup := first[k.Value]; dup {
			return nil, errAt(k, "%s: key %q repeated (first at line %d)", what, k.Value, f.Line)
		}
		first[k.Value] = k
		m.keys = append(m.keys, k)
		m.vals[k.Value] = deref(v)
	}
	return m, nil
}

// get returns the value of key, or nil if it is absent or empty.
func (m *mapping) get(key string) *yaml.Node {
	v := m.vals[key]
	if v == nil || isNull(v) {
		return nil
	}
	return v
}

func (m *mapping) required(key string) (*yaml.Node, error) {
	v := m.get(key)
	if v == nil {
		return nil, errAt(m.node, "%s: missing %q", m.what, key)
	}
	return v, nil
}

func scalarOf(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", errAt(n, "%s must be a single value, not %s", what, kindName(n))
	}
	return n.Value, nil
}

// requiredString returns the non-blank scalar value of key.
func (m *mapping) requiredString(key string) (string, *yaml.Node, error) {
	v, err := m.required(key)
	if err != nil {
		return "", nil, err
	}
	s, err := scalarOf(v, m.what+": "+key)
	if err != nil {
		return "", nil, err
	}
	if strings.TrimSpace(s) == "" {
		return "", nil, errAt(v, "%s: %q is blank", m.what, key)
	}
	return s, v, nil
}

// optionalString returns the scalar value of key, "" if absent.
func (m *mapping) optionalString(key string) (string, *yaml.Node, error) {
	v := m.get(key)
	if v == nil {
		return "", nil, nil
	}
	s, err := scalarOf(v, m.what+": "+key)
	return s, v, err
}

func dateOf(n *yaml.Node, what string) (Date, error) {
	s, err := scalarOf(n, what)
	if err != nil {
		return Date{}, err
	}
	d, err := ParseDate(s)
	if err != nil {
		return Date{}, errAt(n, "%s: %v", what, err)
	}
	return d, nil
}

func (m *mapping) requiredDate(key string) (Date, *yaml.Node, error) {
	v, err := m.required(key)
	if err != nil {
		return Date{}, nil, err
	}
	d, err := dateOf(v, m.what+": "+key)
	return d, v, err
}

func (m *mapping) optionalDate(key string) (*Date, *yaml.Node, error) {
	v := m.get(key)
	if v == nil {
		return nil, nil, nil
	}
	d, err := dateOf(v, m.what+": "+key)
	if err != nil {
		return nil, nil, err
	}
	return &d, v, nil
}

// textOf reads {zh, en}, both required.
func textOf(n *yaml.Node, what string) (Text, error) {
	m, err := asMapping(n, what, []string{"zh", "en"})
	if err != nil {
		return Text{}, err
	}
	zh, _, err := m.requiredString("zh")
	if err != nil {
		return Text{}, err
	}
	en, _, err := m.requiredString("en")
	if err != nil {
		return Text{}, err
	}
	return Text{ZH: zh, EN: en}, nil
}

func (m *mapping) requiredText(key string) (Text, error) {
	v, err := m.required(key)
	if err != nil {
		return Text{}, err
	}
	return textOf(v, m.what+": "+key)
}

// peekID returns the scalar value of an "id" key of a mapping, "" if none,
// so that messages about the mapping's other keys can name it.
func peekID(n *yaml.Node) string {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], deref(n.Content[i+1]); k.Value == "id" && v != nil && v.Kind == yaml.ScalarNode {
			return v.Value
		}
	}
	return ""
}

func sequenceOf(n *yaml.Node, what string) ([]*yaml.Node, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(n, "%s must be a list, not %s", what, kindName(n))
	}
	if len(n.Content) == 0 {
		return nil, errAt(n, "%s is empty", what)
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = deref(c)
	}
	return out, nil
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]*$`)

func checkID(n *yaml.Node, what, id string) error {
	if !idRE.MatchString(id) {
		return errAt(n, "%s: id %q must be letters, digits and . _ @ - only", what, id)
	}
	return nil
}

func idsOf[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}
