package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// register is a small enterprise register: firms on the Xinmeng River, in
// its 1 km band, outside every named zone (with and without their facts
// declared), in Shanghai, and rows that cannot be screened.
const registerCSV = `统一社会信用代码,企业名称,行业,经度,纬度,事实
91320404A1,钟楼化工一厂,chemical,119.7594,31.794999,
91320404A2,新孟河东岸化工,化工项目（新建、扩建）,119.767488,31.804581,
91320404A3,城东精细化工,Chemical project (new or expanded),119.8,31.78,
91320404A4,上海某化工,chemical,121.4737,31.2304,
91320404A5,坐标填反,chemical,31.78,119.8,
91320404A6,类别不明,赌场,119.8,31.78,
91320404A7,缺坐标,chemical,,31.78,
91320404A8,"=HYPERLINK(""http://evil"")",ecological,119.7594,31.794999,
91320404A9,城东印染,chemical,119.8,31.78,emits_n_p=是
91320404B0,事实不明,chemical,119.8,31.78,emits_np=true
`

func ecoRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func readReport(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatal("the CSV report has no UTF-8 byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(sweepColumns, ",") {
		t.Fatalf("header %v", recs[0])
	}
	return recs[1:]
}

func col(name string) int {
	for i, c := range sweepColumns {
		if c == name {
			return i
		}
	}
	panic(name)
}

func TestSweepCSV(t *testing.T) {
	dir := t.TempDir()
	for _, enc := range []string{"utf-8", "gbk"} {
		t.Run(enc, func(t *testing.T) {
			src := []byte(registerCSV)
			if enc == "gbk" {
				var err error
				if src, err = simplifiedchinese.GBK.NewEncoder().Bytes(src); err != nil {
					t.Fatal(err)
				}
			} else {
				src = append([]byte("\xEF\xBB\xBF"), src...) // as Excel saves "CSV UTF-8"
			}
			in := filepath.Join(dir, enc+".csv")
			os.WriteFile(in, src, 0o644)
			out := filepath.Join(dir, enc+"-report.csv")
			code, _, stderr := ecoRun(t, "sweep", "--file", in, "--category-field", "行业", "--as-of", "2026-06-01", "--out", out)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stderr, "screened 10 rows") || !strings.Contains(stderr, "3 prohibited") || !strings.Contains(stderr, "4 not screened") {
				t.Errorf("summary: %s", stderr)
			}
			rows := readReport(t, out)
			if len(rows) != 10 {
				t.Fatalf("%d rows", len(rows))
			}
			// Row 8: ecological works on the river, inside the 岸线: 太湖条例
			// 第四十三条 restricts them.
			want := []struct{ verdict, status string }{
				{"prohibited", "ok"}, {"prohibited", "ok"}, {"restricted", "ok"}, {"outside_coverage", "ok"},
				{"", "error"}, {"", "error"}, {"", "error"}, {"restricted", "ok"}, {"prohibited", "ok"}, {"", "error"},
			}
			for i, w := range want {
				r := rows[i]
				if r[col("row")] != strconv.Itoa(i+1) || r[col("verdict")] != w.verdict || r[col("status")] != w.status {
					t.Errorf("row %d: %v, want %s %s", i+1, r, w.verdict, w.status)
				}
			}
			first := rows[0]
			if first[col("id")] != "91320404A1" || first[col("name")] != "钟楼化工一厂" || first[col("category")] != "chemical" || first[col("verdict_zh")] != "禁止" {
				t.Errorf("row 1 fields: %v", first)
			}
			if first[col("distance_m")] != "0" || !strings.Contains(first[col("citation")], "太湖流域管理条例》（国务院令第604号） 第三十条（六）") || !strings.Contains(first[col("zones")], "xinmeng-band") ||
				first[col("zone_status")] != "illustrative" || !strings.Contains(first[col("citation_status")], "quote read, application settled") ||
				first[col("data_status")] != "illustrative" || first[col("questions")] != "" {
				t.Errorf("row 1 judgement: %v", first)
			}
			// 500 m east of the shore: in the band, with the distance to the
			// millimetre.
			if !regexp.MustCompile(`xinmeng-band/\S+ \S+ prohibited \((49\d|50\d)(\.\d{1,3})? m\)`).MatchString(rows[1][col("zones")]) || rows[1][col("category")] != "chemical" {
				t.Errorf("row 2: %v", rows[1])
			}
			// Outside every named zone, nothing declared: restricted by the
			// Taihu tier, with the N/P question; declared, prohibited.
			if q := rows[2][col("questions")]; !strings.HasPrefix(q, "emits_n_p（") || !strings.Contains(q, "是→禁止 taihu-tier.chemical.if-emits_n_p") || rows[2][col("facts")] != "" {
				t.Errorf("row 3 questions: %q", q)
			}
			if r := rows[8]; r[col("facts")] != "emits_n_p=true" || r[col("questions")] != "" || !strings.Contains(r[col("citation")], "江苏省太湖水污染防治条例") {
				t.Errorf("row 9: %v", r)
			}
			if r := rows[9]; !strings.Contains(r[col("detail")], `fact "emits_np" is not known`) || r[col("facts")] != "emits_np=true" {
				t.Errorf("row 10: %v", r)
			}
			if d, _ := strconv.ParseFloat(rows[1][col("distance_m")], 64); d < 490 || d > 510 {
				t.Errorf("row 2 distance %s", rows[1][col("distance_m")])
			}
			if !strings.Contains(rows[4][col("detail")], "[lat, lon]") || !strings.Contains(rows[5][col("detail")], "赌场") || !strings.Contains(rows[6][col("detail")], "empty") {
				t.Errorf("error details: %q | %q | %q", rows[4][col("detail")], rows[5][col("detail")], rows[6][col("detail")])
			}
			if got := rows[7][col("name")]; got != `'=HYPERLINK("http://evil")` {
				t.Errorf("a formula reached the spreadsheet: %q", got)
			}
		})
	}
}

// A generated register of 2 000 firms, as GeoJSON: one report feature per
// firm, in order, with its fields, meeting every kind of verdict. (The
// sweep answers as the API does because both run server/check.)
func TestSweepGeoJSON(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","name":"register","features":[`)
	const n = 2000
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		lon, lat := 119.735+float64(i%50)*0.0044, 31.745+float64(i/50)*0.0026
		facts := ""
		if i%7 == 0 {
			facts = `,"facts":{"emits_n_p":false}`
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":"f%d","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"properties":{"name":"企业%d"%s}}`, i, lon, lat, i, facts)
	}
	b.WriteString(`]}`)
	in := filepath.Join(dir, "register.geojson")
	os.WriteFile(in, []byte(b.String()), 0o644)
	out := filepath.Join(dir, "report.geojson")
	code, _, stderr := ecoRun(t, "sweep", "--file", in, "--category", "chemical", "--as-of", "2026-06-01", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var fc struct {
		Features []struct {
			ID         string         `json:"id"`
			Geometry   map[string]any `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	raw, _ := os.ReadFile(out)
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != n {
		t.Fatalf("%d features", len(fc.Features))
	}

	verdicts := map[string]int{}
	for i, f := range fc.Features {
		p := f.Properties
		if p["row"] != float64(i+1) || p["id"] != fmt.Sprintf("f%d", i) || p["name"] != fmt.Sprintf("企业%d", i) || p["status"] != "ok" {
			t.Fatalf("feature %d: %v", i, p)
		}
		verdicts[p["verdict"].(string)]++
		// Features 0, 7, 14 … declare their N/P emissions (a facts
		// property): no question is left open for them.
		if p["verdict"] == "restricted" && (p["questions"] == "") != (i%7 == 0) {
			t.Errorf("feature %d: restricted, facts %q, questions %q", i, p["facts"], p["questions"])
		}
		if d, ok := p["distance_m"].(float64); ok && d != math.Round(d*1000)/1000 {
			t.Errorf("feature %d: distance %v not to the millimetre", i, d)
		}
	}
	// A chemical plant is never allowed in the district (the Taihu tier
	// restricts it everywhere).
	if verdicts["prohibited"] == 0 || verdicts["restricted"] == 0 || verdicts["outside_coverage"] == 0 || verdicts["allowed"] != 0 {
		t.Errorf("verdicts %v: the register should meet every case", verdicts)
	}
	t.Logf("2 000 firms: %v", verdicts)
}

func TestSweepRefusals(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "r.csv")
	os.WriteFile(in, []byte(registerCSV), 0o644)
	for _, args := range [][]string{
		{"sweep"},
		{"sweep", "--file", in},
		{"sweep", "--file", in, "--category", "chemical", "--category-field", "行业"},
		{"sweep", "--file", in, "--category", "casino"},
		{"sweep", "--file", in, "--category", "chemical", "--out", filepath.Join(dir, "r.xlsx")},
		{"sweep", "--file", in, "--category", "chemical", "--crs", "EPSG:3857"},
		{"sweep", "--file", in, "--category", "chemical", "--as-of", "1999-01-01"},
		{"sweep", "--file", in, "--category", "chemical", "--fact", "emits_np=true"},
		{"sweep", "--file", in, "--category", "chemical", "--fact", "emits_n_p=maybe"},
	} {
		if code, _, stderr := ecoRun(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, code, stderr)
		}
	}
	if code, _, stderr := ecoRun(t, "sweep", "--file", in, "--category-field", "industry"); code != 1 || !strings.Contains(stderr, "行业") {
		t.Errorf("missing column: %d %s", code, stderr)
	}
	// The store cannot answer: no report, not even an empty one.
	out := filepath.Join(dir, "never.csv")
	code, _, stderr := ecoRun(t, "sweep", "--file", in, "--category", "chemical", "--out", out, "--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if code != 1 {
		t.Errorf("database down: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a report was written although the store could not answer")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".ecospace-sweep-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// --fact gives every row a fact; a row's own facts override it.
func TestSweepFactFlag(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "r.csv")
	os.WriteFile(in, []byte(registerCSV), 0o644)
	out := filepath.Join(dir, "report.csv")
	code, _, stderr := ecoRun(t, "sweep", "--file", in, "--category-field", "行业", "--as-of", "2026-06-01", "--out", out,
		"--fact", "emits_n_p=false", "--facts-field", "事实")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows := readReport(t, out)
	if r := rows[2]; r[col("verdict")] != "restricted" || r[col("facts")] != "emits_n_p=false" || r[col("questions")] != "" {
		t.Errorf("row 3 with --fact: %v", r)
	}
	if r := rows[8]; r[col("verdict")] != "prohibited" || r[col("facts")] != "emits_n_p=true" {
		t.Errorf("row 9, its own fact over --fact: %v", r)
	}
}

func TestParseFactsText(t *testing.T) {
	rules, err := loadRules("")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"":                    "",
		`{"emits_n_p": true}`: "emits_n_p=true",
		"emits_n_p=是；discharges_to_water=否": "discharges_to_water=false; emits_n_p=true",
		"hazardous_goods=yes, emits_n_p=0":  "emits_n_p=false; hazardous_goods=true",
		" discharges_to_water = true ":      "discharges_to_water=true",
	} {
		got, err := parseFactsText(rules, in)
		if err != nil || factsText(got) != want {
			t.Errorf("%q: %v (%v), want %s", in, factsText(got), err, want)
		}
	}
	for _, in := range []string{"emits_n_p", "emits_n_p=maybe", "casino=true", `{"emits_n_p": "x"}`, "emits_n_p=true;emits_n_p=false", "{"} {
		if _, err := parseFactsText(rules, in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
