package server

import (
	"errors"
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
)

// postMove answers POST /api/v1/checks/move: decode the body, search for
// the smallest move, send it. Nothing is filed.
func (s *Server) postMove(c echo.Context) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req check.MoveRequest
	if err := decodeStrict(body, &req); err != nil {
		return withMembers(err, reflect.TypeFor[check.MoveRequest]())
	}
	m, err := s.checker.Move(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// withMembers makes an unknown-member problem name the members of the
// request type t it was decoding (decodeStrict names a check's).
func withMembers(err error, t reflect.Type) error {
	var p *problem.Problem
	if !errors.As(err, &p) || p.Title != "Unknown member" {
		return err
	}
	var names []string
	for i := range t.NumField() {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n != "" && n != "-" {
			names = append(names, n)
		}
	}
	if i := strings.LastIndex(p.Detail, "the members are "); i >= 0 {
		p.Detail = p.Detail[:i] + "the members are " + strings.Join(names, ", ")
	}
	return err
}
