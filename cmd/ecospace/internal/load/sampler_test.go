package load

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 2, 3}, 2.5},
		{[]float64{7, 7, 1, 100}, 7},
	} {
		in := slices.Clone(tc.xs)
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", in, got, tc.want)
		}
		if !slices.Equal(in, tc.xs) {
			t.Errorf("median reordered its input: %v", tc.xs)
		}
	}
}

// ms samples the latencies 1, 2, … n milliseconds.
func ms(n int) *sampler {
	s := &sampler{rng: rand.New(rand.NewPCG(1, 2))}
	for i := n; i >= 1; i-- { // in reverse: summarize sorts
		s.add(time.Duration(i)*time.Millisecond, 1000)
	}
	return s
}

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       *sampler
		elapsed float64
		rates   []float64
		want    KindStats
	}{
		{"100 requests", ms(100), 2, []float64{100},
			KindStats{Kind: "k", Requests: 100, PerSec: 100, P50Ms: 50, P90Ms: 90, P99Ms: 99, MaxMs: 100, MBPerSec: 0.05}},
		{"one request", ms(1), 1, []float64{1},
			KindStats{Kind: "k", Requests: 1, PerSec: 1, P50Ms: 1, P90Ms: 1, P99Ms: 1, MaxMs: 1, MBPerSec: 0.001}},
		{"rounds give a range", ms(10), 1, []float64{30, 10, 20},
			KindStats{Kind: "k", Requests: 10, PerSec: 20, PerSecMin: 10, PerSecMax: 30, P50Ms: 5, P90Ms: 9, P99Ms: 10, MaxMs: 10, MBPerSec: 0.01}},
		{"only errors", &sampler{seen: 0, errs: 3, first: "GET /x: 500"}, 1, []float64{0},
			KindStats{Kind: "k", Errors: 3, FirstErr: "GET /x: 500"}},
		{"nothing", &sampler{}, 0, nil, KindStats{Kind: "k"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := summarize("k", tc.s, tc.elapsed, tc.rates); got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// Beyond maxSamples a sampler keeps a uniform sample, and still counts
// every request, its bytes and the slowest.
func TestSamplerBounded(t *testing.T) {
	s := &sampler{rng: rand.New(rand.NewPCG(3, 4))}
	n := 3 * maxSamples
	for i := 1; i <= n; i++ {
		s.add(time.Duration(i), 2)
	}
	if len(s.lat) != maxSamples || s.seen != n || s.bytes != int64(2*n) || s.max != time.Duration(n) {
		t.Fatalf("kept %d, seen %d, bytes %d, max %v", len(s.lat), s.seen, s.bytes, s.max)
	}
	// A uniform sample of 1…n has about a third of its values in each third.
	low := 0
	for _, d := range s.lat {
		if int(d) <= maxSamples {
			low++
		}
	}
	if share := float64(low) / maxSamples; share < 0.32 || share > 0.35 {
		t.Errorf("%.3f of the sample from the first third, want about 1/3", share)
	}
}

func TestSamplerMerge(t *testing.T) {
	a := &sampler{lat: []time.Duration{1, 5}, seen: 2, errs: 1, bytes: 10, max: 5}
	b := &sampler{lat: []time.Duration{9}, seen: 1, errs: 2, bytes: 7, max: 9, first: "second"}
	c := &sampler{errs: 1, first: "third"}
	a.merge(b)
	a.merge(c)
	if !slices.Equal(a.lat, []time.Duration{1, 5, 9}) || a.seen != 3 || a.errs != 4 || a.bytes != 17 || a.max != 9 || a.first != "second" {
		t.Errorf("merged %+v", a)
	}
}
