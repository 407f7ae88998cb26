package check

import (
	"encoding/json"
	"fmt"
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

// Head is the first part of a response: the verdict, how far its data can
// be relied on, the facts it was given, the hits, the open questions and
// the layers known to be absent.
type Head struct {
	CheckID string `json:"check_id"`
	Verdict string `json:"verdict"`
	// DecidingRule is the rule of the first (most severe) hit; "" without
	// hits.
	DecidingRule string `json:"deciding_rule,omitempty"`
	// DataStatus is illustrative, estimated or official: the weakest
	// status of the layers consulted; DataStatusNote says what that
	// means unless it is official.
	DataStatus     string          `json:"data_status"`
	DataStatusNote geo.Text        `json:"data_status_note,omitzero"`
	Category       string          `json:"category"`
	CategoryName   geo.Text        `json:"category_name"`
	Facts          map[string]bool `json:"facts"` // as declared
	Reference      string          `json:"reference,omitempty"`
	CRS            string          `json:"crs"`
	Coverage       geo.Coverage    `json:"coverage"`
	Notes          []geo.Text      `json:"notes,omitempty"`
	Hits           []geo.Hit       `json:"hits"`
	// Questions are the undeclared facts whose answer would change the
	// verdict, with what each answer would give.
	Questions []geo.Question `json:"questions"`
	// Absent are the layers known not to exist in the district, stated in
	// every answer with the words that say so.
	Absent []geo.Absent `json:"absent"`
}

// Tail is the part after the drawn collections: what the decision was
// made with, when, and its hash.
type Tail struct {
	Layers       []geo.LayerVersion `json:"layers"`
	RulesVersion string             `json:"rules_version"`
	AsOf         geo.Date           `json:"as_of"`
	// KnownAt is the knowledge time the layer versions were chosen at
	// (UTC): the request's known_at, or when the check ran.
	KnownAt      time.Time `json:"known_at"`
	CheckedAt    time.Time `json:"checked_at"`
	DecisionHash string    `json:"decision_hash"`
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
		if props, err = geo.AppendFloat(props, geo.RoundDistance(h.DistanceM)); err != nil {
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
