package check

import (
	"strconv"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// TestDiffOf: hit by hit, what was added, removed or changed, and the
// version each difference comes from: the layer's new version where the
// layer's version differs, else the rules (another day's rules).
func TestDiffOf(t *testing.T) {
	rec := time.Date(2026, 12, 6, 1, 2, 3, 0, time.UTC)
	rules := data.RulesVersion{Version: "2026.12.1", ValidFrom: geo.Date{Time: time.Date(2020, 1, 8, 0, 0, 0, 0, time.UTC)}, RecordedAt: rec}
	lv := func(id string, v int64) geo.LayerVersion {
		return geo.LayerVersion{ID: id, Version: v, ValidFrom: geo.Date{Time: time.Date(2020+int(v), 1, 1, 0, 0, 0, 0, time.UTC)}, RecordedAt: rec.Add(time.Duration(v) * time.Hour)}
	}
	hit := func(layer string, v int64, zone, rel string, d float64, effect, rule string) geo.Hit {
		return geo.Hit{Relation: geo.Relation{Layer: layer, LayerVersion: v, ZoneID: zone, Relation: rel, DistanceM: d}, Effect: effect, RuleID: rule}
	}
	resp := func(verdict, rule string, layers []geo.LayerVersion, hits ...geo.Hit) *Response {
		return &Response{Head: Head{Verdict: verdict, DecidingRule: rule, Hits: hits}, Tail: Tail{Layers: layers, RulesVersion: rules.Version}}
	}
	before := resp("restricted", "g", []geo.LayerVersion{lv("green-corridors", 1), lv("xinmeng-band", 1)},
		hit("green-corridors", 1, "green-a", "inside", 0, "restricted", "g"),
		hit("xinmeng-band", 1, "band-land", "within_distance", 500, "restricted", "b"))
	tests := []struct {
		name    string
		after   *Response
		changed bool
		want    []string // change layer/zone caused-by kind:layer@version
		causes  int
	}{
		{"nothing differs", before, false, nil, 0},
		{"a new layer version moves a zone away and brings another",
			resp("prohibited", "gl", []geo.LayerVersion{lv("green-corridors", 2), lv("xinmeng-band", 1)},
				hit("green-corridors", 2, "green-new", "inside", 0, "prohibited", "gl"),
				hit("xinmeng-band", 1, "band-land", "within_distance", 500, "restricted", "b")),
			true, []string{"removed green-corridors/green-a layer:green-corridors@2", "added green-corridors/green-new layer:green-corridors@2"}, 1},
		{"the same zone in a new version, unchanged, is no difference",
			resp("restricted", "g", []geo.LayerVersion{lv("green-corridors", 2), lv("xinmeng-band", 1)},
				hit("green-corridors", 2, "green-a", "inside", 0, "restricted", "g"),
				hit("xinmeng-band", 1, "band-land", "within_distance", 500, "restricted", "b")),
			false, nil, 1},
		{"another day's rule, same versions",
			resp("prohibited", "b2", []geo.LayerVersion{lv("green-corridors", 1), lv("xinmeng-band", 1)},
				hit("green-corridors", 1, "green-a", "inside", 0, "restricted", "g"),
				hit("xinmeng-band", 1, "band-land", "within_distance", 500, "prohibited", "b2")),
			true, []string{"changed xinmeng-band/band-land rules:2026.12.1"}, 0},
		{"a distance that changed",
			resp("restricted", "g", []geo.LayerVersion{lv("green-corridors", 1), lv("xinmeng-band", 2)},
				hit("green-corridors", 1, "green-a", "inside", 0, "restricted", "g"),
				hit("xinmeng-band", 2, "band-land", "within_distance", 620.5, "restricted", "b")),
			false, []string{"changed xinmeng-band/band-land layer:xinmeng-band@2"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := diffOf("id", before, tc.after, rules)
			var got []string
			for _, h := range d.Hits {
				c := h.CausedBy
				cause := c.Kind + ":" + c.RulesVersion
				if c.Kind == "layer" {
					cause = c.Kind + ":" + c.Layer + "@" + strconv.FormatInt(c.Version, 10)
					if c.RecordedAt.IsZero() || c.ValidFrom.IsZero() {
						t.Errorf("cause %+v lacks its times", c)
					}
				}
				got = append(got, h.Change+" "+h.Layer+"/"+h.ZoneID+" "+cause)
			}
			if d.Changed != tc.changed || len(d.Causes) != tc.causes || len(got) != len(tc.want) {
				t.Fatalf("changed %v, causes %+v, hits %q; want %v, %d causes, %q", d.Changed, d.Causes, got, tc.changed, tc.causes, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("hit %d: %q, want %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}
