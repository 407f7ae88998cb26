package layerfile

import (
	"errors"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/geo"
)

func TestParcelNumber(t *testing.T) {
	for in, want := range map[string]string{
		"320404001001GB00001":      "320404001001GB00001",
		" 320404 001 001 gb00001 ": "320404001001GB00001",
		"３２０４０４００１００１ＧＢ００００１": "320404001001GB00001",
		"ZL-0001\u200b": "ZL-0001",
		"":              "",
	} {
		if got := ParcelNumber(in); got != want {
			t.Errorf("ParcelNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkParcels(t *testing.T) {
	feat := func(id string, props map[string]any) geo.Feature {
		return geo.Feature{ID: id, Properties: props}
	}
	t.Run("marked", func(t *testing.T) {
		fs := []geo.Feature{feat("1", map[string]any{"宗地号": "320404 gb00001"}), feat("2", map[string]any{"宗地号": 42.0})}
		if err := MarkParcels(fs, "宗地号"); err != nil {
			t.Fatal(err)
		}
		if fs[0].Properties[ParcelNoProperty] != "320404GB00001" || fs[1].Properties[ParcelNoProperty] != "42" {
			t.Errorf("%v %v", fs[0].Properties, fs[1].Properties)
		}
	})
	t.Run("field up to case", func(t *testing.T) {
		fs := []geo.Feature{feat("1", map[string]any{"ZDDM": "a1"})}
		if err := MarkParcels(fs, "zddm"); err != nil || fs[0].Properties[ParcelNoProperty] != "A1" {
			t.Fatal(err, fs[0].Properties)
		}
	})
	for _, c := range []struct {
		name  string
		feats []geo.Feature
		want  string
	}{
		{"missing field", []geo.Feature{feat("1", map[string]any{"name": "x"})}, "no field 宗地号; its fields are name"},
		{"blank", []geo.Feature{feat("1", map[string]any{"宗地号": "  "})}, "no parcel number"},
		{"repeated", []geo.Feature{feat("1", map[string]any{"宗地号": "A1"}), feat("2", map[string]any{"宗地号": "a 1"})}, "as feature 0 has"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := MarkParcels(c.feats, "宗地号")
			var pe *ParcelFieldError
			if !errors.As(err, &pe) || !errors.Is(err, geo.ErrInput) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want a ParcelFieldError containing %q", err, c.want)
			}
		})
	}
}
