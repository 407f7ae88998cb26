package geo

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrRules is wrapped by every error ParseRules returns.
var ErrRules = errors.New("geo: rules")

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
// absent) and the problem. It reads the message text because yaml.v3
// (v3.0.1) returns syntax errors as plain errors, with no type or line to ask.
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
		facts:    map[string]int{},
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

// rulesParser walks a rules file section by section, in the order parse
// lists them, each section seeing the ones before it (a rule names a zone
// kind, a category and a document). Its files:
//
//	rulesfile.go             ParseRules, RulesError, the top level (parse)
//	rulesfile_yaml.go        generic helpers: checked mappings, scalars, dates, texts, ids
//	rulesfile_documents.go   documents:
//	rulesfile_facts.go       facts: and absent:
//	rulesfile_categories.go  categories:
//	rulesfile_zonekinds.go   zone_kinds:
//	rulesfile_rules.go       rules: (one rule)
//	rulesfile_citation.go    a rule's (or an absent layer's) citations
//	rulesfile_complete.go    every cell has exactly one rule for every
//	                         combination of its facts on every day, and
//	                         declaring a fact true never lightens a rule
//
// A new top-level section is a key in parse's list, a method in a file of
// its own and, if rules refer to it, a check in rule.
type rulesParser struct {
	rs        *RuleSet
	ruleNodes []ruleNodes // parallel to rs.Rules
	rulesKey  *yaml.Node
	catNodes  map[string]*yaml.Node // category id → its facts list (or the category)
}

// ruleNodes keeps where a rule's parts were written, for later messages.
type ruleNodes struct {
	node, from, to, when *yaml.Node
}

func (p *rulesParser) parse(root *yaml.Node) error {
	top, err := asMapping(root, "the file", []string{"version", "valid_from", "documents", "facts", "categories", "zone_kinds", "absent", "rules"})
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
		key      string
		fn       func(*yaml.Node) error
		optional bool
	}{
		{"documents", p.documents, false},
		{"facts", p.factList, true},
		{"categories", p.categories, false},
		{"zone_kinds", p.zoneKinds, false},
		{"absent", p.absentList, false},
		{"rules", p.rules, false},
	}
	for _, s := range steps {
		n := top.get(s.key)
		if n == nil && s.optional {
			continue
		}
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
	if err := p.complete(); err != nil {
		return err
	}
	return p.categoryFacts()
}
