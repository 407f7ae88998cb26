package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/server/check"
)

// postMatrix answers POST /api/v1/checks/matrix: decode the body, answer
// every category for the site, send the matrix. It is a screening and is
// not filed.
func (s *Server) postMatrix(c echo.Context) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req check.MatrixRequest
	if err := decodeStrict(body, &req); err != nil {
		return err
	}
	m, err := s.checker.Matrix(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}
