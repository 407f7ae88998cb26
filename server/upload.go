package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/problem"
)

// Layer upload limits: a steward's layer file may be larger than a check.
const (
	MaxLayerBodyBytes  = 64 << 20
	LayerUploadTimeout = 5 * time.Minute
)

// LayerUpload is the answer to PUT /api/v1/layers/{id}.
type LayerUpload struct {
	Layer        string             `json:"layer"`
	Version      int64              `json:"version"`
	ValidFrom    geo.Date           `json:"valid_from"`
	FeatureCount int                `json:"feature_count"`
	Format       string             `json:"format"`
	CRS          string             `json:"crs"`
	Derived      []geo.LayerVersion `json:"derived"`
	Warnings     []string           `json:"warnings"`
	// RecordedAt is when ecospace learned the version (the import's
	// commit); Backdated says it was valid from before the newest
	// version's valid_from or before today (?backdate=true).
	RecordedAt time.Time `json:"recorded_at"`
	Backdated  bool      `json:"backdated"`
	// DecisionsChanged counts the filed decisions a back-dated version
	// would now answer differently; absent for any other upload, whose
	// decisions the background re-evaluation alone judges again (counting
	// them here too would do its work twice, in the upload's request).
	DecisionsChanged *DecisionsChanged `json:"decisions_changed,omitempty"`
}

// putLayer makes an uploaded GeoJSON FeatureCollection or zipped
// Shapefile the new version of a layer, valid from ?valid_from= (or the
// Valid-From header; default today). It goes through the same reader,
// validation and Store.Import as `ecospace import`: every bad feature is
// listed in a 422, and a refused upload leaves the version in force as it
// was.
func (s *Server) putLayer(c echo.Context) error {
	id := c.Param("id")
	def, ok := s.man.Def(id)
	if !ok {
		return problem.New(http.StatusNotFound, "not-found", "Not found", fmt.Sprintf("no layer %q", clip(id)))
	}
	if def.Derived != nil {
		return problem.New(http.StatusUnprocessableEntity, "invalid-import", "Import refused",
			fmt.Sprintf("layer %s is derived from layer %s and recomputed from it; upload %s instead", id, def.Derived.Source, def.Derived.Source))
	}
	name, err := uploadName(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil {
		return err
	}
	from, err := uploadValidFrom(c)
	if err != nil {
		return err
	}
	halfWidth, err := uploadHalfWidth(c, def)
	if err != nil {
		return err
	}
	parcelField, err := uploadParcelField(c, def) // parcels.go
	if err != nil {
		return err
	}
	backdate, err := uploadBackdate(c)
	if err != nil {
		return err
	}
	opts := layerfile.Options{Encoding: c.QueryParam("encoding")}
	if v := c.QueryParam("crs"); v != "" {
		crs, err := geo.ParseCRS(v)
		if err != nil {
			return problem.BadRequest("unknown-crs", "Unknown CRS", "?crs", "%v", err)
		}
		opts.CRS = crs
	}

	f, err := os.CreateTemp("", "ecospace-layer-*")
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	size, err := io.Copy(f, c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return problem.New(http.StatusRequestEntityTooLarge, "too-large", "Request too large",
				fmt.Sprintf("a layer upload may be at most %d bytes; load larger files with `ecospace import`", MaxLayerBodyBytes))
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return problem.New(http.StatusRequestTimeout, "request-timeout", "Request timeout",
				fmt.Sprintf("the upload did not arrive within %s; load large files with `ecospace import`", BodyReadTimeout))
		}
		return problem.BadRequest("unreadable-body", "Unreadable body", "", "the request body could not be read: %v", err)
	}
	if size == 0 {
		return problem.BadRequest("invalid-layer", "Empty upload", "", "the request body is empty; send a GeoJSON FeatureCollection or a zipped Shapefile")
	}
	feats, info, err := layerfile.Read(name, f, size, opts)
	if err != nil {
		detail := err.Error()
		if errors.Is(err, layerfile.ErrNeedCRS) {
			detail += "; over HTTP, name it with ?crs="
		}
		return problem.New(http.StatusBadRequest, "invalid-layer", "Unreadable layer file", detail)
	}
	if parcelField != "" {
		if err := layerfile.MarkParcels(feats, parcelField); err != nil {
			return problem.BadRequest("invalid-import", "Import refused", "?parcel_field", "%v", err)
		}
	}
	if halfWidth > 0 {
		if feats, err = data.SurfacesFromCentreLines(def, feats, halfWidth); err != nil {
			return err
		}
	}
	// Refused only once the file itself is acceptable: a bad file is
	// told what is wrong with it first.
	backdated, err := s.checkUploadBackdate(c.Request().Context(), id, from, backdate)
	if err != nil {
		return err
	}
	src := "PUT /api/v1/layers/" + id
	if k := keyID(c); k != "" {
		src += " by " + k
	}
	res, err := s.store.Import(c.Request().Context(), id, feats, data.ImportOptions{ValidFrom: from, Source: src, Backdate: backdate})
	if err != nil {
		return err
	}
	s.published(c.Request().Context(), res)
	lv := res.Layer
	out := LayerUpload{
		Layer: id, Version: lv.Version, ValidFrom: lv.ValidFrom, FeatureCount: len(feats),
		Format: info.Format, CRS: string(info.CRS), Derived: res.Derived, Warnings: info.Warnings,
		RecordedAt: lv.RecordedAt, Backdated: backdated,
	}
	if backdated {
		d, err := s.decisionsChanged(c.Request().Context(), from)
		if err != nil {
			// The version is recorded: the answer says so, and that the
			// count is missing, rather than fail after the fact.
			s.log.Warn("layer uploaded, decisions changed not counted", "layer", id, "version", lv.Version, "error", err)
			d = DecisionsChanged{More: true, Note: "not counted (" + err.Error() + "); the version is recorded"}
		}
		out.DecisionsChanged = &d
	}
	// Empty lists are written as [], not null.
	if out.Derived == nil {
		out.Derived = []geo.LayerVersion{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	s.log.Info("layer uploaded", "layer", id, "version", lv.Version, "valid_from", lv.ValidFrom.String(),
		"features", len(feats), "key_id", keyID(c), "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/layers/"+id+"?as_of="+lv.ValidFrom.String())
	return c.JSON(http.StatusCreated, out)
}

// uploadName names the upload for the reader from its media type (the
// reader also looks at the content).
func uploadName(ct string) (string, error) {
	mt := strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	switch mt {
	case "application/geo+json", "application/json":
		return "upload.geojson", nil
	case "application/zip", "application/x-zip-compressed", "application/octet-stream":
		return "upload.zip", nil
	}
	return "", problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
		fmt.Sprintf("send a GeoJSON FeatureCollection as application/geo+json or a zipped Shapefile as application/zip, not %q", clip(ct)))
}

// uploadHalfWidth reads ?half_width=: the half-width in metres of the
// channel whose centre lines a source layer's upload holds (0: none).
func uploadHalfWidth(c echo.Context, def geo.LayerDef) (float64, error) {
	v := c.QueryParam("half_width")
	if v == "" {
		return 0, nil
	}
	if def.Kind != geo.LayerSource {
		return 0, problem.BadRequest("invalid-half-width", "Half-width for a layer that is not a source", "?half_width",
			"?half_width makes water surfaces of centre lines, for source layers only; layer %s is a %s layer", def.ID, def.Kind)
	}
	w, err := strconv.ParseFloat(v, 64)
	if err != nil || !(w > 0) || w > geo.MaxHalfWidthM {
		return 0, problem.BadRequest("invalid-half-width", "Invalid half-width", "?half_width",
			"half_width %q: want metres, more than 0 and at most %d", clip(v), geo.MaxHalfWidthM)
	}
	return w, nil
}

// uploadValidFrom reads ?valid_from= or the Valid-From header.
func uploadValidFrom(c echo.Context) (time.Time, error) {
	q, h := c.QueryParam("valid_from"), strings.TrimSpace(c.Request().Header.Get("Valid-From"))
	v, ptr := q, "?valid_from"
	if q == "" {
		v, ptr = h, "Valid-From"
	} else if h != "" && h != q {
		return time.Time{}, problem.BadRequest("invalid-date", "Conflicting dates", "?valid_from",
			"?valid_from=%s and the Valid-From header %q disagree", clip(q), clip(h))
	}
	if v == "" {
		return data.Today(), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, problem.BadRequest("invalid-date", "Invalid date", ptr, "valid_from %q is not a date in the form YYYY-MM-DD", clip(v))
	}
	return t, nil
}
