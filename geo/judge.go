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

// ErrBadRelation: a store handed Judge a relation it cannot judge (no zone
// kind). It is a programming error, never the caller's.
var ErrBadRelation = errors.New("geo: relation cannot be judged")

// Hit is one zone a site meets, with the rule that applies there.
type Hit struct {
	Relation
	Effect    string   `json:"effect"`
	RuleID    string   `json:"rule_id"`
	Condition *Text    `json:"condition,omitempty"`
	Citation  Citation `json:"citation"`
}

// Verdict is the answer to a siting check.
type Verdict struct {
	Verdict      string         `json:"verdict"` // prohibited | restricted | allowed | outside_coverage
	Category     string         `json:"category"`
	Hits         []Hit          `json:"hits"`
	Coverage     Coverage       `json:"coverage"`
	Notes        []Text         `json:"notes,omitempty"`
	RulesVersion string         `json:"rules_version"`
	Layers       []LayerVersion `json:"layers"`
	AsOf         Date           `json:"as_of"`
}

// Judge applies the rules in force on the day of asOf to a site's relations
// for a project category. The verdict is the most severe effect over the
// hits, allowed when there are none, and outside_coverage when no part of the
// site lies in the district. It fails closed: any relation or rule it cannot
// resolve is an error, and an error never comes with a verdict.
func Judge(rs *RuleSet, rel Relations, category string, asOf time.Time) (Verdict, error) {
	if rs == nil {
		return Verdict{}, fmt.Errorf("%w: no rule set", ErrNoRule)
	}
	if _, ok := rs.Category(category); !ok {
		return Verdict{}, fmt.Errorf("%w %q: valid categories are %s", ErrUnknownCategory, category, strings.Join(rs.CategoryIDs(), ", "))
	}
	day := DateOf(asOf)
	if !rs.Covers(asOf) {
		return Verdict{}, fmt.Errorf("%w: as_of %s is before %s, the first day rules version %s answers for", ErrNotCovered, day, rs.ValidFrom, rs.Version)
	}
	v := Verdict{
		Category:     category,
		Hits:         []Hit{},
		Coverage:     rel.Coverage,
		RulesVersion: rs.Version,
		Layers:       append([]LayerVersion{}, rel.Layers...),
		AsOf:         day,
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
		rule, err := rs.Lookup(r.ZoneKind, r.Subzone, category, asOf)
		if err != nil {
			return Verdict{}, fmt.Errorf("layer %q, zone %q: %w", r.Layer, r.ZoneID, err)
		}
		h := Hit{Relation: r, Effect: rule.Effect, RuleID: rule.ID, Citation: rule.Citation}
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
		v.Hits = append(v.Hits, h)
	}
	slices.SortStableFunc(v.Hits, compareHits)
	v.Verdict = worst
	if !rel.Coverage.Whole {
		pct := percentDown(rel.Coverage.InsideRatio)
		v.Notes = append(v.Notes, Text{
			ZH: "地块部分位于钟楼区范围外，仅对区内部分作出判定（区内占比 " + pct + "%）",
			EN: "The site lies partly outside Zhonglou District; only the part inside is judged (" + pct + "% of the site inside).",
		})
	}
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
