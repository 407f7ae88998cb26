package geo

import (
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// The decision hash is filed by the permit system and compared across
// releases: the same decision must keep the same hash. These values were
// computed by the first implementation; a change to the preimage fails here.
func TestDecisionHashStable(t *testing.T) {
	asOf := DateOf(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	hit := func(layer, zone, rel, effect, rule string) Hit {
		return Hit{Relation: Relation{Layer: layer, ZoneID: zone, Relation: rel, DistanceM: 12.5}, Effect: effect, RuleID: rule}
	}
	v := Verdict{
		Verdict: "prohibited", Category: "chemical", RulesVersion: "2026.11.1", AsOf: asOf,
		Layers: []LayerVersion{{ID: "xinmeng-band", Version: 3}, {ID: "canal", Version: 1}, {ID: "district", Version: 12}},
		Hits: []Hit{
			hit("xinmeng-band", "xinmeng-band-1000", "within_distance", "prohibited", "river-band.chemical"),
			hit("green-corridors", "green-xinmeng", "inside", "prohibited", "green-line.chemical"),
		},
	}
	tests := []struct {
		name string
		site orb.Geometry
		v    Verdict
		want string
	}{
		{"point with hits", orb.Point{119.761976, 31.784743}, v, "sha256:b3d8573b8127f614cad44770b321853330a427be202b5612835ae1dbfc3532d8"},
		{"polygon, no hits", orb.Polygon{{{119.8, 31.8}, {119.81, 31.8}, {119.81, 31.81}, {119.8, 31.8}}},
			Verdict{Verdict: "allowed", Category: "housing", RulesVersion: "2026.11.1", AsOf: asOf, Layers: v.Layers}, "sha256:031cf17c64df3675c689589684ead9e45e68d2b933b25d27d18d436f31a3d74b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DecisionHash(tt.site, tt.v); got != tt.want {
				t.Errorf("DecisionHash = %s, want %s", got, tt.want)
			}
		})
	}
	// Measured distances are not part of the decision.
	w := v
	w.Hits = append([]Hit(nil), v.Hits...)
	w.Hits[0].DistanceM = 13
	if DecisionHash(orb.Point{119.761976, 31.784743}, w) != tests[0].want {
		t.Error("the hash changed with a distance")
	}
}
