package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func square(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

// A big district for the fixtures: 100 km square around the origin.
var moveCoverage = orb.MultiPolygon{square(-50_000, -50_000, 50_000, 50_000)}

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// The nearest good position of a point, against polygons, bands and
// their corners: the minimum move to within MoveEpsilonM.
func TestPointMoves(t *testing.T) {
	line := NewMoveSource([]orb.Geometry{orb.LineString{{0, -10_000}, {0, 10_000}}})
	twoWells := NewMoveSource([]orb.Geometry{orb.Point{0, 0}, orb.Point{1000, 0}})
	river := NewMoveSource([]orb.Geometry{square(-50, -10_000, 50, 10_000)})
	for _, tc := range []struct {
		name  string
		zones []MoveZone
		cov   orb.MultiPolygon
		p     orb.Point
		want  float64
	}{
		{"inside a square", []MoveZone{{Area: orb.MultiPolygon{square(0, 0, 100, 100)}}}, moveCoverage, orb.Point{10, 40}, 10},
		{"980 m from a line", []MoveZone{{Source: line, DistanceM: 1000}}, moveCoverage, orb.Point{980, 3}, 20},
		{"in the river", []MoveZone{{Source: river, DistanceM: 0.1}, {Source: river, DistanceM: 1000, MinDistanceM: 0.1}}, moveCoverage, orb.Point{-20, 0}, 1030},
		// Between two wells the nearest way out is where their circles cross.
		{"between two wells", []MoveZone{{Source: twoWells, DistanceM: 600}}, moveCoverage, orb.Point{500, 0}, math.Sqrt(600*600 - 500*500)},
		// The inner band is not bad: the nearest good place is inside it.
		{"inner band good", []MoveZone{{Source: line, DistanceM: 1000, MinDistanceM: 100}}, moveCoverage, orb.Point{300, 0}, 200},
		// The district ends 5 m east: the way out is west.
		{"district edge", []MoveZone{{Area: orb.MultiPolygon{square(0, -100, 200, 100)}}}, orb.MultiPolygon{square(-1000, -1000, 195, 1000)}, orb.Point{150, 0}, 100},
		// Masked: the band holds only the part inside the mask (x ≥ 0).
		{"mask inside", []MoveZone{{Source: line, DistanceM: 1000, Mask: orb.MultiPolygon{square(0, -20_000, 20_000, 20_000)}}}, moveCoverage, orb.Point{30, 5000}, 30},
		{"mask outside", []MoveZone{{Source: line, DistanceM: 1000, Mask: orb.MultiPolygon{square(0, -20_000, 20_000, 20_000)}, MaskOutside: true}}, moveCoverage, orb.Point{-30, 5000}, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewMoveField(tc.cov, tc.zones)
			if f.Good(tc.p) {
				t.Fatalf("%v is good already", tc.p)
			}
			got := f.PointMoves(tc.p, 5000, 4)
			if len(got) == 0 {
				t.Fatal("no move found")
			}
			d := dist(got[0], tc.p)
			if !f.Good(got[0]) || d < tc.want-1e-6 || d > tc.want+MoveEpsilonM+1e-6 {
				t.Errorf("moved to %v, %.4f m; want %.4f m (good %v)", got[0], d, tc.want, f.Good(got[0]))
			}
		})
	}
}

// Nothing within the radius: no move.
func TestPointMovesNone(t *testing.T) {
	f := NewMoveField(moveCoverage, []MoveZone{{Area: orb.MultiPolygon{square(-1000, -1000, 1000, 1000)}}})
	if got := f.PointMoves(orb.Point{0, 0}, 500, 4); len(got) != 0 {
		t.Errorf("moves %v within 500 m of the middle of a 2 km square", got)
	}
	if got := f.Translations(orb.Point{0, 0}, 500, 360); len(got) != 0 {
		t.Errorf("translations %v within 500 m", got)
	}
}

// A parcel's translation is exact along each direction: a 100 m square
// parcel whose east edge is 980 m from a line source (x = 0) must go
// 20 m east; straight north it never leaves the band.
func TestTranslations(t *testing.T) {
	line := NewMoveSource([]orb.Geometry{orb.LineString{{0, -10_000}, {0, 10_000}}})
	f := NewMoveField(moveCoverage, []MoveZone{{Source: line, DistanceM: 1000}})
	parcel := square(-1080, 0, -980, 100)
	trs := f.Translations(parcel, 5000, 360)
	if len(trs) == 0 {
		t.Fatal("no translation")
	}
	best := trs[0]
	if math.Abs(best.DX+20) > MoveEpsilonM+1e-6 || math.Abs(best.DY) > 1e-6 {
		t.Errorf("best translation %+v, want 20 m west", best)
	}
	for _, tr := range trs {
		if tr.Length() < best.Length() {
			t.Errorf("not sorted: %+v before %+v", best, tr)
		}
		// Straight east the parcel crosses the source and is clear
		// beyond it, 1 000 m past it.
		if tr.DX > 0 && math.Abs(tr.DY) < 1e-9 && math.Abs(tr.DX-(2080+MoveEpsilonM)) > 1e-6 {
			t.Errorf("east: %+v, want 2 080 m", tr)
		}
	}
	// A polygon zone held wholly inside the parcel counts too: the
	// parcel's edge must pass the zone's far edge, 60 m away.
	f = NewMoveField(moveCoverage, []MoveZone{{Area: orb.MultiPolygon{square(40, 40, 60, 60)}}})
	trs = f.Translations(square(0, 0, 100, 100), 5000, 360)
	if len(trs) == 0 || math.Abs(trs[0].Length()-(60+MoveEpsilonM)) > 1e-5 {
		t.Errorf("a parcel holding a zone: %+v, want 60 m", trs[:min(1, len(trs))])
	}
}

// Random points near a band's edge and a polygon's corner: the point
// search is never farther than the best of 3 600 exact directions (plus
// the push), nor shorter than it by more than the directions' step can
// explain, and every move it answers is good.
func TestPointMovesAgainstDirections(t *testing.T) {
	src := NewMoveSource([]orb.Geometry{orb.Polygon{{{0, 0}, {400, -50}, {900, 200}, {1200, 900}, {300, 700}, {0, 0}}}})
	f := NewMoveField(moveCoverage, []MoveZone{
		{Source: src, DistanceM: 1000},
		{Area: orb.MultiPolygon{square(1500, 1500, 2600, 2300)}},
	})
	rng := rand.New(rand.NewPCG(17, 4))
	for range 40 {
		p := orb.Point{-1200 + rng.Float64()*4000, -1200 + rng.Float64()*4000}
		if f.Good(p) {
			continue
		}
		moves := f.PointMoves(p, 5000, 1)
		trs := f.Translations(p, 5000, 3600)
		if len(moves) == 0 || len(trs) == 0 {
			t.Fatalf("%v: %d moves, %d translations", p, len(moves), len(trs))
		}
		d, dd := dist(moves[0], p), trs[0].Length()
		if !f.Good(moves[0]) || d > dd+MoveEpsilonM || d < dd-0.5 {
			t.Errorf("%v: point search %.3f m, directions %.3f m (good %v)", p, d, dd, f.Good(moves[0]))
		}
	}
}
