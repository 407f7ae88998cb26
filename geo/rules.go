package geo

import (
	"errors"
	"fmt"
	"slices"
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

// Citation statuses: verified where the quoted text was read in the official
// text (or a faithful quotation of it), to_verify where the rule is a working
// assumption.
const (
	StatusVerified = "verified"
	StatusToVerify = "to_verify"
)

// ErrNoRule is wrapped by Lookup's errors: no rule answers for the zone kind,
// subzone, category and day asked. For a validated rule set and a day it
// covers this means the caller passed a key the rules do not know.
var ErrNoRule = errors.New("geo: no rule")

// Document is a regulation or plan that citations name.
type Document struct {
	ID            string `json:"id"`
	Title         string `json:"title"` // full Chinese name and number
	EffectiveFrom Date   `json:"effective_from"`
	EffectiveTo   *Date  `json:"effective_to,omitempty"` // inclusive; nil: open
	DatesStatus   string `json:"dates_status"`           // verified | to_verify
}

// Category is a kind of project a siting check asks about.
type Category struct {
	ID          string `json:"id"`
	Name        Text   `json:"name"`
	Description Text   `json:"description"`
}

// ZoneKind is what the rules see of a zone: a key that layers name in their
// zone_kind, with optional subzones (e.g. the canal core zone's built-up
// area). A zone kind with subzones is only judged per subzone.
type ZoneKind struct {
	ID       string          `json:"id"`
	Name     Text            `json:"name"`
	Subzones map[string]Text `json:"subzones,omitempty"`
}

// Citation is the legal basis of a rule.
type Citation struct {
	Document string      `json:"document"` // id into RuleSet.Documents
	Title    string      `json:"title"`    // the document's title, filled in by ParseRules
	Article  string      `json:"article"`  // e.g. 第三条; "" if not known
	Quote    string      `json:"quote"`    // short quote in Chinese
	Status   string      `json:"status"`   // verified | to_verify
	SeeAlso  []Reference `json:"see_also,omitempty"`
}

// Reference is a further basis of a rule besides its primary citation.
type Reference struct {
	Document string `json:"document"`
	Title    string `json:"title"`
	Quote    string `json:"quote,omitempty"`
}

// Rule says what a project category meets in a zone kind (and subzone)
// during its period of effect.
type Rule struct {
	ID            string   `json:"id"`
	ZoneKind      string   `json:"zone_kind"`
	Subzone       string   `json:"subzone,omitempty"`
	Category      string   `json:"category"`
	Effect        string   `json:"effect"`
	Condition     Text     `json:"condition,omitzero"` // restricted: what the applicant must still show
	Citation      Citation `json:"citation"`
	EffectiveFrom Date     `json:"effective_from"`
	EffectiveTo   *Date    `json:"effective_to,omitempty"` // inclusive; nil: open
}

// InForce reports whether the rule is in force on the day of asOf.
func (r *Rule) InForce(asOf time.Time) bool {
	return DateOf(asOf).inRange(r.EffectiveFrom, r.EffectiveTo)
}

// RuleSet is a parsed and validated rules file.
type RuleSet struct {
	Version    string     `json:"version"`
	ValidFrom  Date       `json:"valid_from"` // earliest as_of the rules answer for
	Documents  []Document `json:"documents"`
	Categories []Category `json:"categories"`
	ZoneKinds  []ZoneKind `json:"zone_kinds"`
	Rules      []Rule     `json:"rules"`

	docs     map[string]int
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
	ids := make([]string, len(rs.Categories))
	for i, c := range rs.Categories {
		ids[i] = c.ID
	}
	return ids
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

// Lookup returns the rule in force on the day of asOf for a zone kind,
// subzone ("" for zone kinds without subzones) and category. The error wraps
// ErrNoRule (and ErrUnknownCategory for an unknown category).
func (rs *RuleSet) Lookup(zoneKind, subzone, category string, asOf time.Time) (Rule, error) {
	if _, ok := rs.kinds[zoneKind]; !ok {
		return Rule{}, fmt.Errorf("%w: unknown zone kind %q", ErrNoRule, zoneKind)
	}
	subs := rs.subzones[zoneKind]
	switch {
	case len(subs) == 0 && subzone != "":
		return Rule{}, fmt.Errorf("%w: zone kind %q has no subzones, got subzone %q", ErrNoRule, zoneKind, subzone)
	case len(subs) > 0 && subzone == "":
		return Rule{}, fmt.Errorf("%w: zone kind %q is judged per subzone (one of %s), got none", ErrNoRule, zoneKind, strings.Join(subs, ", "))
	case len(subs) > 0 && !slices.Contains(subs, subzone):
		return Rule{}, fmt.Errorf("%w: zone kind %q has no subzone %q (one of %s)", ErrNoRule, zoneKind, subzone, strings.Join(subs, ", "))
	}
	if _, ok := rs.cats[category]; !ok {
		return Rule{}, fmt.Errorf("%w: %w %q", ErrNoRule, ErrUnknownCategory, category)
	}
	c := ruleCell{zoneKind, subzone, category}
	day := DateOf(asOf)
	for _, i := range rs.cells[c] {
		r := &rs.Rules[i]
		if day.inRange(r.EffectiveFrom, r.EffectiveTo) {
			return *r, nil
		}
	}
	return Rule{}, fmt.Errorf("%w: no rule for %s in force on %s", ErrNoRule, c, day)
}
