package check_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/geo"

	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/servertest"
)

var updateMatrix = flag.Bool("update-matrix", false, "rewrite testdata/matrix.golden.json")

// matrixSites are the sites the matrix is tested on: a point in the
// Xinmeng River, one in the band's land, one on the canal's riverside, a
// parcel in EPSG:4549 metres, a parcel straddling the district's edge, a
// line, a point outside the district; some with facts, one in 2022.
var matrixSites = []struct {
	name string
	req  check.MatrixRequest
}{
	{"river", check.MatrixRequest{Geometry: json.RawMessage(riverPoint), AsOf: "2026-06-01"}},
	{"band-land-facts", check.MatrixRequest{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.776342,31.804049]}`), AsOf: "2026-06-01",
		Facts: json.RawMessage(`{"discharges_to_water":true,"emits_n_p":false}`)}},
	{"canal-riverside", check.MatrixRequest{Geometry: json.RawMessage(`"POINT(119.906 31.790)"`), AsOf: "2026-06-01", Reference: "筛查-1"}},
	{"parcel-4549", check.MatrixRequest{Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[478400,3519380],[478700,3519380],[478700,3519680],[478400,3519680],[478400,3519380]]]}`),
		CRS: "EPSG:4549", AsOf: "2026-06-01"}},
	{"straddling", check.MatrixRequest{Geometry: json.RawMessage(`{"type":"Polygon","coordinates":[[[119.845,31.738],[119.855,31.738],[119.855,31.748],[119.845,31.748],[119.845,31.738]]]}`), AsOf: "2026-06-01"}},
	{"line", check.MatrixRequest{Geometry: json.RawMessage(`{"type":"LineString","coordinates":[[119.76,31.80],[119.80,31.80]]}`), AsOf: "2026-06-01"}},
	{"outside", check.MatrixRequest{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.850,31.740]}`), AsOf: "2026-06-01"}},
	{"band-2022", check.MatrixRequest{Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.776342,31.804049]}`), AsOf: "2022-06-30"}},
}

// TestMatrixIsEveryCheck: on both stores, each row of the matrix is the
// full check of its category (verdict, deciding rule, its first
// citation, the questions), the rows come in the rules' category order,
// and the two stores answer the same bytes for the same known_at but for
// the times: each store records its layer versions when it imports them
// (PostGIS always at its commit), and known_at is the test's now, so
// recorded_at and known_at are compared as "<time>" once each is checked.
// The embedded store's answers are the wire-format golden file
// (-update-matrix rewrites it).
func TestMatrixIsEveryCheck(t *testing.T) {
	ctx := context.Background()
	answers := map[string][]byte{}
	apps := map[string]*servertest.App{"memory": memGolden(t), "postgis": pgGolden(t)}
	// After both imports: every demo layer version is known then.
	known := time.Now().UTC().Truncate(time.Microsecond)
	for _, name := range []string{"memory", "postgis"} {
		t.Run(name, func(t *testing.T) {
			app := apps[name]
			c := check.New(check.Config{Store: app.Store, Rules: app.Rules, Unaudited: true})
			var all []byte
			for _, s := range matrixSites {
				req := s.req
				req.KnownAt = known.Format(time.RFC3339Nano)
				m, err := c.Matrix(ctx, req)
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				if !m.KnownAt.Equal(known) {
					t.Errorf("%s: known_at %s, want %s as asked", s.name, m.KnownAt, known)
				}
				for _, l := range m.Layers {
					if l.RecordedAt.IsZero() || l.RecordedAt.After(known) {
						t.Errorf("%s: layer %s recorded at %s, known at %s", s.name, l.ID, l.RecordedAt, known)
					}
				}
				if len(m.Rows) != len(app.Rules.Categories) {
					t.Fatalf("%s: %d rows for %d categories", s.name, len(m.Rows), len(app.Rules.Categories))
				}
				for i, row := range m.Rows {
					if row.Category != app.Rules.Categories[i].ID {
						t.Errorf("%s: row %d is %s, want %s", s.name, i, row.Category, app.Rules.Categories[i].ID)
					}
					ans, err := c.Check(ctx, "", check.Request{Geometry: s.req.Geometry, Category: row.Category, CRS: s.req.CRS,
						AsOf: s.req.AsOf, KnownAt: req.KnownAt, Facts: s.req.Facts})
					if err != nil {
						t.Fatalf("%s %s: %v", s.name, row.Category, err)
					}
					sameRow(t, s.name, row, ans.Response)
				}
				b, err := json.MarshalIndent(map[string]any{"site": s.name, "matrix": m}, "", " ")
				if err != nil {
					t.Fatal(err)
				}
				all = append(append(all, maskTimes(b)...), '\n')
			}
			answers[name] = all
		})
	}
	if a, b := answers["memory"], answers["postgis"]; a != nil && b != nil && !bytes.Equal(a, b) {
		t.Errorf("the stores' matrices differ:\nmemory  %.2000s\npostgis %.2000s", a, b)
	}
	golden := filepath.Join("testdata", "matrix.golden.json")
	if *updateMatrix {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, answers["memory"], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./server/check -run TestMatrixIsEveryCheck -update-matrix writes it)", err)
	}
	if !bytes.Equal(want, answers["memory"]) {
		t.Errorf("the matrices differ from %s (rerun with -update-matrix and read the diff)", golden)
	}
}

// timeMember is a member holding a time an answer does not repeat from
// run to run or store to store.
var timeMember = regexp.MustCompile(`"(known_at|recorded_at)": "[^"]*"`)

func maskTimes(b []byte) []byte { return timeMember.ReplaceAll(b, []byte(`"$1": "<time>"`)) }

func sameRow(t *testing.T, site string, row check.MatrixRow, r *check.Response) {
	t.Helper()
	rule := ""
	if row.Rule != nil {
		rule = *row.Rule
	}
	if row.Verdict != r.Verdict || rule != r.DecidingRule {
		t.Errorf("%s %s: matrix %s by %q, check %s by %q", site, row.Category, row.Verdict, rule, r.Verdict, r.DecidingRule)
	}
	var cite *check.MatrixCitation
	if len(r.Hits) > 0 && len(r.Hits[0].Citations) > 0 {
		c := r.Hits[0].Citations[0]
		cite = &check.MatrixCitation{Document: c.Document, Article: c.Article, Item: c.Item}
	}
	if (cite == nil) != (row.Citation == nil) || (cite != nil && *cite != *row.Citation) {
		t.Errorf("%s %s: matrix citation %+v, check %+v", site, row.Category, row.Citation, cite)
	}
	var qs []string
	for _, q := range r.Questions {
		qs = append(qs, q.ID)
	}
	if !slices.Equal(qs, row.Questions) && len(qs)+len(row.Questions) > 0 {
		t.Errorf("%s %s: matrix questions %v, check %v", site, row.Category, row.Questions, qs)
	}
	if row.NameZH == "" || row.NameEN == "" || row.NameZH != r.CategoryName.ZH {
		t.Errorf("%s %s: names %q %q", site, row.Category, row.NameZH, row.NameEN)
	}
}

// The matrix refuses what a check refuses, at the same pointer, and a
// category (it answers every one).
func TestMatrixErrors(t *testing.T) {
	app := servertest.Demo(t)
	c := check.New(check.Config{Store: app.Store, Rules: app.Rules})
	for _, tc := range []struct {
		req     check.MatrixRequest
		pointer string
		status  int
	}{
		{check.MatrixRequest{Geometry: json.RawMessage(riverPoint), Category: "chemical"}, "/category", 400},
		{check.MatrixRequest{Geometry: json.RawMessage(riverPoint), CRS: "EPSG:3857"}, "/crs", 400},
		{check.MatrixRequest{Geometry: json.RawMessage(riverPoint), AsOf: "2001-01-01"}, "/as_of", 422},
		{check.MatrixRequest{Geometry: json.RawMessage(riverPoint), AsOf: "2026-13-01"}, "/as_of", 400},
		{check.MatrixRequest{Geometry: json.RawMessage(riverPoint), KnownAt: "2999-01-01T00:00:00Z"}, "/known_at", 422},
		{check.MatrixRequest{Geometry: json.RawMessage(riverPoint), KnownAt: "yesterday"}, "/known_at", 400},
		{check.MatrixRequest{Geometry: json.RawMessage(riverPoint), Facts: json.RawMessage(`{"emits_np":true}`)}, "/facts/emits_np", 400},
		{check.MatrixRequest{Geometry: json.RawMessage(`{"type":"Point","coordinates":[31.78,119.8]}`)}, "/geometry/coordinates", 400},
	} {
		_, err := c.Matrix(context.Background(), tc.req)
		var ie *check.InputError
		if errors.As(err, &ie) {
			if ie.Pointer != tc.pointer || ie.Status != tc.status {
				t.Errorf("%+v: %d at %s, want %d at %s", tc.req, ie.Status, ie.Pointer, tc.status, tc.pointer)
			}
			continue
		}
		var ge *geo.InputError
		if !errors.As(err, &ge) || tc.status != 400 || !strings.HasPrefix(ge.Pointer, tc.pointer) {
			t.Errorf("%+v: err %v, want %d at %s", tc.req, err, tc.status, tc.pointer)
		}
	}
}

// riverPoint is a vertex of the demo Xinmeng River inside the district.
const riverPoint = `{"type":"Point","coordinates":[119.7594,31.794999]}`
