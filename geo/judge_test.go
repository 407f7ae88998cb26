package geo

import (
	"encoding/json"
	"errors"
	"math/rand"
	"strings"
	"testing"
	"time"
)

var whole = Coverage{Inside: true, Whole: true, InsideRatio: 1}

func relIn(layer, kind, sub, zone string) Relation {
	return Relation{
		Layer:    layer,
		ZoneKind: kind,
		ZoneID:   zone,
		ZoneName: Text{ZH: zone, EN: zone},
		Subzone:  sub,
		Relation: RelInside,
	}
}

var (
	relTier      = relIn("taihu-tier", "taihu-tier", "tier-3", "zhonglou-tier-3")
	relTier1     = relIn("taihu-tier", "taihu-tier", "tier-1", "tier-1-fixture")
	relCorridor  = relIn("xinmeng-corridor", "eco-control", "", "xinmeng-corridor-1")
	relBand      = relIn("xinmeng-band", "river-band", "land", "xinmeng-band-land")
	relWater     = relIn("xinmeng-band", "river-band", "water", "xinmeng-band-water")
	relRiverside = relIn("canal-core", "canal-core", "riverside-eco", "canal-core-riverside-eco")
	relBuiltUp   = relIn("canal-core", "canal-core", "built-up", "canal-core-built-up")
	relGreen     = relIn("green-corridors", "green-corridor", "green-line", "green-tongzi")
	relPlanned   = relIn("green-corridors", "green-corridor", "corridor", "green-biandan")
	testLayers   = []LayerVersion{{ID: "district", Version: 1, ValidFrom: Date{day("2020-01-08")}}, {ID: "canal-core", Version: 3, ValidFrom: Date{day("2026-01-01")}}}
)

func mustJudge(t *testing.T, rs *RuleSet, rel Relations, cat string, facts map[string]bool, asOf time.Time) Verdict {
	t.Helper()
	v, err := Judge(rs, rel, cat, facts, asOf)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func hits(rels ...Relation) Relations {
	return Relations{Coverage: whole, Hits: rels, Layers: testLayers}
}

func TestJudgePrecedence(t *testing.T) {
	rs := loadRules(t)
	asOf := day("2026-06-01")
	for _, tc := range []struct {
		name    string
		cat     string
		rels    []Relation
		verdict string
		effects []string // of the hits, in order
	}{
		{"no zone", "chemical", nil, EffectAllowed, nil},
		{"the district's tier only", "residential", []Relation{relTier}, EffectAllowed, []string{EffectAllowed}},
		{"restricted beats allowed", "residential", []Relation{relBand, relCorridor, relTier}, EffectRestricted, []string{EffectRestricted, EffectAllowed, EffectAllowed}},
		{"prohibited beats restricted and allowed", "residential", []Relation{relBand, relCorridor, relRiverside, relTier}, EffectProhibited,
			[]string{EffectProhibited, EffectRestricted, EffectAllowed, EffectAllowed}},
		{"ecological allowed outside the water", "ecological", []Relation{relBand, relCorridor, relRiverside, relBuiltUp, relGreen, relTier}, EffectAllowed,
			[]string{EffectAllowed, EffectAllowed, EffectAllowed, EffectAllowed, EffectAllowed, EffectAllowed}},
		{"ecological inside the 岸线: 第四十三条", "ecological", []Relation{relWater, relTier}, EffectRestricted, []string{EffectRestricted, EffectAllowed}},
		{"chemical prohibited in the band", "chemical", []Relation{relBand, relTier}, EffectProhibited, []string{EffectProhibited, EffectRestricted}},
		{"subzone decides", "residential", []Relation{relBuiltUp, relTier}, EffectRestricted, []string{EffectRestricted, EffectAllowed}},
		{"green line, not corridor", "residential", []Relation{relGreen, relTier}, EffectProhibited, []string{EffectProhibited, EffectAllowed}},
		{"a corridor that is not 绿线 land", "residential", []Relation{relPlanned, relTier}, EffectRestricted, []string{EffectRestricted, EffectAllowed}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := mustJudge(t, rs, hits(tc.rels...), tc.cat, nil, asOf)
			if v.Verdict != tc.verdict {
				t.Errorf("verdict %s, want %s", v.Verdict, tc.verdict)
			}
			if len(v.Hits) != len(tc.effects) {
				t.Fatalf("%d hits, want %d", len(v.Hits), len(tc.effects))
			}
			for i, h := range v.Hits {
				if h.Effect != tc.effects[i] {
					t.Errorf("hit %d (%s): effect %s, want %s", i, h.ZoneID, h.Effect, tc.effects[i])
				}
			}
			for i, h := range v.Hits {
				if h.RuleID == "" || (h.Effect != EffectAllowed && (len(h.Citations) == 0 || h.Citations[0].Title == "" || h.Citations[0].Quote == "")) {
					t.Errorf("hit %d: rule %q citations %+v incomplete", i, h.RuleID, h.Citations)
				}
				if (h.Effect == EffectRestricted) != (h.Condition != nil) {
					t.Errorf("hit %d: effect %s with condition %v", i, h.Effect, h.Condition)
				}
				if h.Citations == nil {
					t.Errorf("hit %d: citations nil, want a list", i)
				}
			}
			if len(v.Hits) > 0 && v.DecidingRule != v.Hits[0].RuleID {
				t.Errorf("deciding rule %s, want the first hit's %s", v.DecidingRule, v.Hits[0].RuleID)
			}
			if v.Category != tc.cat || v.RulesVersion != rs.Version || v.AsOf.String() != "2026-06-01" || len(v.Layers) != len(testLayers) {
				t.Errorf("verdict header %+v", v)
			}
			if v.Notes != nil {
				t.Errorf("notes %v for a site wholly inside", v.Notes)
			}
		})
	}
}

// Without the facts, each hit counts with the least severe rule it could
// give and the verdict asks the questions that would settle it; with them
// declared the verdict is exact.
func TestJudgeFactsAndQuestions(t *testing.T) {
	rs := loadRules(t)
	asOf := day("2026-12-06")
	// A chemical plant outside every named zone: restricted, never a bare
	// allowed, with the N/P question.
	v := mustJudge(t, rs, hits(relTier), "chemical", nil, asOf)
	if v.Verdict != EffectRestricted || len(v.Questions) != 1 {
		t.Fatalf("chemical, no facts: %s with questions %+v", v.Verdict, v.Questions)
	}
	q := v.Questions[0]
	if q.ID != "emits_n_p" || q.Question.ZH == "" || q.Name.EN == "" ||
		q.IfTrue.Verdict != EffectProhibited || q.IfTrue.RuleID != "taihu-tier.chemical.if-emits_n_p" || q.IfTrue.Citation == nil || q.IfTrue.Citation.Document != "js-taihu" ||
		q.IfFalse.Verdict != EffectRestricted || q.IfFalse.RuleID != "taihu-tier.tier-3.chemical.if-not-emits_n_p@2023-01-01" || q.IfFalse.Citation == nil {
		t.Errorf("question %+v", q)
	}
	if h := v.Hits[0]; strings.Join(h.OpenFacts, ",") != "emits_n_p" {
		t.Errorf("hit open facts %v", h.OpenFacts)
	}
	// Declared: exact, no questions.
	for ans, want := range map[bool]string{true: EffectProhibited, false: EffectRestricted} {
		v := mustJudge(t, rs, hits(relTier), "chemical", map[string]bool{"emits_n_p": ans}, asOf)
		if v.Verdict != want || len(v.Questions) != 0 || len(v.Hits[0].OpenFacts) != 0 || v.Facts["emits_n_p"] != ans {
			t.Errorf("emits_n_p=%v: %s, questions %v", ans, v.Verdict, v.Questions)
		}
	}
	// Warehousing in the band: restricted with the hazardous-goods
	// question; declared, prohibited under 第三十条（一）.
	v = mustJudge(t, rs, hits(relBand, relTier), "warehousing-logistics", nil, asOf)
	if v.Verdict != EffectRestricted || len(v.Questions) != 1 || v.Questions[0].ID != "hazardous_goods" || v.Questions[0].IfTrue.Verdict != EffectProhibited {
		t.Errorf("warehousing in the band: %s %+v", v.Verdict, v.Questions)
	}
	v = mustJudge(t, rs, hits(relBand, relTier), "warehousing-logistics", map[string]bool{"hazardous_goods": true}, asOf)
	if c := v.Hits[0].Citations[0]; v.Verdict != EffectProhibited || c.Article+c.Item != "第三十条（一）" {
		t.Errorf("hazardous goods declared: %s %+v", v.Verdict, c)
	}
	// A question whose answer cannot change the verdict is not asked: the
	// band already prohibits chemical projects, whatever they emit.
	v = mustJudge(t, rs, hits(relBand, relTier), "chemical", nil, asOf)
	if v.Verdict != EffectProhibited || len(v.Questions) != 0 {
		t.Errorf("chemical in the band: %s with questions %+v", v.Verdict, v.Questions)
	}
	if h := v.Hits[1]; h.Layer != "taihu-tier" || strings.Join(h.OpenFacts, ",") != "emits_n_p" {
		t.Errorf("the tier hit still says its effect is open: %+v", h)
	}
	// Two questions: polluting industry in the band, nothing declared.
	v = mustJudge(t, rs, hits(relBand, relTier), "polluting-industry", nil, asOf)
	var ids []string
	for _, q := range v.Questions {
		ids = append(ids, q.ID+":"+q.IfTrue.Verdict+"/"+q.IfFalse.Verdict)
	}
	if v.Verdict != EffectRestricted || strings.Join(ids, ",") != "discharges_to_water:prohibited/restricted,emits_n_p:prohibited/restricted" {
		t.Errorf("polluting industry in the band: %s %v", v.Verdict, ids)
	}
	// An unknown fact is an error, never a verdict.
	if _, err := Judge(rs, hits(relTier), "chemical", map[string]bool{"emits_np": true}, asOf); !errors.Is(err, ErrUnknownFact) || !strings.Contains(err.Error(), "discharges_to_water") {
		t.Errorf("unknown fact: %v", err)
	}
	// A declared fact the category does not turn on changes nothing but
	// is kept (it is part of the decision's record).
	v = mustJudge(t, rs, hits(relTier), "residential", map[string]bool{"hazardous_goods": false}, asOf)
	if v.Verdict != EffectAllowed || len(v.Facts) != 1 {
		t.Errorf("residential with a fact: %+v", v)
	}
}

func TestJudgeOutsideCoverage(t *testing.T) {
	rs := loadRules(t)
	for _, cov := range []Coverage{{}, {Inside: false, Whole: false, InsideRatio: 0}} {
		v := mustJudge(t, rs, Relations{Coverage: cov, Hits: []Relation{relBand}, Layers: testLayers}, "chemical", nil, day("2026-06-01"))
		if v.Verdict != VerdictOutsideCoverage {
			t.Errorf("verdict %s, want %s", v.Verdict, VerdictOutsideCoverage)
		}
		if len(v.Hits) != 0 || v.Questions == nil || len(v.Questions) != 0 || v.DecidingRule != "" {
			t.Errorf("hits %v questions %v outside the district", v.Hits, v.Questions)
		}
		if v.RulesVersion == "" || len(v.Layers) != len(testLayers) {
			t.Errorf("an outside_coverage verdict still says which rules and layers answered: %+v", v)
		}
	}
}

func TestJudgePartialCoverage(t *testing.T) {
	rs := loadRules(t)
	rel := Relations{Coverage: Coverage{Inside: true, Whole: false, InsideRatio: 0.4237}, Hits: []Relation{relCorridor, relTier}}
	v := mustJudge(t, rs, rel, "theme-park", nil, day("2026-06-01"))
	if v.Verdict != EffectRestricted {
		t.Errorf("verdict %s, want restricted (the part inside is judged)", v.Verdict)
	}
	if len(v.Notes) != 1 {
		t.Fatalf("notes %v, want one", v.Notes)
	}
	n := v.Notes[0]
	if n.ZH != "地块部分位于钟楼区范围外，仅对区内部分作出判定（区内占比 42.3%）" {
		t.Errorf("note zh %q", n.ZH)
	}
	if !strings.Contains(n.EN, "42.3%") || !strings.Contains(n.EN, "outside Zhonglou District") {
		t.Errorf("note en %q", n.EN)
	}
	// Nearly whole never reads 100%, a sliver never vanishes below 0.
	for ratio, want := range map[float64]string{0.99999: "99.9%", 0.29: "29%", 0.0001: "0%", 0.5: "50%"} {
		rel.Coverage.InsideRatio = ratio
		v := mustJudge(t, rs, rel, "theme-park", nil, day("2026-06-01"))
		if !strings.Contains(v.Notes[0].ZH, "区内占比 "+want+"）") {
			t.Errorf("ratio %v: note %q, want %s", ratio, v.Notes[0].ZH, want)
		}
	}
	rel.Coverage.InsideRatio = 0.42374449
	if v := mustJudge(t, rs, rel, "theme-park", nil, day("2026-06-01")); v.Coverage.InsideRatio != 0.423744 {
		t.Errorf("inside_ratio %v, want it to six decimals", v.Coverage.InsideRatio)
	}
	// No hits, partly inside: allowed for the part inside, with the note.
	v = mustJudge(t, rs, Relations{Coverage: Coverage{Inside: true, InsideRatio: 0.5}}, "chemical", nil, day("2026-06-01"))
	if v.Verdict != EffectAllowed || len(v.Notes) != 1 {
		t.Errorf("partly inside, no zone: %+v", v)
	}
}

func TestJudgeRoundsMeasures(t *testing.T) {
	rs := loadRules(t)
	r := relBand
	r.Relation, r.DistanceM, r.OverlapM2, r.OverlapRatio = RelWithinDistance, 157.32318828278125, 1234.567891, 0.123456789
	v := mustJudge(t, rs, hits(r), "residential", nil, day("2026-06-01"))
	h := v.Hits[0]
	if h.DistanceM != 157.323 || h.OverlapM2 != 1234.5679 || h.OverlapRatio != 0.123457 {
		t.Errorf("distance %v area %v ratio %v, want 157.323, 1234.5679, 0.123457", h.DistanceM, h.OverlapM2, h.OverlapRatio)
	}
}

func TestJudgeUnknownCategory(t *testing.T) {
	rs := loadRules(t)
	v, err := Judge(rs, hits(relBand), "casino", nil, day("2026-06-01"))
	if !errors.Is(err, ErrUnknownCategory) {
		t.Fatalf("err %v, want ErrUnknownCategory", err)
	}
	for _, id := range []string{`"casino"`, "chemical", "ecological", "sewage-outfall"} {
		if !strings.Contains(err.Error(), id) {
			t.Errorf("error %q does not mention %s", err, id)
		}
	}
	if v.Verdict != "" {
		t.Errorf("verdict %q with an error", v.Verdict)
	}
	// Even outside the district: the category is checked first.
	if _, err := Judge(rs, Relations{}, "", nil, day("2026-06-01")); !errors.Is(err, ErrUnknownCategory) {
		t.Errorf("empty category: %v", err)
	}
}

func TestJudgeBeforeCoverage(t *testing.T) {
	rs := loadRules(t)
	for _, cov := range []Coverage{whole, {}} {
		v, err := Judge(rs, Relations{Coverage: cov}, "chemical", nil, day("2020-01-07"))
		if !errors.Is(err, ErrNotCovered) {
			t.Fatalf("err %v, want ErrNotCovered", err)
		}
		if !strings.Contains(err.Error(), "2020-01-07") || !strings.Contains(err.Error(), "2020-01-08") {
			t.Errorf("error %q should name the day asked and the first day covered", err)
		}
		if v.Verdict != "" {
			t.Errorf("verdict %q with an error", v.Verdict)
		}
	}
	if _, err := Judge(rs, Relations{Coverage: whole}, "chemical", nil, day("2020-01-08")); err != nil {
		t.Errorf("valid_from itself: %v", err)
	}
}

func TestJudgeFailsClosed(t *testing.T) {
	rs := loadRules(t)
	noKind := relBand
	noKind.ZoneKind = ""
	noSub := relBuiltUp
	noSub.Subzone = ""
	unknownKind := relBand
	unknownKind.ZoneKind = "wetland"
	for _, tc := range []struct {
		name string
		rels []Relation
		want error
	}{
		{"empty zone kind", []Relation{relGreen, noKind}, ErrBadRelation},
		{"empty zone kind alone", []Relation{noKind}, ErrBadRelation},
		{"canal without subzone", []Relation{noSub}, ErrNoRule},
		{"unknown zone kind", []Relation{unknownKind}, ErrNoRule},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// ecological is allowed in every zone but the water: an error
			// here cannot be a verdict in disguise.
			v, err := Judge(rs, Relations{Coverage: whole, Hits: tc.rels}, "ecological", nil, day("2026-06-01"))
			if !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
			if v.Verdict != "" || v.Hits != nil {
				t.Errorf("verdict %q with %d hits alongside the error", v.Verdict, len(v.Hits))
			}
		})
	}
	if _, err := Judge(nil, Relations{Coverage: whole}, "chemical", nil, day("2026-06-01")); err == nil {
		t.Error("nil rule set judged")
	}
}

// TestJudgeDeterministicOrder: hits are ordered most severe first, then by
// layer and zone, whatever order the store gave them in; on a tie of
// severity the deciding hit is the first of them.
func TestJudgeDeterministicOrder(t *testing.T) {
	rs := loadRules(t)
	rels := []Relation{
		relBand, relCorridor, relRiverside, relBuiltUp, relGreen, relTier, relPlanned,
		relIn("green-corridors", "green-corridor", "green-line", "green-canal-south-bank"),
		relIn("xinmeng-corridor", "eco-control", "", "xinmeng-corridor-0"),
	}
	facts := map[string]bool{"hazardous_goods": true}
	want, err := json.Marshal(mustJudge(t, rs, Relations{Coverage: whole, Hits: rels, Layers: testLayers}, "warehousing-logistics", facts, day("2026-06-01")))
	if err != nil {
		t.Fatal(err)
	}
	v := mustJudge(t, rs, Relations{Coverage: whole, Hits: rels}, "warehousing-logistics", facts, day("2026-06-01"))
	var order []string
	for _, h := range v.Hits {
		order = append(order, h.Effect+" "+h.Layer+" "+h.ZoneID)
	}
	wantOrder := []string{
		"prohibited green-corridors green-canal-south-bank",
		"prohibited green-corridors green-tongzi",
		"prohibited xinmeng-band xinmeng-band-land",
		"prohibited xinmeng-corridor xinmeng-corridor-0",
		"prohibited xinmeng-corridor xinmeng-corridor-1",
		"restricted canal-core canal-core-built-up",
		"restricted canal-core canal-core-riverside-eco",
		"restricted green-corridors green-biandan",
		"allowed taihu-tier zhonglou-tier-3",
	}
	if strings.Join(order, "\n") != strings.Join(wantOrder, "\n") {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(wantOrder, "\n"))
	}
	if v.DecidingRule != "green-corridor.green-line.warehousing-logistics" {
		t.Errorf("deciding rule %s: the first prohibited hit decides", v.DecidingRule)
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 50; i++ {
		shuffled := append([]Relation(nil), rels...)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		got, err := json.Marshal(mustJudge(t, rs, Relations{Coverage: whole, Hits: shuffled, Layers: testLayers}, "warehousing-logistics", facts, day("2026-06-01")))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("shuffle %d gives a different verdict:\n%s\nwant\n%s", i, got, want)
		}
	}
}

func TestJudgeAsOf(t *testing.T) {
	rs := loadRules(t)
	rel := hits(relCorridor)
	for asOf, want := range map[string]string{"2025-06-01": "js-eco-plan-2020", "2026-06-01": "js-eco-2026"} {
		v := mustJudge(t, rs, rel, "residential", nil, day(asOf))
		if v.Verdict != EffectRestricted || v.Hits[0].Citations[0].Document != want || v.AsOf.String() != asOf {
			t.Errorf("as_of %s: verdict %s citing %s (as_of %s), want restricted citing %s", asOf, v.Verdict, v.Hits[0].Citations[0].Document, v.AsOf, want)
		}
	}
	// The day counts, not the instant: late on 2026-02-28 in China is still
	// the older rule.
	cst := time.FixedZone("CST", 8*3600)
	v := mustJudge(t, rs, rel, "residential", nil, time.Date(2026, 2, 28, 23, 30, 0, 0, cst))
	if v.Hits[0].Citations[0].Document != "js-eco-plan-2020" || v.AsOf.String() != "2026-02-28" {
		t.Errorf("2026-02-28 23:30 CST: %s as_of %s", v.Hits[0].Citations[0].Document, v.AsOf)
	}
	// 2022: judged by the laws in force then — no district plan yet.
	v = mustJudge(t, rs, hits(relPlanned, relTier), "residential", nil, day("2022-06-30"))
	if v.Verdict != EffectAllowed || v.DecidingRule != "green-corridor.corridor.residential" {
		t.Errorf("2022, corridor: %s by %s", v.Verdict, v.DecidingRule)
	}
}

func TestVerdictJSON(t *testing.T) {
	rs := loadRules(t)
	r := relBuiltUp
	r.Relation = RelOverlaps
	r.OverlapM2 = 1234.5
	r.OverlapRatio = 0.25
	r.Basis = "《大运河文化保护传承利用规划纲要》"
	v := mustJudge(t, rs, Relations{Coverage: whole, Hits: []Relation{r, relTier}, Layers: testLayers}, "residential", nil, day("2026-06-01"))
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"verdict", "category", "facts", "deciding_rule", "hits", "questions", "coverage", "rules_version", "layers", "as_of"} {
		if _, ok := m[k]; !ok {
			t.Errorf("verdict JSON has no %q: %s", k, b)
		}
	}
	if m["as_of"] != "2026-06-01" || m["verdict"] != EffectRestricted {
		t.Errorf("as_of %v verdict %v", m["as_of"], m["verdict"])
	}
	if _, ok := m["notes"]; ok {
		t.Errorf("notes written though empty: %s", b)
	}
	h := m["hits"].([]any)[0].(map[string]any)
	for _, k := range []string{"layer", "zone_id", "zone_name", "subzone", "relation", "overlap_m2", "overlap_ratio", "effect", "rule_id", "condition", "citations"} {
		if _, ok := h[k]; !ok {
			t.Errorf("hit JSON has no %q: %v", k, h)
		}
	}
	if h["relation"] != RelOverlaps || h["rule_id"] != "canal-core.built-up.residential" {
		t.Errorf("hit %v", h)
	}
	c := h["citations"].([]any)[1].(map[string]any)
	if c["title"] != "《大运河文化保护传承利用规划纲要》（2019年）" || c["quote_status"] != QuoteToVerify || c["application"] != ApplicationSettled || c["quote"] != "限高、限密度" {
		t.Errorf("citation %v", c)
	}
	// No hits: "hits" and "questions" are empty lists, not null.
	v = mustJudge(t, rs, Relations{Coverage: whole}, "chemical", nil, day("2026-06-01"))
	b, _ = json.Marshal(v)
	for _, want := range []string{`"hits":[]`, `"layers":[]`, `"questions":[]`, `"facts":{}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("empty verdict JSON %s has no %s", b, want)
		}
	}
}
