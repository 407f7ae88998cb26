package storetest

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/geo"
)

// testDemoPoints: the 28 points of data/demo/README.md's test-point table
// (testpoints.json, computed by report.py from the files as drawn) get the
// zones the table names, and their distances to the 新孟河 shore and the
// canal water, from the store. The table's layers that this manifest does
// not have yet (taihu-tier) are left out, and so is a band's subzone that
// the store does not give.
func testDemoPoints(t *testing.T, open Opener) {
	s := open(t)
	pts, err := demo.TestPoints()
	if err != nil {
		t.Fatal(err)
	}
	man := manifestOf(t, s)
	green := map[string]bool{}
	for _, f := range features(t, s, "green-corridors", data.FeatureQuery{Zoom: -1}) {
		gl, ok := f.Properties["green_line"].(bool)
		if !ok {
			t.Errorf("green-corridors/%s: green_line %v, want true or false", f.ID, f.Properties["green_line"])
		}
		green[f.ID] = gl
	}
	for _, tp := range pts {
		rel := relate(t, s, orb.Point{tp.Lon, tp.Lat}, AsOf)
		got := map[string]geo.Relation{}
		for _, h := range rel.Hits {
			got[h.Layer+"/"+h.ZoneID] = h
		}
		used := map[string]bool{}
		for _, want := range tp.Hits {
			name, note, _ := strings.Cut(strings.TrimSuffix(want, ")"), " (")
			switch {
			case name == "outside the district":
				if rel.Coverage.Inside || len(rel.Hits) != 0 {
					t.Errorf("point %d (%s): coverage %+v, hits %d; want outside", tp.N, tp.Label, rel.Coverage, len(rel.Hits))
				}
				continue
			case note == "informational":
				for k := range got {
					if strings.HasSuffix(k, "/"+name) {
						t.Errorf("point %d: informational place %s judged (%s)", tp.N, name, k)
					}
				}
				continue
			}
			if _, ok := man.Def(name); !ok && !strings.HasPrefix(name, "green-") {
				continue // a layer this manifest does not have yet
			}
			var h geo.Relation
			var key string
			for k, r := range got {
				if r.Layer == name || (strings.HasPrefix(name, "green-") && r.Layer == "green-corridors" && r.ZoneID == name) {
					h, key = r, k
				}
			}
			if key == "" {
				t.Errorf("point %d (%s): no hit for %s; hits %v", tp.N, tp.Label, want, keys(got))
				continue
			}
			used[key] = true
			switch {
			case strings.HasPrefix(note, "green_line "):
				if w := note == "green_line true"; green[name] != w {
					t.Errorf("point %d: %s green_line %v, table says %s", tp.N, name, green[name], note)
				}
			case h.Layer == "canal-core" && h.Subzone != note:
				t.Errorf("point %d (%s): canal-core subzone %q, want %q", tp.N, tp.Label, h.Subzone, note)
			case h.Layer == "xinmeng-band" && h.Subzone != "" && h.Subzone != note:
				t.Errorf("point %d (%s): xinmeng-band subzone %q, want %q", tp.N, tp.Label, h.Subzone, note)
			}
			if h.Layer == "xinmeng-band" && math.Abs(h.DistanceM-tp.DShoreM) > 0.06 {
				t.Errorf("point %d (%s): distance to the shore %.3f m, the table says %.1f", tp.N, tp.Label, h.DistanceM, tp.DShoreM)
			}
			if h.Layer == "canal-core" && math.Abs(h.DistanceM-tp.DCanalWaterM) > 0.06 {
				t.Errorf("point %d (%s): distance to the canal water %.3f m, the table says %.1f", tp.N, tp.Label, h.DistanceM, tp.DCanalWaterM)
			}
		}
		for k := range got {
			if !used[k] {
				t.Errorf("point %d (%s): hit %s not in the table %v", tp.N, tp.Label, k, tp.Hits)
			}
		}
	}
}

func keys(m map[string]geo.Relation) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
