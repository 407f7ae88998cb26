package hooks

import (
	"math"
	"time"
)

// Policy is when a failed delivery is tried again.
type Policy struct {
	// Min is the first retry's bound, doubled for each attempt up to Max.
	Min, Max time.Duration
	// RetryFor is how long a delivery is retried from its first attempt
	// (or redelivery); after it, a failed delivery is dead.
	RetryFor time.Duration
}

// DefaultPolicy retries for a day, from a few seconds apart to an hour.
func DefaultPolicy() Policy {
	return Policy{Min: 5 * time.Second, Max: time.Hour, RetryFor: 24 * time.Hour}
}

// Backoff is the wait before the retry after the attempt-th failed
// attempt (1 for the first): full jitter, r (uniform in [0, 1)) times the
// bound min·2^(attempt-1), capped at max.
func Backoff(attempt int, min, max time.Duration, r float64) time.Duration {
	bound := float64(max)
	if attempt < 1 {
		attempt = 1
	}
	if e := float64(min) * math.Pow(2, float64(attempt-1)); e < bound {
		bound = e
	}
	return time.Duration(r * bound)
}

// Next says, for a delivery whose attempt-th attempt failed at now, when
// to try again, or that it is dead: retried since since for RetryFor
// already. The last retry is due at since+RetryFor at the latest, so that
// a delivery is retried for RetryFor at least.
func (p Policy) Next(since, now time.Time, attempt int, r float64) (next time.Time, dead bool) {
	deadline := since.Add(p.RetryFor)
	if !now.Before(deadline) {
		return time.Time{}, true
	}
	next = now.Add(Backoff(attempt, p.Min, p.Max, r))
	if next.After(deadline) {
		next = deadline
	}
	return next, false
}
