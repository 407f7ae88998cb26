package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
)

// problemOf maps any handler error to a problem. Input errors are 4xx; a
// store that cannot answer is 503; only a genuine fault is a 500.
func problemOf(err error) *problem.Problem {
	var p *problem.Problem
	if errors.As(err, &p) {
		return p
	}
	var ce *check.InputError
	if errors.As(err, &ce) {
		p := problem.New(ce.Status, ce.Slug, ce.Title, ce.Detail)
		p.Pointer = ce.Pointer
		return p
	}
	var ie *geo.InputError
	if errors.As(err, &ie) {
		slug, title := "invalid-geometry", "Invalid geometry"
		status := http.StatusBadRequest
		return &problem.Problem{Type: problem.TypePrefix + slug, Title: title, Status: status, Detail: ie.Detail, Pointer: ie.Pointer}
	}
	var imp *data.ImportError
	if errors.As(err, &imp) {
		p := problem.New(http.StatusUnprocessableEntity, "invalid-import", "Import refused", imp.Error())
		for _, fp := range imp.Problems {
			ptr := fmt.Sprintf("/features/%d/geometry%s", fp.Index, fp.Pointer)
			if strings.HasPrefix(fp.Pointer, "/properties/") {
				ptr = fmt.Sprintf("/features/%d%s", fp.Index, fp.Pointer)
			}
			p.Errors = append(p.Errors, problem.Item{Pointer: ptr, Detail: fp.Reason})
		}
		return p
	}
	var be *data.BackdateError
	if errors.As(err, &be) {
		p := problem.New(http.StatusConflict, "backdate-needed", "Back-dated version", be.Error())
		p.Pointer = "?valid_from"
		return p
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
		switch he.Code {
		case http.StatusNotFound:
			return problem.New(he.Code, "not-found", "Not found", "no such resource: "+msg)
		case http.StatusMethodNotAllowed:
			return problem.New(he.Code, "method-not-allowed", "Method not allowed", msg)
		case http.StatusRequestEntityTooLarge:
			return problem.New(he.Code, "too-large", "Request too large", fmt.Sprintf("the request body is larger than %d bytes", MaxBodyBytes))
		case http.StatusServiceUnavailable:
			p := problem.New(he.Code, "unavailable", "Service unavailable", msg)
			p.RetryAfter = 5
			return p
		}
		if he.Code >= 400 && he.Code < 500 {
			return problem.New(he.Code, "bad-request", http.StatusText(he.Code), msg)
		}
	}
	switch {
	case errors.Is(err, data.ErrNotFound):
		return problem.New(http.StatusNotFound, "not-found", "Not found", err.Error())
	case errors.Is(err, data.ErrNoVersion):
		return problem.New(http.StatusUnprocessableEntity, "no-layer-version", "No layer version in force", err.Error())
	case errors.Is(err, data.ErrInvalidImport):
		return problem.New(http.StatusUnprocessableEntity, "invalid-import", "Import refused", err.Error())
	case errors.Is(err, geo.ErrNotCovered):
		return problem.New(http.StatusUnprocessableEntity, "as-of-not-covered", "Date not covered by the rules", err.Error())
	case errors.Is(err, data.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		p := problem.New(http.StatusServiceUnavailable, "unavailable", "Service unavailable",
			"the layer store cannot answer now; no verdict was given: "+err.Error())
		p.RetryAfter = 5
		return p
	}
	return problem.New(http.StatusInternalServerError, "internal", "Internal error", "an internal error stopped the request; no verdict was given")
}

// errorHandler is the one place errors become responses.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away; there is nobody to answer.
		return
	}
	p := problemOf(err)
	p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	if p.Instance == "" {
		p.Instance = c.Request().URL.Path
	}
	level := slog.LevelInfo
	if p.Status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(c.Request().Context(), level, "request failed", "status", p.Status, "type", p.Type,
		"detail", p.Detail, "error", err.Error(), "path", c.Request().URL.Path, "request_id", p.RequestID)
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/problem+json")
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	if err := c.JSON(p.Status, p); err != nil {
		s.log.Error("write problem", "error", err)
	}
}
