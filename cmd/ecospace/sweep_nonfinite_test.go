package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSweepNonFinite: NaN and infinite coordinates in a CSV register (in
// every spelling strconv reads) are rows that cannot be screened, each
// with its reason; the sweep goes on and screens the rest.
func TestSweepNonFinite(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "r.csv")
	src := "统一社会信用代码,企业名称,行业,经度,纬度\n" +
		"A1,甲,chemical,NaN,31.78\n" +
		"A2,乙,chemical,119.8,nan\n" +
		"A3,丙,chemical,+Inf,31.78\n" +
		"A4,丁,chemical,119.8,-infinity\n" +
		"A5,戊,chemical,1e999,31.78\n" +
		"A6,己,chemical,119.761976,31.784743\n"
	os.WriteFile(in, []byte(src), 0o644)
	out := filepath.Join(dir, "report.csv")
	code, _, stderr := ecoRun(t, "sweep", "--file", in, "--category-field", "行业", "--as-of", "2026-06-01", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows := readReport(t, out)
	if len(rows) != 6 {
		t.Fatalf("%d rows", len(rows))
	}
	for i, r := range rows[:5] {
		if r[col("status")] != "error" || r[col("verdict")] != "" || !strings.Contains(r[col("detail")], "finite") {
			t.Errorf("row %d: %v", i+1, r)
		}
	}
	if rows[5][col("verdict")] != "prohibited" {
		t.Errorf("the row after them: %v", rows[5])
	}
}
