package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestBoundIntersects(t *testing.T) {
	box := orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}
	square := func(x0, y0, x1, y1 float64) orb.Ring {
		return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	}
	tests := []struct {
		name string
		g    orb.Geometry
		want bool
	}{
		{"point inside", orb.Point{0.5, 0.5}, true},
		{"point on the edge", orb.Point{1, 0.3}, true},
		{"point outside", orb.Point{1.01, 0.3}, false},
		{"line crossing without a vertex inside", orb.LineString{{-1, 0.5}, {2, 0.5}}, true},
		{"line passing a corner", orb.LineString{{0.5, 2}, {2, 0.5}}, false},
		{"line touching a corner", orb.LineString{{1, 2}, {2, 1}, {1, 1}}, true},
		{"polygon around the box", orb.Polygon{square(-1, -1, 2, 2)}, true},
		{"box in the polygon's hole", orb.Polygon{square(-1, -1, 2, 2), square(-0.5, -0.5, 1.5, 1.5)}, false},
		{"L whose bounds cover the box", orb.Polygon{{{-1, -1}, {3, -1}, {3, -0.5}, {-0.5, -0.5}, {-0.5, 3}, {-1, 3}, {-1, -1}}}, false},
		{"polygon sharing an edge", orb.Polygon{square(1, 0, 2, 1)}, true},
		{"multipolygon, second part meets", orb.MultiPolygon{{square(5, 5, 6, 6)}, {square(0.9, 0.9, 2, 2)}}, true},
		{"collection", orb.Collection{orb.Point{9, 9}, orb.Point{0.1, 0.1}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BoundIntersects(box, tt.g); got != tt.want {
				t.Errorf("BoundIntersects = %v, want %v", got, tt.want)
			}
		})
	}
}
