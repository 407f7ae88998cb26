package ogc_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/servertest"
)

// TestGDAL drives GDAL's OGC API – Features client (the OAPIF driver of
// Debian's gdal-bin) against a real server: ogrinfo lists every
// collection; ogr2ogr reads every layer in full, two features a page, and
// the counts and a geometry hash must match the API's own GeoJSON
// (/api/v1/layers/{id}/features); then every layer again in EPSG:4549,
// whose coordinates must match geo.ToGK of the stored ones within 1 cm.
//
// GDAL before 3.7 has no Part 2 support (its OAPIF open options are URL,
// PAGE_SIZE, USERPWD and IGNORE_SCHEMA): it is given the CRS as a query in
// its connection string, which it repeats on every request, and it passes
// the coordinates through untouched — so they must be in EPSG:4549's own
// axis order, northing first. GDAL 3.7 and later take -oo CRS=EPSG:4549,
// read the server's coordinates as authority-ordered (its default
// SERVER_FEATURE_AXIS_ORDER=AUTHORITY_COMPLIANT) and write easting first.
func TestGDAL(t *testing.T) { testGDAL(t, servertest.Demo) }

// testGDAL is TestGDAL on the stores open returns (the PostGIS run would be
// testGDAL(t, servertest.DemoPG); the handler suite already runs on both).
func testGDAL(t *testing.T, open opener) {
	for _, tool := range []string{"ogrinfo", "ogr2ogr"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH: install gdal-bin (apt-get install gdal-bin; scripts/test-deps.sh does it) — this test never skips", tool)
		}
	}
	major, minor := gdalVersion(t)
	t.Logf("GDAL %d.%d", major, minor)

	app := open(t)
	s, api := app.Store, newAPI(app)
	var mu sync.Mutex
	var requests []*url.URL
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests = append(requests, r.URL)
		mu.Unlock()
		api.ServeHTTP(w, r)
	}))
	defer srv.Close()
	root := srv.URL + "/ogc"
	dir := t.TempDir()

	layers, err := s.Layers(context.Background(), storetest.AsOf)
	if err != nil {
		t.Fatal(err)
	}

	// ogrinfo lists every collection.
	out := run(t, "ogrinfo", "-ro", "-so", "OAPIF:"+root)
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\d+: (\S+)`).FindAllStringSubmatch(out, -1) {
		listed[m[1]] = true
	}
	for _, l := range layers {
		if !listed[l.ID] {
			t.Errorf("ogrinfo does not list %s:\n%s", l.ID, out)
		}
	}
	if len(listed) != len(layers) {
		t.Errorf("ogrinfo lists %d layers, the store has %d", len(listed), len(layers))
	}
	// ogrinfo's feature count is numberMatched.
	out = run(t, "ogrinfo", "-ro", "-so", "OAPIF:"+root, "green-corridors")
	if want := fmt.Sprintf("Feature Count: %d", mustLayer(t, layers, "green-corridors").FeatureCount); !strings.Contains(out, want) {
		t.Errorf("ogrinfo green-corridors: no %q in\n%s", want, out)
	}

	// Every layer in full, two features a page, in CRS84 and in EPSG:4549.
	for _, pass := range []string{"CRS84", "EPSG:4549"} {
		t.Run(pass, func(t *testing.T) {
			for _, l := range layers {
				t.Run(l.ID, func(t *testing.T) {
					t.Parallel()
					dst := filepath.Join(dir, pass[:4]+"-"+l.ID+".json")
					args := []string{"-f", "GeoJSON", dst}
					switch {
					case pass == "CRS84":
						args = append(args, "OAPIF:"+root)
					case major > 3 || major == 3 && minor >= 7:
						args = append(args, "OAPIF:"+root, "-oo", "CRS=EPSG:4549")
					default:
						args = append(args, "OAPIF:"+root+"?crs="+uri4549)
					}
					args = append(args, "-oo", "PAGE_SIZE=2", l.ID)
					run(t, "ogr2ogr", args...)
					got := readGeoJSON(t, dst)
					if len(got.Features) != l.FeatureCount {
						t.Fatalf("GDAL read %d features, the layer has %d", len(got.Features), l.FeatureCount)
					}
					if pass == "CRS84" {
						var v1 gjFile
						r := get(t, api, "/api/v1/layers/"+l.ID+"/features?as_of="+storetest.AsOf.Format(time.DateOnly))
						r.json(t, &v1)
						if a, b := geometryHash(t, got), geometryHash(t, v1); a != b {
							t.Errorf("geometry hash through GDAL %s, /api/v1 %s", a, b)
						}
						return
					}
					checkGK(t, got, storeFeatures(t, s, l.ID, storetest.AsOf), major, minor)
				})
			}
		})
	}

	// GDAL paged (offset > 0) through every layer with more than two
	// features, and asked for EPSG:4549 when told to.
	paged, crsAsked := map[string]bool{}, map[string]bool{}
	for _, u := range requests {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if len(parts) != 4 || parts[3] != "items" {
			continue
		}
		q := u.Query()
		if q.Get("offset") != "" && q.Get("offset") != "0" {
			paged[parts[2]] = true
		}
		if q.Get("crs") == uri4549 {
			crsAsked[parts[2]] = true
		}
	}
	for _, l := range layers {
		if l.FeatureCount > 2 && !paged[l.ID] {
			t.Errorf("GDAL did not page through %s (%d features)", l.ID, l.FeatureCount)
		}
		if !crsAsked[l.ID] {
			t.Errorf("GDAL did not ask for %s in EPSG:4549", l.ID)
		}
	}
}

func gdalVersion(t *testing.T) (major, minor int) {
	out := run(t, "ogrinfo", "--version")
	m := regexp.MustCompile(`GDAL (\d+)\.(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ogrinfo --version: %q", out)
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	return major, minor
}

func mustLayer(t *testing.T, layers []geo.LayerInfo, id string) geo.LayerInfo {
	for _, l := range layers {
		if l.ID == id {
			return l
		}
	}
	t.Fatalf("no layer %s", id)
	return geo.LayerInfo{}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	// No proxy between GDAL and the test's server, and no stray config.
	cmd.Env = append(os.Environ(), "http_proxy=", "HTTP_PROXY=", "no_proxy=127.0.0.1", "NO_PROXY=127.0.0.1", "GDAL_HTTP_PROXY=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

type gjFile struct {
	CRS *struct {
		Properties struct{ Name string }
	}
	Features []struct {
		ID         any
		Geometry   json.RawMessage
		Properties map[string]any
	}
}

func readGeoJSON(t *testing.T, path string) gjFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f gjFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// featureID is the feature's id property (GDAL keeps it as a field), else
// its id member.
func featureID(props map[string]any, id any) string {
	if s, ok := props["id"].(string); ok && s != "" {
		return s
	}
	return fmt.Sprint(id)
}

// geometryHash hashes every feature's geometry type and coordinates
// rounded to 6 decimals, in feature id order.
func geometryHash(t *testing.T, f gjFile) string {
	t.Helper()
	type one struct{ id, text string }
	var all []one
	for _, x := range f.Features {
		var g struct{ Type string }
		if err := json.Unmarshal(x.Geometry, &g); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString(g.Type)
		for _, p := range positions(t, x.Geometry) {
			fmt.Fprintf(&b, " %.6f,%.6f", p[0], p[1])
		}
		all = append(all, one{featureID(x.Properties, x.ID), b.String()})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	h := sha256.New()
	for _, o := range all {
		fmt.Fprintf(h, "%s|%s\n", o.id, o.text)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// checkGK compares what GDAL wrote in the EPSG:4549 pass with geo.ToGK of
// the stored coordinates, within 1 cm.
func checkGK(t *testing.T, got gjFile, want []geo.Feature, major, minor int) {
	t.Helper()
	modern := major > 3 || major == 3 && minor >= 7
	crsName := ""
	if got.CRS != nil {
		crsName = got.CRS.Properties.Name
	}
	// GDAL ≥ 3.7 knows the layer is EPSG:4549 and writes easting first;
	// older GDAL labels it CRS84 and passes the server's order through.
	eastingFirst := modern
	if modern && !strings.Contains(crsName, "4549") {
		t.Errorf("GDAL %d.%d wrote the EPSG:4549 pass as %q", major, minor, crsName)
	}
	byID := map[string]json.RawMessage{}
	for _, x := range got.Features {
		byID[featureID(x.Properties, x.ID)] = x.Geometry
	}
	worst := 0.0
	for _, f := range want {
		raw, ok := byID[f.ID]
		if !ok {
			t.Errorf("GDAL's EPSG:4549 output lacks %s", f.ID)
			continue
		}
		ps := positions(t, raw)
		exact := exactPositions(f.Geometry)
		if len(ps) != len(exact) {
			t.Errorf("%s: %d positions, want %d", f.ID, len(ps), len(exact))
			continue
		}
		for i, p := range ps {
			e, n := geo.ToGK(exact[i][0], exact[i][1])
			ge, gn := p[1], p[0]
			if eastingFirst {
				ge, gn = p[0], p[1]
			}
			d := math.Hypot(ge-e, gn-n)
			worst = math.Max(worst, d)
			if d > 0.01 {
				t.Fatalf("%s position %d: GDAL has %v, ToGK gives easting %.3f northing %.3f (%.3f m off)", f.ID, i, p, e, n, d)
			}
		}
	}
	t.Logf("worst EPSG:4549 position %.4f m from geo.ToGK", worst)
}
