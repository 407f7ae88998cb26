package check

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// How far to move: the smallest move of a site after which its check is at
// least as mild as a target verdict, within a radius, keeping the whole
// site in the district. The geometry of the search is geo's (MoveField);
// this file builds the field from the store's features and the rules, and
// verifies candidate moves, nearest first, with real checks (Relate and
// Judge, as POST /api/v1/checks answers them), so a move is only ever
// answered when its own check says so. Nothing is filed: the moved site's
// check is an ordinary POST /api/v1/checks.

// Limits of a move search.
const (
	DefaultMoveRadiusM = 5000
	MaxMoveRadiusM     = 20000
	// MoveDirections is how many directions a line or area is translated
	// along (1° apart); each is exact along its direction.
	MoveDirections = 360
	// moveChecks bounds the real checks one search may make.
	moveChecks = 32
	// movedDecimals: a moved site's lon/lat is rounded to 1e-8° (about a
	// millimetre), and that rounded geometry is what is checked and
	// answered, so that checking the answer's moved_geometry again gives
	// the same verdict.
	movedDecimals = 1e8
)

// MoveRequest is the body of POST /api/v1/checks/move: a check request,
// the mildest verdict acceptable (target: allowed, the default, or
// restricted) and the search radius in metres (default 5 000, at most
// 20 000).
type MoveRequest struct {
	Geometry json.RawMessage `json:"geometry"`
	Category string          `json:"category"`
	CRS      string          `json:"crs"`
	AsOf     string          `json:"as_of"`
	// KnownAt is the knowledge time, as a check's (default now).
	KnownAt   string          `json:"known_at"`
	Reference string          `json:"reference"`
	Facts     json.RawMessage `json:"facts"`
	Target    string          `json:"target"`
	RadiusM   *float64        `json:"radius_m"`
}

// Move is the answer. Found: DistanceM and the offsets (EPSG:4549
// metres east and north), the grid bearing and its compass direction, the
// moved site (lon/lat) and its verdict; a site that meets the target
// already has DistanceM 0 and no direction. Not found: a message.
type Move struct {
	FromVerdict   string          `json:"from_verdict"`
	Target        string          `json:"target"`
	Found         bool            `json:"found"`
	DistanceM     *float64        `json:"distance_m,omitempty"`
	BearingDeg    *float64        `json:"bearing_deg,omitempty"`
	DirectionZH   string          `json:"direction_zh,omitempty"`
	DirectionEN   string          `json:"direction_en,omitempty"`
	DxM           *float64        `json:"dx_m,omitempty"`
	DyM           *float64        `json:"dy_m,omitempty"`
	MovedGeometry json.RawMessage `json:"moved_geometry,omitempty"`
	MovedVerdict  string          `json:"moved_verdict,omitempty"`
	// Arrow is the move as a line (lon/lat) from the site's centroid to
	// the moved site's, for a map to draw; absent unless it moves.
	Arrow        json.RawMessage `json:"arrow,omitempty"`
	RadiusM      float64         `json:"radius_m"`
	MessageZH    string          `json:"message_zh,omitempty"`
	MessageEN    string          `json:"message_en,omitempty"`
	Category     string          `json:"category"`
	Facts        map[string]bool `json:"facts"`
	AsOf         geo.Date        `json:"as_of"`
	KnownAt      time.Time       `json:"known_at"`
	RulesVersion string          `json:"rules_version"`
	// Method says how the move was searched: nearest-point (a point, exact
	// to a few centimetres) or directions (a line or area, exact along
	// each of MoveDirections directions and of the closer look around the
	// best of them).
	Method string `json:"method"`
}

// Move methods.
const (
	MethodNearestPoint = "nearest-point"
	MethodDirections   = "directions"
)

// Move validates req and searches for the smallest move of its site after
// which the check is at least as mild as the target. Bad input is an
// *InputError or a *geo.InputError.
func (c *Checker) Move(ctx context.Context, req MoveRequest) (*Move, error) {
	in, err := c.ValidateContext(ctx, Request{Geometry: req.Geometry, Category: req.Category, CRS: req.CRS,
		AsOf: req.AsOf, KnownAt: req.KnownAt, Reference: req.Reference, Facts: req.Facts}, "")
	if err != nil {
		return nil, err
	}
	target := req.Target
	switch target {
	case "":
		target = geo.EffectAllowed
	case geo.EffectAllowed, geo.EffectRestricted:
	default:
		return nil, badInput("invalid-target", "Invalid target", "/target",
			"target is the mildest verdict acceptable: allowed (the default) or restricted, not %q", clip(target))
	}
	radius := float64(DefaultMoveRadiusM)
	if req.RadiusM != nil {
		radius = *req.RadiusM
		if !(radius >= 1 && radius <= MaxMoveRadiusM) {
			return nil, badInput("invalid-radius", "Invalid radius", "/radius_m",
				"radius_m is the search radius in metres, from 1 to %d (default %d), not %g", MaxMoveRadiusM, DefaultMoveRadiusM, radius)
		}
	}
	from, err := c.judgeSite(ctx, in, in.Site)
	if err != nil {
		return nil, err
	}
	if from.Verdict == geo.VerdictOutsideCoverage {
		return nil, &InputError{Status: statusUnprocessable, Slug: "outside-coverage", Title: "Site outside the district", Pointer: "/geometry",
			Detail: "no part of the site lies in the district, so there is no verdict to improve; send a site in Zhonglou District"}
	}
	m := &Move{FromVerdict: from.Verdict, Target: target, RadiusM: radius, Category: in.Category.ID, Facts: from.Facts,
		AsOf: from.AsOf, KnownAt: in.KnownAt.UTC(), RulesVersion: from.RulesVersion, Method: MethodNearestPoint}
	if in.Site.Dim > 0 {
		m.Method = MethodDirections
	}
	if meets(from, target) {
		m.Found, m.MovedVerdict = true, from.Verdict
		zero := 0.0
		m.DistanceM, m.DxM, m.DyM = &zero, &zero, &zero
		m.MovedGeometry = geo.AppendGeometry(nil, in.Site.Geometry)
		return m, nil
	}
	field, err := c.moveField(ctx, in, target, radius)
	if err != nil {
		return nil, err
	}
	checks := 0
	for _, batch := range []struct {
		method string
		find   func() ([]geo.Translation, error)
	}{
		{MethodNearestPoint, func() ([]geo.Translation, error) { return pointCandidates(ctx, field, in.Site, radius) }},
		{MethodDirections, func() ([]geo.Translation, error) { return directionCandidates(ctx, field, in.Site, radius) }},
	} {
		trs, err := batch.find()
		if err != nil {
			return nil, fmt.Errorf("move: %w", err)
		}
		for _, tr := range trs {
			if checks == moveChecks {
				break
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			moved := roundLonLat(geo.UnprojectGeometry(translate(in.Site.Projected, tr)))
			site, err := geo.SiteFromLonLat(moved)
			if err != nil {
				continue // rounding spoilt it: the next candidate
			}
			checks++
			v, err := c.judgeSite(ctx, in, site)
			if err != nil {
				return nil, err
			}
			if !meets(v, target) {
				continue
			}
			m.Method = batch.method
			if err := m.setFound(tr, in.Site.Projected, moved, v.Verdict); err != nil {
				return nil, err
			}
			return m, nil
		}
	}
	m.setNotFound()
	return m, nil
}

// setNotFound says that nothing within the radius complies.
func (m *Move) setNotFound() {
	radius := m.RadiusM
	zh, en := strconv.FormatFloat(radius/1000, 'f', -1, 64)+" 公里", strconv.FormatFloat(radius/1000, 'f', -1, 64)+" km"
	if radius < 1000 {
		zh, en = strconv.FormatFloat(radius, 'f', -1, 64)+" 米", strconv.FormatFloat(radius, 'f', -1, 64)+" m"
	}
	m.MessageZH = fmt.Sprintf("%s内没有可使结论达到“%s”的位置（移动后须仍在钟楼区内）", zh, verdictZH[m.Target])
	m.MessageEN = fmt.Sprintf("nothing complies within %s: no move of the site within %s that keeps it in the district makes the answer %s", en, en, m.Target)
}

// judgeSite relates and judges a site for the request's category, facts
// and day.
func (c *Checker) judgeSite(ctx context.Context, in *Input, site *geo.Site) (geo.Verdict, error) {
	rel, err := c.relate(ctx, site, data.At{AsOf: in.AsOf, KnownAt: in.KnownAt})
	if err != nil {
		return geo.Verdict{}, err
	}
	v, err := geo.Judge(c.rules, rel, in.Category.ID, in.Facts, in.AsOf)
	if err != nil {
		return geo.Verdict{}, fmt.Errorf("move: %w", err)
	}
	return v, nil
}

// meets reports whether a verdict is at least as mild as the target, for
// a site wholly in the district.
func meets(v geo.Verdict, target string) bool {
	s := geo.Severity(v.Verdict)
	return v.Coverage.Whole && s >= 0 && s <= geo.Severity(target)
}

var verdictZH = map[string]string{geo.EffectAllowed: "允许", geo.EffectRestricted: "限制"}

// pointCandidates are a point's nearest good positions as moves, nearest
// first; none for a line or area. Should the store disagree with all of
// them, Move goes on to the directions.
func pointCandidates(ctx context.Context, f *geo.MoveField, s *geo.Site, radius float64) ([]geo.Translation, error) {
	p, ok := s.Projected.(orb.Point)
	if !ok {
		return nil, nil
	}
	qs, err := f.PointMoves(ctx, p, radius, moveChecks/2)
	if err != nil {
		return nil, err
	}
	out := make([]geo.Translation, 0, len(qs))
	for _, q := range qs {
		out = append(out, geo.Translation{DX: q[0] - p[0], DY: q[1] - p[1]})
	}
	return out, nil
}

// directionCandidates are the site's translations along MoveDirections
// directions, and along 40 more within 1° of the best of them (0.05°
// apart), shortest first.
func directionCandidates(ctx context.Context, f *geo.MoveField, s *geo.Site, radius float64) ([]geo.Translation, error) {
	trs, err := f.Translations(ctx, s.Projected, radius, MoveDirections)
	if err != nil || len(trs) == 0 {
		return trs, err
	}
	b := trs[0].Bearing()
	near := make([]float64, 0, 2*refineSteps)
	for k := -refineSteps; k <= refineSteps; k++ {
		if k != 0 {
			near = append(near, b+float64(k)*refineStepDeg)
		}
	}
	fine, err := f.TranslationsAlong(ctx, s.Projected, radius, near)
	if err != nil {
		return nil, err
	}
	trs = append(fine, trs...)
	slices.SortStableFunc(trs, func(a, b geo.Translation) int { return cmp.Compare(a.Length(), b.Length()) })
	return trs, nil
}

// The closer look around the best direction: refineSteps steps of
// refineStepDeg on either side.
const (
	refineSteps   = 20
	refineStepDeg = 0.05
)

// setFound fills the answer in for a verified move.
func (m *Move) setFound(tr geo.Translation, from, moved orb.Geometry, verdict string) error {
	m.Found, m.MovedVerdict = true, verdict
	d, dx, dy := geo.RoundDistance(tr.Length()), geo.RoundDistance(tr.DX), geo.RoundDistance(tr.DY)
	m.DistanceM, m.DxM, m.DyM = &d, &dx, &dy
	b := math.Mod(math.Atan2(tr.DX, tr.DY)*180/math.Pi+360, 360)
	b = math.Round(b*10) / 10
	if b >= 360 {
		b = 0
	}
	m.BearingDeg = &b
	i := int(math.Floor((b+22.5)/45)) % 8
	m.DirectionZH, m.DirectionEN = compassZH[i], compassEN[i]
	var err error
	if m.MovedGeometry, err = geojson.NewGeometry(moved).MarshalJSON(); err != nil {
		return fmt.Errorf("move: encode the moved site: %w", err)
	}
	// The arrow a map draws: from the site's centroid (EPSG:4549) to
	// where the move takes it.
	c, _ := planar.CentroidArea(from)
	a0, a1 := orb.Point{c[0], c[1]}, orb.Point{c[0] + tr.DX, c[1] + tr.DY}
	arrow := roundLonLat(geo.UnprojectGeometry(orb.LineString{a0, a1}))
	if m.Arrow, err = geojson.NewGeometry(arrow).MarshalJSON(); err != nil {
		return fmt.Errorf("move: encode the arrow: %w", err)
	}
	return nil
}

var (
	compassZH = [8]string{"北", "东北", "东", "东南", "南", "西南", "西", "西北"}
	compassEN = [8]string{"N", "NE", "E", "SE", "S", "SW", "W", "NW"}
)

// translate moves a projected geometry by tr.
func translate(g orb.Geometry, tr geo.Translation) orb.Geometry {
	return geo.TransformGeometry(g, func(x, y float64) (float64, float64) { return x + tr.DX, y + tr.DY })
}

// roundLonLat rounds a lon/lat geometry to 1e-8°.
func roundLonLat(g orb.Geometry) orb.Geometry {
	return geo.TransformGeometry(g, func(x, y float64) (float64, float64) {
		return math.Round(x*movedDecimals) / movedDecimals, math.Round(y*movedDecimals) / movedDecimals
	})
}
