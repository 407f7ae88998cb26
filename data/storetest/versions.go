package storetest

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// Versions: imports make new versions (and recompute the derived ones),
// as_of picks them, a resolved version is read by number, bad imports are
// refused.

// testAsOfTwoVersions: a new version of a zone is in force from its date;
// checks before it see the old one.
func testAsOfTwoVersions(t *testing.T, open Opener) {
	s := open(t)
	p := corridorPoint(t, s)
	// Version 2 moves the corridor 5 km east, away from p.
	old := features(t, s, "xinmeng-corridor", data.FeatureQuery{Zoom: -1})
	moved := make([]geo.Feature, len(old))
	for i, f := range old {
		moved[i] = geo.Feature{ID: f.ID, Properties: f.Properties, Geometry: geo.TransformGeometry(f.Geometry, func(x, y float64) (float64, float64) { return x + 0.05, y })}
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v, err := s.Import(ctx(t), "xinmeng-corridor", moved, data.ImportOptions{ValidFrom: from})
	if err != nil {
		t.Fatal(err)
	}
	if v.Layer.Version != 2 || !v.Layer.ValidFrom.Equal(from) || v.Layer.ID != "xinmeng-corridor" || len(v.Derived) != 0 {
		t.Fatalf("import gave %+v, want version 2 from %s and no derived layer", v, from)
	}
	for _, tc := range []struct {
		asOf    time.Time
		hit     bool
		version int64
	}{
		{time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), true, 1},
		{from, false, 2},
		{AsOf, false, 2},
	} {
		rel := relate(t, s, p, tc.asOf)
		if got := len(hitsOf(rel, "xinmeng-corridor")) > 0; got != tc.hit {
			t.Errorf("as_of %s: corridor hit %v, want %v", tc.asOf.Format(time.DateOnly), got, tc.hit)
		}
		if got := versionOf(rel, "xinmeng-corridor"); got != tc.version {
			t.Errorf("as_of %s: corridor version %d, want %d", tc.asOf.Format(time.DateOnly), got, tc.version)
		}
		info, err := s.Layer(ctx(t), "xinmeng-corridor", tc.asOf)
		if err != nil || info.Version != tc.version {
			t.Errorf("as_of %s: layer info %+v, %v", tc.asOf.Format(time.DateOnly), info, err)
		}
	}
	// A version resolved before is read as it was, whatever is in force.
	if got := features(t, s, "xinmeng-corridor", data.FeatureQuery{Version: 1, Zoom: -1}); len(got) != len(old) || !boundsClose(got[0].Geometry.Bound(), old[0].Geometry.Bound()) {
		t.Errorf("version 1 read by number: %d features, first bound %v; want %d, %v", len(got), got[0].Geometry.Bound(), len(old), old[0].Geometry.Bound())
	}
	// Backdating before the newest version is refused without the flag;
	// nothing changes.
	var be *data.BackdateError
	if _, err := s.Import(ctx(t), "xinmeng-corridor", old, data.ImportOptions{ValidFrom: from.AddDate(0, -1, 0)}); !errors.Is(err, data.ErrBackdate) || !errors.As(err, &be) || be.Newest.Version != 2 {
		t.Errorf("backdated import: err %v, want a BackdateError naming version 2", err)
	}
	if info, _ := s.Layer(ctx(t), "xinmeng-corridor", AsOf); info.Version != 2 {
		t.Errorf("after refused import: version %d, want 2", info.Version)
	}
}

func versionOf(rel geo.Relations, layer string) int64 {
	for _, l := range rel.Layers {
		if l.ID == layer {
			return l.Version
		}
	}
	return 0
}

// testDerivedRecomputed: importing the river recomputes its 1 km band.
func testDerivedRecomputed(t *testing.T, open Opener) {
	s := open(t)
	river := features(t, s, "xinmeng-river", data.FeatureQuery{Zoom: -1})
	district := features(t, s, "district", data.FeatureQuery{Zoom: -1})
	// A point 1 500 m from the river's shore: outside the band until the
	// river moves 1 300 m towards it.
	pts := shoreOf(river).pointsAt(1500, func(p orb.Point) bool {
		return inPolygons(district, p) && boundaryDistance(district, p) > 5
	})
	if len(pts) == 0 {
		t.Fatal("demo data: no point 1 500 m from the river inside the district")
	}
	p := pts[0].at(0)
	if hs := hitsOf(relate(t, s, p, AsOf), "xinmeng-band"); len(hs) != 0 {
		t.Fatalf("before: band hits %+v", hs)
	}
	dx, dy := pts[0].N[0]*1300, pts[0].N[1]*1300
	moved := geo.UnprojectGeometry(geo.TransformGeometry(geo.ProjectGeometry(river[0].Geometry), func(x, y float64) (float64, float64) { return x + dx, y + dy }))
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	res, err := s.Import(ctx(t), "xinmeng-river", []geo.Feature{{ID: river[0].ID, Properties: river[0].Properties, Geometry: moved}}, data.ImportOptions{ValidFrom: from})
	if err != nil {
		t.Fatal(err)
	}
	// The import names the band version it made, as the store then serves it.
	if len(res.Derived) != 1 || res.Derived[0].ID != "xinmeng-band" || res.Derived[0].Version != 2 || !res.Derived[0].ValidFrom.Equal(from) {
		t.Errorf("import of the river reports derived %+v, want xinmeng-band version 2 from %s", res.Derived, from)
	}
	info, err := s.Layer(ctx(t), "xinmeng-band", from)
	if err != nil || info.Version != 2 || !info.ValidFrom.Equal(from) {
		t.Fatalf("band after river import: %+v %v, want version 2 from %s", info, err, from)
	}
	hs := hitsOf(relate(t, s, p, from), "xinmeng-band")
	if len(hs) != 1 || math.Abs(hs[0].DistanceM-200) > 1 {
		t.Errorf("after: band hits %+v, want one at about 200 m", hs)
	}
	if hs := hitsOf(relate(t, s, p, from.AddDate(0, 0, -1)), "xinmeng-band"); len(hs) != 0 {
		t.Errorf("the day before: band hits %+v, want none", hs)
	}
}

func testImportRefusesInvalid(t *testing.T, open Opener) {
	s := open(t)
	good := features(t, s, "green-corridors", data.FeatureQuery{Zoom: -1})
	bow := geo.Feature{ID: "bow-tie", Properties: map[string]any{"name_zh": "坏"}, Geometry: orb.Polygon{{{119.80, 31.80}, {119.81, 31.81}, {119.81, 31.80}, {119.80, 31.81}, {119.80, 31.80}}}}
	feats := append(append([]geo.Feature{}, good...), bow)
	_, err := s.Import(ctx(t), "green-corridors", feats, data.ImportOptions{ValidFrom: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
	var ie *data.ImportError
	if !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Index != len(good) {
		t.Fatalf("err %v, want an ImportError naming feature %d", err, len(good))
	}
	if info, _ := s.Layer(ctx(t), "green-corridors", AsOf); info.Version != 1 {
		t.Errorf("after refused import: version %d, want 1", info.Version)
	}
	if _, err := s.Import(ctx(t), "xinmeng-band", good, data.ImportOptions{}); !errors.Is(err, data.ErrInvalidImport) {
		t.Errorf("import into a derived layer: err %v, want ErrInvalidImport", err)
	}
	if _, err := s.Import(ctx(t), "nope", good, data.ImportOptions{}); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("import into unknown layer: err %v, want ErrNotFound", err)
	}
}

// testResolvedVersion: a caller that has resolved the version in force
// (the server, for its cache key) passes it on, and the store reads that
// version without a second look-up; a version the layer does not have is
// refused, by Features and by Tile alike.
func testResolvedVersion(t *testing.T, open Opener) {
	s := open(t)
	for _, id := range []string{"green-corridors", "xinmeng-band"} {
		info, err := s.Layer(ctx(t), id, AsOf)
		if err != nil {
			t.Fatal(err)
		}
		byDate := features(t, s, id, data.FeatureQuery{Zoom: 12})
		byNumber := features(t, s, id, data.FeatureQuery{Version: info.Version, AsOf: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), Zoom: 12})
		if len(byNumber) != len(byDate) || len(byDate) == 0 {
			t.Fatalf("%s: %d features by version number, %d by date", id, len(byNumber), len(byDate))
		}
		for i := range byDate {
			if byNumber[i].ID != byDate[i].ID || !boundsClose(byNumber[i].Geometry.Bound(), byDate[i].Geometry.Bound()) {
				t.Errorf("%s feature %d: %s %v by number, %s %v by date", id, i, byNumber[i].ID, byNumber[i].Geometry.Bound(), byDate[i].ID, byDate[i].Geometry.Bound())
			}
		}
		// Nothing selected in a version that exists is no error.
		far := orb.Bound{Min: orb.Point{10, 10}, Max: orb.Point{10.1, 10.1}}
		if got := features(t, s, id, data.FeatureQuery{Version: info.Version, BBox: &far, Zoom: -1}); len(got) != 0 {
			t.Errorf("%s: %d features far away", id, len(got))
		}
		missing := data.FeatureQuery{Version: info.Version + 100, Zoom: -1}
		if err := s.Features(ctx(t), id, missing, func(geo.Feature) error { return nil }); !errors.Is(err, data.ErrNoVersion) {
			t.Errorf("%s version %d: err %v, want ErrNoVersion", id, missing.Version, err)
		}
		if ts, ok := s.(data.TileStore); ok {
			if _, err := ts.Tile(ctx(t), id, info.Version+100, 10, 864, 418); !errors.Is(err, data.ErrNoVersion) {
				t.Errorf("%s tile of version %d: err %v, want ErrNoVersion", id, info.Version+100, err)
			}
		}
	}
	if err := s.Features(ctx(t), "no-such-layer", data.FeatureQuery{Version: 1}, func(geo.Feature) error { return nil }); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("unknown layer by version: err %v, want ErrNotFound", err)
	}
	if ts, ok := s.(data.TileStore); ok {
		if _, err := ts.Tile(ctx(t), "no-such-layer", 1, 10, 864, 418); !errors.Is(err, data.ErrNotFound) {
			t.Errorf("tile of an unknown layer: err %v, want ErrNotFound", err)
		}
	}
}

// boundsClose compares bounds read back from a store, to a nanodegree.
func boundsClose(a, b orb.Bound) bool {
	for i := range 2 {
		if math.Abs(a.Min[i]-b.Min[i]) > 1e-9 || math.Abs(a.Max[i]-b.Max[i]) > 1e-9 {
			return false
		}
	}
	return true
}

// testTwoTimes: a back-dated version (with the flag) is recorded as a new
// version with its own recorded_at; a question known at a time before it
// still gets the versions known then, one after it the new one; every
// version keeps its recorded_at, and Versions lists them all.
func testTwoTimes(t *testing.T, open Opener) {
	s := open(t)
	p := corridorPoint(t, s)
	old := features(t, s, "xinmeng-corridor", data.FeatureQuery{Zoom: -1})
	moved := make([]geo.Feature, len(old))
	for i, f := range old {
		moved[i] = geo.Feature{ID: f.ID, Properties: f.Properties, Geometry: geo.TransformGeometry(f.Geometry, func(x, y float64) (float64, float64) { return x + 0.05, y })}
	}
	v1, err := s.Versions(ctx(t), "xinmeng-corridor")
	if err != nil || len(v1) != 1 || v1[0].RecordedAt.IsZero() || v1[0].Version != 1 {
		t.Fatalf("versions before: %+v, %v", v1, err)
	}
	before := time.Now().UTC().Truncate(data.RecordedPrecision)
	// Version 2 from 2026-01-01 (recorded first), then version 3 moved
	// away, back-dated to 2025-01-01.
	from2 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r2, err := s.Import(ctx(t), "xinmeng-corridor", old, data.ImportOptions{ValidFrom: from2})
	if err != nil {
		t.Fatal(err)
	}
	mid := r2.Layer.RecordedAt
	if mid.Before(before) || mid.After(time.Now()) {
		t.Errorf("version 2 recorded at %s, want between %s and now", mid, before)
	}
	from3 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.Import(ctx(t), "xinmeng-corridor", moved, data.ImportOptions{ValidFrom: from3}); !errors.Is(err, data.ErrBackdate) {
		t.Fatalf("back-dated import without the flag: %v, want ErrBackdate", err)
	}
	r3, err := s.Import(ctx(t), "xinmeng-corridor", moved, data.ImportOptions{ValidFrom: from3, Backdate: true})
	if err != nil {
		t.Fatal(err)
	}
	if r3.Layer.Version != 3 || !r3.Layer.RecordedAt.After(mid) {
		t.Fatalf("back-dated import: %+v, want version 3 recorded after %s", r3.Layer, mid)
	}
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		at      data.At
		version int64
		hit     bool
	}{
		{"2025 known before the back-dated version", data.At{AsOf: day, KnownAt: mid}, 1, true},
		{"2025 known now", data.At{AsOf: day}, 3, false},
		{"2025 known at its recording", data.At{AsOf: day, KnownAt: r3.Layer.RecordedAt}, 3, false},
		{"2026 known now: the later valid_from wins", data.At{AsOf: AsOf}, 2, true},
		{"2024 known now", data.At{AsOf: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}, 1, true},
		{"2026 known before version 2", data.At{AsOf: AsOf, KnownAt: before}, 1, true},
	} {
		rel, err := s.Relate(ctx(t), mustSite(t, p), tc.at)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := versionOf(rel, "xinmeng-corridor"); got != tc.version {
			t.Errorf("%s: version %d, want %d", tc.name, got, tc.version)
		}
		if got := len(hitsOf(rel, "xinmeng-corridor")) > 0; got != tc.hit {
			t.Errorf("%s: corridor hit %v, want %v", tc.name, got, tc.hit)
		}
		for _, l := range rel.Layers {
			if l.RecordedAt.IsZero() || (!tc.at.KnownAt.IsZero() && l.RecordedAt.After(tc.at.KnownAt)) {
				t.Errorf("%s: layer %s recorded at %s, known at %s", tc.name, l.ID, l.RecordedAt, tc.at.KnownAt)
			}
		}
	}
	// A knowledge time before anything was recorded knows no version.
	if _, err := s.Relate(ctx(t), mustSite(t, p), data.At{AsOf: AsOf, KnownAt: v1[0].RecordedAt.Add(-time.Microsecond)}); !errors.Is(err, data.ErrNoVersion) {
		t.Errorf("known before any version: %v, want ErrNoVersion", err)
	}
	vs, err := s.Versions(ctx(t), "xinmeng-corridor")
	if err != nil || len(vs) != 3 {
		t.Fatalf("versions: %+v, %v", vs, err)
	}
	for i, want := range []struct {
		from time.Time
		rec  time.Time
	}{{v1[0].ValidFrom.Time, v1[0].RecordedAt}, {from2, mid}, {from3, r3.Layer.RecordedAt}} {
		if vs[i].Version != int64(i+1) || !vs[i].ValidFrom.Equal(want.from) || !vs[i].RecordedAt.Equal(want.rec) {
			t.Errorf("version %d: %+v, want valid_from %s recorded %s", i+1, vs[i], want.from, want.rec)
		}
	}
	if got, ok := data.InForce(vs, data.At{AsOf: day, KnownAt: mid}); !ok || got.Version != 1 {
		t.Errorf("InForce known before the back-date: %+v", got)
	}
	// Rules versions are recorded once.
	rv := data.RulesVersion{Version: "test-1", ValidFrom: geo.Date{Time: from3}}
	a, err := s.RecordRules(ctx(t), rv)
	if err != nil || a.RecordedAt.IsZero() {
		t.Fatalf("record rules: %+v, %v", a, err)
	}
	b, err := s.RecordRules(ctx(t), rv)
	if err != nil || !b.RecordedAt.Equal(a.RecordedAt) || !b.ValidFrom.Equal(from3) {
		t.Errorf("recorded again: %+v, %v; want %+v", b, err, a)
	}
	all, err := s.RulesVersions(ctx(t))
	if err != nil || len(all) != 1 || all[0].Version != "test-1" {
		t.Errorf("rules versions: %+v, %v", all, err)
	}
}

// testBackdateRederives: a back-dated version of a source is in force
// past a later version of the derived layer's mask, which was made from
// the source's old version: that derived version is made again from the
// new source, so that no derived version in force on a day comes from a
// source version not in force that day.
func testBackdateRederives(t *testing.T, open Opener) {
	s := open(t)
	mask := features(t, s, "canal-built-up", data.FeatureQuery{Zoom: -1})
	canal := features(t, s, "canal", data.FeatureQuery{Zoom: -1})
	from2 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r2, err := s.Import(ctx(t), "canal-built-up", mask, data.ImportOptions{ValidFrom: from2})
	if err != nil || len(r2.Derived) != 1 || r2.Derived[0].ID != "canal-core" || r2.Derived[0].Version != 2 {
		t.Fatalf("mask version 2: %+v, %v", r2, err)
	}
	moved := make([]geo.Feature, len(canal))
	for i, f := range canal {
		moved[i] = geo.Feature{ID: f.ID, Properties: f.Properties, Geometry: geo.TransformGeometry(f.Geometry, func(x, y float64) (float64, float64) { return x + 0.02, y })}
	}
	from3 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	r3, err := s.Import(ctx(t), "canal", moved, data.ImportOptions{ValidFrom: from3, Backdate: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range r3.Derived {
		got = append(got, d.ID+"@"+d.ValidFrom.String())
	}
	if len(r3.Derived) != 2 || r3.Derived[0].Version != 3 || !r3.Derived[0].ValidFrom.Equal(from3) || r3.Derived[1].Version != 4 || !r3.Derived[1].ValidFrom.Equal(from2) {
		t.Fatalf("derived of the back-dated source: %v (%+v), want canal-core 3 from %s and 4 from %s", got, r3.Derived, from3.Format(time.DateOnly), from2.Format(time.DateOnly))
	}
	info := func(day time.Time) geo.LayerInfo {
		t.Helper()
		li, err := s.Layer(ctx(t), "canal-core", day)
		if err != nil {
			t.Fatal(err)
		}
		return li
	}
	if li := info(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)); li.Version != 3 {
		t.Errorf("canal-core on 2025-06-01: version %d, want 3", li.Version)
	}
	v4 := info(AsOf)
	if v4.Version != 4 {
		t.Fatalf("canal-core on %s: version %d, want 4", AsOf.Format(time.DateOnly), v4.Version)
	}
	vs, err := s.Versions(ctx(t), "canal-core")
	if err != nil || len(vs) != 4 {
		t.Fatalf("canal-core versions %d, %v", len(vs), err)
	}
	// Version 4 is made from the moved source (and a mask like the
	// first): it is version 3 again, not version 2.
	if vs[3].BBox != vs[2].BBox || vs[3].FeatureCount != vs[2].FeatureCount || vs[3].BBox == vs[1].BBox {
		t.Errorf("canal-core version 4 bbox %v, want version 3's %v, not version 2's %v", vs[3].BBox, vs[2].BBox, vs[1].BBox)
	}
	// Known before the back-date, 2026 still answers with version 2.
	rel, err := s.Relate(ctx(t), mustSite(t, orb.Point{119.9, 31.79}), data.At{AsOf: AsOf, KnownAt: r2.Derived[0].RecordedAt})
	if err != nil || versionOf(rel, "canal-core") != 2 {
		t.Errorf("known before the back-date: canal-core version %d, %v; want 2", versionOf(rel, "canal-core"), err)
	}
}
