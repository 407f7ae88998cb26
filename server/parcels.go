package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/problem"
)

// The parcel register (layer kind register, `ecospace import --layer
// parcels --parcel-field 宗地号`): GET /api/v1/parcels/{number} finds a
// parcel by its number, for the map's search. The register is never
// judged; it answers where a parcel is.

// ParcelFeature is the answer: an RFC 7946 Feature in lon/lat, with the
// parcel's properties as imported and foreign members saying what it is.
type ParcelFeature struct {
	Type     string          `json:"type"` // Feature
	ID       string          `json:"id"`   // the feature's id in the register
	BBox     [4]float64      `json:"bbox"` // lon/lat: minLon, minLat, maxLon, maxLat
	Geometry json.RawMessage `json:"geometry"`
	// Properties as imported, with parcel_no, the number in normal form.
	Properties json.RawMessage `json:"properties"`
	// ParcelNo is the parcel number in normal form (full-width folded,
	// spaces removed, upper case): what was looked up.
	ParcelNo string `json:"parcel_no"`
	// AreaM2 is the area in EPSG:4549, to the square centimetre, as a
	// check measures it.
	AreaM2 float64 `json:"area_m2"`
	// Layer is the register version that answered.
	Layer geo.LayerVersion `json:"layer"`
}

// uploadParcelField reads ?parcel_field=, which a parcel register's upload
// must carry (the field holding the parcel number) and others must not.
func uploadParcelField(c echo.Context, def geo.LayerDef) (string, error) {
	v := c.QueryParam("parcel_field")
	switch {
	case def.Kind == geo.LayerRegister && strings.TrimSpace(v) == "":
		return "", problem.BadRequest("invalid-import", "Parcel field missing", "?parcel_field",
			"layer %s is the parcel register: ?parcel_field= names the field that holds the parcel number (e.g. ?parcel_field=宗地号)", def.ID)
	case def.Kind != geo.LayerRegister && v != "":
		return "", problem.BadRequest("invalid-import", "Parcel field for a layer that is not a register", "?parcel_field",
			"?parcel_field is for the parcel register; layer %s is a %s layer", def.ID, def.Kind)
	}
	return v, nil
}

// maxParcelNumber bounds the characters of a parcel number looked up: a
// 宗地号 is 19 characters; anything far longer is not one.
const maxParcelNumber = 100

// getParcel answers GET /api/v1/parcels/{number}[?as_of=].
func (s *Server) getParcel(c echo.Context) error {
	for name := range c.QueryParams() {
		if name != "as_of" {
			return problem.BadRequest("invalid-query", "Unknown parameter", "?"+name,
				"%q is not a parameter of GET /api/v1/parcels/{number}; it takes as_of", clip(name))
		}
	}
	raw := c.Param("number")
	if strings.Contains(raw, "%") {
		if v, err := url.PathUnescape(raw); err == nil {
			raw = v
		}
	}
	no := layerfile.ParcelNumber(raw)
	if no == "" && raw != "" {
		return problem.BadRequest("invalid-parcel-number", "Invalid parcel number", "/number", "the parcel number %q holds only spaces and control characters", clip(raw))
	}
	if no == "" {
		return problem.BadRequest("invalid-parcel-number", "Invalid parcel number", "/number", "the parcel number is empty")
	}
	if n := len([]rune(no)); n > maxParcelNumber {
		return problem.BadRequest("invalid-parcel-number", "Invalid parcel number", "/number", "the parcel number %q has %d characters; a parcel number has at most %d", clip(no), n, maxParcelNumber)
	}
	asOf, err := s.queryAsOf(c)
	if err != nil {
		return err
	}
	def, ok := s.man.Register()
	noRegister := func(why string) error {
		return problem.New(http.StatusNotFound, "no-parcel-register", "No parcel register loaded",
			"no parcel register is loaded"+why+"; a steward loads one with `ecospace import --layer parcels --file F --parcel-field 宗地号` (or PUT /api/v1/layers/parcels?parcel_field=宗地号)")
	}
	if !ok {
		return noRegister(" (the layer manifest has no register layer)")
	}
	ctx := c.Request().Context()
	info, err := s.store.Layer(ctx, def.ID, asOf)
	if errors.Is(err, data.ErrNoVersion) {
		return noRegister(fmt.Sprintf(" (none is in force on %s)", asOf.Format("2006-01-02")))
	}
	if err != nil {
		return err
	}
	var found *geo.Feature
	err = s.store.Features(ctx, def.ID, data.FeatureQuery{AsOf: asOf, Version: info.Version, Zoom: -1, Limit: 1,
		Filter: map[string]string{layerfile.ParcelNoProperty: no}}, func(f geo.Feature) error {
		found = &f
		return nil
	})
	if err != nil {
		return err
	}
	if found == nil {
		return problem.New(http.StatusNotFound, "parcel-not-found", "No such parcel",
			fmt.Sprintf("parcel %s is not in the parcel register (%s version %d, valid from %s)", clip(no), def.ID, info.Version, info.ValidFrom))
	}
	props, err := found.EncodedProperties()
	if err != nil {
		return fmt.Errorf("parcel %s: %w", no, err)
	}
	b := found.Geometry.Bound()
	out := ParcelFeature{Type: "Feature", ID: found.ID, Geometry: geo.AppendGeometry(nil, found.Geometry), Properties: props,
		BBox:     [4]float64{round6(b.Min[0]), round6(b.Min[1]), round6(b.Max[0]), round6(b.Max[1])},
		ParcelNo: no, AreaM2: geo.RoundArea(geo.ProjectedArea(found.Geometry)),
		Layer: geo.LayerVersion{ID: def.ID, Version: info.Version, ValidFrom: info.ValidFrom, Status: info.Status}}
	return c.JSON(http.StatusOK, out)
}

// round6 rounds a degree to geo.Decimals places, as GeoJSON positions are.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
