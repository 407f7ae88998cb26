package load

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

// area is a box inside Zhonglou District.
var area = orb.Bound{Min: orb.Point{119.85, 31.75}, Max: orb.Point{119.95, 31.82}}

// fakeServer answers the few endpoints a run uses, as ecospace does, and
// counts the requests it was sent by kind. fail names a path prefix to
// answer 500.
type fakeServer struct {
	*httptest.Server
	mu     sync.Mutex
	counts map[string]int
	fail   string
	cats   string // the /api/v1/categories body
}

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{counts: map[string]int{}, cats: `{"categories":[{"id":"chemical"},{"id":"ecological"}]}`}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if f.fail != "" && strings.HasPrefix(p, f.fail) {
		http.Error(w, "broken", http.StatusInternalServerError)
		return
	}
	kind := ""
	switch {
	case p == "/healthz":
		kind = "echo"
		w.Write([]byte(`{"status":"ok"}`))
	case p == "/api/v1/categories":
		w.Write([]byte(f.cats))
	case p == "/api/v1/layers":
		w.Write([]byte(`{"layers":[{"id":"river","bbox":[119.86,31.76,119.9,31.8]},{"id":"canal","bbox":[119.9,31.77,119.94,31.81]}]}`))
	case p == "/api/v1/checks" && r.Method == http.MethodPost:
		var req struct {
			Category string `json:"category"`
			Geometry struct {
				Type string `json:"type"`
			} `json:"geometry"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Category == "" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad check", http.StatusBadRequest)
			return
		}
		kind = map[string]string{"Point": "point", "Polygon": "parcel"}[req.Geometry.Type]
		w.Write([]byte(`{"verdict":"allowed"}`))
	case strings.HasSuffix(p, "/features"):
		kind = "layer"
		w.Write([]byte(`{"type":"FeatureCollection","features":[]}`))
	case strings.HasSuffix(p, ".mvt"):
		kind = "tile"
		w.Write([]byte{0x1a, 0})
	default:
		http.NotFound(w, r)
		return
	}
	if kind != "" {
		f.mu.Lock()
		f.counts[kind]++
		f.mu.Unlock()
	}
}

func (f *fakeServer) count(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[kind]
}
