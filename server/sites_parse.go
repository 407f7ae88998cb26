package server

import (
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/problem"
)

// POST /api/v1/sites/parse: a 用地报盘 TXT in, its 地块 out as a GeoJSON
// FeatureCollection in lon/lat, for the map to draw an uploaded file
// before it is checked. It files nothing and judges nothing, so it needs
// a key only where map reads do (--require-key-reads).

// ParsedSites is the answer: RFC 7946 with foreign members saying how
// the file was read.
type ParsedSites struct {
	Type string `json:"type"` // FeatureCollection
	// Encoding the text was read in: UTF-8, GBK, GB18030, …
	Encoding string `json:"encoding"`
	// SourceCRS: EPSG:4528 when the eastings carried the zone number 40,
	// else EPSG:4549.
	SourceCRS string `json:"source_crs"`
	// Attributes are the [属性描述] lines, key → value.
	Attributes map[string]string `json:"attributes"`
	Warnings   []string          `json:"warnings"`
	Features   []ParsedSite      `json:"features"`
}

// ParsedSite is one 地块.
type ParsedSite struct {
	Type       string          `json:"type"` // Feature
	ID         int             `json:"id"`   // the 地块's index, 1-based
	Geometry   json.RawMessage `json:"geometry"`
	Properties ParsedSiteProps `json:"properties"`
}

// ParsedSiteProps are a 地块's properties.
type ParsedSiteProps struct {
	Index     int    `json:"index"`     // 1-based, in file order
	Reference string `json:"reference"` // 地块编号, else 地块名称, else index
	Number    string `json:"number"`    // 地块编号 ("" when blank)
	Name      string `json:"name"`      // 地块名称
	Use       string `json:"use"`       // 地块用途
	LandCode  string `json:"land_code"` // 地类编码
	// DeclaredAreaHa is 地块面积 as the file states it (公顷); null when blank.
	DeclaredAreaHa *float64 `json:"declared_area_ha"`
	// AreaM2 is the area measured in EPSG:4549, to the square centimetre:
	// the area a check measures.
	AreaM2 float64 `json:"area_m2"`
	Rings  int     `json:"rings"`
	Points int     `json:"points"` // 界址点 lines, closing points included
	Line   int     `json:"line"`   // the line of the 地块's header
	// PointNames are the 点号 of the 界址点: an array a ring, in the
	// geometry's ring order, each ring's in the geometry's vertex order,
	// the closing point left out (the reader may have reversed or
	// reordered rings; the names follow).
	PointNames [][]string `json:"point_names"`
	// Points4549 are the same 界址点 as the file writes them, [X
	// (northing), Y (easting)] in EPSG:4549 metres without the zone
	// number, to the millimetre: the lon/lat of the geometry carry 6
	// decimals (some 5 cm).
	Points4549 [][][2]float64 `json:"points_4549"`
}

// parseSites answers POST /api/v1/sites/parse.
func (s *Server) parseSites(c echo.Context) error {
	charset := ""
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, params, err := mime.ParseMediaType(ct)
	switch {
	case err == nil && (mt == "text/plain" || mt == "application/octet-stream"):
		charset = params["charset"]
	default:
		return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			fmt.Sprintf("send the 用地报盘 TXT as text/plain (charset optional), not %q", clip(ct)))
	}
	f, err := readTXTBody(c, charset, false)
	if err != nil {
		return err
	}
	if _, err := txtQuery(c, nil); err != nil {
		return err
	}
	out := ParsedSites{Type: "FeatureCollection", Encoding: f.Encoding, SourceCRS: string(geo.GK120),
		Attributes: map[string]string{}, Warnings: f.Warnings, Features: make([]ParsedSite, 0, len(f.Parcels))}
	if f.ZonePrefix {
		out.SourceCRS = "EPSG:4528"
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	for _, a := range f.Attributes {
		out.Attributes[a.Key] = a.Value
	}
	for _, p := range f.Parcels {
		props := ParsedSiteProps{Index: p.Index, Reference: p.Reference, Number: p.Number, Name: p.Name, Use: p.Use,
			LandCode: p.LandCode, AreaM2: geo.RoundArea(p.Site.Measure), Rings: p.Rings, Points: p.Points, Line: p.Line}
		props.PointNames, props.Points4549 = parsedPoints(p.RingPoints)
		if !math.IsNaN(p.DeclaredHa) {
			ha := p.DeclaredHa
			props.DeclaredAreaHa = &ha
			if d := math.Abs(ha*1e4 - p.Site.Measure); d > math.Max(1, 0.001*p.Site.Measure) && d/1e4 > halfLastDigit(ha) {
				out.Warnings = append(out.Warnings, fmt.Sprintf("地块 %s (line %d): 地块面积 %s 公顷 as written, %.2f m² as measured from its 界址点 (EPSG:4549)",
					p.Reference, p.Line, strconv.FormatFloat(ha, 'f', -1, 64), p.Site.Measure))
			}
		}
		out.Features = append(out.Features, ParsedSite{Type: "Feature", ID: p.Index, Geometry: geo.AppendGeometry(nil, p.Site.Geometry), Properties: props})
	}
	return c.JSON(http.StatusOK, out)
}

// parsedPoints splits the reader's 界址点 into their 点号 and metres.
func parsedPoints(rings [][]layerfile.TXTPoint) ([][]string, [][][2]float64) {
	names, metres := make([][]string, len(rings)), make([][][2]float64, len(rings))
	mm := func(v float64) float64 { return math.Round(v*1000) / 1000 }
	for i, r := range rings {
		names[i], metres[i] = make([]string, len(r)), make([][2]float64, len(r))
		for j, q := range r {
			names[i][j], metres[i][j] = q.Name, [2]float64{mm(q.X), mm(q.Y)}
		}
	}
	return names, metres
}

// halfLastDigit is half a unit of the last decimal ha is written with (a
// 地块面积 of 2.75 公顷 stands for 2.745–2.755).
func halfLastDigit(ha float64) float64 {
	s := strconv.FormatFloat(ha, 'f', -1, 64)
	_, frac, ok := strings.Cut(s, ".")
	if !ok {
		return 0.5
	}
	return 0.5 * math.Pow(10, -float64(len(frac)))
}
