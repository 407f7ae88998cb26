package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/problem"
)

// CheckRequest is the body of POST /api/v1/checks.
type CheckRequest struct {
	Geometry  json.RawMessage `json:"geometry"`
	Category  string          `json:"category"`
	CRS       string          `json:"crs"`
	AsOf      string          `json:"as_of"`
	Reference string          `json:"reference"`
}

// CheckResponse is the answer to a siting check, stored and returned again
// by GET /api/v1/checks/{id}. Its members, in document order: CheckHead's,
// conflicts, nearest, CheckTail's, site.
type CheckResponse struct {
	CheckHead
	Conflicts json.RawMessage `json:"conflicts"`
	Nearest   json.RawMessage `json:"nearest"`
	CheckTail
	Site  json.RawMessage `json:"site"`
	KeyID string          `json:"-"`
	// doc is the encoded answer as audited; the client gets these bytes.
	doc json.RawMessage
}

// CheckHead is the first part of a check response: the verdict and the hits.
type CheckHead struct {
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

// CheckTail is the part after the drawn collections: what the decision
// was made with, when, and its hash.
type CheckTail struct {
	Layers       []geo.LayerVersion `json:"layers"`
	RulesVersion string             `json:"rules_version"`
	AsOf         geo.Date           `json:"as_of"`
	CheckedAt    time.Time          `json:"checked_at"`
	DecisionHash string             `json:"decision_hash"`
}

// checkInput is a decoded, validated check request.
type checkInput struct {
	site      *geo.Site
	category  geo.Category
	crs       geo.CRS
	asOf      time.Time
	reference string
}

func (s *Server) postCheck(c echo.Context) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req CheckRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	in, err := s.validateCheck(&req, "")
	if err != nil {
		return err
	}
	resp, err := s.runCheck(c, in)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, resp.doc)
}

// validateCheck checks a request's fields; ptr prefixes the JSON pointers
// (batch entries live below /features/N).
func (s *Server) validateCheck(req *CheckRequest, ptr string) (*checkInput, error) {
	in := &checkInput{}
	if req.Category == "" {
		return nil, problem.BadRequest("missing-category", "Missing category", ptr+"/category",
			"category is required; one of %s", strings.Join(s.rules.CategoryIDs(), ", "))
	}
	cat, ok := s.rules.Category(req.Category)
	if !ok {
		return nil, problem.BadRequest("unknown-category", "Unknown category", ptr+"/category",
			"category %q is not known; use one of %s", clip(req.Category), strings.Join(s.rules.CategoryIDs(), ", "))
	}
	in.category = cat
	crs, err := geo.ParseCRS(req.CRS)
	if err != nil {
		return nil, problem.BadRequest("unknown-crs", "Unknown CRS", ptr+"/crs", "%v", err)
	}
	in.crs = crs
	in.asOf, err = s.parseAsOf(req.AsOf, ptr+"/as_of")
	if err != nil {
		return nil, err
	}
	if len([]rune(req.Reference)) > MaxReference {
		return nil, problem.BadRequest("invalid-reference", "Reference too long", ptr+"/reference",
			"reference has %d characters; at most %d are kept", len([]rune(req.Reference)), MaxReference)
	}
	if strings.IndexFunc(req.Reference, func(r rune) bool { return unicode.IsControl(r) }) >= 0 {
		return nil, problem.BadRequest("invalid-reference", "Invalid reference", ptr+"/reference", "reference must not contain control characters")
	}
	in.reference = req.Reference
	g, err := geo.DecodeGeometry(req.Geometry, ptr+"/geometry", geo.MaxVertices)
	if err != nil {
		return nil, vertexProblem(err)
	}
	if in.site, err = geo.NewSite(g, crs, ptr+"/geometry"); err != nil {
		return nil, err
	}
	return in, nil
}

// vertexProblem turns the vertex limit into a 413; other input errors stay
// 400 invalid-geometry.
func vertexProblem(err error) error {
	var ie *geo.InputError
	if errors.As(err, &ie) && strings.Contains(ie.Detail, "vertices") && strings.Contains(ie.Detail, "at most") {
		p := problem.New(http.StatusRequestEntityTooLarge, "too-many-vertices", "Too many vertices", ie.Detail)
		p.Pointer = ie.Pointer
		return p
	}
	return err
}

func (s *Server) parseAsOf(v, ptr string) (time.Time, error) {
	if v == "" {
		return data.DateOf(data.Today()), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, problem.BadRequest("invalid-date", "Invalid date", ptr, "%q is not a date in the form YYYY-MM-DD", clip(v))
	}
	if !s.rules.Covers(t) {
		p := problem.New(http.StatusUnprocessableEntity, "as-of-not-covered", "Date not covered by the rules",
			fmt.Sprintf("as_of %s is before %s, the first day rules version %s answers for", v, s.rules.ValidFrom, s.rules.Version))
		p.Pointer = ptr
		return time.Time{}, p
	}
	return t, nil
}

// runCheck relates, judges, audits and builds the response. Any failure
// is an error: there is no path to an unaudited or default verdict.
func (s *Server) runCheck(c echo.Context, in *checkInput) (*CheckResponse, error) {
	ctx := c.Request().Context()
	rel, err := s.store.Relate(ctx, in.site, in.asOf)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	v, err := geo.Judge(s.rules, rel, in.category.ID, in.asOf)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("check id: %w", err)
	}
	resp := &CheckResponse{
		CheckHead: CheckHead{
			CheckID: id.String(), Verdict: v.Verdict, Category: v.Category, CategoryName: in.category.Name,
			Reference: in.reference, CRS: string(in.crs), Coverage: v.Coverage, Notes: v.Notes, Hits: v.Hits,
		},
		CheckTail: CheckTail{
			Layers: v.Layers, RulesVersion: v.RulesVersion, AsOf: v.AsOf,
			CheckedAt:    s.now().UTC().Truncate(time.Millisecond),
			DecisionHash: geo.DecisionHash(in.site.Geometry, v),
		},
		Site:  geo.AppendGeometry(nil, in.site.Geometry),
		KeyID: keyID(c),
	}
	if resp.Hits == nil {
		resp.Hits = []geo.Hit{}
	}
	if resp.Conflicts, resp.Nearest, err = conflictCollections(v.Hits); err != nil {
		return nil, fmt.Errorf("check: draw conflicts: %w", err)
	}
	doc, err := encodeCheckResponse(resp)
	if err != nil {
		return nil, fmt.Errorf("check: encode: %w", err)
	}
	rec := &data.CheckRecord{
		ID: resp.CheckID, CheckedAt: resp.CheckedAt, Reference: in.reference, KeyID: resp.KeyID,
		Category: v.Category, AsOf: in.asOf, Geometry: in.site.Geometry, Verdict: v.Verdict,
		DecisionHash: resp.DecisionHash, Document: doc,
	}
	if err := s.store.SaveCheck(ctx, rec); err != nil {
		return nil, fmt.Errorf("check: audit: %w", err)
	}
	resp.doc = doc
	return resp, nil
}

// encodeCheckResponse writes what json.Marshal(resp) writes (a test holds
// it to that, byte for byte), by hand (checkjson.go), and splices in the
// conflicts, nearest and site GeoJSON, which geo.AppendGeometry and
// geo.AppendFeature wrote compact, instead of having encoding/json re-scan
// and compact them, as it does for every json.RawMessage.
func encodeCheckResponse(resp *CheckResponse) ([]byte, error) {
	doc := make([]byte, 0, 2048+len(resp.Hits)*1024+len(resp.Conflicts)+len(resp.Nearest)+len(resp.Site))
	doc, err := appendCheckHead(append(doc, '{'), &resp.CheckHead)
	if err != nil {
		return nil, err
	}
	doc = append(append(doc, `,"conflicts":`...), resp.Conflicts...)
	doc = append(append(doc, `,"nearest":`...), resp.Nearest...)
	if doc, err = appendCheckTail(append(doc, ','), &resp.CheckTail); err != nil {
		return nil, err
	}
	doc = append(append(doc, `,"site":`...), resp.Site...)
	return append(doc, '}'), nil
}

// keyID is the API key that made the request, when keys are in use.
func keyID(c echo.Context) string {
	if v, ok := c.Get("key_id").(string); ok {
		return v
	}
	return ""
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

func (s *Server) getCheck(c echo.Context) error {
	id := c.Param("id")
	if _, err := uuid.Parse(id); err != nil {
		return problem.New(http.StatusNotFound, "not-found", "Not found", fmt.Sprintf("%q is not a check id", clip(id)))
	}
	rec, err := s.store.Check(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, rec.Document)
}

// requireJSON refuses bodies that do not say they are JSON.
func requireJSON(c echo.Context) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt := strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	if mt == "application/json" || mt == "application/geo+json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
		fmt.Sprintf("send the body as application/json, not %q", clip(ct)))
}

// readBody reads the (size-limited) body.
func readBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return nil, problem.BadRequest("unreadable-body", "Unreadable body", "", "the request body could not be read: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, problem.BadRequest("invalid-json", "Invalid JSON", "", "the request body is empty; send a JSON object")
	}
	return b, nil
}

// decodeStrict decodes one JSON object, refusing unknown members (a typo
// such as "catgory" must not silently become a default) and trailing data.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(body, err)
	}
	if dec.More() {
		return problem.BadRequest("invalid-json", "Invalid JSON", "", "the body holds more than one JSON value")
	}
	return nil
}

func jsonProblem(body []byte, err error) *problem.Problem {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(body, se.Offset)
		return problem.BadRequest("invalid-json", "Invalid JSON", "", "the body is not valid JSON at line %d, column %d: %v", line, col, se)
	case errors.As(err, &te):
		ptr := "/" + strings.ReplaceAll(te.Field, ".", "/")
		return problem.BadRequest("invalid-json", "Invalid JSON", ptr, "%s must be a %s, not a JSON %s", te.Field, te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return problem.BadRequest("invalid-json", "Invalid JSON", "", "the body ends before the JSON value does")
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem.BadRequest("invalid-json", "Unknown member", "/"+f, "unknown member %q; the members are geometry, category, crs, as_of and reference", clip(f))
	}
	return problem.BadRequest("invalid-json", "Invalid JSON", "", "the body is not valid JSON: %v", err)
}

func lineCol(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line, col := 1, 1
	for _, ch := range b[:off] {
		if ch == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// clip shortens echoed input so that problems never repeat a huge value.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
