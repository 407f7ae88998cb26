package data

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/zhonglou/ecospace/geo"
)

// Two times. Every layer version has a valid period (from its valid_from
// to the valid_from of the next version in force after it) and a recorded
// time (RecordedAt: when ecospace learned it, set by the store when the
// import commits and never changed). A question is asked At a valid day
// (AsOf) and a knowledge time (KnownAt): the versions used are those in
// force on AsOf among the versions recorded at or before KnownAt. A
// version recorded later never changes what an earlier KnownAt answers,
// which is what lets a filed decision be replayed.

// At is the point in the two times a question is asked at.
type At struct {
	// AsOf is the valid day (its date counts).
	AsOf time.Time
	// KnownAt is the knowledge time; zero: everything the store has
	// recorded when it answers.
	KnownAt time.Time
}

// Known reports whether a version recorded at recordedAt is known At a.
func (a At) Known(recordedAt time.Time) bool {
	return a.KnownAt.IsZero() || !recordedAt.After(a.KnownAt)
}

// RecordedPrecision is the precision recorded_at and known_at are kept
// in: PostgreSQL's timestamptz keeps microseconds, and both stores must
// compare the same instants.
const RecordedPrecision = time.Microsecond

// InForce picks, from the versions of one layer (any order), the one in
// force on at.AsOf among those known at at.KnownAt: the latest valid_from
// on or before the day, and of versions with the same valid_from the
// highest version number (recorded last). ok is false when none is. Both
// stores answer by this rule (the PostGIS store in SQL; data/storetest
// holds them to it), and the server uses it for lists of versions.
func InForce(versions []geo.LayerInfo, at At) (geo.LayerInfo, bool) {
	day := DateOf(at.AsOf)
	var best geo.LayerInfo
	ok := false
	for _, v := range versions {
		if v.ValidFrom.After(day) || !at.Known(v.RecordedAt) {
			continue
		}
		if !ok || v.ValidFrom.After(best.ValidFrom.Time) || (v.ValidFrom.Equal(best.ValidFrom.Time) && v.Version > best.Version) {
			best, ok = v, true
		}
	}
	return best, ok
}

// ErrBackdate: an import would be in force before the newest version's
// valid_from or before today, and was not marked as back-dated.
var ErrBackdate = errors.New("data: back-dated import")

// BackdateError says why an import needs the back-date flag: which
// version it would precede (or that its day is past) and how to pass it.
// It wraps ErrBackdate.
type BackdateError struct {
	Layer     string
	ValidFrom time.Time
	// Newest is the version with the latest valid_from, when the import's
	// valid_from is before it; zero Version otherwise.
	Newest geo.LayerInfo
	Today  time.Time
}

func (e *BackdateError) Error() string {
	from := e.ValidFrom.Format(time.DateOnly)
	if e.Newest.Version > 0 {
		return fmt.Sprintf("layer %s: valid_from %s is before %s, the valid_from of version %d (recorded %s): the new version would come in force before it and change what past dates answer; back-date it on purpose with backdate=true (ecospace import --backdate)",
			e.Layer, from, e.Newest.ValidFrom.Format(time.DateOnly), e.Newest.Version, e.Newest.RecordedAt.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("layer %s: valid_from %s is before today (%s in China): the new version would change what past dates answer; back-date it on purpose with backdate=true (ecospace import --backdate)",
		e.Layer, from, e.Today.Format(time.DateOnly))
}

func (e *BackdateError) Unwrap() error { return ErrBackdate }

// CheckBackdate refuses, unless backdate is set, a new version of a layer
// valid from from when the layer has versions (all of them, any order)
// and from is before the newest one's valid_from or before today. The
// first version of a layer is never back-dated: nothing was known before.
func CheckBackdate(layer string, versions []geo.LayerInfo, from, today time.Time, backdate bool) error {
	if backdate || len(versions) == 0 {
		return nil
	}
	from = DateOf(from)
	newest := versions[0]
	for _, v := range versions[1:] {
		if v.ValidFrom.After(newest.ValidFrom.Time) || (v.ValidFrom.Equal(newest.ValidFrom.Time) && v.Version > newest.Version) {
			newest = v
		}
	}
	if from.Before(newest.ValidFrom.Time) {
		return &BackdateError{Layer: layer, ValidFrom: from, Newest: newest, Today: today}
	}
	if from.Before(DateOf(today)) {
		return &BackdateError{Layer: layer, ValidFrom: from, Today: today}
	}
	return nil
}

// RulesVersion is a rules file version as the store recorded it: its
// version string, the first day it answers for, and when the store first
// saw it.
type RulesVersion struct {
	Version    string    `json:"version"`
	ValidFrom  geo.Date  `json:"valid_from"`
	RecordedAt time.Time `json:"recorded_at"`
}

// DerivedInputs lists the layers a derived layer is computed from: its
// source and, with a mask, the mask and the coverage.
func DerivedInputs(m *Manifest, d geo.LayerDef) []string {
	if d.Derived == nil {
		return nil
	}
	ids := []string{d.Derived.Source}
	if d.Derived.Mask != "" {
		ids = append(ids, d.Derived.Mask)
		if cov, ok := m.Coverage(); ok {
			ids = append(ids, cov.ID)
		}
	}
	return ids
}

// RederiveDays are the days after from on which a layer derived from
// layer must be computed again when layer gets a version valid from from:
// the valid_from of its other inputs' versions (versions: every version of
// the derived layer's inputs, layer's own included) after from and before
// layer's next version. Without back-dating there are none; with it, the
// derived versions that later imports of the other inputs made from
// layer's old version are made again from the new one.
func RederiveDays(layer string, from time.Time, versions []geo.LayerInfo) []time.Time {
	from = DateOf(from)
	var next time.Time
	for _, v := range versions {
		if v.ID == layer && v.ValidFrom.After(from) && (next.IsZero() || v.ValidFrom.Before(next)) {
			next = v.ValidFrom.Time
		}
	}
	seen := map[time.Time]bool{}
	var days []time.Time
	for _, v := range versions {
		d := v.ValidFrom.Time
		if v.ID == layer || !d.After(from) || (!next.IsZero() && !d.Before(next)) || seen[d] {
			continue
		}
		seen[d] = true
		days = append(days, d)
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	return days
}
