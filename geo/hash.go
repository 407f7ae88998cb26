package geo

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
)

// DecisionHash fingerprints a decision: the site (lon/lat at GeoJSON
// precision), category, as_of, rules version, layer versions, verdict and
// each hit's layer, zone, relation, effect and rule. Measured distances and
// areas are left out, so that two stores whose arithmetic differs in the
// last centimetre still give the same hash for the same decision.
//
// The preimage is, line by line: "ecospace-decision-v1", the site's GeoJSON,
// category, as_of, rules version, verdict, the sorted "layer@version" list
// joined by commas, then one sorted "layer|zone|relation|effect|rule" line
// per hit. Permit systems file the hash, so the preimage never changes
// (TestDecisionHashStable pins it); it is built with appends because it is
// computed for every check.
func DecisionHash(site orb.Geometry, v Verdict) string {
	b := make([]byte, 0, 256+64*(len(v.Layers)+len(v.Hits)))
	b = append(b, "ecospace-decision-v1\n"...)
	b = AppendGeometry(b, site)
	for _, s := range [...]string{v.Category, v.AsOf.String(), v.RulesVersion, v.Verdict} {
		b = append(b, '\n')
		b = append(b, s...)
	}
	b = append(b, '\n')
	layers := make([]string, len(v.Layers))
	for i, l := range v.Layers {
		layers[i] = l.ID + "@" + strconv.FormatInt(l.Version, 10)
	}
	slices.Sort(layers)
	for i, l := range layers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, l...)
	}
	hits := make([]string, len(v.Hits))
	for i, h := range v.Hits {
		hits[i] = h.Layer + "|" + h.ZoneID + "|" + h.Relation.Relation + "|" + h.Effect + "|" + h.RuleID
	}
	slices.Sort(hits)
	b = append(b, '\n')
	for i, h := range hits {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, h...)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
