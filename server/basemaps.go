package server

// mapConfig is GET /api/v1/config: the basemap the operator configured
// (nil: the plain offline ground) and, when a Tianditu key is configured,
// the key, with which the map offers Tianditu's map and imagery (the key is
// a browser key: Tianditu checks it against the page's domain, and every
// tile URL the browser fetches carries it anyway).
func (s *Server) mapConfig() map[string]any {
	out := map[string]any{"basemap": s.base}
	if s.tianditu != "" {
		out["tianditu_key"] = s.tianditu
	}
	return out
}
