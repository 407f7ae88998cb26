package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"
)

// A band with a mask or an inner distance (the canal's sub-zones, the
// Xinmeng land band) is not "everything within d of the source": a parcel
// may sit inside the band's distance on the mask's other side, or nearer
// the source than the inner distance, and be clear of it. A translation
// cannot be cut from contact intervals with such a band directly (where
// the site meets the band's distance it must also be on the mask's side,
// at the same point), so for lines and parcels the band is drawn as a
// polygon that holds it: the buffer of its distance, widened by more than
// the buffer's chords fall short of the circle, cut to its side of the
// mask and less the buffer of the inner distance (whose chords lie inside
// the inner circle, so nothing of the band is cut away). A translation
// clear of that polygon is clear of the band, and the polygon is at most
// bandPadM wider than it.

// bandQuadSegs is the segments per quarter circle of the drawn bands.
const bandQuadSegs = 64

// bandPad is how far the drawn buffer of distance d is widened so that it
// holds the band: the chords' sagitta at d, and a centimetre.
func bandPad(d float64) float64 {
	return d*(1-math.Cos(math.Pi/(4*bandQuadSegs))) + 0.01
}

// drawnBand is the polygon a band is drawn as for translations, within
// box (projected); nil when nothing of it lies there.
func (f *MoveField) drawnBand(z *MoveZone, box orb.Bound) (orb.MultiPolygon, error) {
	clip := toSF(box.ToPolygon())
	var src []orb.Geometry
	for _, p := range z.Source.geoms {
		if !p.Bound().Intersects(box) {
			continue
		}
		polys := polygonsOf(p)
		if len(polys) == 0 {
			src = append(src, p) // lines and points
			continue
		}
		for _, poly := range polys {
			cut, err := sf.Intersection(toSF(poly), clip)
			if err != nil {
				return nil, fmt.Errorf("cut the source to the search box: %w", err)
			}
			// Part of the source: a point's distance to it is never less
			// than to the whole, and the same within the box.
			for _, q := range areaOf(cut) {
				src = append(src, q)
			}
		}
	}
	if len(src) == 0 {
		return nil, nil
	}
	outer, err := BufferProjected(orb.Collection(src), z.DistanceM+bandPad(z.DistanceM), bandQuadSegs)
	if err != nil {
		return nil, err
	}
	band := sfShared(outer)
	if z.Mask != nil || z.MaskOutside {
		side := sfShared(z.Mask)
		if z.MaskOutside {
			if side, err = sf.Difference(sfShared(f.Coverage), side); err != nil {
				return nil, fmt.Errorf("the district outside the mask: %w", err)
			}
		}
		if band, err = sf.Intersection(band, side); err != nil {
			return nil, fmt.Errorf("cut the band to its side of the mask: %w", err)
		}
	}
	if z.MinDistanceM > 0 {
		inner, err := BufferProjected(orb.Collection(src), z.MinDistanceM, bandQuadSegs)
		if err != nil {
			return nil, err
		}
		if band, err = sf.Difference(band, sfShared(inner)); err != nil {
			return nil, fmt.Errorf("cut the inner distance out of the band: %w", err)
		}
	}
	return areaOf(band), nil
}

// translationZones are the zones as translations see them: polygon zones
// and plain bands as they are, bands with a mask or an inner distance
// drawn (drawnBand) within box.
func (f *MoveField) translationZones(box orb.Bound) ([]MoveZone, error) {
	if f.tz != nil && f.tzBox == box {
		return f.tz, nil
	}
	merged := mergeBands(f.Zones)
	zones := make([]MoveZone, 0, len(merged))
	for i := range merged {
		z := &merged[i]
		if z.Source == nil || (z.Mask == nil && !z.MaskOutside && z.MinDistanceM == 0) {
			zones = append(zones, *z)
			continue
		}
		area, err := f.drawnBand(z, box)
		if err != nil {
			return nil, fmt.Errorf("move: band of %g m: %w", z.DistanceM, err)
		}
		if len(area) > 0 {
			zones = append(zones, MoveZone{Area: area, areaIx: NewPolygonIndex(area)})
		}
	}
	f.tz, f.tzBox = zones, box
	return zones, nil
}

// mergeBands joins bands of one source on the same side of the same mask
// whose distances meet (the Xinmeng water band, ≤ 0.1 m, and its land
// band, 0.1–1 000 m, are everything within 1 000 m), and the two sides of
// a mask at the same distances (the canal's three sub-zones, all bad, are
// everything within 2 000 m): fewer bands to draw, and a band whose inner
// distance or other side another fills needs no drawing at all.
func mergeBands(zs []MoveZone) []MoveZone {
	out := append([]MoveZone(nil), zs...)
	for joined := true; joined; {
		joined = false
		for i := 0; i < len(out) && !joined; i++ {
			for j := i + 1; j < len(out) && !joined; j++ {
				a, b := &out[i], &out[j]
				if a.Source == nil || a.Source != b.Source || !sameMask(a.Mask, b.Mask) {
					continue
				}
				switch {
				case a.MaskOutside == b.MaskOutside && b.MinDistanceM <= a.DistanceM && a.MinDistanceM <= b.DistanceM:
					a.MinDistanceM, a.DistanceM = math.Min(a.MinDistanceM, b.MinDistanceM), math.Max(a.DistanceM, b.DistanceM)
				case a.Mask != nil && a.MaskOutside != b.MaskOutside && a.MinDistanceM == b.MinDistanceM && a.DistanceM == b.DistanceM:
					// Both sides of the mask: the whole band (outside the
					// district nothing is judged, and no move goes there).
					a.Mask, a.maskIx, a.MaskOutside = nil, nil, false
				default:
					continue
				}
				out = append(out[:j], out[j+1:]...)
				joined = true
			}
		}
	}
	return out
}

// sameMask reports whether two masks are the same polygons (one layer's,
// shared).
func sameMask(a, b orb.MultiPolygon) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}
