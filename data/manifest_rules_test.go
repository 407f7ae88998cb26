package data_test

import (
	"os"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/geo"
)

// The bundled manifest and rules agree; a manifest naming a zone kind or a
// subzone the rules do not have is refused, as is a subzone_from on a layer
// that is not a zone layer.
func TestManifestRules(t *testing.T) {
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		t.Fatal(err)
	}
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if err := man.CheckRules(rules); err != nil {
		t.Fatalf("bundled manifest: %v", err)
	}
	green, _ := man.Def("green-corridors")
	if green.SubzoneFrom == nil || green.SubzoneFrom.Property != "green_line" || green.SubzoneFrom.Values["true"] != "green-line" {
		t.Errorf("green-corridors subzone_from %+v", green.SubzoneFrom)
	}
	for _, tc := range []struct{ from, to, want string }{
		{"zone_kind: green-corridor", "zone_kind: wetland", `zone_kind "wetland"`},
		{"values: {true: green-line, false: corridor}", "values: {true: greenline, false: corridor}", `subzone "greenline"`},
		{"subzone: water", "subzone: river", `subzone "river"`},
	} {
		m, err := data.ParseManifest([]byte(strings.Replace(manifestSrc(t), tc.from, tc.to, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.CheckRules(rules); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %s", tc.to, err, tc.want)
		}
	}
	for _, bad := range []string{
		"layers:\n  - {id: d, kind: coverage, title: {zh: a, en: b}, subzone_from: {property: x, values: {a: b}}}\n",
		"layers:\n  - {id: d, kind: coverage, title: {zh: a, en: b}}\n  - {id: z, kind: zone, zone_kind: k, title: {zh: a, en: b}, subzone_from: {property: x, values: {}}}\n",
		"layers:\n  - {id: d, kind: coverage, title: {zh: a, en: b}}\n  - {id: z, kind: zone, zone_kind: k, title: {zh: a, en: b}, subzone_from: {property: \"\", values: {a: b}}}\n",
	} {
		if _, err := data.ParseManifest([]byte(bad)); err == nil || !strings.Contains(err.Error(), "subzone_from") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func manifestSrc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("demo/layers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
