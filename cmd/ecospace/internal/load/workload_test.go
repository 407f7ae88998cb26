package load

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestNewWorkload(t *testing.T) {
	reqs := map[string][]request{
		"echo":   {{kind: "echo"}},
		"point":  {{kind: "point"}},
		"parcel": {{kind: "parcel"}},
		"layer":  {{kind: "layer"}},
	}
	for _, tc := range []struct {
		name  string
		mix   map[string]int
		kinds []string
		cum   []int
		err   string
	}{
		{"echo only", map[string]int{"echo": 1}, []string{"echo"}, []int{1}, ""},
		{"kinds in a fixed order", map[string]int{"layer": 10, "point": 70, "parcel": 20}, []string{"point", "parcel", "layer"}, []int{70, 90, 100}, ""},
		{"zero shares left out", map[string]int{"point": 1, "tile": 0}, []string{"point"}, []int{1}, ""},
		{"a kind without requests", map[string]int{"point": 1, "tile": 1}, nil, nil, "no tile requests could be prepared"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := newWorkload(reqs, tc.mix)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(w.kinds, ",") != strings.Join(tc.kinds, ",") || len(w.cum) != len(tc.cum) {
				t.Fatalf("kinds %v cum %v, want %v %v", w.kinds, w.cum, tc.kinds, tc.cum)
			}
			for i := range tc.cum {
				if w.cum[i] != tc.cum[i] {
					t.Errorf("cum %v, want %v", w.cum, tc.cum)
				}
			}
		})
	}
}

// pick draws kinds in proportion to their shares.
func TestWorkloadPick(t *testing.T) {
	reqs := map[string][]request{"point": {{kind: "point"}, {kind: "point"}}, "layer": {{kind: "layer"}}}
	w, err := newWorkload(reqs, map[string]int{"point": 3, "layer": 1})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	n := map[string]int{}
	for i := 0; i < 40_000; i++ {
		n[w.pick(rng).kind]++
	}
	if share := float64(n["point"]) / 40_000; share < 0.74 || share > 0.76 {
		t.Errorf("points %.3f of the draws, want 0.75", share)
	}
}

func TestPrepare(t *testing.T) {
	f := newFakeServer(t)
	reqs, err := prepare(context.Background(), f.Client(), f.URL, Options{Area: area, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Two layers: each has 5 reads at set zooms and boxes, 4 small boxes and a tile at zooms 10–14.
	for kind, want := range map[string]int{"point": 4096, "parcel": 512, "layer": 2 * 9, "tile": 2 * 5} {
		if got := len(reqs[kind]); got != want {
			t.Errorf("%d %s requests, want %d", got, kind, want)
		}
		for _, r := range reqs[kind] {
			if r.kind != kind {
				t.Fatalf("%s request of kind %s", kind, r.kind)
			}
		}
	}
	for _, kind := range []string{"point", "parcel"} {
		for _, r := range reqs[kind] {
			var body struct {
				Category string `json:"category"`
				Geometry struct {
					Type        string          `json:"type"`
					Coordinates json.RawMessage `json:"coordinates"`
				} `json:"geometry"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil || r.method != http.MethodPost || r.path != "/api/v1/checks" {
				t.Fatalf("%s %s %s: %v", r.method, r.path, r.body, err)
			}
			if body.Category != "chemical" && body.Category != "ecological" {
				t.Fatalf("category %q", body.Category)
			}
			if kind == "point" {
				var p orb.Point
				if err := json.Unmarshal(body.Geometry.Coordinates, &p); err != nil || !area.Contains(p) {
					t.Fatalf("point %v outside %v (%v)", p, area, err)
				}
			} else {
				var rings [][]orb.Point
				if err := json.Unmarshal(body.Geometry.Coordinates, &rings); err != nil || len(rings) != 1 || len(rings[0]) != 51 || rings[0][0] != rings[0][50] {
					t.Fatalf("parcel %s: want one closed ring of 51 positions (%v)", body.Geometry.Coordinates, err)
				}
			}
		}
	}
	for _, r := range append(reqs["layer"], reqs["tile"]...) {
		if r.method != http.MethodGet || r.body != nil || !strings.HasPrefix(r.path, "/api/v1/layers/river/") && !strings.HasPrefix(r.path, "/api/v1/layers/canal/") {
			t.Errorf("%s %s", r.method, r.path)
		}
	}
	// The same seed prepares the same requests.
	again, _ := prepare(context.Background(), f.Client(), f.URL, Options{Area: area, Seed: 1})
	if string(again["parcel"][7].body) != string(reqs["parcel"][7].body) || again["tile"][3].path != reqs["tile"][3].path {
		t.Error("the same seed prepared other requests")
	}
}

func TestPrepareErrors(t *testing.T) {
	for _, tc := range []struct {
		name, fail, cats, want string
	}{
		{"no categories", "", `{"categories":[]}`, "the server lists no categories"},
		{"categories fail", "/api/v1/categories", "", "/api/v1/categories: 500 Internal Server Error"},
		{"layers fail", "/api/v1/layers", "", "/api/v1/layers: 500 Internal Server Error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeServer(t)
			f.fail = tc.fail
			if tc.cats != "" {
				f.cats = tc.cats
			}
			_, err := prepare(context.Background(), f.Client(), f.URL, Options{Area: area})
			if err == nil || !strings.HasSuffix(err.Error(), tc.want) {
				t.Errorf("err = %v, want … %q", err, tc.want)
			}
		})
	}
}
