package check

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// A filed decision must mean tomorrow what it meant when it was filed.
// The audit keeps everything it was judged from: the site as judged
// (lon/lat), the category, as_of, known_at and, in the filed document, the
// declared facts, the CRS and the rules version. Replay judges it again
// from them and must give the same decision hash; Rejudge judges it again
// as known at another time (what a new layer version changes); Diff says
// hit by hit what differs and which version caused it (diff.go).

// filed is what Replay reads back from a filed document besides the
// record's own columns.
type filed struct {
	Facts        map[string]bool    `json:"facts"`
	CRS          string             `json:"crs"`
	Verdict      string             `json:"verdict"`
	DecidingRule string             `json:"deciding_rule"`
	RulesVersion string             `json:"rules_version"`
	Hits         []filedHit         `json:"hits"`
	Layers       []geo.LayerVersion `json:"layers"`
}

type filedHit struct {
	Layer     string  `json:"layer"`
	ZoneID    string  `json:"zone_id"`
	Relation  string  `json:"relation"`
	DistanceM float64 `json:"distance_m"`
	Effect    string  `json:"effect"`
	RuleID    string  `json:"rule_id"`
}

// NotReplayableError: a filed check that cannot be judged again here, for
// a reason that is not lost data: it was filed before known_at was kept,
// or under a rules version this server does not run. Its Slug names the
// problem type.
type NotReplayableError struct {
	CheckID string
	Slug    string
	Detail  string
}

func (e *NotReplayableError) Error() string {
	return fmt.Sprintf("check %s cannot be replayed: %s", e.CheckID, e.Detail)
}

// ErrReplayMismatch: a replay did not reproduce the filed decision hash:
// the data it was judged from was lost or altered.
var ErrReplayMismatch = errors.New("check: replay does not reproduce the filed decision")

// ReplayError is a failed replay: the filed decision could not be judged
// again with what it was judged from (a layer version it used is gone:
// data lost) or was judged differently (data altered). It wraps
// ErrReplayMismatch, and the cause when there is one.
type ReplayError struct {
	CheckID      string
	DecisionHash string
	ReplayedHash string // "" when it could not be judged at all
	Cause        error
}

func (e *ReplayError) Error() string {
	if e.ReplayedHash == "" {
		return fmt.Sprintf("check %s (decision hash %s) cannot be judged again with what it was judged from: %v", e.CheckID, e.DecisionHash, e.Cause)
	}
	return fmt.Sprintf("check %s: the filed decision hash is %s, judged again it is %s: the data it was judged from was lost or altered", e.CheckID, e.DecisionHash, e.ReplayedHash)
}

func (e *ReplayError) Unwrap() []error {
	if e.Cause == nil {
		return []error{ErrReplayMismatch}
	}
	return []error{ErrReplayMismatch, e.Cause}
}

// readFiled reads the filed document's parts Replay needs.
func readFiled(rec *data.CheckRecord) (filed, error) {
	var f filed
	if err := json.Unmarshal(rec.Document, &f); err != nil {
		return f, fmt.Errorf("check %s: the filed document: %w", rec.ID, err)
	}
	return f, nil
}

// InputOf rebuilds a filed check's input: the site as judged, its
// category, declared facts and CRS, as_of and known_at. A check filed
// before known_at was kept, or under another rules version, is a
// *NotReplayableError.
func (c *Checker) InputOf(rec *data.CheckRecord) (*Input, error) {
	return c.inputOf(rec, false)
}

// inputOf is InputOf; with anyRules (re-evaluation) a check filed under
// another rules version, or before known_at was kept, is judged under
// this Checker's rules (its known_at is the caller's to set).
func (c *Checker) inputOf(rec *data.CheckRecord, anyRules bool) (*Input, error) {
	f, err := readFiled(rec)
	if err != nil {
		return nil, err
	}
	// Re-evaluation judges as known now whenever the check was filed, so
	// only a replay needs the filed knowledge time.
	if rec.KnownAt.IsZero() && !anyRules {
		return nil, &NotReplayableError{CheckID: rec.ID, Slug: "not-replayable",
			Detail: "it was filed before ecospace kept the knowledge time of a check (known_at), under decision hash " + geo.DecisionHashTag + "'s predecessor"}
	}
	if f.RulesVersion != c.rules.Version && !anyRules {
		return nil, &NotReplayableError{CheckID: rec.ID, Slug: "rules-version-not-loaded",
			Detail: fmt.Sprintf("it was decided under rules version %s and this server runs rules version %s; replay it on a server started with that rules file (--rules)", f.RulesVersion, c.rules.Version)}
	}
	cat, ok := c.rules.Category(rec.Category)
	if !ok {
		return nil, &NotReplayableError{CheckID: rec.ID, Slug: "rules-version-not-loaded",
			Detail: fmt.Sprintf("its category %q is not in rules version %s", rec.Category, c.rules.Version)}
	}
	site, err := geo.SiteFromLonLat(rec.Geometry)
	if err != nil {
		return nil, fmt.Errorf("check %s: the filed site: %w", rec.ID, err)
	}
	crs := geo.CRS(f.CRS)
	if crs == "" {
		crs = geo.CRS84
	}
	facts := f.Facts
	if len(facts) == 0 {
		facts = nil
	}
	return &Input{Site: site, Category: cat, CRS: crs, AsOf: data.DateOf(rec.AsOf), KnownAt: rec.KnownAt.UTC(), Reference: rec.Reference, Facts: facts}, nil
}

// Replayed is a filed decision judged again from its stored input.
type Replayed struct {
	// Response is the decision judged again (no check id or time).
	Response *Response
	// Match: its decision hash is the filed one.
	Match bool
}

// Replay judges a filed check again from its stored input, as_of and
// known_at. A hash that differs, or a judgement that cannot be made (a
// layer version it used is gone), is a *ReplayError: the data was lost
// or altered. A check that cannot be replayed here for another reason is
// a *NotReplayableError.
func (c *Checker) Replay(ctx context.Context, rec *data.CheckRecord) (*Replayed, error) {
	in, err := c.InputOf(rec)
	if err != nil {
		return nil, err
	}
	resp, err := c.decide(ctx, in)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) || errors.Is(err, data.ErrNoVersion) {
			// What was judged once can be judged again, unless what it
			// was judged from is gone.
			return nil, &ReplayError{CheckID: rec.ID, DecisionHash: rec.DecisionHash, Cause: err}
		}
		return nil, err
	}
	if resp.DecisionHash != rec.DecisionHash {
		return &Replayed{Response: resp}, &ReplayError{CheckID: rec.ID, DecisionHash: rec.DecisionHash, ReplayedHash: resp.DecisionHash}
	}
	return &Replayed{Response: resp, Match: true}, nil
}

// Rejudge judges a filed check again as known at knownAt (its own as_of),
// unfiled, and reports whether the answer changed: its verdict or its
// deciding rule differs from the filed one. It is what a new layer or
// rules version is measured by (the back-dated upload counts with it; the
// background re-evaluation calls it for each filed check a change
// touches).
func (c *Checker) Rejudge(ctx context.Context, rec *data.CheckRecord, knownAt time.Time) (*Response, bool, error) {
	return c.rejudge(ctx, rec, knownAt, false)
}

// Reevaluate is Rejudge under the rules this Checker runs, whichever
// rules version the check was filed under: what the background
// re-evaluation asks after a layer or rules version is recorded (would
// this filed decision come out differently now?). Replay and Rejudge
// refuse a check filed under another rules version, as they reproduce
// or measure the filed decision against its own rules; Reevaluate is how
// a new rules version reaches the decisions filed under the old one. A
// check filed before known_at was kept, or whose category the rules no
// longer have, is still a *NotReplayableError.
func (c *Checker) Reevaluate(ctx context.Context, rec *data.CheckRecord, knownAt time.Time) (*Response, bool, error) {
	return c.rejudge(ctx, rec, knownAt, true)
}

func (c *Checker) rejudge(ctx context.Context, rec *data.CheckRecord, knownAt time.Time, anyRules bool) (*Response, bool, error) {
	f, err := readFiled(rec)
	if err != nil {
		return nil, false, err
	}
	in, err := c.inputOf(rec, anyRules)
	if err != nil {
		return nil, false, err
	}
	in.KnownAt = knownAt.UTC().Truncate(data.RecordedPrecision)
	resp, err := c.decide(ctx, in)
	if err != nil {
		return nil, false, err
	}
	return resp, resp.Verdict != f.Verdict || resp.DecidingRule != f.DecidingRule, nil
}

// Changed counts the filed checks with as_of on or after from that
// Rejudge, as known at knownAt, answers differently: at most limit are
// judged (newest first is not promised: in check id order); more is true
// when checks were left unjudged, so that the count is a lower bound.
// Checks that cannot be replayed here (filed before known_at was kept, or
// under another rules version) are not counted.
func (c *Checker) Changed(ctx context.Context, from, knownAt time.Time, limit int) (n, judged int, more bool, err error) {
	q := data.CheckQuery{AllKeys: true, Limit: 500}
	for {
		sums, err := c.store.ListChecks(ctx, q)
		if err != nil {
			return n, judged, false, err
		}
		for _, s := range sums {
			if s.AsOf.Before(data.DateOf(from)) {
				continue
			}
			if judged == limit {
				return n, judged, true, nil
			}
			rec, err := c.store.Check(ctx, s.ID)
			if err != nil {
				return n, judged, false, err
			}
			_, changed, err := c.Rejudge(ctx, rec, knownAt)
			var nr *NotReplayableError
			var ie *InputError
			switch {
			case errors.As(err, &nr), errors.As(err, &ie):
				continue
			case err != nil:
				return n, judged, false, err
			}
			judged++
			if changed {
				n++
			}
		}
		if len(sums) < q.Limit {
			return n, judged, false, nil
		}
		q.After = sums[len(sums)-1].ID
	}
}
