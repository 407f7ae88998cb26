package data

import "errors"

// The store's sentinel errors. Both stores wrap them with what was asked
// (layer, date, check id), so callers test with errors.Is and people read
// the context; the server maps each to one HTTP status.
var (
	// ErrNotFound: no such layer, feature or check.
	ErrNotFound = errors.New("data: not found")
	// ErrUnavailable: the store cannot answer now (database down, pool
	// exhausted); callers answer 503 and never a verdict.
	ErrUnavailable = errors.New("data: store unavailable")
	// ErrNoVersion: a layer has no version in force on the requested date.
	ErrNoVersion = errors.New("data: no layer version in force")
	// ErrInvalidImport: an import was refused for its content.
	ErrInvalidImport = errors.New("data: invalid import")
)
