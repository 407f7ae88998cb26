package geo

import (
	"fmt"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"
)

// Cover relates a site to the coverage (district) zones and returns the
// part of the site to judge: the site itself when it lies wholly inside,
// its clipped part when it straddles the boundary, nil when it is outside.
func Cover(s *Site, coverage []*PreparedZone) (Coverage, *Site, error) {
	if s.Dim == 0 {
		p := s.Projected.(orb.Point)
		for _, z := range coverage {
			if z.Bound.Contains(p) && z.areaIx.Within(p, BoundaryToleranceM) {
				return Coverage{Inside: true, Whole: true, InsideRatio: 1}, s, nil
			}
		}
		return Coverage{}, nil, nil
	}
	var parts []sf.Geometry
	total := 0.0
	for _, z := range coverage {
		if !z.Bound.Intersects(s.Bound) {
			continue
		}
		in, err := sf.Intersection(s.sfg, z.areaLP.near(s.Bound))
		if err != nil {
			return Coverage{}, nil, fmt.Errorf("coverage %s: %w", z.ID, err)
		}
		if m := measureOf(in, s.Dim); m >= minMeasure(s.Dim) {
			parts = append(parts, in)
			total += m
		}
	}
	if len(parts) == 0 {
		return Coverage{}, nil, nil
	}
	ratio := min(total/s.Whole, 1)
	if ratio >= 1-1e-9 {
		return Coverage{Inside: true, Whole: true, InsideRatio: 1}, s, nil
	}
	clipped := parts[0]
	if len(parts) > 1 {
		var err error
		if clipped, err = unionTree(parts); err != nil {
			return Coverage{}, nil, fmt.Errorf("coverage: %w", err)
		}
	}
	var proj orb.Geometry
	if s.Dim == 2 {
		proj = areaOf(clipped)
	} else {
		proj = linesOf(clipped)
	}
	c := &Site{
		Geometry: UnprojectGeometry(proj), Projected: proj, Dim: s.Dim,
		Measure: total, Whole: s.Whole, Bound: proj.Bound(), sfg: clipped,
	}
	return Coverage{Inside: true, InsideRatio: ratio}, c, nil
}
