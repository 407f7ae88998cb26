package geo

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const rulesPath = "../data/rules.yaml"

func loadRules(t testing.TB) *RuleSet {
	t.Helper()
	src, err := os.ReadFile(rulesPath)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ParseRules(src)
	if err != nil {
		t.Fatalf("%s: %v", rulesPath, err)
	}
	return rs
}

func day(s string) time.Time {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d.Time
}

// splitCell turns "canal-core/built-up/chemical" or "river-band/chemical"
// into zone kind, subzone and category.
func splitCell(name string) (kind, sub, cat string) {
	p := strings.Split(name, "/")
	if len(p) == 2 {
		return p[0], "", p[1]
	}
	return p[0], p[1], p[2]
}

func TestRulesFileParses(t *testing.T) {
	rs := loadRules(t)
	if rs.Version == "" {
		t.Error("no version")
	}
	if got := rs.ValidFrom.String(); got != "2023-01-01" {
		t.Errorf("valid_from = %s, want 2023-01-01", got)
	}
	for _, id := range []string{"js-eco-2026", "js-eco-plan-2020", "yangtze-law", "canal-outline-2019", "js-canal-2021", "cz-canal-2022", "green-line", "district-plan"} {
		d, ok := rs.Document(id)
		if !ok {
			t.Errorf("document %s missing", id)
			continue
		}
		if !strings.HasPrefix(d.Title, "《") {
			t.Errorf("document %s: title %q does not start with the document's name", id, d.Title)
		}
	}
	if d, _ := rs.Document("js-eco-2026"); d.EffectiveFrom.String() != "2026-03-01" || d.EffectiveTo == nil || d.EffectiveTo.String() != "2031-02-28" {
		t.Errorf("js-eco-2026 in force %s to %v, want 2026-03-01 to 2031-02-28", d.EffectiveFrom, d.EffectiveTo)
	}
	if got := len(rs.Categories); got < 8 {
		t.Errorf("%d categories, want at least 8", got)
	}
	for _, id := range []string{"chemical", "polluting-industry", "warehousing-logistics", "residential", "theme-park", "linear-infrastructure", "sewage-outfall", "ecological"} {
		c, ok := rs.Category(id)
		if !ok {
			t.Errorf("category %s missing", id)
			continue
		}
		if c.Name.ZH == "" || c.Name.EN == "" || c.Description.ZH == "" || c.Description.EN == "" {
			t.Errorf("category %s: name or description incomplete: %+v", id, c)
		}
	}
	z, ok := rs.ZoneKind("canal-core")
	if !ok || len(z.Subzones) != 3 {
		t.Errorf("canal-core subzones = %v, want built-up, riverside-eco, non-built-up", z.Subzones)
	}
	for _, r := range rs.Rules {
		c := r.Citation
		if c.Title == "" || c.Quote == "" || (c.Status != StatusVerified && c.Status != StatusToVerify) {
			t.Errorf("rule %s: incomplete citation %+v", r.ID, c)
		}
		if r.Effect == EffectRestricted && (r.Condition.ZH == "" || r.Condition.EN == "") {
			t.Errorf("rule %s: restricted without a condition", r.ID)
		}
	}
	t.Logf("rules version %s: %d rules, %d documents, %d categories, %d zone kinds", rs.Version, len(rs.Rules), len(rs.Documents), len(rs.Categories), len(rs.ZoneKinds))
}

// matrix is RULES.md's starting matrix, as of 2026-06-01, one row for every
// zone kind × subzone × category: effect, cited document and status. The
// canal's non-built-up subzone is not in RULES.md's matrix; its rows follow
// the outline's non-built-up text.
var matrix = []struct {
	name, effect, doc, status string
}{
	{"eco-control/chemical", EffectProhibited, "js-eco-2026", StatusToVerify},
	{"eco-control/polluting-industry", EffectProhibited, "js-eco-2026", StatusToVerify},
	{"eco-control/warehousing-logistics", EffectRestricted, "js-eco-2026", StatusToVerify},
	{"eco-control/residential", EffectRestricted, "js-eco-2026", StatusToVerify},
	{"eco-control/theme-park", EffectRestricted, "js-eco-2026", StatusToVerify},
	{"eco-control/linear-infrastructure", EffectRestricted, "js-eco-2026", StatusVerified},
	{"eco-control/sewage-outfall", EffectProhibited, "js-eco-2026", StatusToVerify},
	{"eco-control/ecological", EffectAllowed, "district-plan", StatusVerified},

	{"river-band/chemical", EffectProhibited, "yangtze-law", StatusToVerify},
	{"river-band/polluting-industry", EffectRestricted, "district-plan", StatusToVerify},
	{"river-band/warehousing-logistics", EffectRestricted, "district-plan", StatusToVerify},
	{"river-band/residential", EffectAllowed, "district-plan", StatusVerified},
	{"river-band/theme-park", EffectAllowed, "district-plan", StatusVerified},
	{"river-band/linear-infrastructure", EffectAllowed, "district-plan", StatusVerified},
	{"river-band/sewage-outfall", EffectRestricted, "district-plan", StatusToVerify},
	{"river-band/ecological", EffectAllowed, "district-plan", StatusVerified},

	{"canal-core/built-up/chemical", EffectProhibited, "canal-outline-2019", StatusVerified},
	{"canal-core/built-up/polluting-industry", EffectProhibited, "canal-outline-2019", StatusVerified},
	{"canal-core/built-up/warehousing-logistics", EffectRestricted, "canal-outline-2019", StatusVerified},
	{"canal-core/built-up/residential", EffectRestricted, "canal-outline-2019", StatusVerified},
	{"canal-core/built-up/theme-park", EffectRestricted, "canal-outline-2019", StatusToVerify},
	{"canal-core/built-up/linear-infrastructure", EffectRestricted, "js-canal-2021", StatusToVerify},
	{"canal-core/built-up/sewage-outfall", EffectRestricted, "js-canal-2021", StatusToVerify},
	{"canal-core/built-up/ecological", EffectAllowed, "district-plan", StatusVerified},

	{"canal-core/riverside-eco/chemical", EffectProhibited, "canal-outline-2019", StatusVerified},
	{"canal-core/riverside-eco/polluting-industry", EffectProhibited, "canal-outline-2019", StatusVerified},
	{"canal-core/riverside-eco/warehousing-logistics", EffectProhibited, "canal-outline-2019", StatusToVerify},
	{"canal-core/riverside-eco/residential", EffectProhibited, "canal-outline-2019", StatusVerified},
	{"canal-core/riverside-eco/theme-park", EffectProhibited, "canal-outline-2019", StatusVerified},
	{"canal-core/riverside-eco/linear-infrastructure", EffectRestricted, "canal-outline-2019", StatusVerified},
	{"canal-core/riverside-eco/sewage-outfall", EffectProhibited, "canal-outline-2019", StatusToVerify},
	{"canal-core/riverside-eco/ecological", EffectAllowed, "district-plan", StatusVerified},

	{"canal-core/non-built-up/chemical", EffectProhibited, "canal-outline-2019", StatusVerified},
	{"canal-core/non-built-up/polluting-industry", EffectProhibited, "canal-outline-2019", StatusVerified},
	{"canal-core/non-built-up/warehousing-logistics", EffectRestricted, "canal-outline-2019", StatusToVerify},
	{"canal-core/non-built-up/residential", EffectProhibited, "canal-outline-2019", StatusVerified},
	{"canal-core/non-built-up/theme-park", EffectProhibited, "canal-outline-2019", StatusVerified},
	{"canal-core/non-built-up/linear-infrastructure", EffectRestricted, "js-canal-2021", StatusToVerify},
	{"canal-core/non-built-up/sewage-outfall", EffectRestricted, "js-canal-2021", StatusToVerify},
	{"canal-core/non-built-up/ecological", EffectAllowed, "district-plan", StatusVerified},

	{"green-line/chemical", EffectProhibited, "green-line", StatusVerified},
	{"green-line/polluting-industry", EffectProhibited, "green-line", StatusVerified},
	{"green-line/warehousing-logistics", EffectProhibited, "green-line", StatusVerified},
	{"green-line/residential", EffectProhibited, "green-line", StatusVerified},
	{"green-line/theme-park", EffectProhibited, "green-line", StatusVerified},
	{"green-line/linear-infrastructure", EffectRestricted, "green-line", StatusVerified},
	{"green-line/sewage-outfall", EffectProhibited, "green-line", StatusToVerify},
	{"green-line/ecological", EffectAllowed, "district-plan", StatusVerified},
}

// TestRuleMatrix is the named table test for every cell of the matrix.
func TestRuleMatrix(t *testing.T) {
	rs := loadRules(t)
	asOf := day("2026-06-01")
	for _, row := range matrix {
		t.Run(row.name, func(t *testing.T) {
			kind, sub, cat := splitCell(row.name)
			r, err := rs.Lookup(kind, sub, cat, asOf)
			if err != nil {
				t.Fatal(err)
			}
			if r.Effect != row.effect {
				t.Errorf("effect = %s, want %s (rule %s)", r.Effect, row.effect, r.ID)
			}
			if r.Citation.Document != row.doc {
				t.Errorf("citation document = %s, want %s (rule %s)", r.Citation.Document, row.doc, r.ID)
			}
			if r.Citation.Status != row.status {
				t.Errorf("citation status = %s, want %s (rule %s)", r.Citation.Status, row.status, r.ID)
			}
		})
	}
}

// TestRuleMatrixCoversRules keeps the table and the file in step: every cell
// of the file has a row, and every row is a cell of the file.
func TestRuleMatrixCoversRules(t *testing.T) {
	rs := loadRules(t)
	rows := map[string]bool{}
	for _, row := range matrix {
		if rows[row.name] {
			t.Errorf("row %s twice", row.name)
		}
		rows[row.name] = true
	}
	cells := map[string]bool{}
	for _, z := range rs.ZoneKinds {
		subs := rs.subzones[z.ID]
		if len(subs) == 0 {
			subs = []string{""}
		}
		for _, sub := range subs {
			for _, c := range rs.Categories {
				name := ruleCell{z.ID, sub, c.ID}.String()
				cells[name] = true
				if !rows[name] {
					t.Errorf("cell %s has no row in the matrix test", name)
				}
			}
		}
	}
	for name := range rows {
		if !cells[name] {
			t.Errorf("row %s is not a cell of %s", name, rulesPath)
		}
	}
}

// TestRulesEveryDay resolves every cell on days across the file's span and
// checks that the cited document is in force on that day.
func TestRulesEveryDay(t *testing.T) {
	rs := loadRules(t)
	days := []string{"2023-01-01", "2024-02-29", "2025-06-01", "2026-02-28", "2026-03-01", "2028-12-31", "2031-02-28", "2031-03-01", "2040-01-01"}
	for _, s := range days {
		for _, row := range matrix {
			kind, sub, cat := splitCell(row.name)
			r, err := rs.Lookup(kind, sub, cat, day(s))
			if err != nil {
				t.Errorf("%s on %s: %v", row.name, s, err)
				continue
			}
			d, _ := rs.Document(r.Citation.Document)
			if !DateOf(day(s)).inRange(d.EffectiveFrom, d.EffectiveTo) {
				t.Errorf("%s on %s: rule %s cites %s, not in force that day", row.name, s, r.ID, d.ID)
			}
			if r.Effect != row.effect {
				t.Errorf("%s on %s: effect %s, want %s as in 2026", row.name, s, r.Effect, row.effect)
			}
		}
	}
}

func TestRulesAsOfEcoControl(t *testing.T) {
	rs := loadRules(t)
	for _, tc := range []struct {
		asOf, id, doc, article, status string
	}{
		{"2025-06-01", "eco-control.chemical", "js-eco-plan-2020", "", StatusToVerify},
		{"2026-02-28", "eco-control.chemical", "js-eco-plan-2020", "", StatusToVerify},
		{"2026-03-01", "eco-control.chemical@2026-03-01", "js-eco-2026", "第三条", StatusToVerify},
		{"2026-06-01", "eco-control.chemical@2026-03-01", "js-eco-2026", "第三条", StatusToVerify},
		{"2031-02-28", "eco-control.chemical@2026-03-01", "js-eco-2026", "第三条", StatusToVerify},
		{"2031-03-01", "eco-control.chemical@2031-03-01", "js-eco-plan-2020", "", StatusToVerify},
	} {
		t.Run(tc.asOf, func(t *testing.T) {
			r, err := rs.Lookup("eco-control", "", "chemical", day(tc.asOf))
			if err != nil {
				t.Fatal(err)
			}
			c := r.Citation
			if r.ID != tc.id || c.Document != tc.doc || c.Article != tc.article || c.Status != tc.status {
				t.Errorf("got rule %s citing %s %q (%s), want %s citing %s %q (%s)", r.ID, c.Document, c.Article, c.Status, tc.id, tc.doc, tc.article, tc.status)
			}
			if r.Effect != EffectProhibited {
				t.Errorf("effect %s, want prohibited", r.Effect)
			}
		})
	}
	// The 2026 measures' article 3 is verified: linear infrastructure cites it as such.
	r, err := rs.Lookup("eco-control", "", "linear-infrastructure", day("2026-06-01"))
	if err != nil || r.Citation.Status != StatusVerified || r.Citation.Title != "《江苏省生态空间管控区域管理办法》苏政办规〔2026〕1号" {
		t.Errorf("eco-control linear 2026: %+v, %v", r.Citation, err)
	}
	if r.Condition.ZH == "" || !strings.Contains(r.Condition.EN, "no alternative") {
		t.Errorf("eco-control linear: condition %+v should say no alternative exists", r.Condition)
	}
}

func TestRiverBandChemicalCitation(t *testing.T) {
	rs := loadRules(t)
	r, err := rs.Lookup("river-band", "", "chemical", day("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	c := r.Citation
	if c.Document != "yangtze-law" || c.Article != "第二十六条" || c.Status != StatusToVerify ||
		c.Quote != "禁止在长江干支流岸线一公里范围内新建、扩建化工园区和化工项目" {
		t.Errorf("citation %+v", c)
	}
	if len(c.SeeAlso) != 1 || c.SeeAlso[0].Document != "district-plan" || c.SeeAlso[0].Title == "" {
		t.Errorf("see_also %+v, want the district plan", c.SeeAlso)
	}
	if _, err := rs.Lookup("river-band", "", "chemical", day("2021-03-01")); err != nil {
		t.Errorf("the Yangtze law rule should be in force from 2021-03-01: %v", err)
	}
}

func TestLookupErrors(t *testing.T) {
	rs := loadRules(t)
	at := day("2026-06-01")
	for _, tc := range []struct{ kind, sub, cat, want string }{
		{"nowhere", "", "chemical", "unknown zone kind"},
		{"canal-core", "", "chemical", "judged per subzone"},
		{"canal-core", "old-town", "chemical", "no subzone"},
		{"river-band", "built-up", "chemical", "has no subzones"},
		{"river-band", "", "casino", "unknown category"},
	} {
		_, err := rs.Lookup(tc.kind, tc.sub, tc.cat, at)
		if !errors.Is(err, ErrNoRule) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Lookup(%q, %q, %q) = %v, want ErrNoRule mentioning %q", tc.kind, tc.sub, tc.cat, err, tc.want)
		}
	}
	if _, err := rs.Lookup("river-band", "", "casino", at); !errors.Is(err, ErrUnknownCategory) {
		t.Errorf("unknown category should wrap ErrUnknownCategory: %v", err)
	}
	// Before the Yangtze law there is no river-band chemical rule.
	if _, err := rs.Lookup("river-band", "", "chemical", day("2021-02-28")); !errors.Is(err, ErrNoRule) {
		t.Errorf("river-band chemical on 2021-02-28: %v, want ErrNoRule", err)
	}
}

func TestCovers(t *testing.T) {
	rs := loadRules(t)
	if rs.Covers(day("2022-12-31")) {
		t.Error("2022-12-31 covered")
	}
	if !rs.Covers(day("2023-01-01")) {
		t.Error("2023-01-01 not covered")
	}
	// A time of day does not matter, nor does the location's offset from UTC.
	if !rs.Covers(time.Date(2023, 1, 1, 23, 59, 0, 0, time.FixedZone("CST", 8*3600))) {
		t.Error("2023-01-01 23:59 CST not covered")
	}
}

func TestSeverity(t *testing.T) {
	if !(Severity(EffectAllowed) < Severity(EffectRestricted) && Severity(EffectRestricted) < Severity(EffectProhibited)) {
		t.Error("severity order")
	}
	if Severity("forbidden") >= 0 {
		t.Error("unknown effect has a severity")
	}
}

func TestDateJSON(t *testing.T) {
	d := Date{day("2026-03-01")}
	b, err := json.Marshal(struct {
		D  Date  `json:"d"`
		P  *Date `json:"p,omitempty"`
		Z  Date  `json:"z"`
		NP *Date `json:"np,omitempty"`
	}{D: d, P: &d})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"d":"2026-03-01","p":"2026-03-01","z":null}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	var back struct{ D, Z Date }
	if err := json.Unmarshal([]byte(`{"D":"2026-03-01","Z":null}`), &back); err != nil || back.D != d || !back.Z.IsZero() {
		t.Errorf("unmarshal: %+v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"D":"2026-3-1"}`), &back); err == nil {
		t.Error("2026-3-1 accepted")
	}
}

func TestRuleSetJSON(t *testing.T) {
	rs := loadRules(t)
	b, err := json.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "valid_from", "documents", "categories", "zone_kinds", "rules"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON has no %q", k)
		}
	}
	rules := m["rules"].([]any)
	first := rules[0].(map[string]any)
	if _, ok := first["condition"]; ok && first["effect"] != EffectRestricted {
		t.Errorf("condition written for a non-restricted rule without one: %v", first)
	}
	if first["effective_from"] != "2020-01-08" {
		t.Errorf("effective_from = %v", first["effective_from"])
	}
}

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
