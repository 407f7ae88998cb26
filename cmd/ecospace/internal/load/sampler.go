package load

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// maxSamples bounds the latencies a connection keeps per kind; beyond it
// a uniform (reservoir) sample is kept, so percentiles stay unbiased.
const maxSamples = 100_000

type sampler struct {
	lat   []time.Duration
	seen  int
	errs  int
	bytes int64
	max   time.Duration
	first string
	rng   *rand.Rand
}

func (s *sampler) add(d time.Duration, n int64) {
	s.seen++
	s.bytes += n
	s.max = max(s.max, d)
	if len(s.lat) < maxSamples {
		s.lat = append(s.lat, d)
		return
	}
	if j := s.rng.IntN(s.seen); j < len(s.lat) {
		s.lat[j] = d
	}
}

// merge adds another sampler's counts and samples.
func (s *sampler) merge(o *sampler) {
	s.lat = append(s.lat, o.lat...)
	s.seen += o.seen
	s.errs += o.errs
	s.bytes += o.bytes
	s.max = max(s.max, o.max)
	if s.first == "" {
		s.first = o.first
	}
}

// summarize reports a kind: its rate is the median of the rounds' rates.
func summarize(kind string, s *sampler, elapsed float64, rates []float64) KindStats {
	ks := KindStats{Kind: kind, Requests: s.seen, Errors: s.errs, FirstErr: s.first, PerSec: median(rates)}
	if len(rates) > 1 {
		ks.PerSecMin, ks.PerSecMax = slices.Min(rates), slices.Max(rates)
	}
	if elapsed > 0 {
		ks.MBPerSec = float64(s.bytes) / 1e6 / elapsed
	}
	if len(s.lat) > 0 {
		slices.Sort(s.lat)
		q := func(p float64) float64 {
			i := min(len(s.lat)-1, int(math.Ceil(p*float64(len(s.lat))))-1)
			return float64(s.lat[max(i, 0)]) / 1e6
		}
		ks.P50Ms, ks.P90Ms, ks.P99Ms = q(0.50), q(0.90), q(0.99)
		ks.MaxMs = float64(s.max) / 1e6
	}
	return ks
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
