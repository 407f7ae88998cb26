package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

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
		return problem.BadRequest("invalid-json", "Unknown member", "/"+f, "unknown member %q; the members are geometry, category, crs, as_of, reference and facts", clip(f))
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
