package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// listCategories answers GET /api/v1/categories: the project kinds with
// their scope and the facts each turns on, and the facts' questions.
func (s *Server) listCategories(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"categories": s.rules.Categories, "facts": s.rules.Facts, "rules_version": s.rules.Version})
}

func (s *Server) getRules(c echo.Context) error {
	return c.JSON(http.StatusOK, s.rules)
}

func (s *Server) getConfig(c echo.Context) error {
	return c.JSON(http.StatusOK, s.mapConfig())
}
