package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// TestEncodeCheckResponseMatchesMarshal: the spliced encoder writes exactly
// what encoding/json writes for the whole CheckResponse, for points,
// parcels (with conflict geometry), lines, sites outside the district and
// every category, so clients decoding either see the same document.
func TestEncodeCheckResponseMatchesMarshal(t *testing.T) {
	s := demoServer(t)
	rng := rand.New(rand.NewPCG(3, 4))
	cats := []string{"chemical", "polluting-industry", "warehousing-logistics", "residential", "theme-park",
		"linear-infrastructure", "sewage-outfall", "ecological"}
	kinds := map[string]int{}
	for i := range 300 {
		lon, lat := 119.70+rng.Float64()*0.30, 31.72+rng.Float64()*0.15
		var geom string
		switch i % 3 {
		case 0:
			geom = fmt.Sprintf(`{"type":"Point","coordinates":[%.6f,%.6f]}`, lon, lat)
		case 1:
			d := 0.002 + rng.Float64()*0.01
			geom = fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}`,
				lon, lat, lon+d, lat+d)
		default:
			geom = fmt.Sprintf(`{"type":"LineString","coordinates":[[%f,%f],[%f,%f]]}`, lon, lat, lon+0.02, lat+0.01)
		}
		ref := ""
		if i%2 == 0 {
			ref = fmt.Sprintf(`,"reference":"审批-%d \"q\" <&>"`, i)
		}
		body := fmt.Sprintf(`{"geometry":%s,"category":%q,"as_of":"2026-06-01"%s}`, geom, cats[i%len(cats)], ref)
		rec := do(t, s, http.MethodPost, "/api/v1/checks", "application/json", strings.NewReader(body))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", body, rec.Code, rec.Body)
		}
		var resp CheckResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatal(err)
		}
		kinds[resp.Verdict]++
		if len(resp.Conflicts) > 60 {
			kinds["with conflicts"]++
		}
		want, err := json.Marshal(&resp)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.Body.Bytes(), want) {
			t.Fatalf("%s:\n got %s\nwant %s", body, rec.Body, want)
		}
	}
	// The sample must reach every kind of answer, or it proves little.
	for _, k := range []string{"prohibited", "restricted", "allowed", "outside_coverage", "with conflicts"} {
		if kinds[k] == 0 {
			t.Errorf("no %s answer among the sample: %v", k, kinds)
		}
	}
}
