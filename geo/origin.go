package geo

import (
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// Where a source's water surface came from when it was not drawn as one.
// A steward who has only a river's centre line imports it with a declared
// half-width; the import turns each line into the surface within that
// distance of it (SurfaceFromCentreLine), computed once in Go so that both
// stores hold the same surface, and marks each such feature with
// PropCentreLineHalfWidth. The bands derived from that source carry the
// same property, and the layer summaries and every hit that uses them say
// so (Origin).

// PropCentreLineHalfWidth is the feature property (metres) that marks a
// surface made from a centre line, and a band derived from one.
const PropCentreLineHalfWidth = "centre_line_half_width_m"

// OriginCentreLine is Origin.Kind for a surface made from a centre line.
const OriginCentreLine = "centre-line"

// MaxHalfWidthM bounds a declared half-width: no river or canal of the
// province is 10 km wide, and a bigger number is a unit mistake.
const MaxHalfWidthM = 5000

// Origin says that a layer's surfaces, or the surfaces a band is measured
// from, were derived from a centre line and a declared half-width.
type Origin struct {
	Kind       string  `json:"kind"`
	HalfWidthM float64 `json:"half_width_m"`
	Note       Text    `json:"note"`
}

// CentreLineOrigin is the origin of surfaces made from a centre line
// ± halfWidthM.
func CentreLineOrigin(halfWidthM float64) *Origin {
	w := strconv.FormatFloat(halfWidthM, 'f', -1, 64)
	return &Origin{
		Kind: OriginCentreLine, HalfWidthM: halfWidthM,
		Note: Text{
			ZH: "岸线由中心线两侧各" + w + "米推算（非实测水面）",
			EN: "origin derived from a centre line ± " + w + " m (not a surveyed water surface)",
		},
	}
}

// OriginOf reads a feature's origin from its properties: nil when the
// feature was drawn as it is.
func OriginOf(props map[string]any) *Origin {
	w, ok := props[PropCentreLineHalfWidth].(float64)
	if !ok || !(w > 0) || math.IsInf(w, 0) {
		return nil
	}
	return CentreLineOrigin(w)
}

// WiderOrigin folds the features' origins: the widest half-width wins (in
// any order, so that both stores fold to the same), nil when none has one.
func WiderOrigin(o, p *Origin) *Origin {
	if p == nil || (o != nil && o.HalfWidthM >= p.HalfWidthM) {
		return o
	}
	return p
}

// SurfaceFromCentreLine is everything within halfWidthM metres of a
// lon/lat line (LineString or MultiLineString), in lon/lat: the buffer is
// computed in EPSG:4549 with BufferQuadSegs segments per quarter circle
// (round ends and bends, as ST_Buffer draws it) and projected back.
func SurfaceFromCentreLine(g orb.Geometry, halfWidthM float64) (orb.Geometry, error) {
	if !(halfWidthM > 0) || halfWidthM > MaxHalfWidthM {
		return nil, fmt.Errorf("half-width %g m: want more than 0 and at most %d m", halfWidthM, MaxHalfWidthM)
	}
	switch g.(type) {
	case orb.LineString, orb.MultiLineString:
	default:
		return nil, fmt.Errorf("a centre line is a LineString or MultiLineString, not %s", g.GeoJSONType())
	}
	mp, err := BufferProjected(ProjectGeometry(g), halfWidthM, BufferQuadSegs)
	if err != nil {
		return nil, err
	}
	if len(mp) == 1 {
		return UnprojectGeometry(mp[0]), nil
	}
	return UnprojectGeometry(mp), nil
}
