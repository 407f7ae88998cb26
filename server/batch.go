package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
)

// Batch limits. A batch body may be larger than a single request's (10 000
// parcels of 50 vertices is about 12 MB); it is spooled to a temporary
// file, never held in memory.
const (
	MaxBatchFeatures  = 10_000
	MaxBatchBodyBytes = 64 << 20
	BatchTimeout      = 10 * time.Minute
	// MaxBatches is how many batches run at once; more get 503 busy.
	MaxBatches = 4
)

// Media types of batch answers.
const (
	mediaNDJSON  = "application/x-ndjson"
	mediaGeoJSON = "application/geo+json"
)

// BatchResult is one line of a batch answer: the feature's index in the
// request and its reference, and either the check (exactly as POST
// /api/v1/checks answers it, audited under its own check_id) or the
// problem that kept this feature from being checked.
type BatchResult struct {
	Index     int              `json:"index"`
	Reference string           `json:"reference"`
	Check     *check.Response  `json:"check,omitempty"`
	Problem   *problem.Problem `json:"problem,omitempty"`
}

// batchHead is what the first pass learns from the whole collection: the
// defaults its top-level members set, and how many features it has.
type batchHead struct {
	category, crs, asOf          string
	categoryPtr, crsPtr, asOfPtr string
	features                     int
}

// batchWorkers is how many features are checked at once.
func batchWorkers() int { return min(4, max(2, runtime.GOMAXPROCS(0))) }

// postBatch answers POST /api/v1/checks/batch.
//
// The body is first copied to a temporary file and read once without
// checking anything (constant memory: one feature at a time), so that a
// syntax error, a bad top-level member or more than MaxBatchFeatures
// features is a plain 4xx before any result is sent, and top-level "crs",
// "as_of" and "category" apply wherever they sit in the object. The second
// pass streams the features to a few workers and writes one result per
// feature, in input order, as soon as it and those before it are ready.
func (s *Server) postBatch(c echo.Context) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	geoOut, err := batchAccept(c.Request().Header.Get(echo.HeaderAccept))
	if err != nil {
		return err
	}
	select {
	case s.batchSlots <- struct{}{}:
		defer func() { <-s.batchSlots }()
	default:
		p := problem.New(http.StatusServiceUnavailable, "busy", "Too many batches",
			fmt.Sprintf("%d batches are running; try again shortly", MaxBatches))
		p.RetryAfter = 10
		return p
	}
	spool, err := spoolBody(c.Request().Body)
	if err != nil {
		return err
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	head, err := s.scanBatch(spool)
	if err != nil {
		return err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	return s.streamBatch(c, spool, head, geoOut)
}

// batchAccept picks the answer's form from the Accept header.
func batchAccept(accept string) (geoOut bool, err error) {
	if strings.TrimSpace(accept) == "" {
		return false, nil
	}
	ok := false
	for _, part := range strings.Split(accept, ",") {
		mt, _, perr := mime.ParseMediaType(strings.TrimSpace(part))
		if perr != nil {
			continue
		}
		switch mt {
		case mediaGeoJSON:
			return true, nil
		case mediaNDJSON, "application/jsonl", "application/json-seq", "application/json", "application/*", "*/*":
			ok = true
		}
	}
	if !ok {
		return false, problem.New(http.StatusNotAcceptable, "not-acceptable", "Not acceptable",
			fmt.Sprintf("a batch answers as %s (one JSON result a line) or %s (a FeatureCollection), not %q", mediaNDJSON, mediaGeoJSON, clip(accept)))
	}
	return false, nil
}

// spoolBody copies the (size-limited) body to a temporary file.
func spoolBody(body io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "ecospace-batch-*.json")
	if err != nil {
		return nil, fmt.Errorf("batch: spool: %w", err)
	}
	n, err := io.Copy(f, body)
	if err == nil && n == 0 {
		err = problem.BadRequest("invalid-json", "Invalid JSON", "", "the request body is empty; send a GeoJSON FeatureCollection")
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, problem.New(http.StatusRequestEntityTooLarge, "too-large", "Request too large",
				fmt.Sprintf("a batch body may be at most %d bytes; split the batch", MaxBatchBodyBytes))
		case errors.As(err, new(*problem.Problem)):
			return nil, err
		}
		return nil, problem.BadRequest("unreadable-body", "Unreadable body", "", "the request body could not be read: %v", err)
	}
	return f, nil
}

// scanBatch is the first pass: the collection's shape, its top-level
// members and its feature count. Features are read one at a time and not
// checked here.
func (s *Server) scanBatch(f *os.File) (*batchHead, error) {
	br := bufio.NewReaderSize(f, 64<<10)
	dec := json.NewDecoder(br)
	syntax := func(err error) error { return batchSyntax(f, err) }
	if err := expectDelim(dec, '{'); err != nil {
		return nil, syntax(err)
	}
	h := &batchHead{}
	seen := map[string]bool{}
	sawFeatures := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		name, _ := tok.(string)
		if seen[name] {
			return nil, problem.BadRequest("invalid-json", "Repeated member", "/"+name, "member %q appears twice", clip(name))
		}
		seen[name] = true
		switch name {
		case "type":
			var t string
			if err := dec.Decode(&t); err != nil {
				return nil, syntaxOr(f, err, "/type", "type must be the string \"FeatureCollection\"")
			}
			if t != "FeatureCollection" {
				return nil, problem.BadRequest("invalid-batch", "Not a FeatureCollection", "/type",
					"a batch is a GeoJSON FeatureCollection, not %q; POST /api/v1/checks takes one site", clip(t))
			}
		case "crs":
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, syntax(err)
			}
			crs, err := crsName(raw)
			if err == nil {
				_, err = geo.ParseCRS(crs)
			}
			if err != nil {
				return nil, problem.BadRequest("unknown-crs", "Unknown CRS", "/crs", "%v", err)
			}
			h.crs, h.crsPtr = crs, "/crs"
		case "as_of", "category":
			var v string
			if err := dec.Decode(&v); err != nil {
				return nil, syntaxOr(f, err, "/"+name, name+" must be a string")
			}
			if name == "as_of" {
				if _, err := s.checker.ParseAsOf(v, "/as_of"); err != nil {
					return nil, err
				}
				h.asOf, h.asOfPtr = v, "/as_of"
			} else {
				if _, err := s.checker.Category(v, "/category"); err != nil {
					return nil, err
				}
				h.category, h.categoryPtr = v, "/category"
			}
		case "features":
			sawFeatures = true
			if err := expectDelim(dec, '['); err != nil {
				return nil, syntaxOr(f, err, "/features", "features must be an array of GeoJSON Features")
			}
			for dec.More() {
				if h.features == MaxBatchFeatures {
					p := problem.New(http.StatusRequestEntityTooLarge, "too-many-features", "Too many features",
						fmt.Sprintf("a batch may hold at most %d features; split it", MaxBatchFeatures))
					p.Pointer = fmt.Sprintf("/features/%d", MaxBatchFeatures)
					return nil, p
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return nil, syntax(err)
				}
				h.features++
			}
			if err := expectDelim(dec, ']'); err != nil {
				return nil, syntax(err)
			}
		default:
			// Foreign members (name, bbox, …) are allowed and ignored.
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, syntax(err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, syntax(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, problem.BadRequest("invalid-json", "Invalid JSON", "", "the body holds more than one JSON value")
	}
	if !seen["type"] {
		return nil, problem.BadRequest("invalid-batch", "Not a FeatureCollection", "/type", "a batch is a GeoJSON FeatureCollection: \"type\": \"FeatureCollection\" is missing")
	}
	if !sawFeatures || h.features == 0 {
		return nil, problem.BadRequest("invalid-batch", "No features", "/features", "the collection has no features to check")
	}
	return h, nil
}

// wrongToken: the body is JSON, but not of the expected shape.
type wrongToken struct {
	off  int64
	want json.Delim
}

func (e *wrongToken) Error() string { return fmt.Sprintf("expected %q", string(e.want)) }

func expectDelim(dec *json.Decoder, want json.Delim) error {
	off := dec.InputOffset()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return &wrongToken{off: off, want: want}
	}
	return nil
}

// batchSyntax turns a decoding error of the first pass into a 400 that
// says where (line and column in the body).
func batchSyntax(f *os.File, err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return problem.New(http.StatusRequestEntityTooLarge, "too-large", "Request too large",
			fmt.Sprintf("a batch body may be at most %d bytes; split the batch", MaxBatchBodyBytes))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := fileLineCol(f, se.Offset)
		return problem.BadRequest("invalid-json", "Invalid JSON", "", "the body is not valid JSON at line %d, column %d: %v", line, col, se)
	}
	var wt *wrongToken
	if errors.As(err, &wt) {
		line, col := fileLineCol(f, wt.off)
		return problem.BadRequest("invalid-batch", "Not a FeatureCollection", "", "the body is not a GeoJSON FeatureCollection object: near line %d, column %d %v", line, col, wt)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return problem.BadRequest("invalid-json", "Invalid JSON", "", "the body ends before the JSON value does")
	}
	return problem.BadRequest("invalid-json", "Invalid JSON", "", "the body is not a GeoJSON FeatureCollection: %v", err)
}

// syntaxOr reports a type error at ptr, and anything else as batchSyntax.
func syntaxOr(f *os.File, err error, ptr, detail string) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return problem.BadRequest("invalid-json", "Invalid JSON", ptr, "%s", detail)
	}
	var wt *wrongToken
	if errors.As(err, &wt) {
		return problem.BadRequest("invalid-batch", "Not a FeatureCollection", ptr, "%s", detail)
	}
	return batchSyntax(f, err)
}

// fileLineCol finds the line and column of a byte offset in the spool.
func fileLineCol(f *os.File, off int64) (int, int) {
	line, col := 1, 1
	r := bufio.NewReader(io.NewSectionReader(f, 0, off))
	for {
		b, err := r.ReadByte()
		if err != nil {
			return line, col
		}
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
}

// crsName reads a crs member: a string, or the named-CRS object of the
// 2008 GeoJSON spec that GIS software still writes
// ({"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}}).
func crsName(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var named struct {
		Type       string `json:"type"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &named); err != nil || named.Type != "name" || named.Properties.Name == "" {
		return "", fmt.Errorf("crs must be a string such as \"EPSG:4549\" or a named CRS object {\"type\":\"name\",\"properties\":{\"name\":…}}")
	}
	return named.Properties.Name, nil
}

// batchItem is one feature of the body, as read by the second pass.
type batchItem struct {
	index int
	raw   json.RawMessage
}

// Why the writer stopped a batch early.
var (
	errClientGone = errors.New("batch: the client went away")
	errBadLine    = errors.New("batch: a result could not be encoded")
)

// streamBatch is the second pass: read, check with bounded concurrency
// (check.Each), write in order.
func (s *Server) streamBatch(c echo.Context, spool *os.File, head *batchHead, geoOut bool) error {
	// The checks run under the request's context: when the batch runs out
	// of time the features left are answered at once with a problem each,
	// so that the answer still has one line per feature. Reading stops
	// only when the writer does (the client went away), hence Each's
	// context does not end with the request's.
	ctx := c.Request().Context()
	kid := keyID(c)
	dec := json.NewDecoder(bufio.NewReaderSize(spool, 64<<10))
	read := 0
	next := func() (batchItem, bool, error) {
		if read == 0 {
			if err := seekFeatures(dec); err != nil {
				return batchItem{}, false, err
			}
		}
		if !dec.More() {
			return batchItem{}, false, nil
		}
		it := batchItem{index: read}
		if err := dec.Decode(&it.raw); err != nil {
			return batchItem{}, false, err
		}
		read++
		return it, true, nil
	}
	w := c.Response()
	var bw *bufio.Writer
	start := time.Now()
	done, problems := 0, 0
	var line []byte
	emit := func(r BatchResult, err error) error {
		if err != nil {
			r = BatchResult{Index: done, Problem: s.featureFailed(done, err)}
		}
		if bw == nil {
			// Nothing is sent until the first result: if the store is down
			// from the start, the whole batch is a plain 503.
			if r.Problem != nil && r.Problem.Status == http.StatusServiceUnavailable {
				return r.Problem
			}
			if geoOut {
				w.Header().Set(echo.HeaderContentType, mediaGeoJSON)
			} else {
				w.Header().Set(echo.HeaderContentType, mediaNDJSON)
			}
			w.Header().Set("X-Batch-Features", strconv.Itoa(head.features))
			w.WriteHeader(http.StatusOK)
			bw = bufio.NewWriterSize(w, 32<<10)
			if geoOut {
				bw.WriteString(`{"type":"FeatureCollection","features":[`)
			}
		}
		if r.Problem != nil {
			problems++
		}
		s.metrics.batchFeature(r.Problem == nil)
		if line, err = appendBatchResult(line[:0], r, geoOut, done > 0); err != nil {
			s.log.Error("batch: encode", "index", r.Index, "error", err)
			return errBadLine
		}
		if _, err := bw.Write(line); err != nil {
			return errClientGone
		}
		done++
		return nil
	}
	// Let the client see what is ready while a result is awaited.
	flush := func() error {
		if bw == nil {
			return nil
		}
		if bw.Flush() != nil {
			return errClientGone
		}
		w.Flush()
		return nil
	}
	err := check.Each(context.WithoutCancel(ctx), batchWorkers(), next, func(_ context.Context, it batchItem) (BatchResult, error) {
		return s.checkFeature(ctx, kid, head, it.index, it.raw), nil
	}, emit, check.Waiting(flush))
	var unavailable *problem.Problem
	switch {
	case errors.Is(err, errClientGone):
		return nil
	case errors.As(err, &unavailable): // the first result: the whole batch is a 503
		return unavailable
	case errors.Is(err, errBadLine):
		panic(http.ErrAbortHandler) // a gap in the answer must not look whole
	case err != nil:
		s.log.Error("batch: second pass", "error", err) // the first pass read the same bytes
	}
	if done != head.features {
		s.log.Error("batch: answered fewer features than sent", "answered", done, "features", head.features, "error", ctx.Err())
		panic(http.ErrAbortHandler) // a short answer must not look whole
	}
	if geoOut {
		bw.WriteString("]}")
	}
	s.log.Info("batch", "features", done, "problems", problems, "ms", time.Since(start).Milliseconds(),
		"key_id", kid, "request_id", w.Header().Get(echo.HeaderXRequestID))
	return bw.Flush()
}

// seekFeatures moves the decoder to the first element of "features".
func seekFeatures(dec *json.Decoder) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok == "features" {
			return expectDelim(dec, '[')
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return errors.New("no features member")
}

func appendBatchResult(dst []byte, r BatchResult, geoOut, comma bool) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return dst, err
	}
	if !geoOut {
		return append(append(dst, b...), '\n'), nil
	}
	if comma {
		dst = append(dst, ',')
	}
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = strconv.AppendInt(dst, int64(r.Index), 10)
	dst = append(dst, `,"geometry":`...)
	if r.Check != nil && len(r.Check.Site) > 0 {
		dst = append(dst, r.Check.Site...)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"properties":`...)
	dst = append(dst, b...)
	return append(dst, "}\n"...), nil
}

// batchFeature is one feature of a batch as sent.
type batchFeature struct {
	Type       string                     `json:"type"`
	ID         json.RawMessage            `json:"id"`
	Geometry   json.RawMessage            `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
	CRS        json.RawMessage            `json:"crs"`
}

// checkFeature checks feature i. Whatever goes wrong becomes this
// feature's problem; nothing here fails the batch.
func (s *Server) checkFeature(ctx context.Context, keyID string, head *batchHead, i int, raw json.RawMessage) BatchResult {
	ptr := fmt.Sprintf("/features/%d", i)
	res := BatchResult{Index: i}
	fail := func(err error) BatchResult {
		res.Problem = problemOf(err)
		return res
	}
	var f batchFeature
	if err := json.Unmarshal(raw, &f); err != nil || f.Type != "Feature" {
		return fail(problem.BadRequest("invalid-feature", "Not a Feature", ptr,
			"features[%d] is not a GeoJSON Feature object with \"type\": \"Feature\"", i))
	}
	ref, refPtr, err := referenceOf(f, ptr)
	if err != nil {
		return fail(err)
	}
	res.Reference = ref
	req := check.Request{Geometry: f.Geometry, Category: head.category, CRS: head.crs, AsOf: head.asOf, Reference: ref}
	// Where each field came from, for pointers in problems.
	src := map[string]string{"/category": head.categoryPtr, "/crs": head.crsPtr, "/as_of": head.asOfPtr, "/reference": refPtr}
	if len(f.CRS) > 0 && string(f.CRS) != "null" {
		name, err := crsName(f.CRS)
		if err != nil {
			return fail(problem.BadRequest("unknown-crs", "Unknown CRS", ptr+"/crs", "%v", err))
		}
		req.CRS, src["/crs"] = name, ptr+"/crs"
	}
	for _, field := range []struct {
		name string
		dst  *string
	}{{"category", &req.Category}, {"crs", &req.CRS}, {"as_of", &req.AsOf}} {
		v, ok := f.Properties[field.name]
		if !ok || string(v) == "null" {
			continue
		}
		p := ptr + "/properties/" + field.name
		if field.name == "crs" {
			name, err := crsName(v)
			if err != nil {
				return fail(problem.BadRequest("unknown-crs", "Unknown CRS", p, "%v", err))
			}
			*field.dst = name
		} else if err := json.Unmarshal(v, field.dst); err != nil {
			return fail(problem.BadRequest("invalid-json", "Invalid JSON", p, "properties.%s must be a string", field.name))
		}
		src["/"+field.name] = p
	}
	if req.Category == "" {
		src["/category"] = ptr + "/properties/category"
	}
	in, err := s.checker.Validate(req, ptr)
	if err != nil {
		var ie *check.InputError
		if errors.As(err, &ie) {
			cp := *ie
			if to, ok := src[strings.TrimPrefix(cp.Pointer, ptr)]; ok && to != "" {
				cp.Pointer = to
			}
			return fail(&cp)
		}
		return fail(err)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		p := problem.New(http.StatusServiceUnavailable, "unavailable", "Batch out of time",
			fmt.Sprintf("the batch ran out of time (at most %s) before feature %d was checked; no verdict was given; send the features from here on again", BatchTimeout, i))
		p.RetryAfter = 5
		return fail(p)
	}
	fctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	ans, err := s.checker.Run(fctx, keyID, in)
	if err != nil {
		if fctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("feature %d took longer than %s: %w", i, RequestTimeout, fctx.Err())
		}
		return fail(err)
	}
	res.Check = ans.Response
	return res
}

// featureFailed is the problem of feature i when checking it failed
// outright: a panic (check.Each recovered it, where echo's recovery does
// not reach) is logged with its stack and answered as an internal error.
func (s *Server) featureFailed(i int, err error) *problem.Problem {
	var pe *check.PanicError
	if errors.As(err, &pe) {
		s.log.Error("batch: panic checking a feature", "index", i, "panic", pe.Value, "stack", string(pe.Stack))
		return problem.New(http.StatusInternalServerError, "internal", "Internal error",
			fmt.Sprintf("feature %d could not be checked; no verdict was given", i))
	}
	return problemOf(err)
}

// referenceOf is properties.reference, else the feature's id; a number is
// taken as its decimal text.
func referenceOf(f batchFeature, ptr string) (ref, refPtr string, err error) {
	for _, c := range []struct {
		raw json.RawMessage
		ptr string
	}{{f.Properties["reference"], ptr + "/properties/reference"}, {f.ID, ptr + "/id"}} {
		v := bytes.TrimSpace(c.raw)
		if len(v) == 0 || string(v) == "null" {
			continue
		}
		switch {
		case v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return "", "", problem.BadRequest("invalid-reference", "Invalid reference", c.ptr, "not a valid JSON string")
			}
			return s, c.ptr, nil
		case v[0] == '-' || (v[0] >= '0' && v[0] <= '9'):
			return string(v), c.ptr, nil
		}
		return "", "", problem.BadRequest("invalid-reference", "Invalid reference", c.ptr, "a reference is a string or a number")
	}
	return "", "", nil
}
