package storetest

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// testFeaturesClipped: a box drawn at a zoom (Clip) selects the same
// features as the exact box, in the same order, each cut to the box and
// its margin (data.FeatureQuery.ClipBound) and simplified: nothing drawn
// lies beyond the margin, a geometry keeps its type (a MultiPolygon left
// with one part is still one), and a feature that
// lies inside the box comes whole (simplified as without the box).
func testFeaturesClipped(t *testing.T, open Opener) {
	s := open(t)
	rng := rand.New(rand.NewPCG(21, 22))
	cut, whole := 0, 0
	for _, id := range []string{"green-corridors", "xinmeng-band", "canal-core", "xinmeng-corridor", "xinmeng-river"} {
		for _, zoom := range []int{8, 12, 14} {
			plain, bounds := map[string]orb.Geometry{}, map[string]orb.Bound{}
			for _, f := range features(t, s, id, data.FeatureQuery{Zoom: zoom}) {
				plain[f.ID] = f.Geometry
			}
			for _, f := range features(t, s, id, data.FeatureQuery{Zoom: -1}) {
				bounds[f.ID] = f.Geometry.Bound()
			}
			for range 12 {
				w := 0.002 + rng.Float64()*rng.Float64()*0.06
				x, y := 119.72+rng.Float64()*0.24, 31.74+rng.Float64()*0.12
				box := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, y + w*0.8}}
				want := ids(features(t, s, id, data.FeatureQuery{Zoom: -1, BBox: &box, Exact: true}))
				q := data.FeatureQuery{Zoom: zoom, BBox: &box, Exact: true, Clip: true}
				cb, ok := q.ClipBound()
				if !ok {
					t.Fatalf("zoom %d: no clip bound", zoom)
				}
				grown := cb.Pad(1e-9)
				got := features(t, s, id, q)
				if fmt.Sprint(ids(got)) != fmt.Sprint(want) {
					t.Errorf("%s zoom %d box %v: %v, want %v", id, zoom, box, ids(got), want)
				}
				for _, f := range got {
					b := f.Geometry.Bound()
					if !grown.Contains(b.Min) || !grown.Contains(b.Max) {
						t.Errorf("%s/%s zoom %d: drawn bounds %v beyond the clip bound %v", id, f.ID, zoom, b, cb)
					}
					if geo.CountVertices(f.Geometry) == 0 {
						t.Errorf("%s/%s zoom %d: nothing drawn", id, f.ID, zoom)
					}
					p := plain[f.ID]
					if p.GeoJSONType() != f.Geometry.GeoJSONType() {
						t.Errorf("%s/%s zoom %d, box %v: %s cut to a %s", id, f.ID, zoom, box, p.GeoJSONType(), f.Geometry.GeoJSONType())
					}
					if fb := bounds[f.ID]; cb.Contains(fb.Min) && cb.Contains(fb.Max) {
						whole++
						if !orb.Equal(p, f.Geometry) {
							t.Errorf("%s/%s zoom %d: inside the box, drawn otherwise than without it", id, f.ID, zoom)
						}
					} else {
						cut++
						if geo.CountVertices(f.Geometry) > geo.CountVertices(p)+8 {
							t.Errorf("%s/%s zoom %d: cut to the box it has %d vertices, whole %d", id, f.ID, zoom, geo.CountVertices(f.Geometry), geo.CountVertices(p))
						}
					}
				}
			}
		}
	}
	if cut == 0 || whole == 0 {
		t.Errorf("%d features cut, %d whole: the boxes prove nothing", cut, whole)
	}
}
