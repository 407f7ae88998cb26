package geo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrNotCovered: the check's as_of is before the first day the rules answer
// for (RuleSet.ValidFrom).
var ErrNotCovered = errors.New("geo: as_of before the rules' coverage")

// ErrUnknownCategory: the project category is not one of the rules'.
var ErrUnknownCategory = errors.New("geo: unknown category")

// ErrUnknownFact: a declared fact is not one of the rules'.
var ErrUnknownFact = errors.New("geo: unknown fact")

// ErrBadRelation: a store handed Judge a relation it cannot judge (no zone
// kind). It is a programming error, never the caller's.
var ErrBadRelation = errors.New("geo: relation cannot be judged")

// Hit is one zone a site meets, with the rule that applies there.
type Hit struct {
	Relation
	Effect    string     `json:"effect"`
	RuleID    string     `json:"rule_id"`
	Condition *Text      `json:"condition,omitempty"`
	Citations []Citation `json:"citations"`
	// OpenFacts are the facts not declared whose answer would change this
	// hit's effect (which is then the least severe they could give).
	OpenFacts []string `json:"open_facts,omitempty"`
}

// Outcome is what a verdict would be with one more fact declared: the
// verdict, its deciding rule and that rule's first citation (none for an
// allowed rule without one).
type Outcome struct {
	Verdict  string    `json:"verdict"`
	RuleID   string    `json:"rule_id,omitempty"`
	Citation *Citation `json:"citation,omitempty"`
}

// Question is an undeclared fact whose answer would change the verdict,
// with what each answer would give.
type Question struct {
	ID       string  `json:"id"`
	Name     Text    `json:"name"`
	Question Text    `json:"question"`
	IfTrue   Outcome `json:"if_true"`
	IfFalse  Outcome `json:"if_false"`
}

// Verdict is the answer to a siting check.
type Verdict struct {
	Verdict  string          `json:"verdict"` // prohibited | restricted | allowed | outside_coverage
	Category string          `json:"category"`
	Facts    map[string]bool `json:"facts"` // as declared
	// DecidingRule is the rule of the first hit (hits are ordered most
	// severe first); "" without hits.
	DecidingRule string         `json:"deciding_rule,omitempty"`
	Hits         []Hit          `json:"hits"`
	Questions    []Question     `json:"questions"`
	Coverage     Coverage       `json:"coverage"`
	Notes        []Text         `json:"notes,omitempty"`
	RulesVersion string         `json:"rules_version"`
	Layers       []LayerVersion `json:"layers"`
	AsOf         Date           `json:"as_of"`
	// KnownAt is the knowledge time the layer versions were chosen at
	// (the caller sets it: Judge does not see the store); it is hashed.
	KnownAt time.Time `json:"known_at"`
}

// Judge applies the rules in force on the day of asOf to a site's relations
// for a project category with the declared facts.
//
// Each hit takes the rule its cell's rules give for the declared facts;
// where they turn on a fact not declared, the least severe rule that fact
// could give (the rules file guarantees that declaring a fact true never
// lightens a rule, so this is the strictest effect that is certain), and
// the hit lists the open facts. The verdict is the most severe effect over
// the hits, allowed when there are none, and outside_coverage when no part
// of the site lies in the district. Hits are ordered most severe first,
// then by layer, zone and the rest (compareHits); the deciding hit, on a
// tie too, is the first. Every open fact whose answer would change the
// verdict is a question, with the verdict each answer would give (judged
// again with it declared).
//
// Judge fails closed: any relation or rule it cannot resolve is an error,
// and an error never comes with a verdict.
func Judge(rs *RuleSet, rel Relations, category string, facts map[string]bool, asOf time.Time) (Verdict, error) {
	if rs == nil {
		return Verdict{}, fmt.Errorf("%w: no rule set", ErrNoRule)
	}
	if _, ok := rs.Category(category); !ok {
		return Verdict{}, fmt.Errorf("%w %q: valid categories are %s", ErrUnknownCategory, category, strings.Join(rs.CategoryIDs(), ", "))
	}
	for _, f := range sortedKeys(facts) {
		if _, ok := rs.Fact(f); !ok {
			return Verdict{}, fmt.Errorf("%w %q: the facts are %s", ErrUnknownFact, f, strings.Join(rs.FactIDs(), ", "))
		}
	}
	day := DateOf(asOf)
	if !rs.Covers(asOf) {
		return Verdict{}, fmt.Errorf("%w: as_of %s is before %s, the first day rules version %s answers for", ErrNotCovered, day, rs.ValidFrom, rs.Version)
	}
	v, err := judge(rs, rel, category, facts, asOf)
	if err != nil {
		return Verdict{}, err
	}
	if v.Verdict == VerdictOutsideCoverage {
		return v, nil
	}
	var open []string
	for _, h := range v.Hits {
		for _, f := range h.OpenFacts {
			if !slices.Contains(open, f) {
				open = append(open, f)
			}
		}
	}
	slices.Sort(open)
	for _, f := range open {
		q := Question{ID: f}
		fact, _ := rs.Fact(f)
		q.Name, q.Question = fact.Name, fact.Question
		for _, ans := range []bool{true, false} {
			with := make(map[string]bool, len(facts)+1)
			for k, x := range facts {
				with[k] = x
			}
			with[f] = ans
			w, err := judge(rs, rel, category, with, asOf)
			if err != nil {
				return Verdict{}, err
			}
			o := Outcome{Verdict: w.Verdict, RuleID: w.DecidingRule}
			if len(w.Hits) > 0 && len(w.Hits[0].Citations) > 0 {
				c := w.Hits[0].Citations[0]
				o.Citation = &c
			}
			if ans {
				q.IfTrue = o
			} else {
				q.IfFalse = o
			}
		}
		if q.IfTrue.Verdict != q.IfFalse.Verdict {
			v.Questions = append(v.Questions, q)
		}
	}
	return v, nil
}

// judge is Judge without the questions.
func judge(rs *RuleSet, rel Relations, category string, facts map[string]bool, asOf time.Time) (Verdict, error) {
	declared := make(map[string]bool, len(facts))
	for k, x := range facts {
		declared[k] = x
	}
	v := Verdict{
		Category:     category,
		Facts:        declared,
		Hits:         []Hit{},
		Questions:    []Question{},
		Coverage:     rel.Coverage,
		RulesVersion: rs.Version,
		Layers:       append([]LayerVersion{}, rel.Layers...),
		AsOf:         DateOf(asOf),
	}
	if !rel.Coverage.Inside {
		v.Verdict = VerdictOutsideCoverage
		return v, nil
	}
	worst := EffectAllowed
	for i, r := range rel.Hits {
		if r.ZoneKind == "" {
			return Verdict{}, fmt.Errorf("%w: relation %d (layer %q, zone %q) has no zone kind", ErrBadRelation, i, r.Layer, r.ZoneID)
		}
		res, err := rs.Resolve(r.ZoneKind, r.Subzone, category, facts, asOf)
		if err != nil {
			return Verdict{}, fmt.Errorf("layer %q, zone %q: %w", r.Layer, r.ZoneID, err)
		}
		rule := res.Rule
		h := Hit{Relation: r, Effect: rule.Effect, RuleID: rule.ID, Citations: rule.Citations, OpenFacts: res.Open}
		if h.Citations == nil {
			h.Citations = []Citation{}
		}
		if rule.Condition != (Text{}) {
			c := rule.Condition
			h.Condition = &c
		}
		if Severity(rule.Effect) < 0 {
			return Verdict{}, fmt.Errorf("%w: rule %q has effect %q", ErrNoRule, rule.ID, rule.Effect)
		}
		if Severity(rule.Effect) > Severity(worst) {
			worst = rule.Effect
		}
		RoundMeasures(&h.Relation)
		v.Hits = append(v.Hits, h)
	}
	slices.SortStableFunc(v.Hits, compareHits)
	v.Verdict = worst
	if len(v.Hits) > 0 {
		v.DecidingRule = v.Hits[0].RuleID
	}
	if !rel.Coverage.Whole {
		pct := percentDown(rel.Coverage.InsideRatio)
		v.Notes = append(v.Notes, Text{
			ZH: "地块部分位于钟楼区范围外，仅对区内部分作出判定（区内占比 " + pct + "%）",
			EN: "The site lies partly outside Zhonglou District; only the part inside is judged (" + pct + "% of the site inside).",
		})
	}
	v.Coverage.InsideRatio = RoundRatio(v.Coverage.InsideRatio)
	return v, nil
}

// compareHits orders hits by severity (most severe first), then layer, zone
// and the remaining fields, so that the same relations in any order give the
// same verdict.
func compareHits(a, b Hit) int {
	return cmp.Or(
		cmp.Compare(Severity(b.Effect), Severity(a.Effect)),
		cmp.Compare(a.Layer, b.Layer),
		cmp.Compare(a.ZoneID, b.ZoneID),
		cmp.Compare(a.Subzone, b.Subzone),
		cmp.Compare(a.RuleID, b.RuleID),
		cmp.Compare(a.Relation.Relation, b.Relation.Relation),
		cmp.Compare(a.DistanceM, b.DistanceM),
		cmp.Compare(a.OverlapM2, b.OverlapM2),
		cmp.Compare(a.LayerVersion, b.LayerVersion),
	)
}

// percentDown formats a share as a percentage rounded down to one decimal,
// so that a site partly outside never reads "100".
func percentDown(ratio float64) string {
	if math.IsNaN(ratio) || ratio < 0 {
		ratio = 0
	}
	p := math.Floor(ratio*1000+1e-6) / 10
	if p > 99.9 {
		p = 99.9
	}
	return strconv.FormatFloat(p, 'f', -1, 64)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
