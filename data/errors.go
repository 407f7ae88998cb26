package data

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The store's sentinel errors. Both stores wrap them with what was asked
// (layer, date, check id), so callers test with errors.Is and people read
// the context; the server maps each to one HTTP status.
var (
	// ErrNotFound: no such layer, feature or check.
	ErrNotFound = errors.New("data: not found")
	// ErrUnavailable: the store cannot answer now (database down, pool
	// exhausted); callers answer 503 and never a verdict.
	ErrUnavailable = errors.New("data: store unavailable")
	// ErrNoVersion: a layer has no version in force on the requested date.
	ErrNoVersion = errors.New("data: no layer version in force")
	// ErrInvalidImport: an import was refused for its content.
	ErrInvalidImport = errors.New("data: invalid import")
)

// NoVersionError: a check's as_of falls before a layer it needs has any
// version in force. It wraps ErrNoVersion and says from which day on the
// layers answer.
type NoVersionError struct {
	Layers []string  // the judged layers with no version in force on AsOf
	AsOf   time.Time // the day asked
	// KnownAt is the knowledge time asked (zero: now); versions recorded
	// after it do not count.
	KnownAt time.Time
	// FirstCovered is the first day on which every judged layer has a
	// version (the latest of their first valid_from); zero when some
	// layer has no version at all.
	FirstCovered time.Time
}

func (e *NoVersionError) Error() string {
	day := e.AsOf.Format(time.DateOnly)
	if !e.KnownAt.IsZero() {
		day += " known at " + e.KnownAt.UTC().Format(time.RFC3339Nano)
	}
	if e.FirstCovered.IsZero() {
		return fmt.Sprintf("as_of %s: layer %s has no version at all; import it first", day, strings.Join(e.Layers, ", "))
	}
	return fmt.Sprintf("as_of %s is before %s, the first day the layers cover: layer %s has no version in force on %s",
		day, e.FirstCovered.Format(time.DateOnly), strings.Join(e.Layers, ", "), day)
}

func (e *NoVersionError) Unwrap() error { return ErrNoVersion }
