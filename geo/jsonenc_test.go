package geo

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestAppendString(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"ascii", "zone-1"},
		{"chinese", "新孟河清水通道维护区《常州市》"},
		{"quotes and backslash", `a"b\c`},
		{"html", "<script>&amp;</script>"},
		{"controls", "\x00\x01\b\f\n\r\t\x1f\x7f"},
		{"line separators", "a\u2028b\u2029c"},
		{"invalid utf8", "a\xffb\xc3"},
		{"truncated rune at end", "中\xe4\xb8"},
		{"surrogate half", "\xed\xa0\x80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := AppendString([]byte("x"), tt.in); string(got) != "x"+string(want) {
				t.Errorf("AppendString(%q) = %s, want x%s", tt.in, got, want)
			}
		})
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "中文", "<>&", "\u2028", "\xff", "\x00\"\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestAppendFloat(t *testing.T) {
	values := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-300,
		5e-324, 1e20, 1e21, 1.2345e21, -1e21, math.MaxFloat64, 123456.789, 0.30000000000000004}
	r := rand.New(rand.NewPCG(6, 1))
	for range 100000 {
		values = append(values, math.Float64frombits(r.Uint64()))
	}
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendFloat(nil, v)
		if err != nil || string(got) != string(want) {
			t.Fatalf("AppendFloat(%v) = %s, %v; want %s", v, got, err, want)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := AppendFloat(nil, v); !errors.Is(err, ErrJSONNumber) {
			t.Errorf("AppendFloat(%v) error = %v, want ErrJSONNumber", v, err)
		}
	}
}
