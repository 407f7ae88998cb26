package postgis_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// TestPGExplainUsesGiST shows that the spatial probes a check and a map
// read make are answered through the GiST indexes once a layer is big
// enough for the planner to care: 6 400 parcels in a new version of
// green-corridors, then EXPLAIN of the point probe (feature_parts) and of
// the bbox read (features).
func TestPGExplainUsesGiST(t *testing.T) {
	s := openDemoPG(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var feats []geo.Feature
	for i := 0; i < 80; i++ {
		for j := 0; j < 80; j++ {
			lon, lat := 119.74+float64(i)*0.0026, 31.75+float64(j)*0.0012
			ring := orb.Ring{{lon, lat}, {lon + 0.001, lat}, {lon + 0.001, lat + 0.0008}, {lon, lat + 0.0008}, {lon, lat}}
			feats = append(feats, geo.Feature{ID: fmt.Sprintf("p%04d", i*80+j), Geometry: orb.Polygon{ring},
				Properties: map[string]any{"name_zh": "地块", "status": "illustrative", "green_line": false}})
		}
	}
	v, err := s.Import(ctx, "green-corridors", feats, data.ImportOptions{ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	x, y := geo.ToGK(119.80, 31.78)
	probes := []struct {
		name, index, sql string
		args             []any
	}{
		{"point in zone pieces", "feature_parts_geom",
			`SELECT feature_id FROM feature_parts WHERE layer_id = $1 AND version = $2
			   AND ST_Intersects(geom_4549, ST_SetSRID(ST_MakePoint($3, $4), 4549))`,
			[]any{"green-corridors", v.Layer.Version, x, y}},
		{"within distance of zone pieces", "feature_parts_geom",
			`SELECT feature_id FROM feature_parts WHERE layer_id = $1 AND version = $2
			   AND ST_DWithin(geom_4549, ST_SetSRID(ST_MakePoint($3, $4), 4549), 100)`,
			[]any{"green-corridors", v.Layer.Version, x, y}},
		{"map bbox read", "features_geom",
			`SELECT feature_id FROM features WHERE layer_id = $1 AND version = $2
			   AND geom && ST_MakeEnvelope(119.79, 31.77, 119.81, 31.79, 4490)`,
			[]any{"green-corridors", v.Layer.Version}},
	}
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			rows, err := s.Pool().Query(ctx, "EXPLAIN "+p.sql, p.args...)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, line)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			text := strings.Join(plan, "\n")
			t.Logf("EXPLAIN %s:\n%s", p.name, text)
			if !strings.Contains(text, p.index) || strings.Contains(text, "Seq Scan") {
				t.Errorf("the plan does not use %s:\n%s", p.index, text)
			}
		})
	}
}
