package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/zhonglou/ecospace/geo"
)

// factNames are the register columns (or properties) found as a row's
// declared facts when --facts-field does not name one.
var factNames = []string{"facts", "事实", "申报事实"}

// factFlags collects repeated --fact name=true|false flags.
type factFlags []string

func (f *factFlags) String() string     { return strings.Join(*f, ",") }
func (f *factFlags) Set(v string) error { *f = append(*f, v); return nil }

// parseFactsText reads declared facts as a register writes them: a JSON
// object ({"emits_n_p": true}) or pairs "name=value" separated by ; or ,
// (full or half width), a value being true/false, yes/no, 1/0 or 是/否. Every
// name must be a fact of the rules.
func parseFactsText(rules *geo.RuleSet, s string) (map[string]bool, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "{}" || s == "null" {
		return nil, nil
	}
	out := map[string]bool{}
	add := func(name string, v any) error {
		name = strings.TrimSpace(name)
		if _, ok := rules.Fact(name); !ok {
			return fmt.Errorf("fact %q is not known; the facts are %s", name, strings.Join(rules.FactIDs(), ", "))
		}
		b, ok := factValue(v)
		if !ok {
			return fmt.Errorf("fact %s must be true or false, not %v", name, v)
		}
		if _, dup := out[name]; dup {
			return fmt.Errorf("fact %s is given twice", name)
		}
		out[name] = b
		return nil
	}
	if strings.HasPrefix(s, "{") {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return nil, fmt.Errorf("facts %q: not a JSON object: %v", s, err)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := add(k, m[k]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	for _, pair := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '；' || r == '，' }) {
		name, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return nil, fmt.Errorf("facts %q: %q is not name=true or name=false", s, pair)
		}
		if err := add(name, strings.TrimSpace(v)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func factValue(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "true", "yes", "y", "1", "是":
			return true, true
		case "false", "no", "n", "0", "否":
			return false, true
		}
	case float64:
		if x == 1 || x == 0 {
			return x == 1, true
		}
	}
	return false, false
}

// factsText writes declared facts for the report: "name=true; …", sorted.
func factsText(facts map[string]bool) string {
	keys := make([]string, 0, len(facts))
	for k := range facts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%t", k, facts[k])
	}
	return strings.Join(parts, "; ")
}

// questionsText writes a check's open questions for the report: the fact,
// its question in Chinese and what each answer would give.
func questionsText(qs []geo.Question) string {
	parts := make([]string, len(qs))
	for i, q := range qs {
		parts[i] = fmt.Sprintf("%s（%s）是→%s %s；否→%s %s", q.ID, q.Question.ZH,
			verdictZH[q.IfTrue.Verdict], q.IfTrue.RuleID, verdictZH[q.IfFalse.Verdict], q.IfFalse.RuleID)
	}
	return strings.Join(parts, " | ")
}
