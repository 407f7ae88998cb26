package geo

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
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
