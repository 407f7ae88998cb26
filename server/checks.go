package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/server/check"
)

// postCheck answers POST /api/v1/checks: decode the body, check, send the
// document as filed.
func (s *Server) postCheck(c echo.Context) error {
	if ok, charset := textBody(c); ok {
		return s.postCheckTXT(c, charset) // a 用地报盘 file (request_txt.go)
	}
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
