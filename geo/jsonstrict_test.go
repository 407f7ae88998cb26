package geo

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

func TestCheckJSON(t *testing.T) {
	ok := []string{
		`{}`, `[]`, ` {"a":1} `, `{"a":[1,2,{"b":null}],"c":"长江\u00e9\ud83d\ude00"}`,
		`-0.5e+10`, `"x"`, `true`, `{"a":{"a":{"a":1}}}`, `{"category":1,"Category2":2}`,
	}
	for _, in := range ok {
		if err := CheckJSONBytes([]byte(in), MaxJSONDepth); err != nil {
			t.Errorf("%s: %v", in, err)
		}
		if err := CheckJSON(iotest.OneByteReader(strings.NewReader(in)), MaxJSONDepth); err != nil {
			t.Errorf("%s streamed: %v", in, err)
		}
	}
	bad := []struct {
		in, ptr, detail string
		kind            JSONErrorKind
	}{
		{`{"a":1,"a":2}`, "/a", "appears twice", JSONAmbiguousName},
		{`{"category":"a","Category":"b"}`, "/Category", "differ only in case", JSONAmbiguousName},
		{`{"crs":"a","crſ":"b"}`, "/crſ", "differ only in case", JSONAmbiguousName},
		{`{"x":{"crs":"a","CRS":"b"}}`, "/x/CRS", "differ only in case", JSONAmbiguousName},
		{"{\"reference\":\"\xb8\xdf\"}", "/reference", "UTF-8", JSONEncoding},
		{`{"reference":"\ud800"}`, "/reference", "surrogate", JSONEncoding},
		{`{"reference":"\udc00\ud800"}`, "/reference", "surrogate", JSONEncoding},
		{strings.Repeat("[", 33) + strings.Repeat("]", 33), "/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0", "nest deeper", JSONTooDeep},
		{`{"a":NaN}`, "/a", "NaN", JSONSyntax},
		{`{"a":[1,-Infinity]}`, "/a/1", "Infinity", JSONSyntax},
		{`{"a":1}{}`, "", "more than one", JSONSyntax},
		{`{"a":01}`, "/a", "unexpected", JSONSyntax},
		{`{"a":"x`, "/a", "ends", JSONSyntax},
		{`{"a" 1}`, "/a", "expected :", JSONSyntax},
		{"{\"a\":\"\x01\"}", "/a", "control character", JSONSyntax},
	}
	for _, tc := range bad {
		for _, stream := range []bool{false, true} {
			var err error
			if stream {
				err = CheckJSON(iotest.OneByteReader(strings.NewReader(tc.in)), MaxJSONDepth)
			} else {
				err = CheckJSONBytes([]byte(tc.in), MaxJSONDepth)
			}
			var je *JSONError
			if !errors.As(err, &je) || !errors.Is(err, ErrInput) {
				t.Errorf("%q: %v, want a JSONError", tc.in, err)
				continue
			}
			if je.Pointer != tc.ptr || !strings.Contains(je.Detail, tc.detail) || je.Kind != tc.kind {
				t.Errorf("%q (stream %v): %q %q kind %d, want pointer %q, %q and kind %d", tc.in, stream, je.Pointer, je.Detail, je.Kind, tc.ptr, tc.detail, tc.kind)
			}
		}
	}
	// Many members: the fold map takes over from the list.
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		b.WriteString(`"m` + strings.Repeat("x", i) + `":1,`)
	}
	b.WriteString(`"MXX":2}`)
	if err := CheckJSONBytes([]byte(b.String()), MaxJSONDepth); err == nil || !strings.Contains(err.Error(), "differ only in case") {
		t.Errorf("40 members then a case variant: %v", err)
	}
	if err := CheckJSON(errReader{}, 8); err == nil || errors.Is(err, ErrInput) {
		t.Errorf("a failing reader: %v, want its error", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestFoldVariant(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		ok         bool
	}{{"category", "", false}, {"Category", "category", true}, {"CRS", "crs", true}, {"crſ", "crs", true}, {"colour", "", false}} {
		got, ok := FoldVariant(tc.name, "category", "crs")
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: %q %v", tc.name, got, ok)
		}
	}
}

// FuzzCheckJSON: whatever CheckJSON accepts is JSON every reader reads
// alike: valid, UTF-8, no member repeated up to case.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":1,"A":2}`, "\"\xff\"", `[[[[1]]]]`, `{"crſ":1}`, `"\ud800\udc00"`, `1e999`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := CheckJSONBytes(b, 16)
		serr := CheckJSON(iotest.HalfReader(strings.NewReader(string(b))), 16)
		if (err == nil) != (serr == nil) {
			t.Fatalf("bytes %v, stream %v", err, serr)
		}
		if err != nil {
			return
		}
		if !json.Valid(b) || !utf8.Valid(b) {
			t.Fatalf("accepted %q, which is not valid UTF-8 JSON", b)
		}
	})
}
