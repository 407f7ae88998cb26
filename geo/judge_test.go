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
	relCorridor  = relIn("xinmeng-corridor", "eco-control", "", "xinmeng-corridor-1")
	relBand      = relIn("xinmeng-band", "river-band", "", "xinmeng-band-1000")
	relRiverside = relIn("canal-core", "canal-core", "riverside-eco", "canal-core-riverside-eco")
	relBuiltUp   = relIn("canal-core", "canal-core", "built-up", "canal-core-built-up")
	relGreen     = relIn("green-corridors", "green-line", "", "tongzi-river")
	testLayers   = []LayerVersion{{ID: "district", Version: 1, ValidFrom: Date{day("2023-01-01")}}, {ID: "canal-core", Version: 3, ValidFrom: Date{day("2026-01-01")}}}
)

func mustJudge(t *testing.T, rs *RuleSet, rel Relations, cat string, asOf time.Time) Verdict {
	t.Helper()
	v, err := Judge(rs, rel, cat, asOf)
	if err != nil {
		t.Fatal(err)
	}
	return v
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
		{"allowed zone only", "residential", []Relation{relBand}, EffectAllowed, []string{EffectAllowed}},
		{"restricted beats allowed", "residential", []Relation{relBand, relCorridor}, EffectRestricted, []string{EffectRestricted, EffectAllowed}},
		{"prohibited beats restricted and allowed", "residential", []Relation{relBand, relCorridor, relRiverside}, EffectProhibited, []string{EffectProhibited, EffectRestricted, EffectAllowed}},
		{"ecological allowed everywhere", "ecological", []Relation{relBand, relCorridor, relRiverside, relBuiltUp, relGreen}, EffectAllowed,
			[]string{EffectAllowed, EffectAllowed, EffectAllowed, EffectAllowed, EffectAllowed}},
		{"chemical prohibited in the band", "chemical", []Relation{relBand}, EffectProhibited, []string{EffectProhibited}},
		{"subzone decides", "residential", []Relation{relBuiltUp}, EffectRestricted, []string{EffectRestricted}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := mustJudge(t, rs, Relations{Coverage: whole, Hits: tc.rels, Layers: testLayers}, tc.cat, asOf)
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
				if h.RuleID == "" || h.Citation.Document == "" || h.Citation.Title == "" || h.Citation.Quote == "" {
					t.Errorf("hit %d: rule %q citation %+v incomplete", i, h.RuleID, h.Citation)
				}
				if (h.Effect == EffectRestricted) != (h.Condition != nil) {
					t.Errorf("hit %d: effect %s with condition %v", i, h.Effect, h.Condition)
				}
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

func TestJudgeOutsideCoverage(t *testing.T) {
	rs := loadRules(t)
	for _, cov := range []Coverage{{}, {Inside: false, Whole: false, InsideRatio: 0}} {
		v := mustJudge(t, rs, Relations{Coverage: cov, Hits: []Relation{relBand}, Layers: testLayers}, "chemical", day("2026-06-01"))
		if v.Verdict != VerdictOutsideCoverage {
			t.Errorf("verdict %s, want %s", v.Verdict, VerdictOutsideCoverage)
		}
		if len(v.Hits) != 0 {
			t.Errorf("hits %v outside the district", v.Hits)
		}
		if v.RulesVersion == "" || len(v.Layers) != len(testLayers) {
			t.Errorf("an outside_coverage verdict still says which rules and layers answered: %+v", v)
		}
	}
}

func TestJudgePartialCoverage(t *testing.T) {
	rs := loadRules(t)
	rel := Relations{Coverage: Coverage{Inside: true, Whole: false, InsideRatio: 0.4237}, Hits: []Relation{relCorridor}}
	v := mustJudge(t, rs, rel, "theme-park", day("2026-06-01"))
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
		v := mustJudge(t, rs, rel, "theme-park", day("2026-06-01"))
		if !strings.Contains(v.Notes[0].ZH, "区内占比 "+want+"）") {
			t.Errorf("ratio %v: note %q, want %s", ratio, v.Notes[0].ZH, want)
		}
	}
	// No hits, partly inside: allowed for the part inside, with the note.
	v = mustJudge(t, rs, Relations{Coverage: Coverage{Inside: true, InsideRatio: 0.5}}, "chemical", day("2026-06-01"))
	if v.Verdict != EffectAllowed || len(v.Notes) != 1 {
		t.Errorf("partly inside, no zone: %+v", v)
	}
}

func TestJudgeUnknownCategory(t *testing.T) {
	rs := loadRules(t)
	v, err := Judge(rs, Relations{Coverage: whole, Hits: []Relation{relBand}}, "casino", day("2026-06-01"))
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
	if _, err := Judge(rs, Relations{}, "", day("2026-06-01")); !errors.Is(err, ErrUnknownCategory) {
		t.Errorf("empty category: %v", err)
	}
}

func TestJudgeBeforeCoverage(t *testing.T) {
	rs := loadRules(t)
	for _, cov := range []Coverage{whole, {}} {
		v, err := Judge(rs, Relations{Coverage: cov}, "chemical", day("2022-12-31"))
		if !errors.Is(err, ErrNotCovered) {
			t.Fatalf("err %v, want ErrNotCovered", err)
		}
		if !strings.Contains(err.Error(), "2022-12-31") || !strings.Contains(err.Error(), "2023-01-01") {
			t.Errorf("error %q should name the day asked and the first day covered", err)
		}
		if v.Verdict != "" {
			t.Errorf("verdict %q with an error", v.Verdict)
		}
	}
	if _, err := Judge(rs, Relations{Coverage: whole}, "chemical", day("2023-01-01")); err != nil {
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
			// ecological is allowed in every zone: an error here cannot be a
			// verdict in disguise.
			v, err := Judge(rs, Relations{Coverage: whole, Hits: tc.rels}, "ecological", day("2026-06-01"))
			if !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
			if v.Verdict != "" || v.Hits != nil {
				t.Errorf("verdict %q with %d hits alongside the error", v.Verdict, len(v.Hits))
			}
		})
	}
	if _, err := Judge(nil, Relations{Coverage: whole}, "chemical", day("2026-06-01")); err == nil {
		t.Error("nil rule set judged")
	}
}

func TestJudgeDeterministicOrder(t *testing.T) {
	rs := loadRules(t)
	rels := []Relation{
		relBand, relCorridor, relRiverside, relBuiltUp, relGreen,
		relIn("green-corridors", "green-line", "", "bian-dan-river"),
		relIn("green-corridors", "green-line", "", "xinmeng-corridor-green"),
		relIn("xinmeng-corridor", "eco-control", "", "xinmeng-corridor-0"),
	}
	want, err := json.Marshal(mustJudge(t, rs, Relations{Coverage: whole, Hits: rels, Layers: testLayers}, "warehousing-logistics", day("2026-06-01")))
	if err != nil {
		t.Fatal(err)
	}
	v := mustJudge(t, rs, Relations{Coverage: whole, Hits: rels}, "warehousing-logistics", day("2026-06-01"))
	var order []string
	for _, h := range v.Hits {
		order = append(order, h.Effect+" "+h.Layer+" "+h.ZoneID)
	}
	wantOrder := []string{
		"prohibited canal-core canal-core-riverside-eco",
		"prohibited green-corridors bian-dan-river",
		"prohibited green-corridors tongzi-river",
		"prohibited green-corridors xinmeng-corridor-green",
		"restricted canal-core canal-core-built-up",
		"restricted xinmeng-band xinmeng-band-1000",
		"restricted xinmeng-corridor xinmeng-corridor-0",
		"restricted xinmeng-corridor xinmeng-corridor-1",
	}
	if strings.Join(order, "\n") != strings.Join(wantOrder, "\n") {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(wantOrder, "\n"))
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 50; i++ {
		shuffled := append([]Relation(nil), rels...)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		got, err := json.Marshal(mustJudge(t, rs, Relations{Coverage: whole, Hits: shuffled, Layers: testLayers}, "warehousing-logistics", day("2026-06-01")))
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
	rel := Relations{Coverage: whole, Hits: []Relation{relCorridor}}
	for asOf, want := range map[string]string{"2025-06-01": "js-eco-plan-2020", "2026-06-01": "js-eco-2026"} {
		v := mustJudge(t, rs, rel, "chemical", day(asOf))
		if v.Verdict != EffectProhibited || v.Hits[0].Citation.Document != want || v.AsOf.String() != asOf {
			t.Errorf("as_of %s: verdict %s citing %s (as_of %s), want prohibited citing %s", asOf, v.Verdict, v.Hits[0].Citation.Document, v.AsOf, want)
		}
	}
	// The day counts, not the instant: late on 2026-02-28 in China is still
	// the older rule.
	cst := time.FixedZone("CST", 8*3600)
	v := mustJudge(t, rs, rel, "chemical", time.Date(2026, 2, 28, 23, 30, 0, 0, cst))
	if v.Hits[0].Citation.Document != "js-eco-plan-2020" || v.AsOf.String() != "2026-02-28" {
		t.Errorf("2026-02-28 23:30 CST: %s as_of %s", v.Hits[0].Citation.Document, v.AsOf)
	}
}

func TestVerdictJSON(t *testing.T) {
	rs := loadRules(t)
	r := relBuiltUp
	r.Relation = RelOverlaps
	r.OverlapM2 = 1234.5
	r.OverlapRatio = 0.25
	r.Basis = "《大运河文化保护传承利用规划纲要》"
	v := mustJudge(t, rs, Relations{Coverage: whole, Hits: []Relation{r}, Layers: testLayers}, "residential", day("2026-06-01"))
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"verdict", "category", "hits", "coverage", "rules_version", "layers", "as_of"} {
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
	for _, k := range []string{"layer", "zone_id", "zone_name", "subzone", "relation", "overlap_m2", "overlap_ratio", "effect", "rule_id", "condition", "citation"} {
		if _, ok := h[k]; !ok {
			t.Errorf("hit JSON has no %q: %v", k, h)
		}
	}
	if h["relation"] != RelOverlaps || h["rule_id"] != "canal-core.built-up.residential" {
		t.Errorf("hit %v", h)
	}
	c := h["citation"].(map[string]any)
	if c["title"] != "《大运河文化保护传承利用规划纲要》（2019年）" || c["status"] != StatusVerified || c["quote"] != "限高、限密度" {
		t.Errorf("citation %v", c)
	}
	// No hits: "hits" is an empty list, not null.
	v = mustJudge(t, rs, Relations{Coverage: whole}, "chemical", day("2026-06-01"))
	b, _ = json.Marshal(v)
	if !strings.Contains(string(b), `"hits":[]`) || !strings.Contains(string(b), `"layers":[]`) {
		t.Errorf("empty verdict JSON %s", b)
	}
}
