package geo

import "math"

// Measures in answers are rounded: distances to the millimetre, areas to
// the square centimetre, shares to six decimals. The stores compute them
// exactly (and differ from each other in the last nanometres); what a
// permit officer reads, files and compares is the rounded value. Rounding
// never changes a decision: membership is decided on the exact values
// before, and the decision hash leaves measures out.
const (
	roundDistance = 1e3 // per metre: millimetres
	roundArea     = 1e4 // per m²: square centimetres
	roundRatio    = 1e6
)

// RoundDistance rounds metres to the millimetre.
func RoundDistance(m float64) float64 { return roundTo(m, roundDistance) }

// RoundArea rounds square metres to the square centimetre.
func RoundArea(m2 float64) float64 { return roundTo(m2, roundArea) }

// RoundRatio rounds a share in [0, 1] to six decimals. (The relation,
// inside or overlaps, and Coverage.Whole say whether it is the whole.)
func RoundRatio(r float64) float64 { return roundTo(r, roundRatio) }

// RoundMeasures rounds a relation's distance, overlap area and share.
func RoundMeasures(r *Relation) {
	r.DistanceM = RoundDistance(r.DistanceM)
	r.OverlapM2 = RoundArea(r.OverlapM2)
	r.OverlapRatio = RoundRatio(r.OverlapRatio)
}

func roundTo(x, per float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	return math.Round(x*per) / per
}
