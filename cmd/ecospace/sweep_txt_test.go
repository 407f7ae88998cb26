package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A 用地报盘 TXT as written by surveying software (GBK, CRLF, the zone
// number on every easting, a hole ring, two 地块) is swept one row per
// 地块, by 地块编号; a file in zone 39 stops the sweep, naming the line.
func TestSweepTXT(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.csv")
	code, _, stderr := ecoRun(t, "sweep", "--file", "../../data/layerfile/testdata/zhonglou-gbk-crlf.txt", "--category", "chemical", "--as-of", "2026-06-01", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows := readReport(t, out)
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	for i, want := range []struct{ id, name, verdict string }{
		{"ZL-2026-001", "钟楼示意地块一", ""},
		{"ZL-2026-002", "新孟河边示意地块", "prohibited"},
	} {
		r := rows[i]
		if r[col("row")] != []string{"1", "2"}[i] || r[col("id")] != want.id || r[col("name")] != want.name || r[col("status")] != "ok" ||
			(want.verdict != "" && r[col("verdict")] != want.verdict) {
			t.Errorf("row %d: %v", i+1, r)
		}
	}

	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"zone 39", []string{"--file", "../../data/layerfile/testdata/zone39-gbk.txt", "--category", "chemical"}, 1, "line 9"},
		{"wrong datum", []string{"--file", "../../data/layerfile/testdata/xian80-gbk.txt", "--category", "chemical"}, 1, "1980西安坐标系"},
		{"--crs", []string{"--file", "../../data/layerfile/testdata/zhonglou-gbk-crlf.txt", "--category", "chemical", "--crs", "EPSG:4549"}, 2, "names its coordinate system itself"},
		{"--category-field", []string{"--file", "../../data/layerfile/testdata/zhonglou-gbk-crlf.txt", "--category-field", "用途"}, 2, "give --category"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := ecoRun(t, append([]string{"sweep"}, c.args...)...)
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want %d containing %q", code, stderr, c.code, c.want)
			}
		})
	}

	// A 地块 whose rings are no site is an error row; the others are screened.
	bow := filepath.Join(dir, "bow.txt")
	if err := os.WriteFile(bow, []byte("[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=40\n[地块坐标]\n"+
		"5,,BOW,乙,面,@\n1,1,3517550,490400\n2,1,3517400,490600\n3,1,3517550,490600\n4,1,3517400,490400\n5,1,3517550,490400\n"+
		"5,,OK,甲,面,@\n1,1,3517550,490400\n2,1,3517550,490600\n3,1,3517400,490600\n4,1,3517400,490400\n5,1,3517550,490400\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out3 := filepath.Join(dir, "r3.csv")
	if code, _, stderr := ecoRun(t, "sweep", "--file", bow, "--category", "chemical", "--out", out3); code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	rows = readReport(t, out3)
	if len(rows) != 2 || rows[0][col("status")] != "error" || !strings.Contains(rows[0][col("detail")], "intersects itself") || rows[1][col("status")] != "ok" {
		t.Errorf("%v", rows)
	}

	// A CSV named .txt is still a CSV.
	csvTxt := filepath.Join(dir, "firms.txt")
	if err := os.WriteFile(csvTxt, []byte("name,lon,lat\nA,119.7594,31.794999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := ecoRun(t, "sweep", "--file", csvTxt, "--category", "chemical", "--out", filepath.Join(dir, "r2.csv")); code != 0 {
		t.Errorf("CSV .txt: exit %d %s", code, stderr)
	}
}
