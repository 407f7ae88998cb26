package geo

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Bounded shape checks. Whether a ring crosses itself is found by testing
// the pairs of its edges whose extents overlap (an R-tree finds them). A
// ring of short edges has a few such pairs per edge; a ring of long edges
// that overlap (a star of 10 000 spikes around one point) has them by the
// million, and every later step (validity, overlay in either store) is as
// slow. A site is therefore refused past MaxEdgePairs such pairs (413
// too-complex, before any of that work), and the check also stops when
// the request's deadline passes.

// MaxEdgePairs is the most pairs of edges with overlapping extents the
// rings of one site may have (a circle of 100 000 vertices has 100 000;
// a star of 1 000 spikes 490 000, and takes a tenth of a second).
const MaxEdgePairs = 1_000_000

// TooComplexError refuses a site whose rings have more than Max pairs of
// edges with overlapping extents. It wraps an *InputError (errors.Is
// ErrInput); the API answers it with 413.
type TooComplexError struct {
	Pointer string
	Max     int
}

// Detail says what is wrong, without the pointer.
func (e *TooComplexError) Detail() string {
	return fmt.Sprintf("the geometry is too complex: its rings have more than %d pairs of edges whose extents overlap (long edges crossing one region, as in a star of thousands of spikes); simplify it or split it", e.Max)
}

func (e *TooComplexError) Error() string { return e.input().Error() }

// Unwrap returns the *InputError the refusal is.
func (e *TooComplexError) Unwrap() error { return e.input() }

func (e *TooComplexError) input() *InputError {
	return &InputError{Pointer: e.Pointer, Detail: e.Detail()}
}

// shapeBudget is the work the shape checks of one site may do: pairs left
// (< 0: unbounded) and the deadline.
type shapeBudget struct {
	ctx   context.Context
	pairs int
	ptr   string
}

func unbounded() *shapeBudget { return &shapeBudget{ctx: context.Background(), pairs: -1} }

// spend takes one pair; false with the error when the budget is spent or
// the deadline passed.
func (b *shapeBudget) spend(n int) error {
	if b.pairs >= 0 {
		if b.pairs--; b.pairs < 0 {
			return &TooComplexError{Pointer: b.ptr, Max: MaxEdgePairs}
		}
	}
	if n%4096 == 0 {
		if err := b.ctx.Err(); err != nil {
			return fmt.Errorf("geometry check stopped: %w", err)
		}
	}
	return nil
}

// ringSelfIntersection is RingSelfIntersection within a budget.
func ringSelfIntersection(r orb.Ring, b *shapeBudget) (i, j int, at orb.Point, ok bool, err error) {
	n := len(r) - 1 // segments; the ring is closed
	if n < 3 {
		return 0, 0, orb.Point{}, false, nil
	}
	adjacent := func(a, c int) bool {
		return c == a+1 || (a == 0 && c == n-1)
	}
	check := func(a, c int) bool {
		if adjacent(a, c) {
			// Adjacent segments share one vertex; they are bad only when
			// they fold back over each other.
			return collinearOverlap(r[a], r[a+1], r[c], r[c+1])
		}
		p, hit := segmentIntersection(r[a], r[a+1], r[c], r[c+1])
		if hit {
			at = p
		}
		return hit
	}
	if n <= 64 {
		for a := 0; a < n; a++ {
			for c := a + 1; c < n; c++ {
				if check(a, c) {
					if adjacent(a, c) {
						at = r[a+1]
					}
					return a, c, at, true, nil
				}
			}
		}
		return 0, 0, orb.Point{}, false, nil
	}
	var tr rtree.RTreeG[int]
	for a := 0; a < n; a++ {
		bd := orb.MultiPoint{r[a], r[a+1]}.Bound()
		tr.Insert(bd.Min, bd.Max, a)
	}
	tested := 0
	for a := 0; a < n && !ok && err == nil; a++ {
		bd := orb.MultiPoint{r[a], r[a+1]}.Bound()
		tr.Search(bd.Min, bd.Max, func(_, _ [2]float64, c int) bool {
			if c <= a {
				return true
			}
			tested++
			if err = b.spend(tested); err != nil {
				return false
			}
			if check(a, c) {
				if adjacent(a, c) {
					at = r[a+1]
				}
				i, j, ok = a, c, true
				return false
			}
			return true
		})
	}
	if err != nil {
		return 0, 0, orb.Point{}, false, err
	}
	return i, j, at, ok, nil
}
