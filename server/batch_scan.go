package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/problem"
)

// batchHead is what the first pass learns from the whole collection: the
// defaults its top-level members set, and how many features it has.
type batchHead struct {
	category, crs, asOf, knownAt             string
	categoryPtr, crsPtr, asOfPtr, knownAtPtr string
	facts                                    map[string]bool // every feature's defaults
	features                                 int
}

// batchMembers are the top-level members of a batch ecospace reads;
// others are foreign members, ignored.
var batchMembers = []string{"type", "crs", "as_of", "known_at", "category", "features"}

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
		if known, ok := geo.FoldVariant(name, batchMembers...); ok {
			return nil, problem.BadRequest("invalid-json", "Unknown member", "/"+name,
				"member %q is not %q: member names are exact and case-sensitive", clip(name), known)
		}
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
		case "as_of", "known_at", "category":
			var v string
			if err := dec.Decode(&v); err != nil {
				return nil, syntaxOr(f, err, "/"+name, name+" must be a string")
			}
			switch name {
			case "as_of":
				if _, err := s.checker.ParseAsOf(v, "/as_of"); err != nil {
					return nil, err
				}
				h.asOf, h.asOfPtr = v, "/as_of"
			case "known_at":
				// One knowledge time for every feature: the batch is
				// judged as known then, however long it runs.
				if _, err := s.checker.ParseKnownAt(v, "/known_at"); err != nil {
					return nil, err
				}
				h.knownAt, h.knownAtPtr = v, "/known_at"
			default:
				if _, err := s.checker.Category(v, "/category"); err != nil {
					return nil, err
				}
				h.category, h.categoryPtr = v, "/category"
			}
		case "facts":
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, syntax(err)
			}
			facts, err := s.checker.ParseFacts(raw, "/facts")
			if err != nil {
				return nil, err
			}
			h.facts = facts
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
	if err := jsonv2.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var named struct {
		Type       string `json:"type"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	// Exact names: "Properties" or "NAME" would be ignored, and refused.
	if err := jsonv2.Unmarshal(raw, &named, jsonv2.RejectUnknownMembers(true)); err != nil || named.Type != "name" || named.Properties.Name == "" {
		return "", fmt.Errorf("crs must be a string such as \"EPSG:4549\" or a named CRS object {\"type\":\"name\",\"properties\":{\"name\":…}}")
	}
	return named.Properties.Name, nil
}
