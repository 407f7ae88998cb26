package check

import (
	"context"
	"slices"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Diff is what differs between a filed decision and the same check judged
// at another point of the two times (GET /api/v1/checks/{id}/diff).
type Diff struct {
	CheckID string `json:"check_id"`
	// Before is the filed decision (judged again from its stored input,
	// with its hash verified); After the same check at After's as_of and
	// known_at.
	Before DiffSide `json:"before"`
	After  DiffSide `json:"after"`
	// Changed: the verdict or the deciding rule differs.
	Changed bool `json:"changed"`
	// Hits lists the hits added, removed or changed, by layer and zone.
	Hits []HitDiff `json:"hits"`
	// Causes are the layer and rules versions that differ between the two
	// sides, each with the version before.
	Causes []Cause `json:"causes"`
}

// DiffSide is one side of a diff.
type DiffSide struct {
	AsOf         geo.Date           `json:"as_of"`
	KnownAt      time.Time          `json:"known_at"`
	Verdict      string             `json:"verdict"`
	DecidingRule string             `json:"deciding_rule,omitempty"`
	RulesVersion string             `json:"rules_version"`
	DecisionHash string             `json:"decision_hash"`
	Layers       []geo.LayerVersion `json:"layers"`
}

// HitState is a hit as one side has it.
type HitState struct {
	LayerVersion int64   `json:"layer_version"`
	Relation     string  `json:"relation"`
	DistanceM    float64 `json:"distance_m"`
	Effect       string  `json:"effect"`
	RuleID       string  `json:"rule_id"`
}

// HitDiff is one hit that differs: added (only after), removed (only
// before) or changed (relation, distance, effect or rule).
type HitDiff struct {
	Change string    `json:"change"` // added | removed | changed
	Layer  string    `json:"layer"`
	ZoneID string    `json:"zone_id"`
	Before *HitState `json:"before,omitempty"`
	After  *HitState `json:"after,omitempty"`
	// CausedBy names what made the difference: the layer's version after
	// (kind layer) when the layer's version differs, else the rules
	// version after (kind rules: another day's rules, or another rules
	// version).
	CausedBy Cause `json:"caused_by"`
}

// Cause is a layer version or a rules version that a diff's difference
// comes from, with the one it replaced (absent when the layer had none).
type Cause struct {
	Kind string `json:"kind"` // layer | rules
	// Layer and Version name a layer version (kind layer), RulesVersion a
	// rules version (kind rules).
	Layer        string    `json:"layer,omitempty"`
	Version      int64     `json:"version,omitempty"`
	RulesVersion string    `json:"rules_version,omitempty"`
	ValidFrom    geo.Date  `json:"valid_from"`
	RecordedAt   time.Time `json:"recorded_at"`
	// WasVersion / WasRulesVersion: the version the other side had (absent
	// when the layer had none there).
	WasVersion      int64  `json:"was_version,omitempty"`
	WasRulesVersion string `json:"was_rules_version,omitempty"`
}

// Diff judges a filed check again from its stored input, verifies the
// replay (a mismatch is a *ReplayError), and again at at (zero AsOf: the
// filing's as_of; zero KnownAt: now), and says what differs.
func (c *Checker) Diff(ctx context.Context, rec *data.CheckRecord, at data.At) (*Diff, error) {
	rp, err := c.Replay(ctx, rec)
	if err != nil {
		return nil, err
	}
	in, err := c.InputOf(rec)
	if err != nil {
		return nil, err
	}
	if !at.AsOf.IsZero() {
		in.AsOf = data.DateOf(at.AsOf)
	}
	in.KnownAt = at.KnownAt
	if in.KnownAt.IsZero() {
		in.KnownAt = c.now()
	}
	in.KnownAt = in.KnownAt.UTC().Truncate(data.RecordedPrecision)
	after, err := c.decide(ctx, in)
	if err != nil {
		return nil, err
	}
	rules, err := c.RulesRecorded(ctx)
	if err != nil {
		return nil, err
	}
	return diffOf(rec.ID, rp.Response, after, rules), nil
}

func sideOf(r *Response) DiffSide {
	ls := r.Layers
	if ls == nil {
		ls = []geo.LayerVersion{}
	}
	return DiffSide{AsOf: r.AsOf, KnownAt: r.KnownAt, Verdict: r.Verdict, DecidingRule: r.DecidingRule,
		RulesVersion: r.RulesVersion, DecisionHash: r.DecisionHash, Layers: ls}
}

func stateOf(h geo.Hit) *HitState {
	return &HitState{LayerVersion: h.LayerVersion, Relation: h.Relation.Relation, DistanceM: geo.RoundDistance(h.DistanceM), Effect: h.Effect, RuleID: h.RuleID}
}

// diffOf compares two judgements of one check. rules is the rules version
// the checker runs (both sides are judged with it: a replay under another
// is refused).
func diffOf(id string, before, after *Response, rules data.RulesVersion) *Diff {
	d := &Diff{CheckID: id, Before: sideOf(before), After: sideOf(after), Hits: []HitDiff{}, Causes: []Cause{}}
	d.Changed = before.Verdict != after.Verdict || before.DecidingRule != after.DecidingRule
	was := map[string]geo.LayerVersion{}
	for _, l := range before.Layers {
		was[l.ID] = l
	}
	layerCause := map[string]Cause{}
	for _, l := range after.Layers {
		w, ok := was[l.ID]
		if ok && w.Version == l.Version {
			continue
		}
		cs := Cause{Kind: "layer", Layer: l.ID, Version: l.Version, ValidFrom: l.ValidFrom, RecordedAt: l.RecordedAt}
		if ok {
			cs.WasVersion = w.Version
		}
		layerCause[l.ID] = cs
		d.Causes = append(d.Causes, cs)
	}
	rulesCause := Cause{Kind: "rules", RulesVersion: rules.Version, ValidFrom: rules.ValidFrom, RecordedAt: rules.RecordedAt}
	if before.RulesVersion != after.RulesVersion {
		rulesCause.WasRulesVersion = before.RulesVersion
		d.Causes = append(d.Causes, rulesCause)
	}
	type key struct{ layer, zone string }
	hb, ha := map[key]geo.Hit{}, map[key]geo.Hit{}
	var keys []key
	for _, h := range before.Hits {
		k := key{h.Layer, h.ZoneID}
		hb[k] = h
		keys = append(keys, k)
	}
	for _, h := range after.Hits {
		k := key{h.Layer, h.ZoneID}
		ha[k] = h
		if _, ok := hb[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.layer != b.layer {
			return compareStrings(a.layer, b.layer)
		}
		return compareStrings(a.zone, b.zone)
	})
	for _, k := range keys {
		b, inB := hb[k]
		a, inA := ha[k]
		hd := HitDiff{Layer: k.layer, ZoneID: k.zone}
		switch {
		case inB && !inA:
			hd.Change, hd.Before = "removed", stateOf(b)
		case inA && !inB:
			hd.Change, hd.After = "added", stateOf(a)
		default:
			sb, sa := stateOf(b), stateOf(a)
			same := *sa
			same.LayerVersion = sb.LayerVersion
			if same == *sb {
				continue // the same hit, whatever version holds the zone now
			}
			hd.Change, hd.Before, hd.After = "changed", sb, sa
		}
		if cs, ok := layerCause[k.layer]; ok {
			hd.CausedBy = cs
		} else {
			hd.CausedBy = rulesCause
		}
		d.Hits = append(d.Hits, hd)
	}
	return d
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
