package geo

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// complete checks every zone kind (× subzone) × category: on every day
// from ValidFrom on, the rules in force cover every combination of the
// facts named in their `when`s exactly once, and declaring a fact true
// never makes the rule that applies less severe. The second is what lets
// Judge answer an undeclared fact with the least severe rule it could
// give: that is then the strictest verdict that is certain.
func (p *rulesParser) complete() error {
	rs := p.rs
	for _, z := range rs.ZoneKinds {
		subs := rs.subzones[z.ID]
		if len(subs) == 0 {
			subs = []string{""}
		}
		for _, sub := range subs {
			for _, cat := range rs.Categories {
				if err := p.completeCell(ruleCell{z.ID, sub, cat.ID}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (p *rulesParser) completeCell(c ruleCell) error {
	rs := p.rs
	idxs := rs.cells[c]
	if len(idxs) == 0 {
		return errAt(p.rulesKey, "cell %s has no rule: every zone kind (× subzone) × category needs one in force on every day from valid_from %s", c, rs.ValidFrom)
	}
	// The days on which the set of rules in force can change.
	days := []Date{rs.ValidFrom}
	for _, i := range idxs {
		r := &rs.Rules[i]
		days = append(days, r.EffectiveFrom)
		if r.EffectiveTo != nil {
			days = append(days, r.EffectiveTo.addDays(1))
		}
	}
	slices.SortFunc(days, func(a, b Date) int { return a.Compare(b.Time) })
	days = slices.CompactFunc(days, func(a, b Date) bool { return a.Equal(b.Time) })
	for _, d := range days {
		if d.Before(rs.ValidFrom.Time) {
			continue
		}
		var inForce []int
		var names []string
		for _, i := range idxs {
			r := &rs.Rules[i]
			if d.inRange(r.EffectiveFrom, r.EffectiveTo) {
				inForce = append(inForce, i)
				for f := range r.When {
					if !slices.Contains(names, f) {
						names = append(names, f)
					}
				}
			}
		}
		sort.Strings(names)
		if err := p.completeDay(c, d, idxs, inForce, names); err != nil {
			return err
		}
	}
	return nil
}

// completeDay checks one day on which the rules in force (inForce, naming
// the facts names) stay the same until the next day that completeCell
// looks at.
func (p *rulesParser) completeDay(c ruleCell, d Date, idxs, inForce []int, names []string) error {
	rs := p.rs
	n := 1 << len(names)
	at := make([]int, n) // rule index for each combination; bit j set: names[j] is true
	env := map[string]bool{}
	for k := range n {
		for j, f := range names {
			env[f] = k&(1<<j) != 0
		}
		at[k] = -1
		for _, i := range inForce {
			if !rs.Rules[i].matches(env) {
				continue
			}
			if at[k] >= 0 {
				a, b := &rs.Rules[at[k]], &rs.Rules[i]
				return errAt(p.ruleNodes[i].from, "cell %s: rules %q (line %d) and %q are both in force on %s%s", c, a.ID, p.ruleNodes[at[k]].node.Line, b.ID, d, factsSuffix(env, names))
			}
			at[k] = i
		}
		if at[k] < 0 {
			return p.gapError(c, d, idxs, env, names)
		}
	}
	for k := range n {
		for j, f := range names {
			if k&(1<<j) != 0 {
				continue
			}
			lo, hi := &rs.Rules[at[k]], &rs.Rules[at[k|1<<j]]
			if Severity(hi.Effect) < Severity(lo.Effect) {
				return errAt(p.ruleNodes[at[k|1<<j]].node, "cell %s on %s: with %s true rule %q is %s, less severe than %q (%s) with it false; a fact may only add to a project's duties (phrase it the other way round)", c, d, f, hi.ID, hi.Effect, lo.ID, lo.Effect)
			}
		}
	}
	return nil
}

// gapError says which day (and which facts) no rule of cell c covers,
// naming the rules before and after the gap when there are any.
func (p *rulesParser) gapError(c ruleCell, d Date, idxs []int, env map[string]bool, names []string) error {
	rs := p.rs
	facts := factsSuffix(env, names)
	var prev, next = -1, -1
	for _, i := range idxs {
		r := &rs.Rules[i]
		if !consistent(r.When, env) {
			continue
		}
		if r.EffectiveTo != nil && r.EffectiveTo.Before(d.Time) && (prev < 0 || r.EffectiveTo.After(rs.Rules[prev].EffectiveTo.Time)) {
			prev = i
		}
		if r.EffectiveFrom.After(d.Time) && (next < 0 || r.EffectiveFrom.Before(rs.Rules[next].EffectiveFrom.Time)) {
			next = i
		}
	}
	switch {
	case prev < 0 && next >= 0 && d.Equal(rs.ValidFrom.Time):
		n := &rs.Rules[next]
		return errAt(p.ruleNodes[next].from, "cell %s: no rule in force on %s (valid_from)%s; the first, %q, starts %s", c, d, facts, n.ID, n.EffectiveFrom)
	case prev >= 0 && next >= 0:
		pr, n := &rs.Rules[prev], &rs.Rules[next]
		return errAt(p.ruleNodes[next].from, "cell %s: no rule in force on %s%s: %q ends %s and %q starts %s", c, d, facts, pr.ID, pr.EffectiveTo, n.ID, n.EffectiveFrom)
	case prev >= 0:
		pr := &rs.Rules[prev]
		return errAt(p.ruleNodes[prev].to, "cell %s: no rule in force on %s%s: the last, %q, ends %s and none follows", c, d, facts, pr.ID, pr.EffectiveTo)
	}
	return errAt(p.ruleNodes[idxs[0]].node, "cell %s: no rule in force on %s%s", c, d, facts)
}

// consistent reports whether a rule's facts agree with env where both
// name a fact.
func consistent(when, env map[string]bool) bool {
	for f, v := range when {
		if e, ok := env[f]; ok && e != v {
			return false
		}
	}
	return true
}

func factsSuffix(env map[string]bool, names []string) string {
	if len(names) == 0 {
		return ""
	}
	parts := make([]string, len(names))
	for i, f := range names {
		parts[i] = fmt.Sprintf("%s: %t", f, env[f])
	}
	return " for facts {" + strings.Join(parts, ", ") + "}"
}
