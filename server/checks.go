package server

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
)

// postCheck answers POST /api/v1/checks: decode the body, check, send the
// document as filed.
func (s *Server) postCheck(c echo.Context) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req check.Request
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	ans, err := s.checker.Check(c.Request().Context(), keyID(c), req)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, ans.Document)
}

// getCheck answers GET /api/v1/checks/{id} with the document as filed.
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
