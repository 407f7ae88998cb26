package geo

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func spikyStar(spikes int) orb.Polygon {
	cx, cy := ToGK(119.906, 31.790)
	var ring orb.Ring
	n := 2 * spikes
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i%n) / float64(n)
		r := 500.0
		if i%2 == 1 {
			r = 5
		}
		lon, lat := FromGK(cx+r*math.Cos(a), cy+r*math.Sin(a))
		ring = append(ring, orb.Point{lon, lat})
	}
	return orb.Polygon{ring}
}

// TestShapeBudget: a site whose edges' extents overlap in more than
// MaxEdgePairs pairs is refused before the quadratic work; the check
// stops at the request's deadline; ordinary parcels and big circles pass.
func TestShapeBudget(t *testing.T) {
	_, err := NewSite(spikyStar(2500), CRS84, "/geometry")
	var tc *TooComplexError
	if !errors.As(err, &tc) || !errors.Is(err, ErrInput) || tc.Pointer != "/geometry/coordinates" {
		t.Errorf("a star of 2 500 spikes: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NewSiteContext(ctx, spikyStar(500), CRS84, "/geometry"); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled check: %v", err)
	}
	if _, err := NewSite(spikyStar(300), CRS84, "/geometry"); err != nil {
		t.Errorf("a star of 300 spikes: %v", err)
	}
	var circle orb.Ring
	for i := 0; i < 50_000; i++ {
		a := 2 * math.Pi * float64(i) / 50_000
		circle = append(circle, orb.Point{119.9 + 0.01*math.Cos(a), 31.79 + 0.01*math.Sin(a)})
	}
	circle = append(circle, circle[0])
	if _, err := NewSite(orb.Polygon{circle}, CRS84, "/geometry"); err != nil {
		t.Errorf("a circle of 50 000 vertices: %v", err)
	}
}
