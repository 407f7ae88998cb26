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
    read_in: "repo/path @ abc"
  law-b:
    title: 《乙办法》
    effective_from: 2026-03-01
    effective_to: 2031-02-28
    dates_status: verified
    read_in: ""
facts:
  - id: wet
    name: {zh: 排水, en: Discharges}
    question: {zh: 是否排水？, en: "Does it discharge?"}
categories:
  - id: chem
    name: {zh: 化工, en: Chemical}
    description: {zh: 化工项目, en: Chemical project}
    facts: [wet]
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
      edge: {zh: 边缘, en: Edge}
absent:
  - id: red-line
    name: {zh: 红线, en: Red line}
    citation: {document: law-a, article: "", item: "", quote: 无红线, quote_status: read, application: settled}
rules:
  - id: zone.chem
    zone_kind: zone
    category: chem
    effect: prohibited
    citations:
      - {document: law-a, article: 第一条, item: （一）, quote: 禁止甲, quote_status: read, application: settled}
    effective_from: 2020-01-01
    effective_to: 2026-02-28
  - id: zone.chem@2026
    zone_kind: zone
    category: chem
    effect: prohibited
    citations:
      - {document: law-b, article: 第三条, item: "", quote: 禁止乙, quote_status: to_verify, application: settled, note: {zh: 未读, en: Not read}}
    effective_from: 2026-03-01
    effective_to: 2031-02-28
  - id: zone.chem@2031
    zone_kind: zone
    category: chem
    effect: prohibited
    citations:
      - {document: law-a, article: "", item: "", quote: 禁止丙, quote_status: read, application: interpretation, note: {zh: 解释, en: A reading}}
    effective_from: 2031-03-01
  - id: zone.eco
    zone_kind: zone
    category: eco
    effect: allowed
    effective_from: 2020-01-01
  - id: canal.chem.if-wet
    zone_kind: canal
    subzones: [core, edge]
    categories: [chem]
    when: {wet: true}
    effect: prohibited
    citations:
      - {document: law-a, article: 第二条, item: "", quote: 禁止排水, quote_status: read, application: settled}
    effective_from: 2020-01-01
  - id: canal.core.chem.if-not-wet
    zone_kind: canal
    subzone: core
    category: chem
    when: {wet: false}
    effect: restricted
    condition: {zh: 须审查, en: Needs review}
    citations:
      - {document: law-a, article: "", item: "", quote: 限制戊, quote_status: read, application: settled}
    effective_from: 2020-01-01
  - id: canal.edge.chem.if-not-wet
    zone_kind: canal
    subzone: edge
    category: chem
    when: {wet: false}
    effect: allowed
    effective_from: 2020-01-01
  - id: canal.eco
    zone_kind: canal
    subzones: [core, edge]
    category: eco
    effect: allowed
    effective_from: 2020-01-01
`

func TestBaseRulesValid(t *testing.T) {
	rs, err := ParseRules([]byte(baseRules))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := rs.CellRules("zone", "", "chem", day("2026-03-01"))
	if err != nil || len(rules) != 1 || rules[0].ID != "zone.chem@2026" {
		t.Fatalf("got %v, %v", rules, err)
	}
	c := rules[0].Citations[0]
	if c.Title != "《乙办法》" || c.ReadIn != "" || c.QuoteStatus != QuoteToVerify || c.Application != ApplicationSettled || c.Note.EN != "Not read" {
		t.Errorf("citation %+v", c)
	}
	if c := rs.Rules[0].Citations[0]; c.ReadIn != "repo/path @ abc" || c.Item != "（一）" {
		t.Errorf("citation %+v: read_in and item", c)
	}
	// One rule for several subzones and categories, and rules by fact.
	for _, tc := range []struct {
		sub  string
		wet  *bool
		want string
		open []string
	}{
		{"core", ptr(true), "canal.chem.if-wet", nil},
		{"core", ptr(false), "canal.core.chem.if-not-wet", nil},
		{"core", nil, "canal.core.chem.if-not-wet", []string{"wet"}},
		{"edge", nil, "canal.edge.chem.if-not-wet", []string{"wet"}},
		{"edge", ptr(true), "canal.chem.if-wet", nil},
	} {
		facts := map[string]bool{}
		if tc.wet != nil {
			facts["wet"] = *tc.wet
		}
		res, err := rs.Resolve("canal", tc.sub, "chem", facts, day("2026-03-01"))
		if err != nil || res.Rule.ID != tc.want || strings.Join(res.Open, ",") != strings.Join(tc.open, ",") {
			t.Errorf("%s %v: got %v open %v (%v), want %s open %v", tc.sub, facts, res.Rule, res.Open, err, tc.want, tc.open)
		}
	}
	if c, _ := rs.Category("chem"); strings.Join(c.Facts, ",") != "wet" {
		t.Errorf("chem facts %v", c.Facts)
	}
	if c, _ := rs.Category("eco"); c.Facts == nil || len(c.Facts) != 0 {
		t.Errorf("eco facts %#v, want an empty list", c.Facts)
	}
	if len(rs.Absent) != 1 || rs.Absent[0].Citation.Quote != "无红线" || rs.Absent[0].Citation.Title != "《甲法》" {
		t.Errorf("absent %+v", rs.Absent)
	}
	if got := rs.SubzoneIDs("canal"); strings.Join(got, ",") != "core,edge" {
		t.Errorf("subzones %v in file order", got)
	}
}

func ptr[T any](v T) *T { return &v }

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
		{name: "syntax unclosed flow", edits: []edition{{"zone.chem", "application: settled}", "application: settled"}},
			at: "quote_status: read, application: settled\n", want: "YAML syntax: did not find expected ',' or '}'"},
		{name: "syntax unknown alias", edits: []edition{{"zone.eco", "effect: allowed", "effect: *allowed"}},
			at: "*allowed", want: "YAML syntax: unknown anchor 'allowed' referenced"},
		{name: "empty file", src: "\n", want: "empty file"},
		{name: "not a mapping", src: "- a\n- b\n", at: "- a", want: "the file must be a mapping, not a list"},
		{name: "unknown top-level key", edits: []edition{{"", "valid_from:", "extra: 1\nvalid_from:"}},
			at: "extra:", col: true, want: `the file: unknown key "extra"`},
		{name: "missing version", edits: []edition{{"", "version: \"t1\"\n", ""}},
			at: "valid_from:", want: `the file: missing "version"`},
		{name: "missing absent", edits: []edition{{"", "absent:\n  - id: red-line\n    name: {zh: 红线, en: Red line}\n    citation: {document: law-a, article: \"\", item: \"\", quote: 无红线, quote_status: read, application: settled}\n", ""}},
			at: "version:", want: `the file: missing "absent"`},
		{name: "bad valid_from", edits: []edition{{"", "valid_from: 2023-01-01", "valid_from: 2023-13-01"}},
			at: "valid_from:", want: `valid_from: "2023-13-01" is not a date`},
		{name: "duplicate document", edits: []edition{{"", "  law-b:\n", "  law-a:\n"}},
			at: "  law-a:", nth: 2, want: `key "law-a" repeated (first at line 4)`},
		{name: "document unknown key", edits: []edition{{"", "    dates_status: verified\n", "    dates_status: verified\n    number: 1\n"}},
			at: "number:", want: `document "law-a": unknown key "number"`},
		{name: "document without read_in", edits: []edition{{"", "    read_in: \"repo/path @ abc\"\n", ""}},
			at: "title: 《甲法》", want: `document "law-a": missing "read_in"`},
		{name: "document bad dates_status", edits: []edition{{"", "    dates_status: verified\n", "    dates_status: checked\n"}},
			at: "checked", want: `dates_status "checked" is not one of verified, to_verify`},
		{name: "document reversed dates", edits: []edition{{"", "    effective_to: 2031-02-28\n    dates_status", "    effective_to: 2025-02-28\n    dates_status"}},
			at: "2025-02-28", want: `document "law-b": effective_to 2025-02-28 is before effective_from 2026-03-01`},
		{name: "duplicate fact", edits: []edition{{"", "facts:\n  - id: wet\n", "facts:\n  - id: dry\n    name: {zh: 干, en: Dry}\n    question: {zh: 干？, en: \"Dry?\"}\n  - id: dry\n"}},
			at: "- id: dry", nth: 2, want: `fact id "dry" already used at line 16`},
		{name: "fact without question", edits: []edition{{"", "    question: {zh: 是否排水？, en: \"Does it discharge?\"}\n", ""}},
			at: "- id: wet", want: `fact "wet": missing "question"`},
		{name: "duplicate category", edits: []edition{{"", "  - id: eco\n", "  - id: chem\n"}},
			at: "- id: chem", nth: 2, want: `category id "chem" already used at line 20`},
		{name: "category missing description", edits: []edition{{"", "    description: {zh: 生态修复, en: Restoration}\n", ""}},
			at: "- id: eco", want: `category "eco": missing "description"`},
		{name: "category name missing en", edits: []edition{{"", "{zh: 生态, en: Ecological}", "{zh: 生态}"}},
			at: "{zh: 生态}", want: `category "eco": name: missing "en"`},
		{name: "category unknown fact", edits: []edition{{"", "facts: [wet]", "facts: [wet, dry]"}},
			at: "dry]", want: `category "chem": facts: unknown fact "dry" (one of wet)`},
		{name: "category fact no rule uses", edits: []edition{{"", "    description: {zh: 生态修复, en: Restoration}\n", "    description: {zh: 生态修复, en: Restoration}\n    facts: [wet]\n"}},
			at: "facts: [wet]", nth: 2, want: `category "eco": lists fact "wet", but none of its rules turns on it`},
		{name: "rule fact the category does not list", edits: []edition{{"", "    facts: [wet]\n", ""}},
			at: "when: {wet: true}", want: `rule "canal.chem.if-wet" turns on fact "wet", which category "chem" does not list`},
		{name: "absent without citation", edits: []edition{{"", "    citation: {document: law-a, article: \"\", item: \"\", quote: 无红线", "    cite: {document: law-a, article: \"\", item: \"\", quote: 无红线"}},
			at: "cite:", want: `absent[0]: unknown key "cite"`},
		{name: "unknown rule key", edits: []edition{{"zone.chem", "    effect: prohibited", "    efect: prohibited"}},
			at: "efect", col: true, want: `rule "zone.chem": unknown key "efect"`},
		{name: "unknown citation key", edits: []edition{{"zone.chem", "application: settled}", "application: settled, page: 3}"}},
			at: "page:", col: true, want: `rule "zone.chem": citations[0]: unknown key "page"`},
		{name: "repeated rule key", edits: []edition{{"zone.chem", "    effect: prohibited\n", "    effect: prohibited\n    effect: allowed\n"}},
			at: "effect: allowed", want: `rule "zone.chem": key "effect" repeated`},
		{name: "duplicate rule id", edits: []edition{{"zone.eco", "  - id: zone.eco\n", "  - id: zone.chem\n"}},
			at: "- id: zone.chem\n", nth: 2, want: `rule id "zone.chem" already used at line 40`},
		{name: "unknown category", edits: []edition{{"zone.eco", "category: eco", "category: ecology"}},
			at: "ecology", want: `rule "zone.eco": unknown category "ecology" (one of chem, eco)`},
		{name: "category and categories", edits: []edition{{"zone.eco", "    category: eco\n", "    category: eco\n    categories: [eco]\n"}},
			at: "categories: [eco]", want: `rule "zone.eco": give "category" or "categories", not both`},
		{name: "category listed twice", edits: []edition{{"canal.chem.if-wet", "categories: [chem]", "categories: [chem, chem]"}},
			at: "chem]", want: `rule "canal.chem.if-wet": categories: "chem" listed twice`},
		{name: "no category", edits: []edition{{"zone.eco", "    category: eco\n", ""}},
			at: "- id: zone.eco", want: `rule "zone.eco": missing "category" (or "categories")`},
		{name: "unknown zone kind", edits: []edition{{"zone.eco", "zone_kind: zone", "zone_kind: zona"}},
			at: "zona", want: `rule "zone.eco": unknown zone_kind "zona" (one of zone, canal)`},
		{name: "unknown subzone", edits: []edition{{"canal.core.chem.if-not-wet", "subzone: core", "subzone: kore"}},
			at: "kore", want: `unknown subzone "kore" of zone kind "canal" (one of core, edge)`},
		{name: "unknown subzone in a list", edits: []edition{{"canal.eco", "subzones: [core, edge]", "subzones: [core, egde]"}},
			at: "egde", want: `unknown subzone "egde" of zone kind "canal"`},
		{name: "missing subzone", edits: []edition{{"canal.core.chem.if-not-wet", "    subzone: core\n", ""}},
			at: "- id: canal.core.chem.if-not-wet", want: `rule "canal.core.chem.if-not-wet": zone kind "canal" needs a subzone or subzones (of core, edge)`},
		{name: "subzone where none", edits: []edition{{"zone.eco", "    zone_kind: zone\n", "    zone_kind: zone\n    subzone: core\n"}},
			at: "subzone: core", want: `rule "zone.eco": zone kind "zone" has no subzones, got subzone "core"`},
		{name: "when unknown fact", edits: []edition{{"canal.chem.if-wet", "when: {wet: true}", "when: {dry: true}"}},
			at: "dry: true", want: `rule "canal.chem.if-wet": when: unknown fact "dry" (one of wet)`},
		{name: "when not a boolean", edits: []edition{{"canal.chem.if-wet", "when: {wet: true}", "when: {wet: yes}"}},
			at: "yes}", col: true, want: `rule "canal.chem.if-wet": when: fact "wet" must be true or false, not the value "yes"`},
		{name: "unknown document", edits: []edition{{"zone.chem", "document: law-a", "document: law-c"}},
			at: "law-c", want: `rule "zone.chem": citations[0]: unknown document "law-c" (one of law-a, law-b)`},
		{name: "bad effect", edits: []edition{{"zone.chem", "effect: prohibited", "effect: forbidden"}},
			at: "forbidden", col: true, want: `rule "zone.chem": effect "forbidden" is not one of prohibited, restricted, allowed`},
		{name: "restricted without condition", edits: []edition{{"canal.core.chem.if-not-wet", "    condition: {zh: 须审查, en: Needs review}\n", ""}},
			at: "- id: canal.core.chem.if-not-wet", want: `rule "canal.core.chem.if-not-wet": a restricted rule needs a condition`},
		{name: "condition missing en", edits: []edition{{"canal.core.chem.if-not-wet", "{zh: 须审查, en: Needs review}", "{zh: 须审查}"}},
			at: "{zh: 须审查}", want: `rule "canal.core.chem.if-not-wet": condition: missing "en"`},
		{name: "prohibited without citations", edits: []edition{{"zone.chem", "    citations:\n      - {document: law-a, article: 第一条, item: （一）, quote: 禁止甲, quote_status: read, application: settled}\n", ""}},
			at: "- id: zone.chem\n", want: `rule "zone.chem": missing citations (a prohibited rule needs its legal basis)`},
		{name: "empty citations", edits: []edition{{"zone.chem", "    citations:\n      - {document: law-a, article: 第一条, item: （一）, quote: 禁止甲, quote_status: read, application: settled}\n", "    citations: []\n"}},
			at: "citations: []", want: `rule "zone.chem": citations is empty`},
		{name: "citation without quote", edits: []edition{{"zone.chem", " quote: 禁止甲,", ""}},
			at: "{document: law-a, article: 第一条", want: `rule "zone.chem": citations[0]: missing "quote"`},
		{name: "citation without article", edits: []edition{{"zone.chem", " article: 第一条,", ""}},
			at: "{document: law-a, item:", want: `rule "zone.chem": citations[0]: missing "article"`},
		{name: "citation without item", edits: []edition{{"zone.chem", " item: （一）,", ""}},
			at: "{document: law-a, article: 第一条, quote", want: `rule "zone.chem": citations[0]: missing "item"`},
		{name: "bad quote_status", edits: []edition{{"zone.chem", "quote_status: read", "quote_status: verified"}},
			at: "verified, application", want: `rule "zone.chem": citations[0]: quote_status "verified" is not one of read, to_verify`},
		{name: "bad application", edits: []edition{{"zone.chem", "application: settled", "application: assumed"}},
			at: "assumed", want: `rule "zone.chem": citations[0]: application "assumed" is not one of settled, interpretation, to_verify`},
		{name: "interpretation without note", edits: []edition{{"zone.chem@2031", ", note: {zh: 解释, en: A reading}", ""}},
			at: "quote: 禁止丙", want: `rule "zone.chem@2031": citations[0]: quote_status read, application interpretation: a note {zh, en} must say why`},
		{name: "quote to verify without note", edits: []edition{{"zone.chem@2026", ", note: {zh: 未读, en: Not read}", ""}},
			at: "quote: 禁止乙", want: `rule "zone.chem@2026": citations[0]: quote_status to_verify, application settled: a note`},
		{name: "bad date", edits: []edition{{"zone.eco", "effective_from: 2020-01-01", "effective_from: 2020-02-30"}},
			at: "2020-02-30", want: `rule "zone.eco": effective_from: "2020-02-30" is not a date (YYYY-MM-DD)`},
		{name: "reversed dates", edits: []edition{{"zone.chem", "effective_to: 2026-02-28", "effective_to: 2019-12-31"}},
			at: "2019-12-31", want: `rule "zone.chem": effective_to 2019-12-31 is before effective_from 2020-01-01`},
		{name: "rule before its document", edits: []edition{{"zone.chem", "effective_from: 2020-01-01", "effective_from: 2019-06-01"}},
			at: "2019-06-01", want: `rule "zone.chem": in force from 2019-06-01, before its cited document "law-a" takes effect on 2020-01-01`},
		{name: "rule before a second cited document", edits: []edition{{"zone.chem", "application: settled}\n", "application: settled}\n      - {document: law-b, article: \"\", item: \"\", quote: 乙, quote_status: read, application: settled}\n"}},
			at: "effective_from: 2020-01-01", nth: 2, want: `rule "zone.chem": in force from 2020-01-01, before its cited document "law-b" takes effect on 2026-03-01 (citations[1]`},
		{name: "rule after its document lapses", edits: []edition{{"zone.chem@2026", "effective_to: 2031-02-28", "effective_to: 2031-03-31"}},
			at: "2031-03-31", want: `rule "zone.chem@2026": in force until 2031-03-31, after its cited document "law-b" lapses on 2031-02-28`},
		{name: "open rule on a lapsing document", edits: []edition{{"zone.chem@2026", "    effective_to: 2031-02-28\n", ""}},
			at: "- id: zone.chem@2026", want: `rule "zone.chem@2026": open-ended, but its cited document "law-b" is in force only until 2031-02-28`},
		{name: "gap between versions", edits: []edition{{"zone.chem@2026", "effective_from: 2026-03-01", "effective_from: 2026-03-05"}},
			at: "2026-03-05", want: `cell zone/chem: no rule in force on 2026-03-01: "zone.chem" ends 2026-02-28 and "zone.chem@2026" starts 2026-03-05`},
		{name: "overlap", edits: []edition{{"zone.chem", "effective_to: 2026-02-28", "effective_to: 2026-03-10"}},
			at: "effective_from: 2026-03-01", nth: 2, want: `cell zone/chem: rules "zone.chem" (line 40) and "zone.chem@2026" are both in force on 2026-03-01`},
		{name: "two open rules", edits: []edition{{"zone.chem", "    effective_to: 2026-02-28\n", ""}, {"zone.chem@2026", "    effective_to: 2031-02-28\n", ""}, {"zone.chem@2026", "law-b", "law-a"}},
			at: "effective_from: 2026-03-01", nth: 2, want: `cell zone/chem: rules "zone.chem" (line 40) and "zone.chem@2026" are both in force on 2026-03-01`},
		{name: "gap at valid_from", edits: []edition{{"canal.eco", "effective_from: 2020-01-01", "effective_from: 2024-01-01"}},
			at: "2024-01-01", want: `cell canal/core/eco: no rule in force on 2023-01-01 (valid_from); the first, "canal.eco", starts 2024-01-01`},
		{name: "gap at the end", edits: []edition{{"canal.eco", "    effective_from: 2020-01-01\n", "    effective_from: 2020-01-01\n    effective_to: 2030-12-31\n"}},
			at: "2030-12-31", want: `cell canal/core/eco: no rule in force on 2031-01-01: the last, "canal.eco", ends 2030-12-31 and none follows`},
		{name: "overlap across rule ids", edits: []edition{{"canal.eco", "    category: eco\n", "    categories: [eco, chem]\n"}},
			at: "effective_from: 2020-01-01", nth: 7, want: `cell canal/core/chem: rules "canal.core.chem.if-not-wet" (line 77) and "canal.eco" are both in force on 2023-01-01 for facts {wet: false}`},
		{name: "a fact combination not covered", edits: []edition{{"canal.edge.chem.if-not-wet", "    subzone: edge\n", "    subzone: core\n"}},
			at: "effective_from: 2020-01-01", nth: 6, want: `cell canal/core/chem: rules "canal.core.chem.if-not-wet" (line 77) and "canal.edge.chem.if-not-wet" are both in force on 2023-01-01 for facts {wet: false}`},
		{name: "a fact combination missing", edits: []edition{{"canal.edge.chem.if-not-wet", "when: {wet: false}", "when: {wet: true}"}},
			at: "- id: canal.chem.if-wet", want: `cell canal/edge/chem: no rule in force on 2023-01-01 for facts {wet: false}`},
		{name: "a fact that lightens", edits: []edition{{"canal.chem.if-wet", "    effect: prohibited\n    citations:\n      - {document: law-a, article: 第二条, item: \"\", quote: 禁止排水, quote_status: read, application: settled}\n", "    effect: allowed\n"}},
			at: "- id: canal.chem.if-wet", want: `cell canal/core/chem on 2023-01-01: with wet true rule "canal.chem.if-wet" is allowed, less severe than "canal.core.chem.if-not-wet" (restricted) with it false`},
		{name: "missing cell", edits: []edition{{"canal.eco", "subzones: [core, edge]", "subzone: core"}},
			at: "rules:", want: `cell canal/edge/eco has no rule`},
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
