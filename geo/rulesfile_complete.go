package geo

// complete checks that every zone kind (× subzone) × category has exactly
// one rule in force on every day from ValidFrom on, and that no two rules of
// a cell overlap at all.
func (p *rulesParser) complete() error {
	rs := p.rs
	for _, z := range rs.ZoneKinds {
		subs := rs.subzones[z.ID]
		if len(subs) == 0 {
			subs = []string{""}
		}
		for _, sub := range subs {
			for _, cat := range rs.Categories {
				c := ruleCell{z.ID, sub, cat.ID}
				if err := p.completeCell(c); err != nil {
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
	first := &rs.Rules[idxs[0]]
	if first.EffectiveFrom.After(rs.ValidFrom.Time) {
		return errAt(p.ruleNodes[idxs[0]].from, "cell %s: no rule in force on %s (valid_from); the first, %q, starts %s", c, rs.ValidFrom, first.ID, first.EffectiveFrom)
	}
	for k := 1; k < len(idxs); k++ {
		prev, next := &rs.Rules[idxs[k-1]], &rs.Rules[idxs[k]]
		nextNodes := p.ruleNodes[idxs[k]]
		if prev.EffectiveTo == nil || !next.EffectiveFrom.After(prev.EffectiveTo.Time) {
			return errAt(nextNodes.from, "cell %s: rules %q (line %d) and %q are both in force on %s", c, prev.ID, p.ruleNodes[idxs[k-1]].node.Line, next.ID, next.EffectiveFrom)
		}
		gap := prev.EffectiveTo.addDays(1)
		if next.EffectiveFrom.After(gap.Time) && next.EffectiveFrom.After(rs.ValidFrom.Time) {
			if gap.Before(rs.ValidFrom.Time) {
				gap = rs.ValidFrom
			}
			return errAt(nextNodes.from, "cell %s: no rule in force on %s: %q ends %s and %q starts %s", c, gap, prev.ID, prev.EffectiveTo, next.ID, next.EffectiveFrom)
		}
	}
	last := &rs.Rules[idxs[len(idxs)-1]]
	if last.EffectiveTo != nil {
		gap := last.EffectiveTo.addDays(1)
		if gap.Before(rs.ValidFrom.Time) {
			gap = rs.ValidFrom
		}
		return errAt(p.ruleNodes[idxs[len(idxs)-1]].to, "cell %s: no rule in force on %s: the last, %q, ends %s and none follows", c, gap, last.ID, last.EffectiveTo)
	}
	return nil
}
