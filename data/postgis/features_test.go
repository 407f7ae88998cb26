package postgis_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
)

func featureIDs(t *testing.T, s data.Store, layer string, q data.FeatureQuery) []string {
	t.Helper()
	var out []string
	if err := s.Features(tctx(t, time.Minute), layer, q, func(f geo.Feature) error {
		out = append(out, f.ID)
		return nil
	}); err != nil {
		t.Fatalf("features %s %+v: %v", layer, q, err)
	}
	return out
}

// TestPGFeaturesSameAsMem: for random boxes, filters, offsets and limits
// both stores select the same features in the same order, from the demo
// layers and from a layer of 3 000 parcels (several pages).
func TestPGFeaturesSameAsMem(t *testing.T) {
	man, _ := demo.Manifest()
	mem := memory.New(man)
	loadDemo(t, mem)
	pg := openDemoPG(t)
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	parcels := smallPolygons(3000)
	for i := range parcels {
		parcels[i].Properties["kind"] = []string{"a", "b", "c"}[i%3]
	}
	for _, s := range []data.Store{mem, pg} {
		if _, err := s.Import(tctx(t, time.Minute), "green-corridors", parcels, data.ImportOptions{ValidFrom: from}); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range 300 {
		layer := []string{"district", "xinmeng-river", "xinmeng-band", "canal-core", "green-corridors", "green-corridors"}[i%6]
		q := data.FeatureQuery{AsOf: storetest.AsOf, Zoom: -1}
		if i%2 == 0 {
			q.AsOf = from.AddDate(0, 0, -1) // the demo version of green-corridors
		}
		if rng.IntN(4) > 0 {
			lon, lat := 119.72+rng.Float64()*0.24, 31.73+rng.Float64()*0.13
			w, h := rng.Float64()*0.05, rng.Float64()*0.05
			q.BBox = &orb.Bound{Min: orb.Point{lon, lat}, Max: orb.Point{lon + w, lat + h}}
		}
		if rng.IntN(3) == 0 {
			q.Limit = 1 + rng.IntN(700)
		}
		if rng.IntN(3) == 0 {
			q.Offset = rng.IntN(800)
		}
		if layer == "green-corridors" && rng.IntN(3) == 0 {
			q.Filter = map[string]string{"kind": "b"}
		}
		a, b := featureIDs(t, mem, layer, q), featureIDs(t, pg, layer, q)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s %+v: mem %d features, pg %d (first mem %v, pg %v)", layer, q, len(a), len(b), head(a), head(b))
		}
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// TestPGFeaturesZoomValid: simplified polygons stay valid polygons at
// every zoom, and simplification reduces vertices.
func TestPGFeaturesZoomValid(t *testing.T) {
	pg := openDemoPG(t)
	for _, layer := range []string{"district", "xinmeng-corridor", "xinmeng-band", "canal-core", "green-corridors"} {
		full := 0
		for _, zoom := range []int{-1, 0, 4, 8, 11, 14} {
			n := 0
			if err := pg.Features(tctx(t, time.Minute), layer, data.FeatureQuery{AsOf: storetest.AsOf, Zoom: zoom}, func(f geo.Feature) error {
				n += geo.CountVertices(f.Geometry)
				switch f.Geometry.(type) {
				case orb.Polygon, orb.MultiPolygon:
				default:
					return fmt.Errorf("%s/%s at zoom %d is a %s", layer, f.ID, zoom, f.Geometry.GeoJSONType())
				}
				if err := sfOf(f.Geometry).Validate(); err != nil {
					return fmt.Errorf("%s/%s at zoom %d: %v", layer, f.ID, zoom, err)
				}
				return nil
			}); err != nil {
				t.Error(err)
			}
			if zoom == -1 {
				full = n
			} else if zoom <= 8 && n >= full {
				t.Errorf("%s at zoom %d: %d vertices, full %d", layer, zoom, n, full)
			}
		}
	}
}

// TestPGFeaturesClipped: cut to a drawn box (ST_ClipByBox2D) before being
// simplified, polygons stay polygons and lie within the box and its
// margin. Validity is not promised for a drawn box (Douglas-Peucker alone,
// as the embedded store draws it: a one-off display); a whole layer at a
// zoom is made valid (TestPGFeaturesZoomValid).
func TestPGFeaturesClipped(t *testing.T) {
	pg := openDemoPG(t)
	cut := 0
	for _, layer := range []string{"district", "xinmeng-corridor", "xinmeng-band", "canal-core", "green-corridors"} {
		for _, zoom := range []int{8, 11, 12, 14} {
			for _, box := range []orb.Bound{
				{Min: orb.Point{119.75, 31.75}, Max: orb.Point{119.80, 31.79}},
				{Min: orb.Point{119.731, 31.743}, Max: orb.Point{119.955, 31.851}},
				{Min: orb.Point{119.76, 31.77}, Max: orb.Point{119.765, 31.775}},
			} {
				q := data.FeatureQuery{AsOf: storetest.AsOf, Zoom: zoom, BBox: &box, Exact: true, Clip: true}
				within, _ := q.ClipBound()
				within = within.Pad(1e-9)
				if err := pg.Features(tctx(t, time.Minute), layer, q, func(f geo.Feature) error {
					cut++
					switch f.Geometry.(type) {
					case orb.Polygon, orb.MultiPolygon:
					default:
						return fmt.Errorf("%s/%s at zoom %d in %v is a %s", layer, f.ID, zoom, box, f.Geometry.GeoJSONType())
					}
					if b := f.Geometry.Bound(); !within.Contains(b.Min) || !within.Contains(b.Max) {
						return fmt.Errorf("%s/%s at zoom %d in %v: bounds %v beyond the drawn box %v", layer, f.ID, zoom, box, b, within)
					}
					return nil
				}); err != nil {
					t.Error(err)
				}
			}
		}
	}
	if cut == 0 {
		t.Error("no feature met the boxes")
	}
}

func sfOf(g orb.Geometry) sf.Geometry {
	b := geo.AppendGeometry(nil, g)
	out, err := sf.UnmarshalGeoJSON(b)
	if err != nil {
		panic(err)
	}
	return out
}

// TestPGFeaturesSlowConsumer: a consumer that stalls mid-layer holds no
// connection (pages are fetched, the connection released, then handed
// over), so the rest of the store keeps answering; an error from the
// consumer stops the stream; a cancelled context ends it.
func TestPGFeaturesSlowConsumer(t *testing.T) {
	s, _ := openPG(t, postgis.Options{MaxConns: 2, AcquireTimeout: time.Second})
	loadDemo(t, s)
	from := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.Import(tctx(t, time.Minute), "green-corridors", smallPolygons(2000), data.ImportOptions{ValidFrom: from}); err != nil {
		t.Fatal(err)
	}
	stall, resume := make(chan struct{}), make(chan struct{})
	done := make(chan error, 2)
	for range 2 { // as many stalled streams as connections
		go func() {
			n := 0
			done <- s.Features(context.Background(), "green-corridors", data.FeatureQuery{AsOf: from, Zoom: -1}, func(geo.Feature) error {
				if n++; n == 10 {
					stall <- struct{}{}
					<-resume
				}
				return nil
			})
		}()
	}
	<-stall
	<-stall
	site := mustSiteT(t, orb.Point{119.7594, 31.794999})
	for range 10 {
		if _, err := s.Relate(tctx(t, 10*time.Second), site, data.At{AsOf: from}); err != nil {
			t.Fatalf("relate while two streams stall: %v", err)
		}
	}
	if st := s.Pool().Stat(); st.AcquiredConns() != 0 {
		t.Errorf("%d connections held by stalled streams", st.AcquiredConns())
	}
	close(resume)
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("stream: %v", err)
		}
	}
	stop := errors.New("enough")
	n := 0
	if err := s.Features(tctx(t, time.Minute), "green-corridors", data.FeatureQuery{AsOf: from}, func(geo.Feature) error {
		if n++; n == 700 {
			return stop
		}
		return nil
	}); !errors.Is(err, stop) || n != 700 {
		t.Errorf("consumer error: %v after %d features", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err := s.Features(ctx, "green-corridors", data.FeatureQuery{AsOf: from}, func(geo.Feature) error {
		if n++; n == 600 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n >= 2000 {
		t.Errorf("cancelled stream: %v after %d features", err, n)
	}
	if st := s.Pool().Stat(); st.AcquiredConns() != 0 {
		t.Errorf("%d connections held after the streams", st.AcquiredConns())
	}
}

// TestPGRawProperties: PostGIS passes through the properties an import
// encoded (imported layers), and decodes the jsonb where there are none:
// derived layers, and versions imported before migration 0003, simulated
// by clearing the column. The bytes are the same either way.
func TestPGRawProperties(t *testing.T) {
	pg, url := openPG(t, postgis.Options{})
	loadDemo(t, pg)
	ctx := tctx(t, time.Minute)
	raw := func(layer string) (passed, decoded int, enc [][]byte) {
		err := pg.Features(ctx, layer, data.FeatureQuery{AsOf: storetest.AsOf, Zoom: -1, RawProperties: true}, func(f geo.Feature) error {
			if f.PropertiesJSON != nil {
				passed++
			} else {
				decoded++
			}
			b, err := f.EncodedProperties()
			enc = append(enc, b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return passed, decoded, enc
	}
	passed, decoded, before := raw("green-corridors")
	if passed == 0 || decoded != 0 {
		t.Errorf("imported layer: %d features passed through, %d decoded; want all passed through", passed, decoded)
	}
	if passed, decoded, _ := raw("xinmeng-band"); passed != 0 || decoded == 0 {
		t.Errorf("derived layer: %d passed through, %d decoded; want all decoded", passed, decoded)
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// features is append-only; a test database may lift that to play an
	// old version.
	if _, err := conn.Exec(ctx, `ALTER TABLE features DISABLE TRIGGER features_append_only;
		UPDATE features SET properties_json = NULL WHERE layer_id = 'green-corridors';
		ALTER TABLE features ENABLE TRIGGER features_append_only`); err != nil {
		t.Fatal(err)
	}
	passed, decoded, after := raw("green-corridors")
	if passed != 0 || decoded != len(before) {
		t.Errorf("pre-0003 version: %d passed through, %d decoded; want all %d decoded", passed, decoded, len(before))
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("pre-0003 version encodes differently:\n%q\nwant\n%q", after, before)
	}
}
