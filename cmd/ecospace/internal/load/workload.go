package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/zhonglou/ecospace/geo"
)

// request is one prepared request.
type request struct {
	kind   string
	method string
	path   string
	body   []byte
}

// workload holds prepared requests of each kind, drawn at random; the
// one-off kinds in turn.
type workload struct {
	byKind map[string][]request
	cum    []int // cumulative shares, over kinds
	kinds  []string
	next   map[string]*atomic.Int64 // the one-off kinds' next request
}

// oneOff kinds are never drawn twice (until their pool runs out).
var oneOff = map[string]bool{"box": true, "rtile": true}

// oneOffPool is how many requests of each one-off kind are prepared.
const oneOffPool = 1 << 16

func (w *workload) pick(rng *rand.Rand) *request {
	n := rng.IntN(w.cum[len(w.cum)-1])
	i := sort.SearchInts(w.cum, n+1)
	k := w.kinds[i]
	reqs := w.byKind[k]
	if c := w.next[k]; c != nil {
		return &reqs[int(c.Add(1)-1)%len(reqs)]
	}
	return &reqs[rng.IntN(len(reqs))]
}

func newWorkload(byKind map[string][]request, mix map[string]int) (*workload, error) {
	w := &workload{byKind: byKind, next: map[string]*atomic.Int64{}}
	total := 0
	for _, k := range append([]string{"bare", "echo"}, Kinds...) {
		if mix[k] == 0 {
			continue
		}
		if len(byKind[k]) == 0 {
			return nil, fmt.Errorf("no %s requests could be prepared", k)
		}
		total += mix[k]
		w.kinds = append(w.kinds, k)
		w.cum = append(w.cum, total)
		if oneOff[k] {
			w.next[k] = new(atomic.Int64)
		}
	}
	return w, nil
}

// prepare builds pools of requests: point and parcel checks at random
// places in the area, with the server's categories, and layer reads.
func prepare(ctx context.Context, client *http.Client, base string, o Options) (map[string][]request, error) {
	rng := rand.New(rand.NewPCG(o.Seed, 99))
	var cats struct {
		Categories []struct {
			ID string `json:"id"`
		} `json:"categories"`
	}
	if err := getJSON(ctx, client, base+"/api/v1/categories", &cats); err != nil {
		return nil, err
	}
	if len(cats.Categories) == 0 {
		return nil, errors.New("the server lists no categories")
	}
	var layers struct {
		Layers []geo.LayerInfo `json:"layers"`
	}
	if err := getJSON(ctx, client, base+"/api/v1/layers", &layers); err != nil {
		return nil, err
	}
	cat := func() string { return cats.Categories[rng.IntN(len(cats.Categories))].ID }
	randIn := func() (float64, float64) {
		return o.Area.Min[0] + rng.Float64()*(o.Area.Max[0]-o.Area.Min[0]), o.Area.Min[1] + rng.Float64()*(o.Area.Max[1]-o.Area.Min[1])
	}
	out := map[string][]request{}
	for i := 0; i < 4096; i++ {
		lon, lat := randIn()
		body := fmt.Sprintf(`{"geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"category":%q}`, lon, lat, cat())
		out["point"] = append(out["point"], request{kind: "point", method: http.MethodPost, path: "/api/v1/checks", body: []byte(body)})
	}
	for i := 0; i < 512; i++ {
		lon, lat := randIn()
		x, y := geo.ToGK(lon, lat)
		var sb strings.Builder
		fmt.Fprintf(&sb, `{"category":%q,"geometry":{"type":"Polygon","coordinates":[[`, cat())
		phase := rng.Float64() * 2 * math.Pi
		for k := 0; k <= 50; k++ {
			a := 2 * math.Pi * float64(k%50) / 50
			r := 150 + 40*math.Sin(5*a+phase) // an irregular parcel about 300 m across
			plon, plat := geo.FromGK(x+r*math.Cos(a), y+r*math.Sin(a))
			if k > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "[%.7f,%.7f]", plon, plat)
		}
		sb.WriteString("]]}}")
		out["parcel"] = append(out["parcel"], request{kind: "parcel", method: http.MethodPost, path: "/api/v1/checks", body: []byte(sb.String())})
	}
	// Layer reads as the map and other clients make them: whole layers at
	// overview zooms, the area's box at closer zooms and full resolution,
	// and a few small boxes (zoom-14 tiles) at full resolution. Tiles: the
	// area's tiles at zooms 10 to 14.
	a := o.Area
	box := func(b orb.Bound) string {
		return fmt.Sprintf("%g,%g,%g,%g", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	}
	var smallBoxes []orb.Bound
	for i := 0; i < 4; i++ {
		lon, lat := randIn()
		smallBoxes = append(smallBoxes, maptile.At(orb.Point{lon, lat}, 14).Bound())
	}
	for _, l := range layers.Layers {
		p := "/api/v1/layers/" + url.PathEscape(l.ID)
		add := func(q string) {
			out["layer"] = append(out["layer"], request{kind: "layer", method: http.MethodGet, path: p + "/features?" + q})
		}
		whole := orb.Bound{Min: orb.Point{l.BBox[0], l.BBox[1]}, Max: orb.Point{l.BBox[2], l.BBox[3]}}
		add("zoom=8&bbox=" + box(whole))
		add("zoom=11&bbox=" + box(whole))
		add("zoom=13&bbox=" + box(a))
		add("zoom=15&bbox=" + box(a))
		add("bbox=" + box(a))
		for _, b := range smallBoxes {
			add("bbox=" + box(b))
		}
		for z := 10; z <= 14; z++ {
			lon, lat := randIn()
			t := maptile.At(orb.Point{lon, lat}, maptile.Zoom(z))
			out["tile"] = append(out["tile"], request{kind: "tile", method: http.MethodGet, path: fmt.Sprintf("%s/tiles/%d/%d/%d.mvt", p, z, t.X, t.Y)})
		}
	}
	// One-off reads of the layers that are drawn as zones (not the
	// coverage): boxes and tiles at random places, each once.
	var drawn []string
	for _, l := range layers.Layers {
		if l.Kind != geo.LayerCoverage && l.FeatureCount > 0 {
			drawn = append(drawn, "/api/v1/layers/"+url.PathEscape(l.ID))
		}
	}
	if len(drawn) > 0 {
		seen := map[string]bool{}
		for tries := 0; len(out["rtile"]) < oneOffPool && tries < 4*oneOffPool; tries++ {
			lon, lat := randIn()
			t := maptile.At(orb.Point{lon, lat}, maptile.Zoom(13+rng.IntN(5)))
			path := fmt.Sprintf("%s/tiles/%d/%d/%d.mvt", drawn[rng.IntN(len(drawn))], t.Z, t.X, t.Y)
			if !seen[path] {
				out["rtile"] = append(out["rtile"], request{kind: "rtile", method: http.MethodGet, path: path})
			}
			seen[path] = true
		}
		for i := 0; i < oneOffPool; i++ {
			lon, lat := randIn()
			t := maptile.At(orb.Point{lon, lat}, 12).Bound()
			dx, dy := (t.Max[0]-t.Min[0])/2, (t.Max[1]-t.Min[1])/2
			b := orb.Bound{Min: orb.Point{lon - dx, lat - dy}, Max: orb.Point{lon + dx, lat + dy}}
			out["box"] = append(out["box"], request{kind: "box", method: http.MethodGet,
				path: drawn[rng.IntN(len(drawn))] + "/features?zoom=12&bbox=" + fmt.Sprintf("%.7f,%.7f,%.7f,%.7f", b.Min[0], b.Min[1], b.Max[0], b.Max[1])})
		}
	}
	return out, nil
}

func getJSON(ctx context.Context, client *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
