package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
)

// The surveyor's file (用地报盘 TXT, data/layerfile/txt.go) as a request
// body: Content-Type text/plain, its charset parameter honoured (absent:
// UTF-8 when the bytes are valid UTF-8, else GB18030, which covers the GBK
// surveying software writes). What a JSON request says in its members is
// said in query parameters; faults in the file point at its lines with an
// RFC 5147 fragment ("#line=15,16": the 16th line).

// textBody reports whether the request says its body is text/plain, and
// the charset it declares ("" for none).
func textBody(c echo.Context) (bool, string) {
	mt, params, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != "text/plain" {
		return false, ""
	}
	return true, params["charset"]
}

// txtParams are the query parameters of a text/plain check, batch or parse.
var (
	txtCheckParams = []string{"category", "as_of", "known_at", "reference", "fact"}
	txtBatchParams = []string{"category", "as_of", "known_at", "fact"}
)

// txtQuery reads the query parameters a text/plain request takes; an
// unknown or repeated one is refused.
func txtQuery(c echo.Context, allowed []string) (map[string]string, error) {
	out := map[string]string{}
	for name, vs := range c.QueryParams() {
		if !containsString(allowed, name) {
			return nil, problem.BadRequest("invalid-query", "Unknown parameter", "?"+name,
				"%q is not a parameter of %s %s with a text/plain body; it takes %s", clip(name), c.Request().Method, c.Path(), strings.Join(allowed, ", "))
		}
		if len(vs) > 1 && name != "fact" {
			return nil, problem.BadRequest("invalid-query", "Repeated parameter", "?"+name, "%s is given more than once", name)
		}
		out[name] = vs[0]
	}
	return out, nil
}

// txtFacts reads the declared facts of a text/plain request, each a
// ?fact=NAME=true|false (repeatable, as `ecospace sweep --fact`), as the
// facts member of a check; nil when none is declared. Fact names are
// checked where a JSON request's are (check.Checker.ParseFacts).
func txtFacts(c echo.Context) (json.RawMessage, error) {
	vs := c.QueryParams()["fact"]
	if len(vs) == 0 {
		return nil, nil
	}
	facts := map[string]bool{}
	for _, v := range vs {
		name, val, ok := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || (val != "true" && val != "false") {
			return nil, problem.BadRequest("invalid-facts", "Invalid fact", "?fact", "fact %q: write NAME=true or NAME=false", clip(v))
		}
		if _, dup := facts[name]; dup {
			return nil, problem.BadRequest("invalid-facts", "Fact given twice", "?fact", "fact %q is given twice", clip(name))
		}
		facts[name] = val == "true"
	}
	return json.Marshal(facts)
}

// readTXTBody reads and parses a text/plain body as a 用地报盘 file. For a
// batch it keeps a 地块 whose rings are no site, with its error (answered
// as its own problem), and not the sites it checked (each is built again
// from its geometry when it is checked).
func readTXTBody(c echo.Context, charset string, batch bool) (*layerfile.TXTFile, error) {
	body, err := readBody(c)
	if err != nil {
		var p *problem.Problem
		if errors.As(err, &p) && p.Type == problem.TypePrefix+"invalid-json" {
			return nil, problem.BadRequest("invalid-txt", "Empty body", "", "the request body is empty; send the 用地报盘 TXT file")
		}
		return nil, err
	}
	if t := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF")), " \t\r\n"); len(t) > 0 && t[0] == '{' {
		// JSON sent as text/plain: the answer it always had (415).
		return nil, problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			fmt.Sprintf("send the body as application/json, not %q", clip(c.Request().Header.Get(echo.HeaderContentType))))
	}
	// Reading stops at the first 地块 past the limit: the file is refused
	// without building the sites of the rest.
	f, err := layerfile.ReadTXT(body, layerfile.TXTOptions{Charset: charset, KeepInvalid: batch, MaxParcels: MaxBatchFeatures, DropSites: batch})
	if err != nil {
		return nil, txtProblem(err)
	}
	return f, nil
}

// txtLine is the RFC 5147 fragment of line n (1-based) of a text body.
func txtLine(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("#line=%d,%d", n-1, n)
}

// txtProblem is the problem of a refused 用地报盘 file: 400 when it is
// malformed or its rings are no site, 413 when a 地块 has more 界址点 than
// a site may or rings too complex to check, or the file more 地块 than a
// batch may, 422 when it is in a
// coordinate system ecospace does not read, 415 for a charset it cannot
// read.
func txtProblem(err error) error {
	var te *layerfile.TXTError
	if !errors.As(err, &te) {
		return err
	}
	var p *problem.Problem
	switch te.Kind {
	case layerfile.TXTCRS:
		p = problem.New(http.StatusUnprocessableEntity, "unsupported-crs", "Coordinate system not read", te.Error())
	case layerfile.TXTGeometry:
		p = problem.New(http.StatusBadRequest, "invalid-geometry", "Invalid geometry", te.Error())
	case layerfile.TXTTooManyPoints:
		p = problem.New(http.StatusRequestEntityTooLarge, "too-many-vertices", "Too many vertices", te.Error())
	case layerfile.TXTTooComplex:
		p = problem.New(http.StatusRequestEntityTooLarge, "too-complex", "Geometry too complex", te.Error())
	case layerfile.TXTTooManyParcels:
		p = problem.New(http.StatusRequestEntityTooLarge, "too-many-features", "Too many 地块", te.Error())
	case layerfile.TXTEncoding:
		status := http.StatusBadRequest
		if te.Line == 0 && strings.Contains(te.Detail, "charset") {
			status = http.StatusUnsupportedMediaType
		}
		p = problem.New(status, "invalid-txt", "Unreadable text", te.Error())
	default:
		p = problem.New(http.StatusBadRequest, "invalid-txt", "Invalid 用地报盘 TXT", te.Error())
	}
	p.Pointer = txtLine(te.Line)
	return p
}

// txtRequest is the check of one 地块, as a client would send it in JSON:
// its rings in EPSG:4549 metres (the zone number removed), so that the
// answer and its decision hash are those of the same polygon sent as
// GeoJSON.
func txtRequest(p *layerfile.TXTParcel, q map[string]string, facts json.RawMessage) check.Request {
	ref := p.Reference
	if v, ok := q["reference"]; ok {
		ref = v
	}
	return check.Request{Geometry: geo.AppendGeometry(nil, p.Geometry), CRS: string(geo.GK120),
		Category: q["category"], AsOf: q["as_of"], KnownAt: q["known_at"], Reference: ref, Facts: facts}
}

// txtInputError points the errors of a 地块's check at the query
// parameter or the file line they concern (p nil: errors of the query
// alone).
func txtInputError(err error, p *layerfile.TXTParcel, q map[string]string) error {
	var ie *check.InputError
	if errors.As(err, &ie) {
		cp := *ie
		name := strings.TrimPrefix(cp.Pointer, "/")
		switch _, given := q[name]; {
		case given || name == "category":
			cp.Pointer = "?" + name
		case strings.HasPrefix(name, "facts"):
			cp.Pointer = "?fact"
		case p == nil:
		default:
			cp.Pointer = txtLine(p.Line)
			cp.Detail = fmt.Sprintf("地块 %s (line %d): %s", p.Reference, p.Line, cp.Detail)
		}
		return &cp
	}
	var ge *geo.InputError
	if errors.As(err, &ge) && p != nil {
		return &check.InputError{Status: http.StatusBadRequest, Slug: "invalid-geometry", Title: "Invalid geometry",
			Pointer: txtLine(p.Line), Detail: fmt.Sprintf("地块 %s (line %d): %s", p.Reference, p.Line, ge.Detail)}
	}
	return err
}

// postCheckTXT answers POST /api/v1/checks with a text/plain body: a
// 用地报盘 file of one 地块, checked as ?category= (and ?as_of=,
// ?known_at=, ?reference=, default its 地块编号, and ?fact=NAME=true|false)
// say.
func (s *Server) postCheckTXT(c echo.Context, charset string) error {
	f, err := readTXTBody(c, charset, false)
	if err != nil {
		return err
	}
	q, err := txtQuery(c, txtCheckParams)
	if err != nil {
		return err
	}
	if n := len(f.Parcels); n > 1 {
		refs := make([]string, 0, 3)
		for _, p := range f.Parcels[:min(n, 3)] {
			refs = append(refs, p.Reference)
		}
		more := ""
		if n > 3 {
			more = ", …"
		}
		p := problem.BadRequest("several-parcels", "Several 地块", txtLine(f.Parcels[1].Line),
			"the file holds %d 地块 (%s%s); POST /api/v1/checks checks one: send the file to POST /api/v1/checks/batch for one answer a 地块", n, strings.Join(refs, ", "), more)
		return p
	}
	facts, err := txtFacts(c)
	if err != nil {
		return err
	}
	par := &f.Parcels[0]
	ans, err := s.checker.Check(c.Request().Context(), keyID(c), txtRequest(par, q, facts))
	if err != nil {
		return txtInputError(err, par, q)
	}
	return c.JSONBlob(http.StatusOK, ans.Document)
}
