package check

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// MaxReference is how many characters of a client reference are kept.
const MaxReference = 200

// The statuses of input errors: the HTTP statuses the API answers with.
const (
	statusBadRequest    = 400
	statusTooLarge      = 413 // Content Too Large
	statusUnprocessable = 422 // Unprocessable Content
)

// InputError is a request that cannot be checked as it stands: what is
// wrong (Detail), where (Pointer: a JSON pointer into the request), and
// the HTTP status, problem type slug and title the API answers it with.
// Errors in the geometry itself are *geo.InputError.
type InputError struct {
	Status  int
	Slug    string
	Title   string
	Pointer string
	Detail  string
}

// Error reads as the problem the API answers with does.
func (e *InputError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Title, e.Detail) }

func badInput(slug, title, pointer, format string, args ...any) *InputError {
	return &InputError{Status: statusBadRequest, Slug: slug, Title: title, Pointer: pointer, Detail: fmt.Sprintf(format, args...)}
}

// Validate checks a request's fields and builds its site; ptr prefixes
// the pointers of its errors (a batch's features live below /features/N).
func (c *Checker) Validate(req Request, ptr string) (*Input, error) {
	return c.ValidateContext(context.Background(), req, ptr)
}

// ValidateContext is Validate that stops when ctx ends: building a site
// is CPU work that checks its deadline too.
func (c *Checker) ValidateContext(ctx context.Context, req Request, ptr string) (*Input, error) {
	in := &Input{}
	if req.Category == "" {
		return nil, badInput("missing-category", "Missing category", ptr+"/category",
			"category is required; one of %s", strings.Join(c.rules.CategoryIDs(), ", "))
	}
	var err error
	if in.Category, err = c.Category(req.Category, ptr+"/category"); err != nil {
		return nil, err
	}
	if err := c.validateSite(ctx, req, ptr, in); err != nil {
		return nil, err
	}
	return in, nil
}

// validateSite checks what every question about a site shares, all but
// the category (the matrix asks about every one): crs, as_of, reference,
// facts and the geometry, in that order, and fills them into in.
func (c *Checker) validateSite(ctx context.Context, req Request, ptr string, in *Input) error {
	crs, err := geo.ParseCRS(req.CRS)
	if err != nil {
		return badInput("unknown-crs", "Unknown CRS", ptr+"/crs", "%v", err)
	}
	in.CRS = crs
	if in.AsOf, err = c.ParseAsOf(req.AsOf, ptr+"/as_of"); err != nil {
		return err
	}
	if n := len([]rune(req.Reference)); n > MaxReference {
		return badInput("invalid-reference", "Reference too long", ptr+"/reference",
			"reference has %d characters; at most %d are kept", n, MaxReference)
	}
	if err := checkReference(req.Reference, ptr+"/reference"); err != nil {
		return err
	}
	in.Reference = req.Reference
	if in.Facts, err = c.ParseFacts(req.Facts, ptr+"/facts"); err != nil {
		return err
	}
	g, err := geo.DecodeGeometry(req.Geometry, ptr+"/geometry", geo.MaxVertices)
	if err != nil {
		return vertexError(err)
	}
	if in.Site, err = geo.NewSiteContext(ctx, g, crs, ptr+"/geometry"); err != nil {
		return vertexError(err)
	}
	return nil
}

// checkReference refuses a reference that would not be filed as the
// client sees it: invalid UTF-8 (a decoder would have replaced it with
// U+FFFD), control characters, and the invisible characters that change
// how text around them reads without showing themselves: bidirectional
// controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and
// zero-width characters (U+200B–U+200D, U+2060–U+2064, U+FEFF, U+180E).
// A reference is refused rather than altered: it is filed as sent or not
// at all.
func checkReference(ref, ptr string) error {
	if !utf8.ValidString(ref) {
		i := 0
		for i < len(ref) {
			r, n := utf8.DecodeRuneInString(ref[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return badInput("invalid-reference", "Invalid reference", ptr, "reference is not valid UTF-8 at byte %d of the reference (0x%02x)", i, ref[i])
	}
	for i, r := range ref {
		switch {
		case unicode.IsControl(r):
			return badInput("invalid-reference", "Invalid reference", ptr, "reference must not contain control characters (U+%04X at byte %d)", r, i)
		case invisible(r):
			return badInput("invalid-reference", "Invalid reference", ptr,
				"reference holds U+%04X at byte %d, an invisible bidirectional or zero-width character that changes how the reference reads; send the reference without it", r, i)
		}
	}
	return nil
}

// invisible reports the bidirectional controls and zero-width characters
// checkReference refuses.
func invisible(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r >= 0x200b && r <= 0x200d, r >= 0x2060 && r <= 0x2064, r == 0xfeff, r == 0x180e:
		return true
	}
	return false
}

// Category finds a category by its id; ptr is where it was given.
func (c *Checker) Category(id, ptr string) (geo.Category, error) {
	cat, ok := c.rules.Category(id)
	if !ok {
		return geo.Category{}, badInput("unknown-category", "Unknown category", ptr,
			"category %q is not known; use one of %s", clip(id), strings.Join(c.rules.CategoryIDs(), ", "))
	}
	return cat, nil
}

// ParseAsOf reads a date YYYY-MM-DD the rules answer for; "" is today in
// China. ptr is where it was given.
func (c *Checker) ParseAsOf(v, ptr string) (time.Time, error) {
	if v == "" {
		return data.DateOf(data.Today()), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, badInput("invalid-date", "Invalid date", ptr, "%q is not a date in the form YYYY-MM-DD", clip(v))
	}
	if !c.rules.Covers(t) {
		return time.Time{}, &InputError{Status: statusUnprocessable, Slug: "as-of-not-covered", Title: "Date not covered by the rules", Pointer: ptr,
			Detail: fmt.Sprintf("as_of %s is before %s, the first day rules version %s answers for", v, c.rules.ValidFrom, c.rules.Version)}
	}
	return t, nil
}

// vertexError turns the vertex and complexity limits into 413s; other
// errors in the geometry stay *geo.InputError (400 invalid-geometry).
func vertexError(err error) error {
	var tv *geo.TooManyVerticesError
	if errors.As(err, &tv) {
		return &InputError{Status: statusTooLarge, Slug: "too-many-vertices", Title: "Too many vertices", Pointer: tv.Pointer, Detail: tv.Detail()}
	}
	var tc *geo.TooComplexError
	if errors.As(err, &tc) {
		return &InputError{Status: statusTooLarge, Slug: "too-complex", Title: "Geometry too complex", Pointer: tc.Pointer, Detail: tc.Detail()}
	}
	return err
}

// clip shortens echoed input so that errors never repeat a huge value.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
