package postgis_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
)

// TestPGImportStream: a layer imported feature by feature (in several
// COPY chunks) is stored as Import stores it: the same features, bytes of
// properties and geometry, the same layer summary, index pieces and
// derived layers; a stream with bad features is refused with every
// problem, and nothing of it is stored.
func TestPGImportStream(t *testing.T) {
	s, _ := openPG(t, postgis.Options{})
	loadDemo(t, s)
	ctx := tctx(t, 2*time.Minute)
	feats := smallPolygons(2500) // three chunks
	from1, from2 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	whole, err := s.Import(ctx, "green-corridors", feats, data.ImportOptions{ValidFrom: from1})
	if err != nil {
		t.Fatal(err)
	}
	progress := 0
	streamed, err := s.ImportStream(ctx, "green-corridors", func(fn func(geo.Feature) error) error {
		for _, f := range feats {
			if err := fn(f); err != nil {
				return err
			}
		}
		return nil
	}, len(feats), data.ImportOptions{ValidFrom: from2, Progress: func(done, total int) { progress = max(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if streamed.Layer.Version != whole.Layer.Version+1 || progress != len(feats) {
		t.Fatalf("streamed version %d after %d, progress %d of %d", streamed.Layer.Version, whole.Layer.Version, progress, len(feats))
	}
	a, b := allFeatures(t, s, "green-corridors", from1), allFeatures(t, s, "green-corridors", from2)
	if len(a) != len(feats) || !reflect.DeepEqual(a, b) {
		t.Fatalf("streamed import differs from the whole one: %d and %d features", len(a), len(b))
	}
	ia, _ := s.Layer(ctx, "green-corridors", from1)
	ib, _ := s.Layer(ctx, "green-corridors", from2)
	ia.Version, ia.ValidFrom, ia.RecordedAt = ib.Version, ib.ValidFrom, ib.RecordedAt
	if !reflect.DeepEqual(ia, ib) {
		t.Errorf("layer summary %+v, whole %+v", ib, ia)
	}
	site, err := geo.SiteFromLonLat(feats[1234].Geometry.Bound().Center())
	if err != nil {
		t.Fatal(err)
	}
	for _, day := range []time.Time{from1, from2} {
		rel, err := s.Relate(ctx, site, data.At{AsOf: day})
		if err != nil {
			t.Fatal(err)
		}
		hit := false
		for _, h := range rel.Hits {
			hit = hit || h.ZoneID == feats[1234].ID
		}
		if !hit {
			t.Errorf("on %s a point inside %s does not hit it: %+v", day.Format(time.DateOnly), feats[1234].ID, rel.Hits)
		}
	}

	// Bad features in the second and third chunks: refused, with both.
	bad := append([]geo.Feature(nil), feats...)
	bad[1500].ID = bad[3].ID
	bad[2400].Geometry = orb.LineString{{119.8, 31.8}, {119.81, 31.81}}
	_, err = s.ImportStream(ctx, "green-corridors", func(fn func(geo.Feature) error) error {
		for _, f := range bad {
			if err := fn(f); err != nil {
				return err
			}
		}
		return nil
	}, 0, data.ImportOptions{ValidFrom: from2})
	var ie *data.ImportError
	if !errors.As(err, &ie) || len(ie.Problems) != 2 || ie.Problems[0].Index != 1500 || ie.Problems[1].Index != 2400 {
		t.Fatalf("bad stream: %v", err)
	}
	if info, _ := s.Layer(ctx, "green-corridors", from2); info.Version != streamed.Layer.Version {
		t.Errorf("a refused import left version %d in force", info.Version)
	}
	// A source that fails stops the import.
	_, err = s.ImportStream(ctx, "green-corridors", func(fn func(geo.Feature) error) error {
		fn(feats[0])
		return fmt.Errorf("disk gone")
	}, 0, data.ImportOptions{ValidFrom: from2})
	if err == nil {
		t.Error("a failing source imported")
	}
}
