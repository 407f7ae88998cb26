package check

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/zhonglou/ecospace/geo"
)

// Response is the answer to a siting check, filed and returned again by
// GET /api/v1/checks/{id}. Its members, in document order: Head's,
// conflicts, nearest, Tail's, site.
type Response struct {
	Head
	Conflicts json.RawMessage `json:"conflicts"`
	Nearest   json.RawMessage `json:"nearest"`
	Tail
	Site json.RawMessage `json:"site"`
}

// Head is the first part of a response: the verdict and the hits.
type Head struct {
	CheckID      string       `json:"check_id"`
	Verdict      string       `json:"verdict"`
	Category     string       `json:"category"`
	CategoryName geo.Text     `json:"category_name"`
	Reference    string       `json:"reference,omitempty"`
	CRS          string       `json:"crs"`
	Coverage     geo.Coverage `json:"coverage"`
	Notes        []geo.Text   `json:"notes,omitempty"`
	Hits         []geo.Hit    `json:"hits"`
}

// Tail is the part after the drawn collections: what the decision was
// made with, when, and its hash.
type Tail struct {
	Layers       []geo.LayerVersion `json:"layers"`
	RulesVersion string             `json:"rules_version"`
	AsOf         geo.Date           `json:"as_of"`
	CheckedAt    time.Time          `json:"checked_at"`
	DecisionHash string             `json:"decision_hash"`
}

// conflictCollections draws the parts of the site in each zone, and the
// shortest line to each distance zone's source. Their properties are
// written by hand, keys sorted as encoding/json sorts a map's.
func conflictCollections(hits []geo.Hit) (conf, near json.RawMessage, err error) {
	conf = []byte(`{"type":"FeatureCollection","features":[`)
	near = []byte(`{"type":"FeatureCollection","features":[`)
	var props []byte
	nc, nn := 0, 0
	for i, h := range hits {
		drawNearest := len(h.Nearest) == 2 && h.DistanceM > 0
		if h.Conflict == nil && !drawNearest {
			continue
		}
		props = append(props[:0], `{"distance_m":`...)
		if props, err = geo.AppendFloat(props, round2(h.DistanceM)); err != nil {
			return nil, nil, fmt.Errorf("hit %d distance_m: %w", i, err)
		}
		props = geo.AppendString(append(props, `,"effect":`...), h.Effect)
		props = geo.AppendString(append(props, `,"layer":`...), h.Layer)
		props = geo.AppendString(append(props, `,"zone_id":`...), h.ZoneID)
		props = append(props, '}')
		id := h.Layer + "/" + h.ZoneID
		if h.Conflict != nil {
			if nc > 0 {
				conf = append(conf, ',')
			}
			conf = geo.AppendFeatureJSON(conf, id, h.Conflict, props)
			nc++
		}
		if drawNearest {
			if nn > 0 {
				near = append(near, ',')
			}
			near = geo.AppendFeatureJSON(near, id, h.Nearest, props)
			nn++
		}
	}
	return append(conf, "]}"...), append(near, "]}"...), nil
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
