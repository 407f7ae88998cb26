package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"reflect"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
)

// Request plumbing the handlers share: who is asking, reading and
// strictly decoding a JSON body, and the problems of a body that is not
// what it should be.

// keyID is the API key that made the request, when keys are in use.
func keyID(c echo.Context) string {
	if v, ok := c.Get("key_id").(string); ok {
		return v
	}
	return ""
}

// requireJSON refuses bodies that do not say they are JSON, and JSON in a
// declared charset other than UTF-8 (RFC 8259 JSON is UTF-8; a body is
// never read in another charset, nor altered to fit).
func requireJSON(c echo.Context) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	if !(mt == "application/json" || mt == "application/geo+json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			fmt.Sprintf("send the body as application/json, not %q", clip(ct)))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported charset",
			fmt.Sprintf("the body is declared as charset %q; send JSON in UTF-8 (charset=utf-8, or no charset)", clip(cs)))
	}
	return nil
}

// readBody reads the (size-limited) body.
func readBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, problem.New(http.StatusRequestTimeout, "request-timeout", "Request timeout",
				fmt.Sprintf("the body did not arrive within %s", ConnReadTimeout))
		}
		return nil, problem.BadRequest("unreadable-body", "Unreadable body", "", "the request body could not be read: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, problem.BadRequest("invalid-json", "Invalid JSON", "", "the request body is empty; send a JSON object")
	}
	return b, nil
}

// decodeStrict decodes one JSON object the way every JSON reader would
// read it: strictJSON first (no repeated or case-folded member names,
// valid UTF-8, bounded nesting), then member names matched exactly, no
// unknown members (a typo such as "catgory" must not silently become a
// default) and no trailing data.
func decodeStrict(body []byte, v any) error {
	if err := strictJSON(body); err != nil {
		return err
	}
	if err := jsonv2.Unmarshal(body, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return jsonProblem(body, err)
	}
	return nil
}

// strictJSON refuses what JSON readers disagree about (geo.CheckJSON)
// with a 400 that names the byte offset and the JSON pointer.
func strictJSON(body []byte) error {
	if err := geo.CheckJSONBytes(body, geo.MaxJSONDepth); err != nil {
		return strictProblem(err, func(off int64) (int, int) { return lineCol(body, off) })
	}
	return nil
}

// strictProblem turns a geo.JSONError into its 400; at finds the line and
// column of a byte offset.
func strictProblem(err error, at func(int64) (int, int)) error {
	var je *geo.JSONError
	if !errors.As(err, &je) {
		return err
	}
	title := "Invalid JSON"
	switch {
	case je.Kind == geo.JSONEncoding:
		title = "Invalid UTF-8"
	case je.Kind == geo.JSONAmbiguousName:
		title = "Ambiguous member"
	case je.Kind == geo.JSONTooDeep:
		title = "Nested too deeply"
	}
	line, col := at(je.Offset)
	return problem.BadRequest("invalid-json", title, je.Pointer, "at line %d, column %d (byte offset %d): %s", line, col, je.Offset, je.Detail)
}

// jsonProblem is the 400 of a body that passed strictJSON but does not
// fit the shape it is decoded into.
func jsonProblem(body []byte, err error) *problem.Problem {
	var se *jsonv2.SemanticError
	if errors.As(err, &se) {
		ptr := string(se.JSONPointer)
		if errors.Is(se.Err, jsonv2.ErrUnknownName) {
			name := ptr[strings.LastIndexByte(ptr, '/')+1:]
			return problem.BadRequest("invalid-json", "Unknown member", ptr,
				"unknown member %q (member names are exact and case-sensitive); the members are %s", clip(name), checkMembers)
		}
		what := "value"
		if se.GoType != nil {
			what = se.GoType.String()
			switch k := se.GoType.Kind(); {
			case k == reflect.String:
				what = "string"
			case k == reflect.Map || k == reflect.Struct:
				what = "JSON object"
			case k == reflect.Slice || k == reflect.Array:
				what = "JSON array"
			case k == reflect.Bool:
				what = "boolean"
			case k >= reflect.Int && k <= reflect.Float64:
				what = "number"
			}
		}
		got := "this"
		if se.JSONKind != 0 {
			got = "a JSON " + jsonKindName(byte(se.JSONKind))
		}
		where := strings.TrimPrefix(ptr, "/")
		if where == "" {
			where = "the body"
		}
		return problem.BadRequest("invalid-json", "Invalid JSON", ptr, "%s must be a %s, not %s", where, what, got)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return problem.BadRequest("invalid-json", "Invalid JSON", "", "the body ends before the JSON value does")
	}
	return problem.BadRequest("invalid-json", "Invalid JSON", "", "the body is not valid JSON: %v", err)
}

// checkMembers names the members of a check request, for problems.
var checkMembers = func() string {
	var names []string
	t := reflect.TypeFor[check.Request]()
	for i := range t.NumField() {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n != "" && n != "-" {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}()

func jsonKindName(k byte) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "boolean"
	case '"':
		return "string"
	case '0':
		return "number"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "value"
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
