package geo

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// baseRules is a small valid rules file; the malformed cases edit it.
const baseRules = `version: "t1"
valid_from: 2023-01-01
documents:
  law-a:
    title: 《甲法》
    effective_from: 2020-01-01
    dates_status: verified
  law-b:
    title: 《乙办法》
    effective_from: 2026-03-01
    effective_to: 2031-02-28
    dates_status: verified
categories:
  - id: chem
    name: {zh: 化工, en: Chemical}
    description: {zh: 化工项目, en: Chemical project}
  - id: eco
    name: {zh: 生态, en: Ecological}
    description: {zh: 生态修复, en: Restoration}
zone_kinds:
  - id: zone
    name: {zh: 区, en: Zone}
  - id: canal
    name: {zh: 运河, en: Canal}
    subzones:
      core: {zh: 核心, en: Core}
rules:
  - id: zone.chem
    zone_kind: zone
    category: chem
    effect: prohibited
    citation: {document: law-a, article: 第一条, quote: 禁止甲, status: verified}
    effective_from: 2020-01-01
    effective_to: 2026-02-28
  - id: zone.chem@2026
    zone_kind: zone
    category: chem
    effect: prohibited
    citation: {document: law-b, article: 第三条, quote: 禁止乙, status: to_verify}
    effective_from: 2026-03-01
    effective_to: 2031-02-28
  - id: zone.chem@2031
    zone_kind: zone
    category: chem
    effect: prohibited
    citation: {document: law-a, article: "", quote: 禁止丙, status: to_verify}
    effective_from: 2031-03-01
  - id: zone.eco
    zone_kind: zone
    category: eco
    effect: allowed
    citation: {document: law-a, article: "", quote: 允许丁, status: verified}
    effective_from: 2020-01-01
  - id: canal.core.chem
    zone_kind: canal
    subzone: core
    category: chem
    effect: restricted
    condition: {zh: 须审查, en: Needs review}
    citation: {document: law-a, article: "", quote: 限制戊, status: verified}
    effective_from: 2020-01-01
  - id: canal.core.eco
    zone_kind: canal
    subzone: core
    category: eco
    effect: allowed
    citation: {document: law-a, article: "", quote: 允许己, status: verified}
    effective_from: 2020-01-01
`

func TestBaseRulesValid(t *testing.T) {
	rs, err := ParseRules([]byte(baseRules))
	if err != nil {
		t.Fatal(err)
	}
	r, err := rs.Lookup("zone", "", "chem", day("2026-03-01"))
	if err != nil || r.ID != "zone.chem@2026" || r.Citation.Title != "《乙办法》" {
		t.Errorf("got %+v, %v", r, err)
	}
}

// edit replaces the first occurrence of old after the line "  - id: <rule>"
// (or anywhere if rule is ""); the test fails if old is not there.
func edit(t *testing.T, src, rule, old, new string) string {
	t.Helper()
	start := 0
	if rule != "" {
		start = strings.Index(src, "  - id: "+rule+"\n")
		if start < 0 {
			t.Fatalf("no rule %s", rule)
		}
	}
	i := strings.Index(src[start:], old)
	if i < 0 {
		t.Fatalf("%q not found after rule %q", old, rule)
	}
	i += start
	return src[:i] + new + src[i+len(old):]
}

// lineCol returns the 1-based line and column of the nth (1-based)
// occurrence of marker.
func lineCol(t *testing.T, src, marker string, nth int) (int, int) {
	t.Helper()
	off := -1
	for k := 0; k < nth; k++ {
		i := strings.Index(src[off+1:], marker)
		if i < 0 {
			t.Fatalf("marker %q (#%d) not in the edited file", marker, nth)
		}
		off += 1 + i
	}
	line := strings.Count(src[:off], "\n") + 1
	col := utf8.RuneCountInString(src[strings.LastIndex(src[:off], "\n")+1:off]) + 1 // yaml counts characters
	return line, col
}

type edition struct{ rule, old, new string }

func TestParseRulesMalformed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edits []edition
		src   string // whole file instead of edits
		at    string // marker whose line the error must name ("" for none)
		nth   int    // which occurrence of at (default 1)
		col   bool   // also check the column
		want  string
	}{
		{name: "syntax tab", edits: []edition{{"zone.eco", "    effect: allowed\n", "    effect: allowed\n\t\tbad: 1\n"}},
			at: "\t\tbad", want: "YAML syntax: found a tab character"},
		{name: "syntax bad indentation", edits: []edition{{"zone.eco", "    effect: allowed\n", "    effect: allowed\n   effective_to: 2030-01-02\n"}},
			at: "2030-01-02", want: "YAML syntax: did not find expected '-' indicator"},
		{name: "syntax mapping value", edits: []edition{{"", "version: \"t1\"\n", "version: \"t1\"\n  oops: 1\n"}},
			at: "  oops", want: "YAML syntax: did not find expected key"},
		{name: "syntax value with colon", edits: []edition{{"zone.eco", "effect: allowed", "effect: allowed: yes"}},
			at: "allowed: yes", want: "YAML syntax: mapping values are not allowed"},
		{name: "syntax unclosed flow", edits: []edition{{"zone.eco", "status: verified}", "status: verified"}},
			at: "允许丁, status: verified\n", want: "YAML syntax: did not find expected ',' or '}'"},
		{name: "syntax unknown alias", edits: []edition{{"zone.eco", "effect: allowed", "effect: *allowed"}},
			at: "*allowed", want: "YAML syntax: unknown anchor 'allowed' referenced"},
		{name: "empty file", src: "\n", want: "empty file"},
		{name: "not a mapping", src: "- a\n- b\n", at: "- a", want: "the file must be a mapping, not a list"},
		{name: "unknown top-level key", edits: []edition{{"", "valid_from:", "extra: 1\nvalid_from:"}},
			at: "extra:", col: true, want: `the file: unknown key "extra"`},
		{name: "missing version", edits: []edition{{"", "version: \"t1\"\n", ""}},
			at: "valid_from:", want: `the file: missing "version"`},
		{name: "bad valid_from", edits: []edition{{"", "valid_from: 2023-01-01", "valid_from: 2023-13-01"}},
			at: "valid_from:", want: `valid_from: "2023-13-01" is not a date`},
		{name: "duplicate document", edits: []edition{{"", "  law-b:\n", "  law-a:\n"}},
			at: "  law-a:", nth: 2, want: `key "law-a" repeated (first at line 4)`},
		{name: "document unknown key", edits: []edition{{"", "    dates_status: verified\n", "    dates_status: verified\n    number: 1\n"}},
			at: "number:", want: `document "law-a": unknown key "number"`},
		{name: "document bad dates_status", edits: []edition{{"", "    dates_status: verified\n", "    dates_status: checked\n"}},
			at: "checked", want: `dates_status "checked" is not one of verified, to_verify`},
		{name: "document reversed dates", edits: []edition{{"", "    effective_to: 2031-02-28\n    dates_status", "    effective_to: 2025-02-28\n    dates_status"}},
			at: "2025-02-28", want: `document "law-b": effective_to 2025-02-28 is before effective_from 2026-03-01`},
		{name: "duplicate category", edits: []edition{{"", "  - id: eco\n", "  - id: chem\n"}},
			at: "- id: chem", nth: 2, want: `category id "chem" already used at line 14`},
		{name: "category missing description", edits: []edition{{"", "    description: {zh: 生态修复, en: Restoration}\n", ""}},
			at: "- id: eco", want: `category "eco": missing "description"`},
		{name: "category name missing en", edits: []edition{{"", "{zh: 生态, en: Ecological}", "{zh: 生态}"}},
			at: "{zh: 生态}", want: `category "eco": name: missing "en"`},
		{name: "unknown rule key", edits: []edition{{"zone.chem", "    effect: prohibited", "    efect: prohibited"}},
			at: "efect", col: true, want: `rule "zone.chem": unknown key "efect"`},
		{name: "unknown citation key", edits: []edition{{"zone.eco", "status: verified}", "status: verified, page: 3}"}},
			at: "page:", col: true, want: `rule "zone.eco": citation: unknown key "page"`},
		{name: "repeated rule key", edits: []edition{{"zone.chem", "    effect: prohibited\n", "    effect: prohibited\n    effect: allowed\n"}},
			at: "effect: allowed", want: `rule "zone.chem": key "effect" repeated`},
		{name: "duplicate rule id", edits: []edition{{"zone.eco", "  - id: zone.eco\n", "  - id: zone.chem\n"}},
			at: "- id: zone.chem\n", nth: 2, want: `rule id "zone.chem" already used at line 28`},
		{name: "unknown category", edits: []edition{{"zone.eco", "category: eco", "category: ecology"}},
			at: "ecology", want: `rule "zone.eco": unknown category "ecology" (one of chem, eco)`},
		{name: "unknown zone kind", edits: []edition{{"zone.eco", "zone_kind: zone", "zone_kind: zona"}},
			at: "zona", want: `rule "zone.eco": unknown zone_kind "zona" (one of zone, canal)`},
		{name: "unknown subzone", edits: []edition{{"canal.core.chem", "subzone: core", "subzone: kore"}},
			at: "kore", want: `unknown subzone "kore" of zone kind "canal" (one of core)`},
		{name: "missing subzone", edits: []edition{{"canal.core.chem", "    subzone: core\n", ""}},
			at: "- id: canal.core.chem", want: `rule "canal.core.chem": zone kind "canal" needs a subzone (one of core)`},
		{name: "subzone where none", edits: []edition{{"zone.eco", "    zone_kind: zone\n", "    zone_kind: zone\n    subzone: core\n"}},
			at: "subzone: core", want: `rule "zone.eco": zone kind "zone" has no subzones, got subzone "core"`},
		{name: "unknown document", edits: []edition{{"zone.eco", "document: law-a", "document: law-c"}},
			at: "law-c", want: `rule "zone.eco": citation: unknown document "law-c" (one of law-a, law-b)`},
		{name: "bad effect", edits: []edition{{"zone.chem", "effect: prohibited", "effect: forbidden"}},
			at: "forbidden", col: true, want: `rule "zone.chem": effect "forbidden" is not one of prohibited, restricted, allowed`},
		{name: "restricted without condition", edits: []edition{{"canal.core.chem", "    condition: {zh: 须审查, en: Needs review}\n", ""}},
			at: "- id: canal.core.chem", want: `rule "canal.core.chem": a restricted rule needs a condition`},
		{name: "condition missing en", edits: []edition{{"canal.core.chem", "{zh: 须审查, en: Needs review}", "{zh: 须审查}"}},
			at: "{zh: 须审查}", want: `rule "canal.core.chem": condition: missing "en"`},
		{name: "prohibited without citation", edits: []edition{{"zone.chem", "    citation: {document: law-a, article: 第一条, quote: 禁止甲, status: verified}\n", ""}},
			at: "- id: zone.chem\n", want: `rule "zone.chem": missing citation`},
		{name: "citation without quote", edits: []edition{{"zone.chem", " quote: 禁止甲,", ""}},
			at: "{document: law-a, article: 第一条", want: `rule "zone.chem": citation: missing "quote"`},
		{name: "citation without article", edits: []edition{{"zone.chem", " article: 第一条,", ""}},
			at: "{document: law-a, quote: 禁止甲", want: `rule "zone.chem": citation: missing "article"`},
		{name: "bad status", edits: []edition{{"zone.eco", "status: verified", "status: checked"}},
			at: "checked", want: `rule "zone.eco": citation: status "checked" is not one of verified, to_verify`},
		{name: "see_also unknown document", edits: []edition{{"zone.eco", "status: verified}", "status: verified, see_also: [{document: law-z}]}"}},
			at: "law-z", want: `see_also: unknown document "law-z"`},
		{name: "bad date", edits: []edition{{"zone.eco", "effective_from: 2020-01-01", "effective_from: 2020-02-30"}},
			at: "2020-02-30", want: `rule "zone.eco": effective_from: "2020-02-30" is not a date (YYYY-MM-DD)`},
		{name: "reversed dates", edits: []edition{{"zone.chem", "effective_to: 2026-02-28", "effective_to: 2019-12-31"}},
			at: "2019-12-31", want: `rule "zone.chem": effective_to 2019-12-31 is before effective_from 2020-01-01`},
		{name: "rule before its document", edits: []edition{{"zone.eco", "effective_from: 2020-01-01", "effective_from: 2019-06-01"}},
			at: "2019-06-01", want: `rule "zone.eco": in force from 2019-06-01, before its document "law-a" takes effect on 2020-01-01`},
		{name: "rule after its document lapses", edits: []edition{{"zone.chem@2026", "effective_to: 2031-02-28", "effective_to: 2031-03-31"}},
			at: "2031-03-31", want: `rule "zone.chem@2026": in force until 2031-03-31, after its document "law-b" lapses on 2031-02-28`},
		{name: "open rule on a lapsing document", edits: []edition{{"zone.chem@2026", "    effective_to: 2031-02-28\n", ""}},
			at: "- id: zone.chem@2026", want: `rule "zone.chem@2026": open-ended, but its document "law-b" is in force only until 2031-02-28`},
		{name: "gap between versions", edits: []edition{{"zone.chem@2026", "effective_from: 2026-03-01", "effective_from: 2026-03-05"}},
			at: "2026-03-05", want: `cell zone/chem: no rule in force on 2026-03-01: "zone.chem" ends 2026-02-28 and "zone.chem@2026" starts 2026-03-05`},
		{name: "overlap", edits: []edition{{"zone.chem", "effective_to: 2026-02-28", "effective_to: 2026-03-10"}},
			at: "effective_from: 2026-03-01", nth: 2, want: `cell zone/chem: rules "zone.chem" (line 28) and "zone.chem@2026" are both in force on 2026-03-01`},
		{name: "two open rules", edits: []edition{{"zone.chem", "    effective_to: 2026-02-28\n", ""}, {"zone.chem@2026", "    effective_to: 2031-02-28\n", ""}, {"zone.chem@2026", "law-b", "law-a"}},
			at: "effective_from: 2026-03-01", nth: 2, want: `cell zone/chem: rules "zone.chem" (line 28) and "zone.chem@2026" are both in force on 2026-03-01`},
		{name: "gap at valid_from", edits: []edition{{"canal.core.eco", "effective_from: 2020-01-01", "effective_from: 2024-01-01"}},
			at: "2024-01-01", want: `cell canal/core/eco: no rule in force on 2023-01-01 (valid_from); the first, "canal.core.eco", starts 2024-01-01`},
		{name: "gap at the end", edits: []edition{{"canal.core.eco", "    effective_from: 2020-01-01\n", "    effective_from: 2020-01-01\n    effective_to: 2030-12-31\n"}},
			at: "2030-12-31", want: `cell canal/core/eco: no rule in force on 2031-01-01: the last, "canal.core.eco", ends 2030-12-31 and none follows`},
		{name: "overlap across rule ids", edits: []edition{{"canal.core.eco", "  - id: canal.core.eco\n", "  - id: canal.core.eco2\n"}, {"canal.core.eco2", "    category: eco\n", "    category: chem\n"}},
			at: "effective_from: 2020-01-01", nth: 5, want: `cell canal/core/chem: rules "canal.core.chem" (line 54) and "canal.core.eco2" are both in force on 2020-01-01`},
		{name: "missing cell", edits: []edition{{"canal.core.eco", "  - id: canal.core.eco\n    zone_kind: canal\n    subzone: core\n    category: eco\n    effect: allowed\n    citation: {document: law-a, article: \"\", quote: 允许己, status: verified}\n    effective_from: 2020-01-01\n", ""}},
			at: "rules:", want: `cell canal/core/eco has no rule`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src
			if src == "" {
				src = baseRules
				for _, e := range tc.edits {
					src = edit(t, src, e.rule, e.old, e.new)
				}
			}
			_, err := ParseRules([]byte(src))
			if err == nil {
				t.Fatalf("no error; file:\n%s", src)
			}
			if !errors.Is(err, ErrRules) {
				t.Errorf("error does not wrap ErrRules: %v", err)
			}
			var re *RulesError
			if !errors.As(err, &re) {
				t.Fatalf("not a *RulesError: %T %v", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if tc.at == "" {
				if re.Line != 0 {
					t.Errorf("line %d, want none", re.Line)
				}
				return
			}
			nth := tc.nth
			if nth == 0 {
				nth = 1
			}
			line, col := lineCol(t, src, tc.at, nth)
			if re.Line != line {
				t.Errorf("error %q names line %d, want %d", err, re.Line, line)
			}
			if tc.col && re.Column != col {
				t.Errorf("error %q names column %d, want %d", err, re.Column, col)
			}
			if !strings.HasPrefix(err.Error(), "rules.yaml:") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}
