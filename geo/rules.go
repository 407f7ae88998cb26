package geo

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Effects of a rule, from least to most severe, and the verdict for a site
// outside the district.
const (
	EffectAllowed          = "allowed"
	EffectRestricted       = "restricted"
	EffectProhibited       = "prohibited"
	VerdictOutsideCoverage = "outside_coverage"
)

// Document date statuses: were a document's dates read in it (verified)
// or are they an assumption (to_verify)?
const (
	StatusVerified = "verified"
	StatusToVerify = "to_verify"
)

// A citation has two statuses. QuoteStatus: were the quoted words read in
// the named text (read) or not (to_verify)? Application: does the text
// itself name the place and the act (settled), is reaching this zone and
// project a reading of it (interpretation), or is that not known yet
// (to_verify)?
const (
	QuoteRead                 = "read"
	QuoteToVerify             = "to_verify"
	ApplicationSettled        = "settled"
	ApplicationInterpretation = "interpretation"
	ApplicationToVerify       = "to_verify"
)

// ErrNoRule is wrapped by Resolve's errors: no rule answers for the zone
// kind, subzone, category and day asked. For a validated rule set and a day
// it covers this means the caller passed a key the rules do not know.
var ErrNoRule = errors.New("geo: no rule")

// Document is a regulation or plan that citations name.
type Document struct {
	ID            string `json:"id"`
	Title         string `json:"title"` // full Chinese name and number
	EffectiveFrom Date   `json:"effective_from"`
	EffectiveTo   *Date  `json:"effective_to,omitempty"` // inclusive; nil: open
	DatesStatus   string `json:"dates_status"`           // verified | to_verify
	// ReadIn says where the full text was read ("" if it was not read).
	ReadIn string `json:"read_in"`
}

// Fact is something a check may declare about the project (a boolean),
// on which rules may depend: does it discharge pollutants to water, store
// hazardous chemicals, …
type Fact struct {
	ID       string `json:"id"`
	Name     Text   `json:"name"`
	Question Text   `json:"question"`
}

// Category is a kind of project a siting check asks about. Description is
// the one-line scope a permit officer applies; Facts are the facts any rule
// of the category turns on (the questions a check may be asked).
type Category struct {
	ID          string   `json:"id"`
	Name        Text     `json:"name"`
	Description Text     `json:"description"`
	Facts       []string `json:"facts"`
}

// ZoneKind is what the rules see of a zone: a key that layers name in their
// zone_kind, with optional subzones (e.g. the canal core zone's built-up
// area). A zone kind with subzones is only judged per subzone.
type ZoneKind struct {
	ID       string          `json:"id"`
	Name     Text            `json:"name"`
	Subzones map[string]Text `json:"subzones,omitempty"`
}

// Absent is a layer known not to exist in the district (no ecological red
// line, no centralised drinking-water source), stated in every answer with
// the plan's words.
type Absent struct {
	ID       string   `json:"id"`
	Name     Text     `json:"name"`
	Citation Citation `json:"citation"`
}

// Citation is one legal basis of a rule: the document, article and item,
// the verbatim quote, where the text was read and the quote's and the
// application's status; Note says why, when either is not read/settled.
type Citation struct {
	Document    string `json:"document"` // id into RuleSet.Documents
	Title       string `json:"title"`    // the document's title, filled in by ParseRules
	Article     string `json:"article"`  // e.g. 第三十条; "" if not known
	Item        string `json:"item"`     // e.g. （五）; "" when the article has none
	Quote       string `json:"quote"`    // verbatim, in Chinese
	ReadIn      string `json:"read_in"`  // the document's read_in, filled in by ParseRules
	QuoteStatus string `json:"quote_status"`
	Application string `json:"application"`
	Note        Text   `json:"note,omitzero"`
}

// Rule says what the categories meet in a zone kind (and subzones) during
// its period of effect, for the projects whose declared facts match When.
// Its first citation is the deciding one.
type Rule struct {
	ID            string          `json:"id"`
	ZoneKind      string          `json:"zone_kind"`
	Subzones      []string        `json:"subzones,omitempty"`
	Categories    []string        `json:"categories"`
	When          map[string]bool `json:"when,omitempty"`
	Effect        string          `json:"effect"`
	Condition     Text            `json:"condition,omitzero"` // restricted: what the applicant must still show
	Citations     []Citation      `json:"citations"`
	EffectiveFrom Date            `json:"effective_from"`
	EffectiveTo   *Date           `json:"effective_to,omitempty"` // inclusive; nil: open
}

// InForce reports whether the rule is in force on the day of asOf.
func (r *Rule) InForce(asOf time.Time) bool {
	return DateOf(asOf).inRange(r.EffectiveFrom, r.EffectiveTo)
}

// matches reports whether the rule applies to a project with these facts.
// Every fact the rule names must be in facts.
func (r *Rule) matches(facts map[string]bool) bool {
	for f, v := range r.When {
		if got, ok := facts[f]; !ok || got != v {
			return false
		}
	}
	return true
}

// RuleSet is a parsed and validated rules file.
type RuleSet struct {
	Version    string     `json:"version"`
	ValidFrom  Date       `json:"valid_from"` // earliest as_of the rules answer for
	Documents  []Document `json:"documents"`
	Facts      []Fact     `json:"facts"`
	Categories []Category `json:"categories"`
	ZoneKinds  []ZoneKind `json:"zone_kinds"`
	Absent     []Absent   `json:"absent"`
	Rules      []Rule     `json:"rules"`

	docs     map[string]int
	facts    map[string]int
	cats     map[string]int
	kinds    map[string]int
	subzones map[string][]string // zone kind → subzone ids in file order
	cells    map[ruleCell][]int  // → indexes into Rules, by EffectiveFrom
}

type ruleCell struct{ kind, sub, cat string }

func (c ruleCell) String() string {
	if c.sub == "" {
		return c.kind + "/" + c.cat
	}
	return c.kind + "/" + c.sub + "/" + c.cat
}

// Severity orders effects: allowed 0 < restricted 1 < prohibited 2; -1 for
// anything else.
func Severity(effect string) int {
	switch effect {
	case EffectAllowed:
		return 0
	case EffectRestricted:
		return 1
	case EffectProhibited:
		return 2
	}
	return -1
}

// Covers reports whether the rules answer for the day of asOf.
func (rs *RuleSet) Covers(asOf time.Time) bool {
	return !DateOf(asOf).Before(rs.ValidFrom.Time)
}

// Category returns the category with the given id.
func (rs *RuleSet) Category(id string) (Category, bool) {
	i, ok := rs.cats[id]
	if !ok {
		return Category{}, false
	}
	return rs.Categories[i], true
}

// CategoryIDs returns the category ids in file order.
func (rs *RuleSet) CategoryIDs() []string {
	return idsOf(rs.Categories, func(c Category) string { return c.ID })
}

// Fact returns the fact with the given id.
func (rs *RuleSet) Fact(id string) (Fact, bool) {
	i, ok := rs.facts[id]
	if !ok {
		return Fact{}, false
	}
	return rs.Facts[i], true
}

// FactIDs returns the fact ids in file order.
func (rs *RuleSet) FactIDs() []string {
	return idsOf(rs.Facts, func(f Fact) string { return f.ID })
}

// Document returns the document with the given id.
func (rs *RuleSet) Document(id string) (Document, bool) {
	i, ok := rs.docs[id]
	if !ok {
		return Document{}, false
	}
	return rs.Documents[i], true
}

// ZoneKind returns the zone kind with the given id.
func (rs *RuleSet) ZoneKind(id string) (ZoneKind, bool) {
	i, ok := rs.kinds[id]
	if !ok {
		return ZoneKind{}, false
	}
	return rs.ZoneKinds[i], true
}

// SubzoneIDs returns a zone kind's subzone ids in file order (none for a
// zone kind without subzones).
func (rs *RuleSet) SubzoneIDs(kind string) []string {
	return slices.Clone(rs.subzones[kind])
}

// RulesAsOf returns the rules in force on the day of asOf, in file order.
func (rs *RuleSet) RulesAsOf(asOf time.Time) []Rule {
	var out []Rule
	for i := range rs.Rules {
		if rs.Rules[i].InForce(asOf) {
			out = append(out, rs.Rules[i])
		}
	}
	return out
}

// checkCell checks a zone kind, subzone ("" for zone kinds without
// subzones) and category against the rule set.
func (rs *RuleSet) checkCell(zoneKind, subzone, category string) error {
	if _, ok := rs.kinds[zoneKind]; !ok {
		return fmt.Errorf("%w: unknown zone kind %q", ErrNoRule, zoneKind)
	}
	subs := rs.subzones[zoneKind]
	switch {
	case len(subs) == 0 && subzone != "":
		return fmt.Errorf("%w: zone kind %q has no subzones, got subzone %q", ErrNoRule, zoneKind, subzone)
	case len(subs) > 0 && subzone == "":
		return fmt.Errorf("%w: zone kind %q is judged per subzone (one of %s), got none", ErrNoRule, zoneKind, strings.Join(subs, ", "))
	case len(subs) > 0 && !slices.Contains(subs, subzone):
		return fmt.Errorf("%w: zone kind %q has no subzone %q (one of %s)", ErrNoRule, zoneKind, subzone, strings.Join(subs, ", "))
	}
	if _, ok := rs.cats[category]; !ok {
		return fmt.Errorf("%w: %w %q", ErrNoRule, ErrUnknownCategory, category)
	}
	return nil
}

// CellRules returns the rules in force on the day of asOf for a zone kind,
// subzone ("" for zone kinds without subzones) and category: one rule, or
// one per combination of the facts they name. The error wraps ErrNoRule
// (and ErrUnknownCategory for an unknown category).
func (rs *RuleSet) CellRules(zoneKind, subzone, category string, asOf time.Time) ([]*Rule, error) {
	if err := rs.checkCell(zoneKind, subzone, category); err != nil {
		return nil, err
	}
	c := ruleCell{zoneKind, subzone, category}
	day := DateOf(asOf)
	var out []*Rule
	for _, i := range rs.cells[c] {
		if r := &rs.Rules[i]; day.inRange(r.EffectiveFrom, r.EffectiveTo) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no rule for %s in force on %s", ErrNoRule, c, day)
	}
	return out, nil
}

// Resolution is what a cell's rules say for a project with some of its
// facts declared: the rule that applies, or, when it turns on facts not
// declared, the least severe rule they could give (the strictest effect
// that is certain) and the undeclared facts whose answer would change it.
type Resolution struct {
	Rule *Rule
	// Open lists the undeclared facts (sorted) whose answer can change
	// the effect; empty when the effect is certain.
	Open []string
}

// Resolve applies the rules in force on the day of asOf in a cell to a
// project with the declared facts. The undeclared facts the cell's rules
// name are tried in every combination (facts sorted by id, true before
// false); the resolution is the first least severe rule met.
func (rs *RuleSet) Resolve(zoneKind, subzone, category string, facts map[string]bool, asOf time.Time) (Resolution, error) {
	rules, err := rs.CellRules(zoneKind, subzone, category, asOf)
	if err != nil {
		return Resolution{}, err
	}
	var open []string
	for _, r := range rules {
		for f := range r.When {
			if _, ok := facts[f]; !ok && !slices.Contains(open, f) {
				open = append(open, f)
			}
		}
	}
	sort.Strings(open)
	env := make(map[string]bool, len(facts)+len(open))
	for f, v := range facts {
		env[f] = v
	}
	// effects[k] is the effect for combination k: bit j (from the top)
	// set means open[j] is false, so k = 0 is all true.
	n := 1 << len(open)
	effects := make([]int, n)
	var best *Rule
	for k := range n {
		for j, f := range open {
			env[f] = k&(1<<(len(open)-1-j)) == 0
		}
		var hit *Rule
		for _, r := range rules {
			if r.matches(env) {
				if hit != nil {
					return Resolution{}, fmt.Errorf("%w: rules %q and %q both apply to %s on %s", ErrNoRule, hit.ID, r.ID, ruleCell{zoneKind, subzone, category}, DateOf(asOf))
				}
				hit = r
			}
		}
		if hit == nil {
			return Resolution{}, fmt.Errorf("%w: no rule for %s on %s with facts %v", ErrNoRule, ruleCell{zoneKind, subzone, category}, DateOf(asOf), env)
		}
		effects[k] = Severity(hit.Effect)
		if best == nil || effects[k] < Severity(best.Effect) {
			best = hit
		}
	}
	res := Resolution{Rule: best}
	for j, f := range open {
		bit := 1 << (len(open) - 1 - j)
		for k := range n {
			if k&bit == 0 && effects[k] != effects[k|bit] {
				res.Open = append(res.Open, f)
				break
			}
		}
	}
	return res, nil
}
