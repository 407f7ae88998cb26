package check_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/servertest"
)

func radius(r float64) *float64 { return &r }

// moveCases are searched on both stores: points in the band and in the
// river, a parcel (EPSG:4549) and a line, a site meeting the target
// already, nothing within a small radius, a target of allowed, facts.
var moveCases = []struct {
	name  string
	req   check.MoveRequest
	found bool
	// dist bounds the distance answered (when found), from the geometry
	// of the demo layers: the band's 1 000 m from the shore.
	min, max float64
}{
	{"500 m from the shore", check.MoveRequest{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.767488,31.804581]}`), Category: "chemical", Target: "restricted"}, true, 490, 510},
	{"in the river", check.MoveRequest{Geometry: json.RawMessage(riverPoint), Category: "hazardous-storage", Target: "restricted"}, true, 1000, 1300},
	{"parcel", check.MoveRequest{Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[478400,3519380],[478700,3519380],[478700,3519680],[478400,3519680],[478400,3519380]]]}`), CRS: "EPSG:4549", Category: "chemical", Target: "restricted"}, true, 1, 2000},
	{"line", check.MoveRequest{Geometry: json.RawMessage(`{"type":"LineString","coordinates":[[119.765,31.80],[119.770,31.80]]}`), Category: "chemical", Target: "restricted"}, true, 1, 2000},
	{"already", check.MoveRequest{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.8,31.78]}`), Category: "chemical", Target: "restricted"}, true, 0, 0},
	{"nothing within 100 m", check.MoveRequest{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.767488,31.804581]}`), Category: "chemical", Target: "restricted", RadiusM: radius(100)}, false, 0, 0},
	{"never allowed", check.MoveRequest{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.767488,31.804581]}`), Category: "chemical"}, false, 0, 0},
	{"hazardous storage, until allowed", check.MoveRequest{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.767488,31.804581]}`), Category: "hazardous-storage"}, true, 490, 1500},
	{"warehousing, facts", check.MoveRequest{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.767488,31.804581]}`), Category: "warehousing-logistics",
		Facts: json.RawMessage(`{"hazardous_goods":true}`)}, true, 1, 5000},
}

// TestMoveBothStores: each search answers the same bytes on both stores;
// a move found is checked again as a client would check moved_geometry
// (the same verdict, meeting the target), and its distance is its offsets'
// length and within the bounds the layers give.
func TestMoveBothStores(t *testing.T) {
	ctx := context.Background()
	answers := map[string][][]byte{}
	apps := map[string]*servertest.App{"memory": memGolden(t), "postgis": pgGolden(t)}
	// One knowledge time, after both imports, for both stores' answers to
	// be the same bytes.
	known := time.Now().UTC().Truncate(time.Microsecond)
	for _, name := range []string{"memory", "postgis"} {
		t.Run(name, func(t *testing.T) {
			app := apps[name]
			c := check.New(check.Config{Store: app.Store, Rules: app.Rules, Unaudited: true})
			for _, tc := range moveCases {
				req := tc.req
				req.AsOf, req.KnownAt = moveDay, known.Format(time.RFC3339Nano)
				m, err := c.Move(ctx, req)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if !m.KnownAt.Equal(known) {
					t.Errorf("%s: known_at %s, want %s as asked", tc.name, m.KnownAt, known)
				}
				b, err := json.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				answers[name] = append(answers[name], b)
				t.Logf("%s: %s", tc.name, b)
				if m.Found != tc.found {
					t.Errorf("%s: found %v, want %v: %s", tc.name, m.Found, tc.found, b)
					continue
				}
				if !m.Found {
					if m.MessageZH == "" || m.MessageEN == "" || m.DistanceM != nil || m.MovedGeometry != nil {
						t.Errorf("%s: %s", tc.name, b)
					}
					continue
				}
				d := *m.DistanceM
				if d < tc.min || d > tc.max || math.Abs(math.Hypot(*m.DxM, *m.DyM)-d) > 0.002 {
					t.Errorf("%s: moved %.3f m (%.3f, %.3f), want %g–%g m", tc.name, d, *m.DxM, *m.DyM, tc.min, tc.max)
				}
				if (d == 0) != (m.Arrow == nil) || (d > 0 && !bytes.HasPrefix(m.Arrow, []byte(`{"type":"LineString","coordinates":[[`))) {
					t.Errorf("%s: arrow %s", tc.name, m.Arrow)
				}
				if (d == 0) != (m.BearingDeg == nil) || (d > 0 && (m.DirectionZH == "" || m.DirectionEN == "")) {
					t.Errorf("%s: bearing and direction: %s", tc.name, b)
				}
				ans, err := c.Check(ctx, "", check.Request{Geometry: m.MovedGeometry, Category: req.Category, Facts: req.Facts, AsOf: moveDay, KnownAt: req.KnownAt})
				if err != nil {
					t.Fatalf("%s: check the moved site: %v", tc.name, err)
				}
				target := m.Target
				if ans.Response.Verdict != m.MovedVerdict || !(ans.Response.Verdict == target || ans.Response.Verdict == "allowed") || !ans.Response.Coverage.Whole {
					t.Errorf("%s: the moved site checks %s (answered %s, target %s)", tc.name, ans.Response.Verdict, m.MovedVerdict, target)
				}
			}
		})
	}
	for i := range moveCases {
		a, b := answers["memory"], answers["postgis"]
		if i < len(a) && i < len(b) && !bytes.Equal(a[i], b[i]) {
			t.Errorf("%s: the stores answer differently:\nmemory  %s\npostgis %s", moveCases[i].name, a[i], b[i])
		}
	}
}

// A chemical plant 980 m from the shore moves 20 m (and 1 cm), straight
// away from the river; the search's answer is the minimum to a centimetre.
func TestMove980(t *testing.T) {
	ctx := context.Background()
	app := servertest.Demo(t)
	c := check.New(check.Config{Store: app.Store, Rules: app.Rules, Unaudited: true})
	// Find a point 980 m from the shore by walking east from the 500 m
	// point until the band's hit says 980 m.
	lon, lat := 119.767488, 31.804581
	var d float64
	for range 60 {
		ans, err := c.Check(ctx, "", check.Request{Geometry: pointJSON(lon, lat), Category: "chemical", AsOf: moveDay})
		if err != nil {
			t.Fatal(err)
		}
		d = -1
		for _, h := range ans.Response.Hits {
			if h.Layer == "xinmeng-band" {
				d = h.DistanceM
			}
		}
		if d < 0 {
			t.Fatalf("[%f, %f] left the band", lon, lat)
		}
		if math.Abs(d-980) < 0.5 {
			break
		}
		lon += (980 - d) / 95_000 // about 95 km a degree of longitude here
	}
	m, err := c.Move(ctx, check.MoveRequest{Geometry: pointJSON(lon, lat), Category: "chemical", Target: "restricted", AsOf: moveDay})
	if err != nil {
		t.Fatal(err)
	}
	want := 1000 - d
	if !m.Found || *m.DistanceM < want || *m.DistanceM > want+0.02 || m.MovedVerdict != "restricted" {
		t.Errorf("%.3f m from the shore: moved %v m, want %.3f m", d, *m.DistanceM, want)
	}
}

func pointJSON(lon, lat float64) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"type": "Point", "coordinates": []float64{lon, lat}})
	return b
}

// Bad input is refused with a pointer, as a check's.
func TestMoveErrors(t *testing.T) {
	app := servertest.Demo(t)
	c := check.New(check.Config{Store: app.Store, Rules: app.Rules})
	pt := json.RawMessage(`{"type":"Point","coordinates":[119.8,31.78]}`)
	for _, tc := range []struct {
		req     check.MoveRequest
		pointer string
		status  int
	}{
		{check.MoveRequest{Geometry: pt}, "/category", 400},
		{check.MoveRequest{Geometry: pt, Category: "casino"}, "/category", 400},
		{check.MoveRequest{Geometry: pt, Category: "chemical", Target: "prohibited"}, "/target", 400},
		{check.MoveRequest{Geometry: pt, Category: "chemical", Target: "outside_coverage"}, "/target", 400},
		{check.MoveRequest{Geometry: pt, Category: "chemical", RadiusM: radius(0)}, "/radius_m", 400},
		{check.MoveRequest{Geometry: pt, Category: "chemical", RadiusM: radius(20_001)}, "/radius_m", 400},
		{check.MoveRequest{Geometry: pt, Category: "chemical", RadiusM: radius(-5)}, "/radius_m", 400},
		{check.MoveRequest{Geometry: json.RawMessage(`{"type":"Point","coordinates":[121.4737,31.2304]}`), Category: "chemical"}, "/geometry", 422},
		{check.MoveRequest{Geometry: pt, Category: "chemical", AsOf: "2001-01-01"}, "/as_of", 422},
		{check.MoveRequest{Geometry: pt, Category: "chemical", KnownAt: "2999-01-01T00:00:00Z"}, "/known_at", 422},
		{check.MoveRequest{Geometry: pt, Category: "chemical", KnownAt: "2026-06-01"}, "/known_at", 400},
	} {
		_, err := c.Move(context.Background(), tc.req)
		var ie *check.InputError
		if !errors.As(err, &ie) || ie.Pointer != tc.pointer || ie.Status != tc.status {
			t.Errorf("%+v: %v, want %d at %s", tc.req, err, tc.status, tc.pointer)
		}
	}
}

// go test ./server/check -run '^$' -bench BenchmarkMove -benchtime 20x
func BenchmarkMove(b *testing.B) {
	app := servertest.Demo(b)
	c := check.New(check.Config{Store: app.Store, Rules: app.Rules, Unaudited: true})
	for _, tc := range append(moveCases[:4:4], moveCases[6]) {
		b.Run(tc.name, func(b *testing.B) {
			req := tc.req
			req.AsOf = moveDay
			for b.Loop() {
				if _, err := c.Move(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("matrix", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Matrix(context.Background(), check.MatrixRequest{Geometry: json.RawMessage(riverPoint), AsOf: moveDay}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
