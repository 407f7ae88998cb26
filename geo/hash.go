package geo

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/paulmach/orb"
)

// DecisionHashTag is the first line of the decision hash's preimage. It
// names the preimage's layout: v1 had no facts; v2 added them; v3 added
// the knowledge time (known_at) after as_of.
const DecisionHashTag = "ecospace-decision-v3"

// DecisionHash fingerprints a decision: the site (lon/lat at GeoJSON
// precision), category, declared facts, as_of, rules version, layer
// versions, verdict, the knowledge time and each hit's layer, zone,
// relation, effect and rule.
// Measured distances and areas are left out, so that two stores whose
// arithmetic differs in the last centimetre still give the same hash for
// the same decision. Questions, citations, the absent layers and the data
// status are not hashed either: they follow from the rules version, the
// layer versions and the facts, which are.
//
// The preimage is, line by line: DecisionHashTag, the site's GeoJSON,
// category, as_of, known_at (RFC 3339 in UTC with its fraction, as the
// answer writes it), rules version, verdict, the sorted "layer@version" list
// joined by commas, the sorted "fact=true|false" list of the declared
// facts joined by commas ("" for none), then one sorted
// "layer|zone|relation|effect|rule" line per hit. Permit systems file the
// hash, so the preimage of a tag never changes (TestDecisionHashStable
// pins it); it is built with appends because it is computed for every
// check.
func DecisionHash(site orb.Geometry, v Verdict) string {
	b := make([]byte, 0, 256+64*(len(v.Layers)+len(v.Hits))+32*len(v.Facts))
	b = append(b, DecisionHashTag...)
	b = append(b, '\n')
	b = AppendGeometry(b, site)
	for _, s := range [...]string{v.Category, v.AsOf.String(), FormatKnownAt(v.KnownAt), v.RulesVersion, v.Verdict} {
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
	b = append(b, '\n')
	for i, f := range sortedKeys(v.Facts) {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendBool(append(append(b, f...), '='), v.Facts[f])
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

// FormatKnownAt writes a knowledge time as answers, the audit and the
// decision hash write it: RFC 3339 in UTC, with as many fraction digits
// as it has.
func FormatKnownAt(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}
