package geo

import (
	"errors"
	"fmt"
)

// ErrInput is wrapped by every error that a caller's input caused; servers
// answer it with a 4xx, never a 5xx.
var ErrInput = errors.New("geo: invalid input")

// ErrJSONNumber reports a number JSON cannot carry (NaN or ±Inf).
var ErrJSONNumber = errors.New("geo: number has no JSON form")

// InputError says what is wrong with an input and where: Pointer is a JSON
// pointer (RFC 6901) into the request, e.g. "/geometry/coordinates/0/3".
type InputError struct {
	Pointer string
	Detail  string
}

func (e *InputError) Error() string {
	if e.Pointer == "" {
		return e.Detail
	}
	return e.Pointer + ": " + e.Detail
}

func (e *InputError) Unwrap() error { return ErrInput }

func inputErr(pointer, format string, args ...any) error {
	return &InputError{Pointer: pointer, Detail: fmt.Sprintf(format, args...)}
}

// TooManyVerticesError refuses a site geometry with more positions than
// DecodeGeometry was told to accept. The API answers it with 413 rather
// than 400. It wraps an *InputError with the same Pointer and text, so it
// is also an input error (errors.Is(err, ErrInput)) to code that handles
// every InputError alike.
type TooManyVerticesError struct {
	// Pointer is the geometry's JSON pointer for WKT, and the pointer of the
	// first position over Max for GeoJSON.
	Pointer string
	// Count is the number of positions in the geometry, or 0 when decoding
	// stopped at the first position over Max (GeoJSON) without counting on.
	Count int
	Max   int
}

// Detail says what is wrong, without the pointer, as InputError.Detail.
func (e *TooManyVerticesError) Detail() string {
	if e.Count > 0 {
		return fmt.Sprintf("geometry has %d vertices; at most %d are accepted", e.Count, e.Max)
	}
	return fmt.Sprintf("too many vertices: at most %d are accepted", e.Max)
}

func (e *TooManyVerticesError) Error() string { return e.input().Error() }

// Unwrap returns the *InputError the refusal is.
func (e *TooManyVerticesError) Unwrap() error { return e.input() }

func (e *TooManyVerticesError) input() *InputError {
	return &InputError{Pointer: e.Pointer, Detail: e.Detail()}
}
