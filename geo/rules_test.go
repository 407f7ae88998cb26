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

func TestRulesFileParses(t *testing.T) {
	rs := loadRules(t)
	if rs.Version == "" || strings.Contains(rs.Version, "draft") {
		t.Errorf("version %q", rs.Version)
	}
	if got := rs.ValidFrom.String(); got != "2020-01-08" {
		t.Errorf("valid_from = %s, want 2020-01-08 (苏政发〔2020〕1号)", got)
	}
	for id, from := range map[string]string{"taihu-basin": "2011-11-01", "yangtze-law": "2021-03-01", "js-taihu": "2008-06-05",
		"js-eco-2026": "2026-03-01", "js-eco-plan-2020": "2020-01-08", "canal-outline-2019": "2019-05-09", "green-line": "2002-11-01",
		"district-plan": "2023-01-01", "water-law": "2018-01-01", "livestock-reg": "2014-01-01"} {
		d, ok := rs.Document(id)
		if !ok {
			t.Errorf("document %s missing", id)
			continue
		}
		if !strings.HasPrefix(d.Title, "《") || d.EffectiveFrom.String() != from {
			t.Errorf("document %s: %q from %s, want from %s", id, d.Title, d.EffectiveFrom, from)
		}
	}
	if d, _ := rs.Document("taihu-basin"); !strings.Contains(d.ReadIn, "LawRefBook/Laws") {
		t.Errorf("taihu-basin read_in %q", d.ReadIn)
	}
	// Today's category ids stay; issue 13's are added.
	for _, id := range []string{"chemical", "polluting-industry", "warehousing-logistics", "residential", "theme-park",
		"linear-infrastructure", "sewage-outfall", "ecological", "pharmaceutical", "np-emitting-industry", "hazardous-storage",
		"waste-yard", "livestock-farm", "aquaculture-expansion", "golf-course", "floating-catering", "heavy-metal", "sewage-works-outfall"} {
		c, ok := rs.Category(id)
		if !ok {
			t.Errorf("category %s missing", id)
			continue
		}
		if c.Name.ZH == "" || c.Name.EN == "" || c.Description.ZH == "" || c.Description.EN == "" {
			t.Errorf("category %s: name or scope incomplete: %+v", id, c)
		}
	}
	for _, f := range []string{"discharges_to_water", "hazardous_goods", "emits_n_p"} {
		if fact, ok := rs.Fact(f); !ok || fact.Question.ZH == "" || fact.Question.EN == "" {
			t.Errorf("fact %s: %+v", f, fact)
		}
	}
	for kind, subs := range map[string]string{"eco-control": "", "river-band": "water,land", "canal-core": "built-up,riverside-eco,non-built-up",
		"green-corridor": "green-line,corridor", "taihu-tier": "tier-1,tier-2,tier-3"} {
		if _, ok := rs.ZoneKind(kind); !ok || strings.Join(rs.SubzoneIDs(kind), ",") != subs {
			t.Errorf("zone kind %s: subzones %v, want %s", kind, rs.SubzoneIDs(kind), subs)
		}
	}
	if len(rs.Absent) != 2 || rs.Absent[0].ID != "eco-red-line" || rs.Absent[0].Citation.Quote != "钟楼区境内无生态红线" ||
		rs.Absent[1].ID != "drinking-water-source" || rs.Absent[1].Citation.Quote != "不涉及集中式饮用水水源地" {
		t.Errorf("absent %+v", rs.Absent)
	}
	for _, r := range rs.Rules {
		for _, c := range r.Citations {
			if c.Title == "" || c.Quote == "" {
				t.Errorf("rule %s: incomplete citation %+v", r.ID, c)
			}
		}
		if r.Effect != EffectAllowed && len(r.Citations) == 0 {
			t.Errorf("rule %s: %s without a citation", r.ID, r.Effect)
		}
	}
	t.Logf("rules version %s: %d rules, %d documents, %d facts, %d categories, %d zone kinds", rs.Version, len(rs.Rules), len(rs.Documents), len(rs.Facts), len(rs.Categories), len(rs.ZoneKinds))
}

// lawTexts reads testdata/law-texts.txt: document + " " + article → text.
func lawTexts(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("testdata/law-texts.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	key := ""
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "== "):
			key = strings.TrimPrefix(line, "== ")
		case key != "":
			out[key] += line + "\n"
		}
	}
	return out
}

// TestRulesReadQuotesVerbatim: a quote marked read occurs character for
// character in the article it cites (and in its item, when it names one),
// as read in the copies the documents' read_in name.
func TestRulesReadQuotesVerbatim(t *testing.T) {
	rs := loadRules(t)
	texts := lawTexts(t)
	checked := 0
	check := func(where string, c Citation) {
		if c.QuoteStatus != QuoteRead {
			return
		}
		text, ok := texts[c.Document+" "+c.Article]
		if !ok {
			t.Errorf("%s: quote of %s %s marked read, but that article is not in testdata/law-texts.txt", where, c.Document, c.Article)
			return
		}
		if c.Item != "" {
			label := strings.NewReplacer("（", "(", "）", ")").Replace(c.Item)
			line := ""
			for _, l := range strings.Split(text, "\n") {
				if strings.HasPrefix(l, label) {
					line = l
				}
			}
			if line == "" {
				t.Errorf("%s: %s %s has no item %s", where, c.Document, c.Article, c.Item)
				return
			}
			text = line
		}
		if !strings.Contains(text, c.Quote) {
			t.Errorf("%s: quote %q is not in %s %s%s", where, c.Quote, c.Document, c.Article, c.Item)
		}
		checked++
	}
	for _, r := range rs.Rules {
		for _, c := range r.Citations {
			check("rule "+r.ID, c)
		}
	}
	for _, a := range rs.Absent {
		check("absent "+a.ID, a.Citation)
	}
	if checked < 100 {
		t.Errorf("only %d read quotes checked", checked)
	}
}

// P, C, A: the effects of RULES.md's corrected matrix.
var effectOf = map[byte]string{'P': EffectProhibited, 'C': EffectRestricted, 'A': EffectAllowed}

// matrixColumns are RULES.md's columns: 清水通道维护区, the Xinmeng band
// (outside the 岸线), canal core built-up, canal 滨河生态空间, 绿线 land,
// corridor not 绿线, the whole district (Taihu tier 3).
var matrixColumns = [][2]string{{"eco-control", ""}, {"river-band", "land"}, {"canal-core", "built-up"}, {"canal-core", "riverside-eco"},
	{"green-corridor", "green-line"}, {"green-corridor", "corridor"}, {"taihu-tier", "tier-3"}}

// correctedMatrix is RULES.md's corrected matrix, every row, with the facts
// that pick its cells declared (a "fact?" cell is a row per answer). The
// draft's departures from it (see README "How it decides") are the cells
// written in lower case here and in departures below.
var correctedMatrix = []struct {
	category string
	facts    map[string]bool
	cells    string // one letter per matrixColumns entry
}{
	{"chemical", map[string]bool{"emits_n_p": false}, "PPPPPCC"},
	{"chemical", map[string]bool{"emits_n_p": true}, "PPPPPPP"},
	{"pharmaceutical", map[string]bool{"emits_n_p": false}, "PPPPPCC"},
	{"np-emitting-industry", nil, "PPPPPPP"},
	{"polluting-industry", map[string]bool{"discharges_to_water": true, "emits_n_p": false}, "PPPPPCC"},
	{"polluting-industry", map[string]bool{"discharges_to_water": false, "emits_n_p": false}, "CCPPPCA"},
	{"hazardous-storage", nil, "PPCCPCA"},
	{"warehousing-logistics", map[string]bool{"hazardous_goods": false}, "CCCCPCA"},
	{"warehousing-logistics", map[string]bool{"hazardous_goods": true}, "PPCCPCA"}, // eco-control P: 第三十条（一） as for hazardous storage
	{"waste-yard", nil, "PPCCPCA"},
	{"livestock-farm", nil, "PPCCPCC"},
	{"aquaculture-expansion", nil, "PPCCPCC"},
	{"golf-course", nil, "PPCCPCA"},
	{"floating-catering", nil, "PPCCPCA"}, // matrix "—" on 绿线 land and in a corridor: filled
	{"heavy-metal", map[string]bool{"discharges_to_water": true, "emits_n_p": false}, "PPPPPCC"},
	{"heavy-metal", map[string]bool{"discharges_to_water": false, "emits_n_p": false}, "PCPPPCC"},
	{"residential", nil, "CACPPCA"},
	{"theme-park", nil, "CACPPCA"},
	{"linear-infrastructure", nil, "CACCCCA"},
	{"sewage-outfall", nil, "PPCCPCC"},
	{"sewage-works-outfall", nil, "CCCCPCC"}, // district: C, not A — 水污染防治法 第十九条 (departure)
	{"ecological", nil, "AAAAAAA"},
}

// TestCorrectedMatrix holds the rules to every row of RULES.md's corrected
// matrix, with the facts declared, on 2026-12-06.
func TestCorrectedMatrix(t *testing.T) {
	rs := loadRules(t)
	asOf := day("2026-12-06")
	seen := map[string]bool{}
	for _, row := range correctedMatrix {
		seen[row.category] = true
		for i, col := range matrixColumns {
			res, err := rs.Resolve(col[0], col[1], row.category, row.facts, asOf)
			if err != nil {
				t.Errorf("%s %v in %s/%s: %v", row.category, row.facts, col[0], col[1], err)
				continue
			}
			if want := effectOf[row.cells[i]]; res.Rule.Effect != want || len(res.Open) > 0 {
				t.Errorf("%s %v in %s/%s: %s (rule %s, open %v), want %s", row.category, row.facts, col[0], col[1], res.Rule.Effect, res.Rule.ID, res.Open, want)
			}
		}
	}
	for _, c := range rs.Categories {
		if !seen[c.ID] {
			t.Errorf("category %s has no row in the matrix", c.ID)
		}
	}
}

// The cells inside the 岸线 and the other departures from the matrix,
// each with the article it rests on.
func TestMatrixDepartures(t *testing.T) {
	rs := loadRules(t)
	for _, tc := range []struct {
		kind, sub, cat string
		facts          map[string]bool
		effect, doc    string
		article        string
	}{
		{"river-band", "water", "residential", nil, EffectRestricted, "taihu-basin", "第四十三条"},
		{"river-band", "water", "theme-park", nil, EffectRestricted, "taihu-basin", "第四十三条"},
		{"river-band", "water", "linear-infrastructure", nil, EffectRestricted, "taihu-basin", "第四十三条"},
		{"river-band", "water", "ecological", nil, EffectRestricted, "taihu-basin", "第四十三条"},
		{"river-band", "water", "warehousing-logistics", map[string]bool{"hazardous_goods": false}, EffectRestricted, "taihu-basin", "第四十三条"},
		{"taihu-tier", "tier-3", "sewage-works-outfall", nil, EffectRestricted, "district-plan", ""},
		{"green-corridor", "green-line", "floating-catering", nil, EffectProhibited, "green-line", "第十一条"},
		{"taihu-tier", "tier-1", "residential", nil, EffectRestricted, "js-taihu", ""},
		{"taihu-tier", "tier-1", "np-emitting-industry", nil, EffectProhibited, "js-taihu", ""},
		{"canal-core", "non-built-up", "residential", nil, EffectProhibited, "canal-outline-2019", ""},
	} {
		res, err := rs.Resolve(tc.kind, tc.sub, tc.cat, tc.facts, day("2026-12-06"))
		if err != nil {
			t.Fatal(err)
		}
		c := res.Rule.Citations[0]
		if res.Rule.Effect != tc.effect || c.Document != tc.doc || c.Article != tc.article {
			t.Errorf("%s/%s %s: %s citing %s %s (rule %s), want %s citing %s %s", tc.kind, tc.sub, tc.cat, res.Rule.Effect, c.Document, c.Article, res.Rule.ID, tc.effect, tc.doc, tc.article)
		}
	}
}

// TestDoneWhenCitations: the citations issue 13 asks for, with their
// statuses.
func TestDoneWhenCitations(t *testing.T) {
	rs := loadRules(t)
	at := day("2026-12-06")
	res, _ := rs.Resolve("river-band", "land", "polluting-industry", map[string]bool{"discharges_to_water": true}, at)
	if c := res.Rule.Citations[0]; res.Rule.Effect != EffectProhibited || c.Document != "taihu-basin" || c.Article+c.Item != "第三十条（五）" ||
		c.QuoteStatus != QuoteRead || c.Application != ApplicationSettled || c.Quote != "新建、扩建向水体排放污染物的建设项目" {
		t.Errorf("band, discharges: %s %+v", res.Rule.Effect, c)
	}
	res, _ = rs.Resolve("river-band", "land", "sewage-works-outfall", nil, at)
	if c := res.Rule.Citations[0]; res.Rule.Effect != EffectRestricted || c.Article+c.Item != "第三十条（五）" || c.Application != ApplicationInterpretation || c.Note.ZH == "" {
		t.Errorf("band, a central works' outfall: %s %+v", res.Rule.Effect, c)
	}
	res, _ = rs.Resolve("river-band", "land", "sewage-outfall", nil, at)
	if c := res.Rule.Citations; res.Rule.Effect != EffectProhibited || c[0].Article+c[0].Item != "第三十条（六）" || c[1].Article+c[1].Item != "第二十九条（二）" {
		t.Errorf("band, any other outfall: %s %+v", res.Rule.Effect, c)
	}
	res, _ = rs.Resolve("canal-core", "riverside-eco", "sewage-outfall", nil, at)
	if res.Rule.Effect != EffectRestricted || res.Rule.Citations[0].Quote != "严格入河排污口的审批、监督和管理" {
		t.Errorf("canal riverside outfall: %s %+v", res.Rule.Effect, res.Rule.Citations)
	}
	for _, tier := range []string{"tier-1", "tier-2", "tier-3"} {
		res, _ = rs.Resolve("taihu-tier", tier, "np-emitting-industry", nil, at)
		if c := res.Rule.Citations[0]; res.Rule.Effect != EffectProhibited || c.Document != "js-taihu" || !strings.Contains(c.Quote, "电镀") {
			t.Errorf("%s, electroplating: %s %+v", tier, res.Rule.Effect, c)
		}
	}
	res, _ = rs.Resolve("river-band", "land", "chemical", nil, at)
	if c := res.Rule.Citations; len(c) != 3 || c[2].Document != "yangtze-law" || c[2].Article != "第二十六条" || c[2].Application != ApplicationInterpretation {
		t.Errorf("band chemical: 长江保护法 第二十六条 as a second basis: %+v", c)
	}
}

// TestRulesEveryDay resolves every cell for every combination of its
// facts on days across the file's span: a rule and only one answers, and
// every document it cites is in force that day.
func TestRulesEveryDay(t *testing.T) {
	rs := loadRules(t)
	days := []string{"2020-01-08", "2021-02-28", "2021-03-01", "2022-06-30", "2022-12-31", "2023-01-01", "2026-02-28", "2026-03-01", "2026-12-06", "2031-02-28", "2031-03-01", "2040-01-01"}
	combos := []map[string]bool{nil}
	for _, f := range rs.FactIDs() {
		var next []map[string]bool
		for _, c := range combos {
			for _, v := range []bool{true, false} {
				m := map[string]bool{f: v}
				for k, x := range c {
					m[k] = x
				}
				next = append(next, m)
			}
		}
		combos = next
	}
	for _, s := range days {
		for _, z := range rs.ZoneKinds {
			subs := rs.SubzoneIDs(z.ID)
			if len(subs) == 0 {
				subs = []string{""}
			}
			for _, sub := range subs {
				for _, cat := range rs.Categories {
					for _, facts := range combos {
						res, err := rs.Resolve(z.ID, sub, cat.ID, facts, day(s))
						if err != nil || len(res.Open) > 0 {
							t.Fatalf("%s/%s/%s %v on %s: %v open %v", z.ID, sub, cat.ID, facts, s, err, res.Open)
						}
						for _, c := range res.Rule.Citations {
							d, _ := rs.Document(c.Document)
							if !DateOf(day(s)).inRange(d.EffectiveFrom, d.EffectiveTo) {
								t.Errorf("%s on %s: rule %s cites %s, not in force that day", z.ID, s, res.Rule.ID, d.ID)
							}
						}
					}
				}
			}
		}
	}
}

// TestRulesAsOf: the laws in force on the day decide.
func TestRulesAsOf(t *testing.T) {
	rs := loadRules(t)
	for _, tc := range []struct {
		kind, sub, cat, asOf, id, doc string
	}{
		{"eco-control", "", "residential", "2025-06-01", "eco-control.residential", "js-eco-plan-2020"},
		{"eco-control", "", "residential", "2026-03-01", "eco-control.residential@2026-03-01", "js-eco-2026"},
		{"eco-control", "", "residential", "2031-02-28", "eco-control.residential@2026-03-01", "js-eco-2026"},
		{"eco-control", "", "residential", "2031-03-01", "eco-control.residential@2031-03-01", "js-eco-plan-2020"},
		{"river-band", "land", "chemical", "2021-02-28", "river-band.chemical", "taihu-basin"},
		{"river-band", "land", "chemical", "2021-03-01", "river-band.chemical@2021-03-01", "taihu-basin"},
		{"canal-core", "riverside-eco", "sewage-outfall", "2022-06-30", "canal-core.riverside-eco.sewage-outfall", "water-law"},
		{"canal-core", "riverside-eco", "sewage-outfall", "2023-01-01", "canal-core.riverside-eco.sewage-outfall@2023-01-01", "district-plan"},
		{"green-corridor", "corridor", "residential", "2022-06-30", "green-corridor.corridor.residential", ""},
		{"green-corridor", "corridor", "residential", "2023-01-01", "green-corridor.corridor.residential@2023-01-01", "district-plan"},
	} {
		res, err := rs.Resolve(tc.kind, tc.sub, tc.cat, nil, day(tc.asOf))
		if err != nil {
			t.Fatal(err)
		}
		doc := ""
		if len(res.Rule.Citations) > 0 {
			doc = res.Rule.Citations[0].Document
		}
		if res.Rule.ID != tc.id || doc != tc.doc {
			t.Errorf("%s/%s %s on %s: rule %s citing %q, want %s citing %q", tc.kind, tc.sub, tc.cat, tc.asOf, res.Rule.ID, doc, tc.id, tc.doc)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	rs := loadRules(t)
	at := day("2026-06-01")
	for _, tc := range []struct{ kind, sub, cat, want string }{
		{"nowhere", "", "chemical", "unknown zone kind"},
		{"canal-core", "", "chemical", "judged per subzone"},
		{"canal-core", "old-town", "chemical", "no subzone"},
		{"eco-control", "built-up", "chemical", "has no subzones"},
		{"eco-control", "", "casino", "unknown category"},
	} {
		_, err := rs.Resolve(tc.kind, tc.sub, tc.cat, nil, at)
		if !errors.Is(err, ErrNoRule) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Resolve(%q, %q, %q) = %v, want ErrNoRule mentioning %q", tc.kind, tc.sub, tc.cat, err, tc.want)
		}
	}
	if _, err := rs.Resolve("eco-control", "", "casino", nil, at); !errors.Is(err, ErrUnknownCategory) {
		t.Errorf("unknown category should wrap ErrUnknownCategory: %v", err)
	}
	if _, err := rs.Resolve("eco-control", "", "chemical", nil, day("2019-12-31")); !errors.Is(err, ErrNoRule) {
		t.Errorf("before valid_from: %v, want ErrNoRule", err)
	}
}

func TestCovers(t *testing.T) {
	rs := loadRules(t)
	if rs.Covers(day("2020-01-07")) {
		t.Error("2020-01-07 covered")
	}
	if !rs.Covers(day("2020-01-08")) || !rs.Covers(day("2022-06-30")) {
		t.Error("2020-01-08 or 2022-06-30 not covered")
	}
	// A time of day does not matter, nor does the location's offset from UTC.
	if !rs.Covers(time.Date(2020, 1, 8, 23, 59, 0, 0, time.FixedZone("CST", 8*3600))) {
		t.Error("2020-01-08 23:59 CST not covered")
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
	for _, k := range []string{"version", "valid_from", "documents", "facts", "categories", "zone_kinds", "absent", "rules"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON has no %q", k)
		}
	}
	for _, r := range m["rules"].([]any) {
		r := r.(map[string]any)
		if _, ok := r["condition"]; ok != (r["effect"] == EffectRestricted) {
			t.Fatalf("condition written iff restricted: %v", r)
		}
		if _, ok := r["citations"].([]any); !ok {
			t.Fatalf("citations not a list: %v", r)
		}
	}
	first := m["rules"].([]any)[0].(map[string]any)
	if first["effective_from"] != "2020-01-08" || first["categories"].([]any)[0] != "chemical" {
		t.Errorf("first rule %v", first)
	}
	c := first["citations"].([]any)[0].(map[string]any)
	for _, k := range []string{"document", "title", "article", "item", "quote", "read_in", "quote_status", "application", "note"} {
		if _, ok := c[k]; !ok {
			t.Errorf("citation JSON has no %q: %v", k, c)
		}
	}
}
