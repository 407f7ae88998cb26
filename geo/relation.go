package geo

import "github.com/paulmach/orb"

// Relation is one zone a site lies in, overlaps or lies within the distance
// of. Stores compute relations; Judge turns them into hits with rules.
type Relation struct {
	Layer        string `json:"layer"`
	LayerVersion int64  `json:"-"`
	ZoneKind     string `json:"-"`
	ZoneID       string `json:"zone_id"`
	ZoneName     Text   `json:"zone_name"`
	Subzone      string `json:"subzone,omitempty"`
	Basis        string `json:"basis,omitempty"`
	Status       string `json:"zone_status,omitempty"`
	// Origin is set when the zone is measured from surfaces derived from a
	// centre line and a declared half-width, not surveyed ones.
	Origin       *Origin      `json:"origin,omitempty"`
	Relation     string       `json:"relation"` // inside | overlaps | within_distance
	DistanceM    float64      `json:"distance_m"`
	OverlapM2    float64      `json:"overlap_m2"`
	OverlapRatio float64      `json:"overlap_ratio"`
	Conflict     orb.Geometry `json:"-"` // lon/lat part of the site in the zone (nil for points)
	// Nearest is the shortest line (lon/lat) from the site to the zone's
	// source, for distance zones; maps draw it.
	Nearest orb.LineString `json:"-"`
}

// Coverage says how much of a site lies in the district.
type Coverage struct {
	Inside      bool    `json:"inside"`       // some part of the site lies in the district
	Whole       bool    `json:"whole"`        // the whole site lies in the district
	InsideRatio float64 `json:"inside_ratio"` // share of the site inside
}

// Relations is a store's whole answer for one site.
type Relations struct {
	Coverage Coverage
	Hits     []Relation
	Layers   []LayerVersion
}
