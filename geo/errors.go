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
