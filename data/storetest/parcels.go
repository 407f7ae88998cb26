package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// testParcelLookup: a filter on data.ParcelNoProperty, which both stores
// answer from an index, selects what a filter on any other property
// would: the features with that value, in feature id order, with offset,
// limit and bbox applied as to a scan; none for a number not held, and a
// feature without a number is never found by one.
func testParcelLookup(t *testing.T, open Opener) {
	s := open(t)
	square := func(x float64) orb.Polygon {
		return orb.Polygon{{{x, 31.78}, {x + 0.001, 31.78}, {x + 0.001, 31.781}, {x, 31.781}, {x, 31.78}}}
	}
	feats := []geo.Feature{
		{ID: "p5", Geometry: square(119.90), Properties: map[string]any{"宗地号": "A1", data.ParcelNoProperty: "A1"}},
		{ID: "p2", Geometry: square(119.91), Properties: map[string]any{"宗地号": "B2", data.ParcelNoProperty: "B2"}},
		// The same number twice (an import that did not go through
		// layerfile.MarkParcels, which refuses it): both, in id order.
		{ID: "p9", Geometry: square(119.92), Properties: map[string]any{"宗地号": "C3", data.ParcelNoProperty: "C3"}},
		{ID: "p1", Geometry: square(119.93), Properties: map[string]any{"宗地号": "C3", data.ParcelNoProperty: "C3"}},
		{ID: "p7", Geometry: square(119.94), Properties: map[string]any{"宗地号": "none"}},
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.Import(ctx(t), "parcels", feats, data.ImportOptions{ValidFrom: from, Backdate: true}); err != nil {
		t.Fatal(err)
	}
	west := orb.Bound{Min: orb.Point{119.89, 31.77}, Max: orb.Point{119.925, 31.79}}
	for _, tc := range []struct {
		name   string
		filter map[string]string
		q      data.FeatureQuery
		want   []string
	}{
		{"one", map[string]string{data.ParcelNoProperty: "A1"}, data.FeatureQuery{}, []string{"p5"}},
		{"one, limit 1", map[string]string{data.ParcelNoProperty: "B2"}, data.FeatureQuery{Limit: 1}, []string{"p2"}},
		{"twice", map[string]string{data.ParcelNoProperty: "C3"}, data.FeatureQuery{}, []string{"p1", "p9"}},
		{"twice, offset 1", map[string]string{data.ParcelNoProperty: "C3"}, data.FeatureQuery{Offset: 1}, []string{"p9"}},
		{"twice, limit 1", map[string]string{data.ParcelNoProperty: "C3"}, data.FeatureQuery{Limit: 1}, []string{"p1"}},
		{"twice, in the west box", map[string]string{data.ParcelNoProperty: "C3"}, data.FeatureQuery{BBox: &west}, []string{"p9"}},
		{"with another property", map[string]string{data.ParcelNoProperty: "C3", "宗地号": "C3"}, data.FeatureQuery{}, []string{"p1", "p9"}},
		{"another property differs", map[string]string{data.ParcelNoProperty: "A1", "宗地号": "B2"}, data.FeatureQuery{}, nil},
		{"not held", map[string]string{data.ParcelNoProperty: "Z9"}, data.FeatureQuery{}, nil},
		{"lower case", map[string]string{data.ParcelNoProperty: "a1"}, data.FeatureQuery{}, nil},
		{"by the field, a scan", map[string]string{"宗地号": "none"}, data.FeatureQuery{}, []string{"p7"}},
	} {
		q := tc.q
		q.AsOf, q.Zoom, q.Filter = AsOf, -1, tc.filter
		var got []string
		if err := s.Features(ctx(t), "parcels", q, func(f geo.Feature) error {
			got = append(got, f.ID)
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
