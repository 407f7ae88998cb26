package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *Server) listCategories(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"categories": s.rules.Categories, "rules_version": s.rules.Version})
}

func (s *Server) getRules(c echo.Context) error {
	return c.JSON(http.StatusOK, s.rules)
}

func (s *Server) getConfig(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"basemap": s.base})
}
