package geo

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Strict JSON: what ecospace judges must be what any other JSON reader
// sees. Go's encoding/json (and many other readers) accept inputs that
// readers disagree about: a member given twice (which one wins differs), a
// name that differs from another only in case or by Unicode folding (Go
// matches "Category" and "crſ" to category and crs), invalid UTF-8
// (silently replaced by U+FFFD), an escaped lone surrogate (likewise), and
// nesting deep enough to cost seconds. CheckJSON refuses all of them in
// one pass over the bytes, before anything is decoded; the decoders then
// match member names exactly.

// MaxJSONDepth is how deeply arrays and objects may nest in a request. A
// batch of MultiPolygons needs 8 levels; foreign members in properties get
// the rest.
const MaxJSONDepth = 32

// JSONError is input that is not strict JSON: what is wrong (Detail), the
// byte offset where it was found and a JSON pointer to the value it is in.
type JSONError struct {
	Offset  int64
	Pointer string
	Detail  string
	Kind    JSONErrorKind
}

// JSONErrorKind says what kind of problem a JSONError is, so that callers
// choose their answer by it rather than by the wording of Detail.
type JSONErrorKind int

const (
	JSONSyntax        JSONErrorKind = iota // not JSON, or not one JSON value
	JSONEncoding                           // invalid UTF-8 or a lone surrogate escape
	JSONAmbiguousName                      // a member name repeated, or differing only in case or by Unicode folding
	JSONTooDeep                            // arrays and objects nested past the limit
)

func (e *JSONError) Error() string {
	if e.Pointer == "" {
		return fmt.Sprintf("byte %d: %s", e.Offset, e.Detail)
	}
	return fmt.Sprintf("%s (byte %d): %s", e.Pointer, e.Offset, e.Detail)
}

// Unwrap makes a JSONError an input error.
func (e *JSONError) Unwrap() error { return ErrInput }

// CheckJSON reads one JSON value from r (whitespace around it allowed)
// and reports the first way it is not strict JSON: a syntax error, invalid
// UTF-8, an unpaired surrogate escape, a member name repeated in an object
// (exactly, or up to case and Unicode folding), or nesting deeper than
// maxDepth. Errors reading r are returned as they are.
func CheckJSON(r io.Reader, maxDepth int) error {
	s := &jscan{r: r, buf: make([]byte, 0, 64<<10), maxDepth: maxDepth}
	s.stack = s.stackBuf[:0]
	return s.run()
}

// CheckJSONBytes is CheckJSON on a byte slice.
func CheckJSONBytes(b []byte, maxDepth int) error {
	s := scanners.Get().(*jscan)
	*s = jscan{buf: b, maxDepth: maxDepth, scratch: s.scratch[:0]}
	s.stack = s.stackBuf[:0]
	err := s.run()
	s.buf = nil
	scanners.Put(s)
	return err
}

// scanners are reused: a scanner is 1.5 kB, most of it the stack of small
// objects kept in place.
var scanners = sync.Pool{New: func() any { return new(jscan) }}

// FoldVariant reports whether name is not one of known but equals one of
// them up to case and Unicode folding ("Category", "CRS", "crſ"), and
// which. Where an object allows foreign members, such a name is refused
// rather than ignored: a reader that folds names would take it for the
// known member.
func FoldVariant(name string, known ...string) (string, bool) {
	for _, k := range known {
		if name == k {
			return "", false
		}
	}
	for _, k := range known {
		if strings.EqualFold(name, k) {
			return k, true
		}
	}
	return "", false
}

type jframe struct {
	obj      bool
	index    int      // arrays: the element being read
	name     string   // objects: the member being read
	names    []string // objects: the names so far
	fold     map[string]string
	namesBuf [6]string // names' first backing array: most objects are small
}

type jscan struct {
	r        io.Reader
	buf      []byte
	i        int
	base     int64 // offset of buf[0] in the input
	rerr     error // the reader's error, once seen
	maxDepth int
	stack    []jframe
	scratch  []byte
	stackBuf [8]jframe // stack's first backing array
}

var errJSONEOF = errors.New("unexpected end of JSON input")

// fill makes at least k bytes available from i, if the input has them.
func (s *jscan) fill(k int) bool {
	if s.i+k <= len(s.buf) {
		return true
	}
	return s.more(k)
}

// more is fill's slow path: read on.
func (s *jscan) more(k int) bool {
	if s.r == nil || s.rerr != nil {
		return false
	}
	// Keep the unread bytes, read more behind them.
	rest := copy(s.buf[:cap(s.buf)], s.buf[s.i:])
	s.base += int64(s.i)
	s.buf, s.i = s.buf[:rest], 0
	for len(s.buf) < k && s.rerr == nil {
		if len(s.buf) == cap(s.buf) {
			nb := make([]byte, len(s.buf), 2*cap(s.buf))
			copy(nb, s.buf)
			s.buf = nb
		}
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err != nil {
			s.rerr = err
		}
	}
	return len(s.buf) >= k
}

func (s *jscan) off() int64 { return s.base + int64(s.i) }

// readErr is the reader's failure, if any; nil at a plain end of input.
func (s *jscan) readErr() error {
	if s.rerr != nil && s.rerr != io.EOF {
		return s.rerr
	}
	return nil
}

func (s *jscan) pointer() string {
	var b strings.Builder
	for _, f := range s.stack {
		b.WriteByte('/')
		if f.obj {
			b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(f.name))
		} else {
			b.WriteString(strconv.Itoa(f.index))
		}
	}
	return b.String()
}

// failKind is fail for a problem of a kind other than plain syntax.
func (s *jscan) failKind(kind JSONErrorKind, format string, args ...any) error {
	err := s.fail(format, args...)
	err.(*JSONError).Kind = kind
	return err
}

func (s *jscan) fail(format string, args ...any) error {
	if err := s.readErr(); err != nil {
		return err
	}
	return &JSONError{Offset: s.off(), Pointer: s.pointer(), Detail: fmt.Sprintf(format, args...)}
}

func (s *jscan) unexpected(what string) error {
	if !s.fill(1) {
		return s.fail("the body ends before the JSON value does (%s)", strings.TrimPrefix(what, "in "))
	}
	c := s.buf[s.i]
	if c >= 0x20 && c < 0x7f {
		return s.fail("unexpected %q %s", c, what)
	}
	return s.fail("unexpected byte 0x%02x %s", c, what)
}

func (s *jscan) space() {
	for s.fill(1) {
		switch s.buf[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jscan) run() error {
	s.space()
	if err := s.value(); err != nil {
		return err
	}
	s.space()
	if s.fill(1) {
		return s.fail("more than one JSON value: unexpected %q after the end of the first", s.buf[s.i])
	}
	return s.readErr()
}

func (s *jscan) value() error {
	if !s.fill(1) {
		return s.unexpected("where a value should start")
	}
	switch c := s.buf[s.i]; {
	case c == '{':
		return s.object()
	case c == '[':
		return s.array()
	case c == '"':
		_, err := s.str(false)
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	if s.fill(3) && (string(s.buf[s.i:s.i+3]) == "NaN" || string(s.buf[s.i:s.i+3]) == "Inf") {
		return s.fail("not valid JSON: NaN and Infinity are not JSON numbers")
	}
	return s.unexpected("where a value should start")
}

func (s *jscan) literal(word string) error {
	if !s.fill(len(word)) || string(s.buf[s.i:s.i+len(word)]) != word {
		return s.unexpected("in a literal (true, false or null)")
	}
	s.i += len(word)
	return nil
}

func (s *jscan) digits() int {
	n := 0
	for s.fill(1) && s.buf[s.i] >= '0' && s.buf[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

func (s *jscan) number() error {
	if s.buf[s.i] == '-' {
		s.i++
		if s.fill(1) && s.buf[s.i] == 'I' {
			return s.fail("not valid JSON: -Infinity is not a JSON number")
		}
	}
	if !s.fill(1) {
		return s.unexpected("in a number")
	}
	switch c := s.buf[s.i]; {
	case c == '0':
		s.i++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return s.unexpected("in a number")
	}
	if s.fill(1) && s.buf[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return s.unexpected("after a decimal point")
		}
	}
	if s.fill(1) && (s.buf[s.i] == 'e' || s.buf[s.i] == 'E') {
		s.i++
		if s.fill(1) && (s.buf[s.i] == '+' || s.buf[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return s.unexpected("in an exponent")
		}
	}
	return nil
}

// str reads a string; with keep it returns its decoded text.
func (s *jscan) str(keep bool) (string, error) {
	s.i++ // the opening quote
	s.scratch = s.scratch[:0]
	for {
		if !s.fill(1) {
			return "", s.fail("the JSON ends inside a string")
		}
		c := s.buf[s.i]
		switch {
		case c == '"':
			s.i++
			if keep {
				return string(s.scratch), nil
			}
			return "", nil
		case c == '\\':
			if err := s.escape(keep); err != nil {
				return "", err
			}
		case c < 0x20:
			return "", s.fail("control character 0x%02x inside a string; escape it", c)
		case c < utf8.RuneSelf:
			if keep {
				s.scratch = append(s.scratch, c)
			}
			s.i++
		default:
			s.fill(utf8.UTFMax)
			r, size := utf8.DecodeRune(s.buf[s.i:])
			if r == utf8.RuneError && size <= 1 {
				return "", s.failKind(JSONEncoding, "invalid UTF-8 (byte 0x%02x); send the body in UTF-8", c)
			}
			if keep {
				s.scratch = append(s.scratch, s.buf[s.i:s.i+size]...)
			}
			s.i += size
		}
	}
}

func (s *jscan) hex4() (rune, bool) {
	if !s.fill(4) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(s.buf[s.i:s.i+4]), 16, 16)
	if err != nil {
		return 0, false
	}
	s.i += 4
	return rune(v), true
}

func (s *jscan) escape(keep bool) error {
	if !s.fill(2) {
		return s.fail("the JSON ends inside a string")
	}
	c := s.buf[s.i+1]
	var r rune
	switch c {
	case '"', '\\', '/':
		r = rune(c)
	case 'b':
		r = '\b'
	case 'f':
		r = '\f'
	case 'n':
		r = '\n'
	case 'r':
		r = '\r'
	case 't':
		r = '\t'
	case 'u':
		at := s.off()
		s.i += 2
		u, ok := s.hex4()
		if !ok {
			return s.fail("\\u must be followed by four hex digits")
		}
		r = u
		if utf16.IsSurrogate(u) {
			lo := rune(-1)
			if u < 0xdc00 && s.fill(2) && s.buf[s.i] == '\\' && s.buf[s.i+1] == 'u' {
				s.i += 2
				if l, ok := s.hex4(); ok {
					lo = l
				}
			}
			r = utf16.DecodeRune(u, lo)
			if r == unicode.ReplacementChar {
				e := &JSONError{Offset: at, Pointer: s.pointer(), Detail: fmt.Sprintf("\\u%04x is half of a UTF-16 surrogate pair without its other half: not a character", u), Kind: JSONEncoding}
				return e
			}
		}
		if keep {
			s.scratch = utf8.AppendRune(s.scratch, r)
		}
		return nil
	default:
		s.i++
		return s.unexpected("after a backslash in a string")
	}
	s.i += 2
	if keep {
		s.scratch = append(s.scratch, byte(r))
	}
	return nil
}

func (s *jscan) push(obj bool) error {
	if len(s.stack) >= s.maxDepth {
		return s.failKind(JSONTooDeep, "arrays and objects nest deeper than %d levels", s.maxDepth)
	}
	if len(s.stack) < cap(s.stack) {
		s.stack = s.stack[:len(s.stack)+1]
		f := &s.stack[len(s.stack)-1]
		f.obj, f.index, f.name, f.names, f.fold = obj, 0, "", f.names[:0], nil
		if f.names == nil {
			f.names = f.namesBuf[:0]
		}
	} else {
		s.stack = append(s.stack, jframe{obj: obj})
		f := &s.stack[len(s.stack)-1]
		f.names = f.namesBuf[:0]
	}
	return nil
}

func (s *jscan) pop() { s.stack = s.stack[:len(s.stack)-1] }

func (s *jscan) array() error {
	if err := s.push(false); err != nil {
		return err
	}
	s.i++
	s.space()
	if s.fill(1) && s.buf[s.i] == ']' {
		s.i++
		s.pop()
		return nil
	}
	for {
		s.space()
		if err := s.value(); err != nil {
			return err
		}
		s.space()
		if !s.fill(1) {
			return s.unexpected("in an array")
		}
		switch s.buf[s.i] {
		case ',':
			s.i++
			s.stack[len(s.stack)-1].index++
		case ']':
			s.i++
			s.pop()
			return nil
		default:
			return s.unexpected("in an array: expected , or ]")
		}
	}
}

func (s *jscan) object() error {
	if err := s.push(true); err != nil {
		return err
	}
	s.i++
	s.space()
	if s.fill(1) && s.buf[s.i] == '}' {
		s.i++
		s.pop()
		return nil
	}
	for {
		s.space()
		if !s.fill(1) || s.buf[s.i] != '"' {
			return s.unexpected("where a member name should be")
		}
		at := s.off()
		name, err := s.str(true)
		if err != nil {
			return err
		}
		f := &s.stack[len(s.stack)-1]
		if err := f.add(name); err != nil {
			return &JSONError{Offset: at, Pointer: s.pointerTo(name), Detail: err.Error(), Kind: JSONAmbiguousName}
		}
		f.name = name
		s.space()
		if !s.fill(1) || s.buf[s.i] != ':' {
			return s.unexpected("after a member name: expected :")
		}
		s.i++
		s.space()
		if err := s.value(); err != nil {
			return err
		}
		s.space()
		if !s.fill(1) {
			return s.unexpected("in an object")
		}
		switch s.buf[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			s.pop()
			return nil
		default:
			return s.unexpected("in an object: expected , or }")
		}
	}
}

// pointerTo is the pointer of member name of the innermost object.
func (s *jscan) pointerTo(name string) string {
	f := &s.stack[len(s.stack)-1]
	old := f.name
	f.name = name
	p := s.pointer()
	f.name = old
	return p
}

// add records a member name, refusing one the object already has, exactly
// or up to case and Unicode folding.
func (f *jframe) add(name string) error {
	if f.fold == nil && len(f.names) < 16 {
		for _, n := range f.names {
			if strings.EqualFold(n, name) {
				return dupError(n, name)
			}
		}
		f.names = append(f.names, name)
		return nil
	}
	if f.fold == nil {
		f.fold = make(map[string]string, 2*len(f.names))
		for _, n := range f.names {
			f.fold[foldKey(n)] = n
		}
	}
	k := foldKey(name)
	if n, ok := f.fold[k]; ok {
		return dupError(n, name)
	}
	f.fold[k] = name
	return nil
}

func dupError(first, again string) error {
	if first == again {
		return fmt.Errorf("member %q appears twice in this object; readers differ on which one counts", clip60(again))
	}
	return fmt.Errorf("members %q and %q differ only in case or Unicode folding; member names are exact, and readers differ on which one counts", clip60(first), clip60(again))
}

// foldKey maps every rune of s to the smallest rune of its case-folding
// orbit, so that names equal under strings.EqualFold share a key.
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

func clip60(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
