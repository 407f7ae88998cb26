package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/problem"
	"github.com/zhonglou/ecospace/server/servertest"
)

// The surveyor's file (用地报盘 TXT) in checks, batches and the parse
// endpoint; the fixtures are data/layerfile's, written as surveying
// software writes them (GBK, CRLF, the zone number on every easting).

func txtFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("../data/layerfile/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// singleTXT is 地块 ZL-2026-002 of the two-地块 fixture alone, in GBK.
func singleTXT(t testing.TB) string {
	t.Helper()
	src, err := simplifiedchinese.GBK.NewDecoder().String(txtFixture(t, "zhonglou-gbk-crlf.txt"))
	if err != nil {
		t.Fatal(err)
	}
	head, rest, _ := strings.Cut(src, "[地块坐标]\r\n")
	_, second, ok := strings.Cut(rest, "J10,2,3517500.000,40490450.000\r\n")
	if !ok {
		t.Fatal("fixture changed")
	}
	out, err := simplifiedchinese.GBK.NewEncoder().String(head + "[地块坐标]\r\n" + second)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameSquareJSON is that 地块 as a client would send it in JSON.
const sameSquareJSON = `{"geometry":{"type":"Polygon","coordinates":[[[477150,3519200],[477150,3519100],[477250,3519100],[477250,3519200],[477150,3519200]]]},"crs":"EPSG:4549","category":"chemical","as_of":"2026-06-01","reference":"ZL-2026-002"}`

func TestTXTChecksBothStores(t *testing.T) {
	stores := map[string]*Server{"embedded": demoServer(t), "postgis": serve(servertest.DemoPG(t))}
	// A decision hash covers known_at: every check here, TXT or JSON, one
	// or in a batch, on either store, is asked as known at one time, after
	// both stores imported the demo layers.
	known := time.Now().UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	kq := "&known_at=" + url.QueryEscape(known)
	hashes := map[string]string{}
	for name, s := range stores {
		t.Run(name, func(t *testing.T) {
			rec := do(t, s, http.MethodPost, "/api/v1/checks?category=chemical&as_of=2026-06-01"+kq, "text/plain", strings.NewReader(singleTXT(t)))
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			var got check.Response
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.KnownAt.Format(time.RFC3339Nano) != known {
				t.Errorf("TXT: known_at %s, want %s as asked", got.KnownAt.Format(time.RFC3339Nano), known)
			}
			_, want := postCheckJSON(t, s, strings.Replace(sameSquareJSON, `"as_of"`, `"known_at":"`+known+`","as_of"`, 1))
			if got.Reference != "ZL-2026-002" || got.Verdict != want.Verdict || got.DecisionHash != want.DecisionHash || got.CRS != "EPSG:4549" {
				t.Errorf("TXT: %s %s %s %s; JSON: %s %s", got.Reference, got.Verdict, got.DecisionHash, got.CRS, want.Verdict, want.DecisionHash)
			}
			if got.Verdict != "prohibited" {
				t.Errorf("verdict %s: the square beside the 新孟河 is in its 1 000 m band", got.Verdict)
			}
			hashes[name] = got.DecisionHash

			// ?reference= wins over the 地块编号; charset=GBK is honoured.
			rec = do(t, s, http.MethodPost, "/api/v1/checks?category=chemical&as_of=2026-06-01&reference=审批-9", "text/plain; charset=GBK", strings.NewReader(singleTXT(t)))
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"reference": "审批-9"`) && !strings.Contains(rec.Body.String(), `"reference":"审批-9"`) {
				t.Errorf("%d %.300s", rec.Code, rec.Body)
			}

			// A batch: one result a 地块, in file order, by 地块编号.
			rec = do(t, s, http.MethodPost, "/api/v1/checks/batch?category=chemical&as_of=2026-06-01"+kq, "text/plain", strings.NewReader(txtFixture(t, "zhonglou-gbk-crlf.txt")))
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != mediaNDJSON {
				t.Fatalf("batch: %d %s", rec.Code, rec.Body)
			}
			res := readLines(t, rec.Body)
			if len(res) != 2 || res[0].Reference != "ZL-2026-001" || res[1].Reference != "ZL-2026-002" || res[0].Check == nil || res[1].Check == nil {
				t.Fatalf("batch: %+v", res)
			}
			if res[1].Check.DecisionHash != got.DecisionHash {
				t.Errorf("batch 地块 2 hash %s, single check %s", res[1].Check.DecisionHash, got.DecisionHash)
			}
			hashes[name+"/1"] = res[0].Check.DecisionHash

			// The same square in a JSON batch: known_at for the whole
			// collection, or a feature's own.
			sq := strings.TrimSuffix(strings.TrimPrefix(sameSquareJSON, `{`), `}`)
			_, geom, _ := strings.Cut(sq, `"geometry":`)
			geom, _, _ = strings.Cut(geom, `,"crs"`)
			body := `{"type":"FeatureCollection","crs":"EPSG:4549","category":"chemical","as_of":"2026-06-01","known_at":"` + known + `","features":[` +
				`{"type":"Feature","geometry":` + geom + `,"properties":{}},` +
				`{"type":"Feature","geometry":` + geom + `,"properties":{"known_at":"` + known + `"}}]}`
			rec = do(t, s, http.MethodPost, "/api/v1/checks/batch", "application/geo+json", strings.NewReader(body))
			if rec.Code != http.StatusOK {
				t.Fatalf("JSON batch: %d %s", rec.Code, rec.Body)
			}
			rs := readLines(t, rec.Body)
			if len(rs) != 2 {
				t.Fatalf("JSON batch: %d results, want 2", len(rs))
			}
			for i, r := range rs {
				if r.Check == nil || r.Check.DecisionHash != got.DecisionHash {
					t.Errorf("JSON batch feature %d: %+v, want hash %s", i, r, got.DecisionHash)
				}
			}
		})
	}
	if hashes["embedded"] != hashes["postgis"] || hashes["embedded/1"] != hashes["postgis/1"] {
		t.Errorf("the stores disagree: %v", hashes)
	}
}

func TestTXTRefused(t *testing.T) {
	s := demoServer(t)
	two := txtFixture(t, "zhonglou-gbk-crlf.txt")
	cases := []struct {
		name, path, ctype, body string
		status                  int
		slug, pointer, detail   string
	}{
		{"several 地块", "/api/v1/checks?category=chemical", "text/plain", two, 400, "several-parcels", "#line=23,24", "/api/v1/checks/batch"},
		{"wrong datum", "/api/v1/checks?category=chemical", "text/plain", txtFixture(t, "xian80-gbk.txt"), 422, "unsupported-crs", "#line=4,5", "1980西安坐标系"},
		{"zone 39", "/api/v1/checks/batch?category=chemical", "text/plain", txtFixture(t, "zone39-gbk.txt"), 422, "unsupported-crs", "#line=8,9", "zone 39"},
		{"malformed line", "/api/v1/checks/batch?category=chemical", "text/plain", txtFixture(t, "malformed-gbk.txt"), 400, "invalid-txt", "#line=15,16", "4 fields"},
		{"no category", "/api/v1/checks", "text/plain", singleTXT(t), 400, "missing-category", "?category", "category"},
		{"no category, batch", "/api/v1/checks/batch", "text/plain", two, 400, "missing-category", "?category", "category"},
		{"unknown category", "/api/v1/checks/batch?category=casino", "text/plain", two, 400, "unknown-category", "?category", "casino"},
		{"bad as_of", "/api/v1/checks?category=chemical&as_of=2026-13-01", "text/plain", singleTXT(t), 400, "invalid-date", "?as_of", "2026-13-01"},
		{"bad known_at", "/api/v1/checks?category=chemical&known_at=2026-06-01", "text/plain", singleTXT(t), 400, "invalid-known-at", "?known_at", "2026-06-01"},
		{"future known_at, batch", "/api/v1/checks/batch?category=chemical&known_at=2999-01-01T00:00:00Z", "text/plain", two, 422, "known-at-in-future", "?known_at", "2999"},
		{"unknown parameter", "/api/v1/checks?category=chemical&crs=EPSG:4326", "text/plain", singleTXT(t), 400, "invalid-query", "?crs", "crs"},
		{"GBK declared UTF-8", "/api/v1/checks?category=chemical", "text/plain; charset=utf-8", singleTXT(t), 400, "invalid-txt", "#line=0,1", "UTF-8"},
		{"unknown charset", "/api/v1/checks?category=chemical", "text/plain; charset=koi8-r", singleTXT(t), 415, "invalid-txt", "", "koi8-r"},
		{"empty", "/api/v1/checks?category=chemical", "text/plain", "", 400, "invalid-txt", "", "empty"},
		// 地块 10 001's header is line 8 + 5×10 000: nothing past it is read.
		{"too many 地块", "/api/v1/checks/batch?category=chemical", "text/plain", bigTXT(MaxBatchFeatures+1, 3), 413, "too-many-features", "#line=50007,50008", "more than 10000 地块"},
		{"parse: JSON", "/api/v1/sites/parse", "application/json", `{}`, 415, "unsupported-media-type", "", "text/plain"},
		{"parse: wrong datum", "/api/v1/sites/parse", "text/plain", txtFixture(t, "xian80-gbk.txt"), 422, "unsupported-crs", "#line=4,5", "1980西安坐标系"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := do(t, s, http.MethodPost, c.path, c.ctype, strings.NewReader(c.body))
			var p problem.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			if rec.Code != c.status || p.Type != problem.TypePrefix+c.slug || p.Pointer != c.pointer || !strings.Contains(p.Detail, c.detail) ||
				rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("got %d %s %q %q; want %d %s %q containing %q", rec.Code, p.Type, p.Pointer, p.Detail, c.status, c.slug, c.pointer, c.detail)
			}
		})
	}
}

func TestParseSites(t *testing.T) {
	s := demoServer(t)
	rec := do(t, s, http.MethodPost, "/api/v1/sites/parse", "text/plain", strings.NewReader(txtFixture(t, "zhonglou-gbk-crlf.txt")))
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var fc ParsedSites
	if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || fc.Encoding != "GB18030" || fc.SourceCRS != "EPSG:4528" || len(fc.Features) != 2 || fc.Attributes["带号"] != "40" {
		t.Fatalf("%+v", fc)
	}
	p := fc.Features[0].Properties
	if p.Reference != "ZL-2026-001" || p.Name != "钟楼示意地块一" || p.Rings != 2 || p.Points != 10 || p.AreaM2 < 27499.9 || p.AreaM2 > 27500.1 ||
		p.DeclaredAreaHa == nil || *p.DeclaredAreaHa != 2.75 || p.Line != 13 {
		t.Errorf("%+v", p)
	}
	var g struct {
		Type        string
		Coordinates [][][2]float64
	}
	if err := json.Unmarshal(fc.Features[0].Geometry, &g); err != nil || g.Type != "Polygon" || len(g.Coordinates) != 2 {
		t.Fatalf("%s: %v", fc.Features[0].Geometry, err)
	}
	if lon, lat := g.Coordinates[0][0][0], g.Coordinates[0][0][1]; lon < 119.89 || lon > 119.91 || lat < 31.77 || lat > 31.79 {
		t.Errorf("first position %v, %v: not lon/lat in Zhonglou", lon, lat)
	}
	// The 点号 and the file's metres follow the geometry: both rings are
	// reversed from the file's (RFC 7946), and so are their names.
	if got := fmt.Sprint(p.PointNames); got != "[[J1 J4 J3 J2] [J6 J9 J8 J7]]" {
		t.Errorf("point_names %s", got)
	}
	want := [][][2]float64{
		{{3517550, 490400}, {3517400, 490400}, {3517400, 490600}, {3517550, 490600}},
		{{3517500, 490450}, {3517500, 490500}, {3517450, 490500}, {3517450, 490450}},
	}
	if fmt.Sprint(p.Points4549) != fmt.Sprint(want) {
		t.Errorf("points_4549 %v, want %v", p.Points4549, want)
	}
	for i, r := range p.Points4549 {
		for j, xy := range r {
			lon, lat := geo.GK120.ToLonLat(xy[1], xy[0])
			if i >= len(g.Coordinates) || j >= len(g.Coordinates[i]) ||
				math.Abs(g.Coordinates[i][j][0]-lon) > 1e-6 || math.Abs(g.Coordinates[i][j][1]-lat) > 1e-6 {
				t.Errorf("ring %d point %d: %v is not the geometry's vertex", i, j, xy)
			}
		}
	}
	// No key needed, even where checks need one.
	keyed := New(Config{Store: servertest.Demo(t).Store, Rules: s.rules, Manifest: s.man, Log: discardLog(), RequireKey: true})
	if rec := do(t, keyed, http.MethodPost, "/api/v1/sites/parse", "text/plain", strings.NewReader(singleTXT(t))); rec.Code != http.StatusOK {
		t.Errorf("with --require-key: %d %s", rec.Code, rec.Body)
	}
}

// A 地块 whose rings are no site gets its own problem in a batch, at its
// line; the others are checked.
func TestTXTBatchBadParcel(t *testing.T) {
	s := demoServer(t)
	src := "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=40\n[地块坐标]\n" +
		"5,,BOW,乙,面,@\n1,1,3517550,490400\n2,1,3517400,490600\n3,1,3517550,490600\n4,1,3517400,490400\n5,1,3517550,490400\n" +
		"5,,OK,甲,面,@\n1,1,3517550,490400\n2,1,3517550,490600\n3,1,3517400,490600\n4,1,3517400,490400\n5,1,3517550,490400\n"
	rec := do(t, s, http.MethodPost, "/api/v1/checks/batch?category=chemical&as_of=2026-06-01", "text/plain; charset=utf-8", strings.NewReader(src))
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	res := readLines(t, rec.Body)
	if len(res) != 2 || res[0].Problem == nil || res[0].Reference != "BOW" || res[1].Check == nil || res[1].Reference != "OK" {
		t.Fatalf("%+v", res)
	}
	if p := res[0].Problem; p.Type != problem.TypePrefix+"invalid-geometry" || !strings.HasPrefix(p.Pointer, "#line=") || !strings.Contains(p.Detail, "intersects itself") {
		t.Errorf("%+v", p)
	}
	// The same file to /checks: the first fault refuses it.
	rec = do(t, s, http.MethodPost, "/api/v1/sites/parse", "text/plain", strings.NewReader(src))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("parse: %d %s", rec.Code, rec.Body)
	}
}

// Facts are declared as ?fact=NAME=true|false, as `ecospace sweep --fact`.
func TestTXTFacts(t *testing.T) {
	s := demoServer(t)
	for _, c := range []struct {
		path           string
		status         int
		slug, pointer  string
		wantFactsInDoc string
	}{
		{"/api/v1/checks?category=polluting-industry&as_of=2026-06-01&fact=discharges_to_water=true&fact=emits_n_p=false", 200, "", "", `"discharges_to_water":true`},
		{"/api/v1/checks?category=chemical&fact=emits_np=true", 400, "unknown-fact", "?fact", ""},
		{"/api/v1/checks?category=chemical&fact=emits_n_p=yes", 400, "invalid-facts", "?fact", ""},
		{"/api/v1/checks?category=chemical&fact=emits_n_p=true&fact=emits_n_p=false", 400, "invalid-facts", "?fact", ""},
		{"/api/v1/checks/batch?category=chemical&fact=emits_np=true", 400, "unknown-fact", "?fact", ""},
	} {
		rec := do(t, s, http.MethodPost, c.path, "text/plain", strings.NewReader(singleTXT(t)))
		if rec.Code != c.status {
			t.Errorf("%s: %d %s", c.path, rec.Code, rec.Body)
			continue
		}
		if c.status == 200 {
			body := strings.ReplaceAll(rec.Body.String(), " ", "")
			if !strings.Contains(body, c.wantFactsInDoc) {
				t.Errorf("%s: facts not declared: %.300s", c.path, body)
			}
			continue
		}
		var p problem.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Type != problem.TypePrefix+c.slug || p.Pointer != c.pointer {
			t.Errorf("%s: %s", c.path, rec.Body)
		}
	}
}
