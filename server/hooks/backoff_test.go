package hooks

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt  int
		min, max time.Duration
		r        float64
		want     time.Duration
	}{
		{1, time.Second, time.Hour, 0, 0},
		{1, time.Second, time.Hour, 0.5, 500 * time.Millisecond},
		{2, time.Second, time.Hour, 0.5, time.Second},
		{3, time.Second, time.Hour, 0.999, 3996 * time.Millisecond},
		{10, time.Second, time.Hour, 0.5, 256 * time.Second},
		{12, time.Second, time.Hour, 0.5, 1024 * time.Second},
		{14, time.Second, time.Hour, 0.5, 30 * time.Minute}, // capped
		{400, time.Second, time.Hour, 0.5, 30 * time.Minute},
		{0, time.Second, time.Hour, 1, time.Second}, // read as the first
	} {
		if got := Backoff(tc.attempt, tc.min, tc.max, tc.r); got != tc.want {
			t.Errorf("Backoff(%d, %s, %s, %g) = %s, want %s", tc.attempt, tc.min, tc.max, tc.r, got, tc.want)
		}
	}
}

func TestPolicyNext(t *testing.T) {
	p := Policy{Min: time.Second, Max: time.Hour, RetryFor: 24 * time.Hour}
	since := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		now     time.Time
		attempt int
		r       float64
		next    time.Time
		dead    bool
	}{
		{"first failure", since, 1, 0.5, since.Add(500 * time.Millisecond), false},
		{"later", since.Add(time.Hour), 20, 0.5, since.Add(90 * time.Minute), false},
		{"the last retry at the deadline", since.Add(23*time.Hour + 50*time.Minute), 40, 0.9, since.Add(24 * time.Hour), false},
		{"dead at the deadline", since.Add(24 * time.Hour), 41, 0.1, time.Time{}, true},
		{"dead after it", since.Add(25 * time.Hour), 2, 0.1, time.Time{}, true},
	} {
		next, dead := p.Next(since, tc.now, tc.attempt, tc.r)
		if !next.Equal(tc.next) || dead != tc.dead {
			t.Errorf("%s: Next = %s, %v; want %s, %v", tc.name, next, dead, tc.next, tc.dead)
		}
	}
}

// A delivery that never succeeds is retried for the whole day, however
// the jitter falls, and is dead right after.
func TestPolicyRetriesForADay(t *testing.T) {
	p := DefaultPolicy()
	since := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, r := range []float64{0.01, 0.3, 0.999} {
		now, attempts := since, 0
		for {
			attempts++
			next, dead := p.Next(since, now, attempts, r)
			if dead {
				break
			}
			if next.Before(now) {
				t.Fatalf("r %g: next %s before now %s", r, next, now)
			}
			if next.Equal(now) {
				next = now.Add(time.Second) // a real attempt takes time
			}
			now = next
		}
		if now.Sub(since) < p.RetryFor {
			t.Errorf("r %g: dead after %s, %d attempts", r, now.Sub(since), attempts)
		}
	}
}
