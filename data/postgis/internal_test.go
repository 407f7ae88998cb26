package postgis

import (
	"strconv"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/geo"
)

func TestRulesVersionOf(t *testing.T) {
	for doc, want := range map[string]string{
		`{"check_id":"x","rules_version":"2026.1","as_of":"2026-06-01"}`:  "2026.1",
		`{"reference":"\"rules_version\":\"fake\"","rules_version":"v2"}`: "v2",
		`{"check_id":"x"}`:               "",
		`{"rules_version":"a\"b"}`:       `a"b`,
		`{"rules_version":"unterminated`: "",
		`{"hits":[],"layers":[{"id":"district","version":1}],"rules_version":"2026.1-draft"}`: "2026.1-draft",
	} {
		if got := rulesVersionOf([]byte(doc)); got != want {
			t.Errorf("%s: %q, want %q", doc, got, want)
		}
	}
}

// TestBoundaryToleranceSQL: the relate statements use geo's boundary
// tolerance, not a number of their own.
func TestBoundaryToleranceSQL(t *testing.T) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(tolSQL, "::float8"), 64)
	if err != nil || v != geo.BoundaryToleranceM {
		t.Errorf("tolSQL %q, geo.BoundaryToleranceM %g", tolSQL, geo.BoundaryToleranceM)
	}
}
