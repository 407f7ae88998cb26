package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
)

// batchFeature is one feature of a batch as sent. Member names are
// matched exactly (the body passed geo.CheckJSON: none is repeated, up to
// case); a foreign member is ignored unless it differs from a member read
// here only in case ("Geometry", "CRS"), which is refused.
type batchFeature struct {
	Type       string                     `json:"type"`
	ID         json.RawMessage            `json:"id"`
	Geometry   json.RawMessage            `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
	CRS        json.RawMessage            `json:"crs"`
	Foreign    map[string]jsontext.Value  `json:",unknown"`
}

var (
	featureMembers  = []string{"type", "id", "geometry", "properties", "crs"}
	propertyMembers = []string{"category", "crs", "as_of", "known_at", "reference"}
)

// foldedMember refuses a member of obj that differs from one of known
// only in case or Unicode folding.
func foldedMember[V any](obj map[string]V, ptr string, known []string) error {
	for name := range obj {
		if k, ok := geo.FoldVariant(name, known...); ok {
			return problem.BadRequest("invalid-json", "Unknown member", ptr+"/"+name,
				"member %q is not %q: member names are exact and case-sensitive", clip(name), k)
		}
	}
	return nil
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
	if err := jsonv2.Unmarshal(raw, &f); err != nil || f.Type != "Feature" {
		return fail(problem.BadRequest("invalid-feature", "Not a Feature", ptr,
			"features[%d] is not a GeoJSON Feature object with \"type\": \"Feature\"", i))
	}
	if err := foldedMember(f.Foreign, ptr, featureMembers); err != nil {
		return fail(err)
	}
	if err := foldedMember(f.Properties, ptr+"/properties", propertyMembers); err != nil {
		return fail(err)
	}
	ref, refPtr, err := referenceOf(f, ptr)
	if err != nil {
		return fail(err)
	}
	res.Reference = ref
	req := check.Request{Geometry: f.Geometry, Category: head.category, CRS: head.crs, AsOf: head.asOf, KnownAt: head.knownAt, Reference: ref}
	// Where each field came from, for pointers in problems.
	src := map[string]string{"/category": head.categoryPtr, "/crs": head.crsPtr, "/as_of": head.asOfPtr, "/known_at": head.knownAtPtr, "/reference": refPtr}
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
	}{{"category", &req.Category}, {"crs", &req.CRS}, {"as_of", &req.AsOf}, {"known_at", &req.KnownAt}} {
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
		} else if err := jsonv2.Unmarshal(v, field.dst); err != nil {
			return fail(problem.BadRequest("invalid-json", "Invalid JSON", p, "properties.%s must be a string", field.name))
		}
		src["/"+field.name] = p
	}
	if req.Category == "" {
		src["/category"] = ptr + "/properties/category"
	}
	// The feature's own facts override the collection's, one by one.
	facts, err := s.checker.ParseFacts(f.Properties["facts"], ptr+"/properties/facts")
	if err != nil {
		return fail(err)
	}
	fctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	in, err := s.checker.ValidateContext(fctx, req, ptr)
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
	in.Facts = check.MergeFacts(head.facts, facts)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		p := problem.New(http.StatusServiceUnavailable, "unavailable", "Batch out of time",
			fmt.Sprintf("the batch ran out of time (at most %s) before feature %d was checked; no verdict was given; send the features from here on again", BatchTimeout, i))
		p.RetryAfter = 5
		return fail(p)
	}
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
			if err := jsonv2.Unmarshal(v, &s); err != nil {
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
