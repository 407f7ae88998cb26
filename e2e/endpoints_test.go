package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/data/pgtest"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of TestEndpointsGolden")

// endpointCase is one request of the golden walk over the public API.
type endpointCase struct {
	name, method, path, ctype, accept, body string
	admin                                   bool   // send the admin key
	file                                    string // the body is this file's bytes (body is then "")
}

// endpointCases cover every public endpoint: the API (layers, features,
// tiles, categories, rules, config, OpenAPI, checks, batch, the audit,
// uploads), OGC API – Features, health, and the errors of each. They run
// in order against one server; the upload comes last because it changes
// the layers.
var endpointCases = []endpointCase{
	{name: "healthz", method: "GET", path: "/healthz"},
	{name: "readyz", method: "GET", path: "/readyz"},
	{name: "layers", method: "GET", path: "/api/v1/layers?as_of=2026-06-01"},
	{name: "layer", method: "GET", path: "/api/v1/layers/canal-core?as_of=2026-06-01"},
	{name: "layer-unknown", method: "GET", path: "/api/v1/layers/nope"},
	{name: "features-full", method: "GET", path: "/api/v1/layers/green-corridors/features?as_of=2026-06-01"},
	{name: "features-bbox-zoom", method: "GET", path: "/api/v1/layers/xinmeng-band/features?bbox=119.73,31.74,119.80,31.86&zoom=12&as_of=2026-06-01"},
	{name: "features-derived-zoom10", method: "GET", path: "/api/v1/layers/canal-core/features?zoom=10&as_of=2026-06-01"},
	{name: "features-bad-bbox", method: "GET", path: "/api/v1/layers/canal/features?bbox=1,2,3"},
	{name: "features-before-versions", method: "GET", path: "/api/v1/layers/canal/features?as_of=2001-01-01"},
	{name: "tile", method: "GET", path: "/api/v1/layers/green-corridors/tiles/12/3459/1675.mvt?as_of=2026-06-01"},
	{name: "tile-derived", method: "GET", path: "/api/v1/layers/xinmeng-band/tiles/10/864/418.mvt?as_of=2026-06-01"},
	{name: "tile-out-of-range", method: "GET", path: "/api/v1/layers/canal/tiles/23/1/1.mvt"},
	{name: "categories", method: "GET", path: "/api/v1/categories"},
	{name: "rules", method: "GET", path: "/api/v1/rules?as_of=2026-06-01"},
	{name: "config", method: "GET", path: "/api/v1/config"},
	{name: "openapi", method: "GET", path: "/api/v1/openapi.json"},
	{name: "check-river-chemical", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.7594,31.794999]},"category":"chemical","reference":"审批-2026-0001","as_of":"2026-06-01"}`},
	{name: "check-parcel-4549", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Polygon","coordinates":[[[478400,3519380],[478700,3519380],[478700,3519680],[478400,3519680],[478400,3519380]]]},"crs":"EPSG:4549","category":"warehousing-logistics","as_of":"2026-06-01"}`},
	{name: "check-canal-riverside-wkt", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":"POINT(119.906 31.790)","category":"residential","as_of":"2026-06-01"}`},
	{name: "check-gcj02", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Feature","geometry":{"type":"Point","coordinates":[119.925,31.785]},"properties":{}},"crs":"GCJ-02","category":"sewage-outfall","as_of":"2026-06-01"}`},
	{name: "check-straddling-parcel", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Polygon","coordinates":[[[119.845,31.738],[119.855,31.738],[119.855,31.748],[119.845,31.748],[119.845,31.738]]]},"category":"theme-park","as_of":"2026-06-01"}`},
	{name: "check-line", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"LineString","coordinates":[[119.76,31.80],[119.80,31.80]]},"category":"linear-infrastructure","as_of":"2026-06-01"}`},
	{name: "check-outside", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.850,31.740]},"category":"chemical","as_of":"2026-06-01"}`},
	{name: "check-nowhere", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.800,31.780]},"category":"ecological","as_of":"2026-06-01"}`},
	{name: "check-bad-json", method: "POST", path: "/api/v1/checks", ctype: "application/json", body: `{"geometry":`},
	{name: "check-unknown-category", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"casino"}`},
	{name: "check-swapped", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[31.78,119.8]},"category":"chemical"}`},
	{name: "check-unknown-member", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"catgory":"chemical"}`},
	{name: "check-text-plain", method: "POST", path: "/api/v1/checks", ctype: "text/plain", body: `{}`},
	{name: "check-before-rules", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","as_of":"2001-01-01"}`},
	{name: "check-not-found", method: "GET", path: "/api/v1/checks/0190a3c6-6f4e-7b7a-9d5c-3c2b1a0f9e8d"},
	{name: "check-bad-id", method: "GET", path: "/api/v1/checks/nope"},
	{name: "checks-delete", method: "DELETE", path: "/api/v1/checks"},
	{name: "batch-ndjson", method: "POST", path: "/api/v1/checks/batch", ctype: "application/geo+json", body: batchBody},
	{name: "batch-geojson", method: "POST", path: "/api/v1/checks/batch", ctype: "application/geo+json", accept: "application/geo+json", body: batchBody},
	{name: "batch-not-collection", method: "POST", path: "/api/v1/checks/batch", ctype: "application/geo+json", body: `{"type":"Feature"}`},
	{name: "api-unknown", method: "GET", path: "/api/v1/nothing"},
	{name: "ogc-landing", method: "GET", path: "/ogc?f=json"},
	{name: "ogc-conformance", method: "GET", path: "/ogc/conformance?f=json"},
	{name: "ogc-api", method: "GET", path: "/ogc/api"},
	{name: "ogc-collections", method: "GET", path: "/ogc/collections?f=json"},
	{name: "ogc-collection", method: "GET", path: "/ogc/collections/xinmeng-corridor?f=json"},
	{name: "ogc-items", method: "GET", path: "/ogc/collections/green-corridors/items?limit=2&datetime=2026-06-01"},
	{name: "ogc-items-bbox-4549", method: "GET", path: "/ogc/collections/canal-core/items?limit=2&datetime=2026-06-01&bbox=119.88,31.76,119.93,31.80&crs=http://www.opengis.net/def/crs/EPSG/0/4549"},
	{name: "ogc-item", method: "GET", path: "/ogc/collections/green-corridors/items/green-tongzi?datetime=2026-06-01"},
	{name: "ogc-items-html", method: "GET", path: "/ogc/collections/district/items?f=html&datetime=2026-06-01"},
	{name: "ogc-items-bad-limit", method: "GET", path: "/ogc/collections/canal/items?limit=-1"},
	{name: "ogc-unknown-collection", method: "GET", path: "/ogc/collections/nope"},
	{name: "ogc-unknown-param", method: "GET", path: "/ogc/collections/canal/items?colour=red"},
	{name: "upload-no-key", method: "PUT", path: "/api/v1/layers/green-corridors?valid_from=2026-12-01", ctype: "application/geo+json", body: uploadBody},
	{name: "upload", method: "PUT", path: "/api/v1/layers/green-corridors?valid_from=2026-12-01&backdate=true", ctype: "application/geo+json", body: uploadBody, admin: true},
	{name: "upload-derived", method: "PUT", path: "/api/v1/layers/canal-core?valid_from=2026-12-01", ctype: "application/geo+json", body: uploadBody, admin: true},
	{name: "layer-after-upload", method: "GET", path: "/api/v1/layers/green-corridors?as_of=2026-12-02"},
	{name: "features-after-upload", method: "GET", path: "/api/v1/layers/green-corridors/features?as_of=2026-12-02"},
	{name: "check-after-upload", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.8352,31.7950]},"category":"residential","as_of":"2026-12-02"}`},
	// Declared facts and open questions (issue 13), after the walk above so
	// that its files keep their numbers.
	{name: "check-facts-discharge-in-band", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.776342,31.804049]},"category":"polluting-industry","facts":{"discharges_to_water":true,"emits_n_p":false},"as_of":"2026-06-01"}`},
	{name: "check-questions", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.800,31.780]},"category":"chemical","as_of":"2026-06-01"}`},
	{name: "check-unknown-fact", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","facts":{"emits_np":true}}`},
	{name: "check-fact-not-boolean", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical","facts":{"emits_n_p":"yes"}}`},
	{name: "check-2022", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.776342,31.804049]},"category":"warehousing-logistics","as_of":"2022-06-30"}`},
	{name: "batch-facts", method: "POST", path: "/api/v1/checks/batch", ctype: "application/geo+json", body: batchFactsBody},
	// The surveyor's file (用地报盘 TXT, GBK) and the parcel register (issue 17).
	{name: "check-txt", method: "POST", path: "/api/v1/checks?category=chemical&as_of=2026-06-01", ctype: "text/plain", file: "../data/demo/parcel-sample.txt"},
	{name: "check-txt-several", method: "POST", path: "/api/v1/checks?category=chemical&as_of=2026-06-01", ctype: "text/plain", file: "../data/demo/parcels-sample.txt"},
	{name: "batch-txt", method: "POST", path: "/api/v1/checks/batch?category=warehousing-logistics&as_of=2026-06-01", ctype: "text/plain", file: "../data/demo/parcels-sample.txt"},
	{name: "batch-txt-zone39", method: "POST", path: "/api/v1/checks/batch?category=chemical", ctype: "text/plain", file: "../data/layerfile/testdata/zone39-gbk.txt"},
	{name: "parse-txt", method: "POST", path: "/api/v1/sites/parse", ctype: "text/plain", file: "../data/demo/parcels-sample.txt"},
	{name: "parse-txt-xian80", method: "POST", path: "/api/v1/sites/parse", ctype: "text/plain", file: "../data/layerfile/testdata/xian80-gbk.txt"},
	{name: "parcel-no-register", method: "GET", path: "/api/v1/parcels/320404001001GB00001?as_of=2026-06-01"},
	{name: "upload-parcels", method: "PUT", path: "/api/v1/layers/parcels?valid_from=2026-01-01&backdate=true&parcel_field=%E5%AE%97%E5%9C%B0%E5%8F%B7", ctype: "application/geo+json", file: "../data/demo/parcels-sample.geojson", admin: true},
	{name: "parcel", method: "GET", path: "/api/v1/parcels/320404%20001001%20gb00001?as_of=2026-06-01"},
	{name: "parcel-unknown", method: "GET", path: "/api/v1/parcels/320404001001GB99999?as_of=2026-06-01"},
	// What may be built here (issue 17): every category for one site.
	{name: "matrix-river", method: "POST", path: "/api/v1/checks/matrix", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.7594,31.794999]},"as_of":"2026-06-01"}`},
	{name: "matrix-parcel-facts", method: "POST", path: "/api/v1/checks/matrix", ctype: "application/json",
		body: `{"geometry":{"type":"Polygon","coordinates":[[[478400,3519380],[478700,3519380],[478700,3519680],[478400,3519680],[478400,3519380]]]},"crs":"EPSG:4549","facts":{"emits_n_p":false},"as_of":"2026-06-01"}`},
	{name: "matrix-with-category", method: "POST", path: "/api/v1/checks/matrix", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.8,31.78]},"category":"chemical"}`},
	// How far to move (issue 17).
	{name: "move-point", method: "POST", path: "/api/v1/checks/move", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.767488,31.804581]},"category":"hazardous-storage","as_of":"2026-06-01"}`},
	{name: "move-parcel-restricted", method: "POST", path: "/api/v1/checks/move", ctype: "application/json",
		body: `{"geometry":{"type":"Polygon","coordinates":[[[478400,3519380],[478700,3519380],[478700,3519680],[478400,3519680],[478400,3519380]]]},"crs":"EPSG:4549","category":"chemical","target":"restricted","as_of":"2026-06-01"}`},
	{name: "move-nothing-within", method: "POST", path: "/api/v1/checks/move", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.767488,31.804581]},"category":"chemical","target":"restricted","radius_m":100,"as_of":"2026-06-01"}`},
	{name: "move-bad-target", method: "POST", path: "/api/v1/checks/move", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.767488,31.804581]},"category":"chemical","target":"prohibited"}`},
	// Two times (issue 16): a check on 2026-06-01 where the green
	// corridor of 2026-12-01 lies, its replay and diff ({check} is its
	// id), a back-dated upload refused and then made, and the decision
	// still replays while its diff as known now names the new version.
	{name: "check-for-replay", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.8352,31.7950]},"category":"residential","as_of":"2026-06-01"}`},
	{name: "check-replay", method: "GET", path: "/api/v1/checks/{check}/replay"},
	{name: "check-diff", method: "GET", path: "/api/v1/checks/{check}/diff"},
	{name: "upload-backdate-refused", method: "PUT", path: "/api/v1/layers/green-corridors?valid_from=2026-01-01", ctype: "application/geo+json", body: uploadBody, admin: true},
	{name: "upload-backdate", method: "PUT", path: "/api/v1/layers/green-corridors?valid_from=2026-01-01&backdate=true", ctype: "application/geo+json", body: uploadBody, admin: true},
	{name: "check-replay-after-backdate", method: "GET", path: "/api/v1/checks/{check}/replay"},
	{name: "check-diff-after-backdate", method: "GET", path: "/api/v1/checks/{check}/diff"},
	{name: "layers-after-backdate", method: "GET", path: "/api/v1/layers?as_of=2026-06-01"},
	{name: "layers-known-at-future", method: "GET", path: "/api/v1/layers?known_at=2999-01-01T00:00:00Z"},
	{name: "check-known-at-future", method: "POST", path: "/api/v1/checks", ctype: "application/json",
		body: `{"geometry":{"type":"Point","coordinates":[119.8352,31.7950]},"category":"residential","known_at":"2999-01-01T00:00:00Z"}`},
}

const batchFactsBody = `{"type":"FeatureCollection","as_of":"2026-06-01","category":"chemical","facts":{"emits_n_p":false},"features":[
{"type":"Feature","properties":{"reference":"F-1"},"geometry":{"type":"Point","coordinates":[119.8,31.78]}},
{"type":"Feature","properties":{"reference":"F-2","facts":{"emits_n_p":true}},"geometry":{"type":"Point","coordinates":[119.8,31.78]}},
{"type":"Feature","properties":{"reference":"F-3","facts":{"hazardous":true}},"geometry":{"type":"Point","coordinates":[119.8,31.78]}}]}`

const batchBody = `{"type":"FeatureCollection","as_of":"2026-06-01","features":[
{"type":"Feature","properties":{"category":"chemical","reference":"A-1"},"geometry":{"type":"Point","coordinates":[119.767488,31.804581]}},
{"type":"Feature","id":7,"properties":{"category":"residential"},"geometry":{"type":"Point","coordinates":[119.906,31.790]}},
{"type":"Feature","properties":{"category":"casino","reference":"A-3"},"geometry":{"type":"Point","coordinates":[119.906,31.790]}},
{"type":"Feature","properties":{"category":"theme-park","reference":"A-4"},"geometry":{"type":"Point","coordinates":[31.79,119.9]}}]}`

const uploadBody = `{"type":"FeatureCollection","features":[{"type":"Feature","id":"green-new","properties":{"name":"新绿廊（测试）","status":"illustrative","green_line":true},
"geometry":{"type":"Polygon","coordinates":[[[119.834,31.790],[119.837,31.790],[119.837,31.800],[119.834,31.800],[119.834,31.790]]]}}]}`

// The parts of an answer that differ on every run: ids, clocks and the
// day the test runs.
var (
	uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	ridRE  = regexp.MustCompile(`"request_id":"[0-9a-f]+"`)
	// A decision hash covers known_at, which is the time of the check
	// unless the request names one (ecospace-decision-v3).
	hashRE = regexp.MustCompile(`sha256:[0-9a-f]{64}`)
	idRE   = regexp.MustCompile(`"check_id":"([0-9a-f-]{36})"`)
)

func normalize(b []byte, base string) []byte {
	b = bytes.ReplaceAll(b, []byte(base), []byte("http://<server>"))
	b = bytes.ReplaceAll(b, []byte(strings.TrimPrefix(base, "http://")), []byte("<server>"))
	b = uuidRE.ReplaceAll(b, []byte("<uuid>"))
	b = timeRE.ReplaceAll(b, []byte("<time>"))
	b = ridRE.ReplaceAll(b, []byte(`"request_id":"<id>"`))
	b = hashRE.ReplaceAll(b, []byte("sha256:<hash>"))
	return b
}

// TestEndpointsGolden walks every public endpoint of the real binary, on
// the embedded store and on PostGIS, and holds each answer (status,
// content type, the headers that carry meaning, and the body, byte for
// byte after ids and clocks are masked) to a golden file per store. It
// drives the binary through its command line and HTTP only, so that
// moving code between packages cannot change what it sees.
//
//	go test ./e2e -run TestEndpointsGolden -update
func TestEndpointsGolden(t *testing.T) {
	bin := buildBinary(t)
	for _, store := range []string{"embedded", "postgis"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			keysFile := filepath.Join(dir, "keys.json")
			env := append(os.Environ(), "ECOSPACE_KEYS_FILE="+keysFile, "ECOSPACE_DATA_DIR="+filepath.Join(dir, "data"), "DATABASE_URL=", "DATABASE_READ_URL=", "GOGC=")
			var serveArgs []string
			if store == "postgis" {
				url := pgtest.NewDatabase(t)
				runBinary(t, bin, env, "migrate", "--database-url", url)
				runBinary(t, bin, env, "import", "--demo", "--database-url", url)
				serveArgs = []string{"--database-url", url}
				env = append(env, "ECOSPACE_KEYS_FILE=")
				keysFile = ""
			}
			keyArgs := []string{"keys", "create", "--name", "golden", "--scope", "admin"}
			if keysFile == "" {
				keyArgs = append(keyArgs, "--database-url", serveArgs[1])
			} else {
				keyArgs = append(keyArgs, "--keys-file", keysFile)
			}
			admin := strings.TrimSpace(runBinary(t, bin, env, keyArgs...))
			if keysFile != "" {
				serveArgs = append(serveArgs, "--keys-file", keysFile)
			}
			base := serveBinary(t, bin, env, append(serveArgs, "--rate-limit", "0")...)
			golden := filepath.Join("testdata", "endpoints", store)
			if *updateGolden {
				os.RemoveAll(golden)
				if err := os.MkdirAll(golden, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			lastCheck := ""
			for i, c := range endpointCases {
				got, raw := callEndpoint(t, base, admin, lastCheck, c)
				if m := idRE.FindSubmatch(raw); c.method == "POST" && c.path == "/api/v1/checks" && m != nil {
					lastCheck = string(m[1])
				}
				file := filepath.Join(golden, fmt.Sprintf("%02d-%s.txt", i+1, c.name))
				if *updateGolden {
					if err := os.WriteFile(file, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%s: %v (run with -update to write it)", c.name, err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s %s: the answer changed\n got: %.600s\nwant: %.600s", c.method, c.path, got, want)
				}
			}
		})
	}
}

// callEndpoint makes one request ({check} in its path: the check id
// given) and writes its answer in golden form; raw is the body as sent.
func callEndpoint(t *testing.T, base, admin, check string, c endpointCase) (golden, raw []byte) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	if c.file != "" {
		b, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(c.method, base+strings.ReplaceAll(c.path, "{check}", check), body)
	if err != nil {
		t.Fatal(err)
	}
	if c.ctype != "" {
		req.Header.Set("Content-Type", c.ctype)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	if c.admin {
		req.Header.Set("Authorization", "Bearer "+admin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%s %s\n%d\n", c.method, c.path, resp.StatusCode)
	for _, h := range []string{"Content-Type", "Allow", "Cache-Control", "Retry-After", "X-Layer-Version", "X-Batch-Features"} {
		if v := resp.Header.Get(h); v != "" {
			fmt.Fprintf(&out, "%s: %s\n", h, v)
		}
	}
	out.WriteString("\n")
	ct := resp.Header.Get("Content-Type")
	if strings.Contains(ct, "protobuf") || strings.Contains(ct, "mvt") {
		sum := sha256.Sum256(b)
		fmt.Fprintf(&out, "%d bytes, sha256 %s\n", len(b), hex.EncodeToString(sum[:]))
	} else {
		out.Write(normalize(b, base))
		out.WriteString("\n")
	}
	return out.Bytes(), b
}
