// Package problem is the RFC 9457 problem detail every error of the HTTP
// API becomes: server's one error handler writes it as
// application/problem+json, and server/ogc returns it from its handlers.
// It imports nothing of the service, so that both can use it.
package problem

import (
	"fmt"
	"net/http"
)

// TypePrefix starts every problem type URI.
const TypePrefix = "urn:ecospace:problem:"

// Problem is an RFC 9457 problem detail. Handlers return it as an error;
// the central error handler writes it as application/problem+json.
type Problem struct {
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Status     int            `json:"status"`
	Detail     string         `json:"detail"`
	Instance   string         `json:"instance,omitempty"`
	Pointer    string         `json:"pointer,omitempty"` // JSON pointer into the request body, or "?param" for a query parameter
	Errors     []Item         `json:"errors,omitempty"`
	RequestID  string         `json:"request_id,omitempty"`
	RetryAfter int            `json:"-"`
	Extra      map[string]any `json:"-"`
}

// Item is one of several problems (e.g. one feature of an import).
type Item struct {
	Pointer string `json:"pointer,omitempty"`
	Detail  string `json:"detail"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// New is a problem of type TypePrefix+slug.
func New(status int, slug, title, detail string) *Problem {
	return &Problem{Type: TypePrefix + slug, Title: title, Status: status, Detail: detail}
}

// BadRequest is a 400 whose detail is formatted, pointing at what is wrong.
func BadRequest(slug, title, pointer, format string, args ...any) *Problem {
	p := New(http.StatusBadRequest, slug, title, fmt.Sprintf(format, args...))
	p.Pointer = pointer
	return p
}
