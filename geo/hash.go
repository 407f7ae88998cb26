package geo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/paulmach/orb"
)

// DecisionHash fingerprints a decision: the site (lon/lat at GeoJSON
// precision), category, as_of, rules version, layer versions, verdict and
// each hit's layer, zone, relation, effect and rule. Measured distances and
// areas are left out, so that two stores whose arithmetic differs in the
// last centimetre still give the same hash for the same decision.
func DecisionHash(site orb.Geometry, v Verdict) string {
	var b strings.Builder
	b.WriteString("ecospace-decision-v1\n")
	b.Write(AppendGeometry(nil, site))
	fmt.Fprintf(&b, "\n%s\n%s\n%s\n%s\n", v.Category, v.AsOf, v.RulesVersion, v.Verdict)
	layers := make([]string, len(v.Layers))
	for i, l := range v.Layers {
		layers[i] = fmt.Sprintf("%s@%d", l.ID, l.Version)
	}
	sort.Strings(layers)
	b.WriteString(strings.Join(layers, ","))
	hits := make([]string, len(v.Hits))
	for i, h := range v.Hits {
		hits[i] = strings.Join([]string{h.Layer, h.ZoneID, h.Relation.Relation, h.Effect, h.RuleID}, "|")
	}
	sort.Strings(hits)
	b.WriteString("\n" + strings.Join(hits, "\n"))
	sum := sha256.Sum256([]byte(b.String()))
	return "sha256:" + hex.EncodeToString(sum[:])
}
