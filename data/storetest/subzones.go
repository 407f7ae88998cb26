package storetest

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/geo"
)

// testSubzoneFrom: a zone layer's subzones come from a feature property
// by the manifest's subzone_from (green_line → green-line | corridor, tier
// → tier-1..3), on both stores alike, and a feature whose value has no
// subzone is refused at import, naming the property.
func testSubzoneFrom(t *testing.T, open Opener) {
	s := open(t)
	corridors := features(t, s, "green-corridors", data.FeatureQuery{Zoom: -1})
	want := map[string]string{}
	for _, f := range corridors {
		switch f.Properties["green_line"] {
		case true:
			want[f.ID] = "green-line"
		case false:
			want[f.ID] = "corridor"
		default:
			t.Fatalf("%s: green_line %v", f.ID, f.Properties["green_line"])
		}
	}
	all := len(want)
	for _, f := range corridors {
		c, _ := planar.CentroidArea(f.Geometry)
		if !inPolygons([]geo.Feature{f}, c) {
			continue // a bent strip: its centroid lies outside it
		}
		got := ""
		for _, h := range relate(t, s, c, AsOf).Hits {
			if h.Layer == "green-corridors" && h.ZoneID == f.ID {
				got = h.Subzone
			}
		}
		if got != want[f.ID] {
			t.Errorf("%s: subzone %q, want %q", f.ID, got, want[f.ID])
		}
		delete(want, f.ID)
	}
	if all-len(want) < all/2 {
		t.Errorf("only %d of %d corridors checked", all-len(want), all)
	}
	// Every site in the district is in a Taihu tier: the demo's tier 3.
	rel := relate(t, s, orb.Point{119.8, 31.78}, AsOf)
	tier := 0
	for _, h := range rel.Hits {
		if h.Layer == "taihu-tier" {
			tier++
			if h.ZoneKind != "taihu-tier" || h.Subzone != "tier-3" || h.Relation != geo.RelInside {
				t.Errorf("tier hit %+v", h)
			}
		}
	}
	if tier != 1 {
		t.Errorf("%d tier hits, want 1", tier)
	}
	// Unmapped values are refused, naming the feature and the property;
	// the layer keeps its version.
	for _, tc := range []struct {
		layer string
		value any
	}{{"green-corridors", "yes"}, {"green-corridors", nil}, {"taihu-tier", 4.0}, {"taihu-tier", "三级"}} {
		old := features(t, s, tc.layer, data.FeatureQuery{Zoom: -1})
		next := make([]geo.Feature, len(old))
		prop := map[string]string{"green-corridors": "green_line", "taihu-tier": "tier"}[tc.layer]
		for i, f := range old {
			p := map[string]any{}
			for k, v := range f.Properties {
				p[k] = v
			}
			if i == len(old)-1 {
				if tc.value == nil {
					delete(p, prop)
				} else {
					p[prop] = tc.value
				}
			}
			next[i] = geo.Feature{ID: f.ID, Geometry: f.Geometry, Properties: p}
		}
		_, err := s.Import(ctx(t), tc.layer, next, data.ImportOptions{ValidFrom: AsOf})
		var ie *data.ImportError
		if !errors.As(err, &ie) || !errors.Is(err, data.ErrInvalidImport) || len(ie.Problems) != 1 ||
			ie.Problems[0].Index != len(old)-1 || ie.Problems[0].Pointer != "/properties/"+prop || !strings.Contains(ie.Problems[0].Reason, prop) {
			t.Errorf("%s with %s %v: err %v, want an ImportError naming feature %d's %s", tc.layer, prop, tc.value, err, len(old)-1, prop)
		}
	}
	if l, err := s.Layer(ctx(t), "taihu-tier", AsOf); err != nil || l.Version != 1 {
		t.Errorf("taihu-tier after refused imports: version %d, %v", l.Version, err)
	}
	// A tier map with tiers 1 and 2 is taken as it comes.
	district := features(t, s, "district", data.FeatureQuery{Zoom: -1})
	c := orb.Point{119.8, 31.78}
	tiers := []geo.Feature{
		{ID: "tier-1-square", Geometry: square(c, 200), Properties: map[string]any{"tier": 1.0, "status": "illustrative"}},
		{ID: "rest", Geometry: district[0].Geometry, Properties: map[string]any{"tier": "3", "status": "illustrative"}},
	}
	from := AsOf.AddDate(0, 0, 1)
	if _, err := s.Import(ctx(t), "taihu-tier", tiers, data.ImportOptions{ValidFrom: from}); err != nil {
		t.Fatal(err)
	}
	subs := []string{}
	for _, h := range relate(t, s, c, from).Hits {
		if h.Layer == "taihu-tier" {
			subs = append(subs, h.ZoneID+":"+h.Subzone)
		}
	}
	if strings.Join(subs, ",") != "rest:tier-3,tier-1-square:tier-1" {
		t.Errorf("tier hits %v", subs)
	}
}

// testWaterLand: the Xinmeng band is two zones: the water (a site on the
// river source) and the land beyond it up to 1 000 m; a site is in one or
// the other, never both.
func testWaterLand(t *testing.T, open Opener) {
	s := open(t)
	river := features(t, s, "xinmeng-river", data.FeatureQuery{Zoom: -1})
	// A point in the water (the demo's test point 1, data/demo/README.md);
	// the drawn surface's centroid may lie outside a bent channel.
	var on orb.Point
	for _, p := range []orb.Point{{119.7594, 31.794999}} {
		if inPolygons(river, p) {
			on = p
		}
	}
	if on == (orb.Point{}) {
		t.Fatalf("no point in the river's water")
	}
	bands := func(p orb.Point) []string {
		var out []string
		for _, h := range relate(t, s, p, AsOf).Hits {
			if h.Layer == "xinmeng-band" {
				out = append(out, h.Subzone+"@"+formatM(h.DistanceM))
			}
		}
		return out
	}
	if got := bands(on); len(got) != 1 || !strings.HasPrefix(got[0], "water@") {
		t.Errorf("on the river %v: bands %v, want the water only", on, got)
	}
	// 300 m east of the river (a point the band's land holds).
	off := geo.UnprojectGeometry(orb.Point{geo.ProjectGeometry(on).(orb.Point)[0] + 300, geo.ProjectGeometry(on).(orb.Point)[1]}).(orb.Point)
	if got := bands(off); len(got) != 1 || !strings.HasPrefix(got[0], "land@") {
		t.Errorf("300 m off the river: bands %v, want the land only", got)
	}
}

func formatM(m float64) string { return strconv.FormatFloat(m, 'f', -1, 64) }

// testNoVersionFirstDay: a relate before every layer has a version says
// which layers have none and from which day on all of them have one.
func testNoVersionFirstDay(t *testing.T, open Opener) {
	s := open(t)
	day := demo.ValidFrom.AddDate(0, 0, -1)
	_, err := s.Relate(ctx(t), mustSite(t, orb.Point{119.8, 31.8}), data.At{AsOf: day})
	var nv *data.NoVersionError
	if !errors.As(err, &nv) || !errors.Is(err, data.ErrNoVersion) {
		t.Fatalf("err %v, want a *data.NoVersionError", err)
	}
	if !nv.FirstCovered.Equal(demo.ValidFrom) || len(nv.Layers) != 6 || !strings.Contains(err.Error(), demo.ValidFrom.Format(time.DateOnly)+", the first day the layers cover") {
		t.Errorf("%v: first covered %s, layers %v", err, nv.FirstCovered, nv.Layers)
	}
}
