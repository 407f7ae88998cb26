package check

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb/planar"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// The matrix answers "what may be built here": every category's verdict
// for one site. The relations of a site do not depend on the category, so
// it asks the store once and judges them once per category: far cheaper
// than one check per category, and the same verdicts (a row's full check
// is an ordinary POST /api/v1/checks). It is a screening: nothing is
// filed, so it has no check id or decision hash.

// MatrixRequest is the body of POST /api/v1/checks/matrix: a check
// request without a category.
type MatrixRequest struct {
	Geometry json.RawMessage `json:"geometry"`
	// Category is refused when given: the matrix answers every one.
	Category string `json:"category,omitempty"`
	CRS      string `json:"crs"`
	AsOf     string `json:"as_of"`
	// KnownAt is the knowledge time, as a check's (default now).
	KnownAt   string          `json:"known_at"`
	Reference string          `json:"reference"`
	Facts     json.RawMessage `json:"facts"`
}

// Matrix is the answer: the site, one row per category in the rules'
// order (GET /api/v1/categories), and what the answer was made with.
type Matrix struct {
	AsOf           geo.Date           `json:"as_of"`
	KnownAt        time.Time          `json:"known_at"`
	RulesVersion   string             `json:"rules_version"`
	Reference      string             `json:"reference,omitempty"`
	Facts          map[string]bool    `json:"facts"`
	Site           MatrixSite         `json:"site"`
	Coverage       geo.Coverage       `json:"coverage"`
	Rows           []MatrixRow        `json:"rows"`
	DataStatus     string             `json:"data_status"`
	DataStatusNote geo.Text           `json:"data_status_note,omitzero"`
	Layers         []geo.LayerVersion `json:"layers"`
}

// MatrixSite says what the site is: its kind (point, line or polygon),
// its area in EPSG:4549 square metres (0 for a point or line; the whole
// site, before any clipping to the district), its length for a line, and
// its centroid in lon/lat.
type MatrixSite struct {
	Kind     string     `json:"kind"`
	AreaM2   float64    `json:"area_m2"`
	LengthM  float64    `json:"length_m,omitempty"`
	Centroid [2]float64 `json:"centroid"`
}

// MatrixRow is one category's verdict: its deciding rule (null without
// hits), that rule's deciding citation (null when none) and the facts
// whose answer would change the verdict.
type MatrixRow struct {
	Category  string          `json:"category"`
	NameZH    string          `json:"name_zh"`
	NameEN    string          `json:"name_en"`
	Verdict   string          `json:"verdict"`
	Rule      *string         `json:"rule"`
	Citation  *MatrixCitation `json:"citation"`
	Questions []string        `json:"questions"`
}

// MatrixCitation names where a rule's deciding citation is: the document
// id, article and item ("" where there is none).
type MatrixCitation struct {
	Document string `json:"document"`
	Article  string `json:"article"`
	Item     string `json:"item"`
}

// Site kinds of a matrix.
const (
	KindPoint   = "point"
	KindLine    = "line"
	KindPolygon = "polygon"
)

// Matrix validates req as a check's request (all but the category) and
// answers every category for its site with one Relate and one Judge per
// category. Bad input is an *InputError or a *geo.InputError, as Check's.
func (c *Checker) Matrix(ctx context.Context, req MatrixRequest) (*Matrix, error) {
	if req.Category != "" {
		return nil, badInput("category-in-matrix", "Category not taken", "/category",
			"the matrix answers every category; leave category out (POST /api/v1/checks checks one)")
	}
	in := &Input{}
	creq := Request{Geometry: req.Geometry, CRS: req.CRS, AsOf: req.AsOf, KnownAt: req.KnownAt, Reference: req.Reference, Facts: req.Facts}
	if err := c.validateSite(ctx, creq, "", in); err != nil {
		return nil, err
	}
	rel, err := c.relate(ctx, in.Site, data.At{AsOf: in.AsOf, KnownAt: in.KnownAt})
	if err != nil {
		return nil, err
	}
	m := &Matrix{
		AsOf: geo.DateOf(in.AsOf), KnownAt: in.KnownAt.UTC(), RulesVersion: c.rules.Version, Reference: in.Reference,
		Facts: map[string]bool{}, Site: siteSummary(in.Site), Rows: make([]MatrixRow, 0, len(c.rules.Categories)),
		Layers: append([]geo.LayerVersion{}, rel.Layers...),
	}
	for k, v := range in.Facts {
		m.Facts[k] = v
	}
	for _, cat := range c.rules.Categories {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		// A fact no rule of this category turns on changes nothing, and
		// Judge takes every fact the rules know: each row is the check of
		// that category with the facts as declared.
		v, err := geo.Judge(c.rules, rel, cat.ID, in.Facts, in.AsOf)
		if err != nil {
			return nil, fmt.Errorf("matrix %s: %w", cat.ID, err)
		}
		m.Coverage = v.Coverage
		row := MatrixRow{Category: cat.ID, NameZH: cat.Name.ZH, NameEN: cat.Name.EN, Verdict: v.Verdict, Questions: []string{}}
		if v.DecidingRule != "" {
			r := v.DecidingRule
			row.Rule = &r
		}
		if len(v.Hits) > 0 && len(v.Hits[0].Citations) > 0 {
			ct := v.Hits[0].Citations[0]
			row.Citation = &MatrixCitation{Document: ct.Document, Article: ct.Article, Item: ct.Item}
		}
		for _, q := range v.Questions {
			row.Questions = append(row.Questions, q.ID)
		}
		m.Rows = append(m.Rows, row)
	}
	m.DataStatus, m.DataStatusNote = geo.DataStatus(rel.Layers)
	return m, nil
}

// siteSummary describes a site for the matrix: kind, area or length
// (rounded as every answer rounds them) and centroid (EPSG:4549 planar
// centroid, to 1e-7°).
func siteSummary(s *geo.Site) MatrixSite {
	ms := MatrixSite{Kind: KindPoint}
	switch s.Dim {
	case 1:
		ms.Kind, ms.LengthM = KindLine, geo.RoundDistance(s.Whole)
	case 2:
		ms.Kind, ms.AreaM2 = KindPolygon, geo.RoundArea(s.Whole)
	}
	c, _ := planar.CentroidArea(s.Projected)
	lon, lat := geo.FromGK(c[0], c[1])
	ms.Centroid = [2]float64{roundDeg(lon), roundDeg(lat)}
	return ms
}

func roundDeg(d float64) float64 { return math.Round(d*1e7) / 1e7 }
