package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Effects of a rule, from least to most severe, and the verdict for a site
// outside the district.
const (
	EffectAllowed          = "allowed"
	EffectRestricted       = "restricted"
	EffectProhibited       = "prohibited"
	VerdictOutsideCoverage = "outside_coverage"
)

// Citation statuses: verified where the quoted text was read in the official
// text (or a faithful quotation of it), to_verify where the rule is a working
// assumption.
const (
	StatusVerified = "verified"
	StatusToVerify = "to_verify"
)

// ErrRules is wrapped by every error ParseRules returns.
var ErrRules = errors.New("geo: rules")

// ErrNoRule is wrapped by Lookup's errors: no rule answers for the zone kind,
// subzone, category and day asked. For a validated rule set and a day it
// covers this means the caller passed a key the rules do not know.
var ErrNoRule = errors.New("geo: no rule")

const dateLayout = "2006-01-02"

// Date is a calendar day (UTC midnight), written "YYYY-MM-DD" in YAML and
// JSON. The zero Date means "none" (an open end).
type Date struct{ time.Time }

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return Date{t}, nil
}

// String returns "YYYY-MM-DD", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(dateLayout)
}

// MarshalJSON writes "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date must be a string \"YYYY-MM-DD\": %w", err)
	}
	return d.UnmarshalText([]byte(s))
}

// MarshalText writes "YYYY-MM-DD" ("" for the zero Date).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "YYYY-MM-DD" ("" is the zero Date).
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML writes "YYYY-MM-DD".
func (d Date) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads "YYYY-MM-DD".
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("date must be a single value YYYY-MM-DD")
	}
	return d.UnmarshalText([]byte(n.Value))
}

func (d Date) addDays(n int) Date { return Date{d.AddDate(0, 0, n)} }

// inRange reports whether from <= d and (to is nil or d <= to).
func (d Date) inRange(from Date, to *Date) bool {
	return !d.Before(from.Time) && (to == nil || !d.After(to.Time))
}

// Document is a regulation or plan that citations name.
type Document struct {
	ID            string `json:"id"`
	Title         string `json:"title"` // full Chinese name and number
	EffectiveFrom Date   `json:"effective_from"`
	EffectiveTo   *Date  `json:"effective_to,omitempty"` // inclusive; nil: open
	DatesStatus   string `json:"dates_status"`           // verified | to_verify
}

// Category is a kind of project a siting check asks about.
type Category struct {
	ID          string `json:"id"`
	Name        Text   `json:"name"`
	Description Text   `json:"description"`
}

// ZoneKind is what the rules see of a zone: a key that layers name in their
// zone_kind, with optional subzones (e.g. the canal core zone's built-up
// area). A zone kind with subzones is only judged per subzone.
type ZoneKind struct {
	ID       string          `json:"id"`
	Name     Text            `json:"name"`
	Subzones map[string]Text `json:"subzones,omitempty"`
}

// Citation is the legal basis of a rule.
type Citation struct {
	Document string      `json:"document"` // id into RuleSet.Documents
	Title    string      `json:"title"`    // the document's title, filled in by ParseRules
	Article  string      `json:"article"`  // e.g. 第三条; "" if not known
	Quote    string      `json:"quote"`    // short quote in Chinese
	Status   string      `json:"status"`   // verified | to_verify
	SeeAlso  []Reference `json:"see_also,omitempty"`
}

// Reference is a further basis of a rule besides its primary citation.
type Reference struct {
	Document string `json:"document"`
	Title    string `json:"title"`
	Quote    string `json:"quote,omitempty"`
}

// Rule says what a project category meets in a zone kind (and subzone)
// during its period of effect.
type Rule struct {
	ID            string   `json:"id"`
	ZoneKind      string   `json:"zone_kind"`
	Subzone       string   `json:"subzone,omitempty"`
	Category      string   `json:"category"`
	Effect        string   `json:"effect"`
	Condition     Text     `json:"condition,omitzero"` // restricted: what the applicant must still show
	Citation      Citation `json:"citation"`
	EffectiveFrom Date     `json:"effective_from"`
	EffectiveTo   *Date    `json:"effective_to,omitempty"` // inclusive; nil: open
}

// InForce reports whether the rule is in force on the day of asOf.
func (r *Rule) InForce(asOf time.Time) bool {
	return DateOf(asOf).inRange(r.EffectiveFrom, r.EffectiveTo)
}

// RuleSet is a parsed and validated rules file.
type RuleSet struct {
	Version    string     `json:"version"`
	ValidFrom  Date       `json:"valid_from"` // earliest as_of the rules answer for
	Documents  []Document `json:"documents"`
	Categories []Category `json:"categories"`
	ZoneKinds  []ZoneKind `json:"zone_kinds"`
	Rules      []Rule     `json:"rules"`

	docs     map[string]int
	cats     map[string]int
	kinds    map[string]int
	subzones map[string][]string // zone kind → subzone ids in file order
	cells    map[ruleCell][]int  // → indexes into Rules, by EffectiveFrom
}

type ruleCell struct{ kind, sub, cat string }

func (c ruleCell) String() string {
	if c.sub == "" {
		return c.kind + "/" + c.cat
	}
	return c.kind + "/" + c.sub + "/" + c.cat
}

// Severity orders effects: allowed 0 < restricted 1 < prohibited 2; -1 for
// anything else.
func Severity(effect string) int {
	switch effect {
	case EffectAllowed:
		return 0
	case EffectRestricted:
		return 1
	case EffectProhibited:
		return 2
	}
	return -1
}

// Covers reports whether the rules answer for the day of asOf.
func (rs *RuleSet) Covers(asOf time.Time) bool {
	return !DateOf(asOf).Before(rs.ValidFrom.Time)
}

// Category returns the category with the given id.
func (rs *RuleSet) Category(id string) (Category, bool) {
	i, ok := rs.cats[id]
	if !ok {
		return Category{}, false
	}
	return rs.Categories[i], true
}

// CategoryIDs returns the category ids in file order.
func (rs *RuleSet) CategoryIDs() []string {
	ids := make([]string, len(rs.Categories))
	for i, c := range rs.Categories {
		ids[i] = c.ID
	}
	return ids
}

// Document returns the document with the given id.
func (rs *RuleSet) Document(id string) (Document, bool) {
	i, ok := rs.docs[id]
	if !ok {
		return Document{}, false
	}
	return rs.Documents[i], true
}

// ZoneKind returns the zone kind with the given id.
func (rs *RuleSet) ZoneKind(id string) (ZoneKind, bool) {
	i, ok := rs.kinds[id]
	if !ok {
		return ZoneKind{}, false
	}
	return rs.ZoneKinds[i], true
}

// RulesAsOf returns the rules in force on the day of asOf, in file order.
func (rs *RuleSet) RulesAsOf(asOf time.Time) []Rule {
	var out []Rule
	for i := range rs.Rules {
		if rs.Rules[i].InForce(asOf) {
			out = append(out, rs.Rules[i])
		}
	}
	return out
}

// Lookup returns the rule in force on the day of asOf for a zone kind,
// subzone ("" for zone kinds without subzones) and category. The error wraps
// ErrNoRule (and ErrUnknownCategory for an unknown category).
func (rs *RuleSet) Lookup(zoneKind, subzone, category string, asOf time.Time) (Rule, error) {
	if _, ok := rs.kinds[zoneKind]; !ok {
		return Rule{}, fmt.Errorf("%w: unknown zone kind %q", ErrNoRule, zoneKind)
	}
	subs := rs.subzones[zoneKind]
	switch {
	case len(subs) == 0 && subzone != "":
		return Rule{}, fmt.Errorf("%w: zone kind %q has no subzones, got subzone %q", ErrNoRule, zoneKind, subzone)
	case len(subs) > 0 && subzone == "":
		return Rule{}, fmt.Errorf("%w: zone kind %q is judged per subzone (one of %s), got none", ErrNoRule, zoneKind, strings.Join(subs, ", "))
	case len(subs) > 0 && !slices.Contains(subs, subzone):
		return Rule{}, fmt.Errorf("%w: zone kind %q has no subzone %q (one of %s)", ErrNoRule, zoneKind, subzone, strings.Join(subs, ", "))
	}
	if _, ok := rs.cats[category]; !ok {
		return Rule{}, fmt.Errorf("%w: %w %q", ErrNoRule, ErrUnknownCategory, category)
	}
	c := ruleCell{zoneKind, subzone, category}
	day := DateOf(asOf)
	for _, i := range rs.cells[c] {
		r := &rs.Rules[i]
		if day.inRange(r.EffectiveFrom, r.EffectiveTo) {
			return *r, nil
		}
	}
	return Rule{}, fmt.Errorf("%w: no rule for %s in force on %s", ErrNoRule, c, day)
}

// RulesError is a problem in a rules file, at a line and column (1-based; 0
// when not known). It wraps ErrRules.
type RulesError struct {
	Line, Column int
	Msg          string
}

// RulesFileName is the name RulesError messages give the rules file.
const RulesFileName = "rules.yaml"

func (e *RulesError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", RulesFileName, e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", RulesFileName, e.Line, e.Msg)
	}
	return RulesFileName + ": " + e.Msg
}

func (e *RulesError) Unwrap() error { return ErrRules }

func errAt(n *yaml.Node, format string, args ...any) *RulesError {
	return &RulesError{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)}
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// splitYAMLError splits yaml.v3's "yaml: line N: problem" into N (0 if
// absent) and the problem.
func splitYAMLError(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// syntaxErrorLine finds the line of a YAML syntax error. yaml.v3 names the
// line where the enclosing block or flow collection began when it has one
// (and is off by one for some scanner errors), so the line is taken to be
// the shortest prefix of the file, ending at a line at or after the one
// yaml.v3 names, that fails with the same problem. Without such a prefix
// yaml.v3's own line stands.
func syntaxErrorLine(src []byte, yamlLine int, problem string) int {
	const maxLines = 20000
	lines := strings.SplitAfter(string(src), "\n")
	if len(lines) > maxLines {
		return yamlLine
	}
	var prefix strings.Builder
	for k, l := range lines {
		prefix.WriteString(l)
		if k+1 < yamlLine {
			continue
		}
		var n yaml.Node
		err := yaml.Unmarshal([]byte(prefix.String()), &n)
		if err == nil {
			continue
		}
		if _, p := splitYAMLError(err); p == problem {
			return k + 1
		}
	}
	return yamlLine
}

// ParseRules parses and validates a rules file (YAML). Every error is a
// *RulesError naming the line and column of the problem.
func ParseRules(src []byte) (*RuleSet, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, msg := splitYAMLError(err)
		return nil, &RulesError{Line: syntaxErrorLine(src, line, msg), Msg: "YAML syntax: " + msg}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &RulesError{Msg: "empty file"}
	}
	p := rulesParser{rs: &RuleSet{
		docs:     map[string]int{},
		cats:     map[string]int{},
		kinds:    map[string]int{},
		subzones: map[string][]string{},
		cells:    map[ruleCell][]int{},
	}}
	if err := p.parse(doc.Content[0]); err != nil {
		return nil, err
	}
	return p.rs, nil
}

type rulesParser struct {
	rs        *RuleSet
	ruleNodes []ruleNodes // parallel to rs.Rules
	rulesKey  *yaml.Node
}

// ruleNodes keeps where a rule's parts were written, for later messages.
type ruleNodes struct {
	node, from, to *yaml.Node
}

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

func (p *rulesParser) parse(root *yaml.Node) error {
	top, err := asMapping(root, "the file", []string{"version", "valid_from", "documents", "categories", "zone_kinds", "rules"})
	if err != nil {
		return err
	}
	rs := p.rs
	if rs.Version, _, err = top.requiredString("version"); err != nil {
		return err
	}
	if rs.ValidFrom, _, err = top.requiredDate("valid_from"); err != nil {
		return err
	}
	steps := []struct {
		key string
		fn  func(*yaml.Node) error
	}{
		{"documents", p.documents},
		{"categories", p.categories},
		{"zone_kinds", p.zoneKinds},
		{"rules", p.rules},
	}
	for _, s := range steps {
		n, err := top.required(s.key)
		if err != nil {
			return err
		}
		if err := s.fn(n); err != nil {
			return err
		}
	}
	for _, k := range top.keys {
		if k.Value == "rules" {
			p.rulesKey = k
		}
	}
	return p.complete()
}

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
		dm, err := asMapping(m.vals[id], what, []string{"title", "effective_from", "effective_to", "dates_status"})
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
		p.rs.docs[id] = len(p.rs.Documents)
		p.rs.Documents = append(p.rs.Documents, d)
	}
	return nil
}

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

func (p *rulesParser) documentIDs() []string {
	return idsOf(p.rs.Documents, func(d Document) string { return d.ID })
}

func idsOf[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

// complete checks that every zone kind (× subzone) × category has exactly
// one rule in force on every day from ValidFrom on, and that no two rules of
// a cell overlap at all.
func (p *rulesParser) complete() error {
	rs := p.rs
	for _, z := range rs.ZoneKinds {
		subs := rs.subzones[z.ID]
		if len(subs) == 0 {
			subs = []string{""}
		}
		for _, sub := range subs {
			for _, cat := range rs.Categories {
				c := ruleCell{z.ID, sub, cat.ID}
				if err := p.completeCell(c); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (p *rulesParser) completeCell(c ruleCell) error {
	rs := p.rs
	idxs := rs.cells[c]
	if len(idxs) == 0 {
		return errAt(p.rulesKey, "cell %s has no rule: every zone kind (× subzone) × category needs one in force on every day from valid_from %s", c, rs.ValidFrom)
	}
	first := &rs.Rules[idxs[0]]
	if first.EffectiveFrom.After(rs.ValidFrom.Time) {
		return errAt(p.ruleNodes[idxs[0]].from, "cell %s: no rule in force on %s (valid_from); the first, %q, starts %s", c, rs.ValidFrom, first.ID, first.EffectiveFrom)
	}
	for k := 1; k < len(idxs); k++ {
		prev, next := &rs.Rules[idxs[k-1]], &rs.Rules[idxs[k]]
		nextNodes := p.ruleNodes[idxs[k]]
		if prev.EffectiveTo == nil || !next.EffectiveFrom.After(prev.EffectiveTo.Time) {
			return errAt(nextNodes.from, "cell %s: rules %q (line %d) and %q are both in force on %s", c, prev.ID, p.ruleNodes[idxs[k-1]].node.Line, next.ID, next.EffectiveFrom)
		}
		gap := prev.EffectiveTo.addDays(1)
		if next.EffectiveFrom.After(gap.Time) && next.EffectiveFrom.After(rs.ValidFrom.Time) {
			if gap.Before(rs.ValidFrom.Time) {
				gap = rs.ValidFrom
			}
			return errAt(nextNodes.from, "cell %s: no rule in force on %s: %q ends %s and %q starts %s", c, gap, prev.ID, prev.EffectiveTo, next.ID, next.EffectiveFrom)
		}
	}
	last := &rs.Rules[idxs[len(idxs)-1]]
	if last.EffectiveTo != nil {
		gap := last.EffectiveTo.addDays(1)
		if gap.Before(rs.ValidFrom.Time) {
			gap = rs.ValidFrom
		}
		return errAt(p.ruleNodes[idxs[len(idxs)-1]].to, "cell %s: no rule in force on %s: the last, %q, ends %s and none follows", c, gap, last.ID, last.EffectiveTo)
	}
	return nil
}
