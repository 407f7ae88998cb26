package geo

import (
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// The decision hash is filed by the permit system and compared across
// releases: the same decision must keep the same hash. These values pin the
// preimage of DecisionHashTag (ecospace-decision-v3: v1 plus the declared
// facts (v2) and the knowledge time (v3)); a change to the preimage fails
// here, and a new layout needs a new tag. The first value was checked against a preimage written out by hand
// (as the DecisionHash comment lays it out) and hashed with another tool.
func TestDecisionHashStable(t *testing.T) {
	if DecisionHashTag != "ecospace-decision-v3" {
		t.Fatalf("tag %q", DecisionHashTag)
	}
	asOf := DateOf(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	known := time.Date(2026, 6, 2, 3, 4, 5, 123000000, time.UTC)
	hit := func(layer, zone, rel, effect, rule string) Hit {
		return Hit{Relation: Relation{Layer: layer, ZoneID: zone, Relation: rel, DistanceM: 12.5}, Effect: effect, RuleID: rule}
	}
	v := Verdict{
		Verdict: "prohibited", Category: "polluting-industry", RulesVersion: "2026.12.1", AsOf: asOf, KnownAt: known,
		Facts:  map[string]bool{"discharges_to_water": true, "emits_n_p": false},
		Layers: []LayerVersion{{ID: "xinmeng-band", Version: 3}, {ID: "canal", Version: 1}, {ID: "district", Version: 12}},
		Hits: []Hit{
			hit("xinmeng-band", "xinmeng-band-land", "within_distance", "prohibited", "river-band.polluting-industry.if-discharges_to_water"),
			hit("taihu-tier", "zhonglou-tier-3", "inside", "restricted", "taihu-tier.tier-3.polluting-industry.if-discharges_to_water.if-not-emits_n_p"),
		},
	}
	tests := []struct {
		name string
		site orb.Geometry
		v    Verdict
		want string
	}{
		{"point with hits and facts", orb.Point{119.761976, 31.784743}, v, "sha256:868d83124fbb8bb93869a0bb1a0be333d5b56831827985e202f4e9ba11750b0d"},
		{"polygon, no hits, no facts", orb.Polygon{{{119.8, 31.8}, {119.81, 31.8}, {119.81, 31.81}, {119.8, 31.8}}},
			Verdict{Verdict: "allowed", Category: "residential", RulesVersion: "2026.12.1", AsOf: asOf, KnownAt: known, Layers: v.Layers}, "sha256:9156acbc5e432f85074edf30114b6316285df7ed4f4ee0f288ed3089f00a3623"},
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
	// The declared facts are: another answer, or a fact left undeclared,
	// is another decision.
	for _, facts := range []map[string]bool{{"discharges_to_water": true, "emits_n_p": true}, {"discharges_to_water": true}, nil} {
		w := v
		w.Facts = facts
		if DecisionHash(orb.Point{119.761976, 31.784743}, w) == tests[0].want {
			t.Errorf("facts %v give the same hash as %v", facts, v.Facts)
		}
	}
	// The knowledge time is: the same site and day known at another time
	// is another decision, though its verdict be the same.
	w = v
	w.KnownAt = known.Add(time.Millisecond)
	if DecisionHash(orb.Point{119.761976, 31.784743}, w) == tests[0].want {
		t.Error("another known_at gives the same hash")
	}
	// An empty map and nil are the same: nothing declared.
	w = tests[1].v
	w.Facts = map[string]bool{}
	if DecisionHash(tests[1].site, w) != tests[1].want {
		t.Error("an empty facts map hashes differently from none")
	}
}
