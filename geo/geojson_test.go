package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAppendNumMatchesStrconv: the integer formatting of positions writes
// what strconv writes for the rounded value, for lon/lat, EPSG:4549 metres,
// halves, negatives, tiny and huge values.
func TestAppendNumMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	vals := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e-7, -1e-7, 4e-7, 5e-7, -5e-7, 0.0000015, 119.761976, 31.784743,
		-179.9999995, 40499999.9999995, 3512345.1234565, 1e9, 1e14 + 0.5, 9.999999e8, 1.23456789e20, -1e300, math.MaxFloat64}
	for range 200_000 {
		scale := math.Pow(10, float64(rng.IntN(22)-8))
		vals = append(vals, (rng.Float64()*2-1)*scale)
		// values on a half-millionth, where rounding decides
		vals = append(vals, (float64(rng.Int64N(2e12))-1e12+0.5)/1e6)
	}
	for _, v := range vals {
		if got, want := string(appendNum(nil, v)), string(appendNumSlow(nil, v)); got != want {
			t.Fatalf("appendNum(%v) = %s, want %s", v, got, want)
		}
	}
}

func BenchmarkAppendNum(b *testing.B) {
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = appendNum(buf[:0], 119.7619761234)
		buf = appendNum(buf, -31.78474)
	}
}
