package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/problem"
)

// The audit belongs to its caller: a filed check is read (GET
// /api/v1/checks/{id}) and listed (GET /api/v1/checks) by the API key that
// filed it, and by keys with scope audit (or admin); a check filed without
// a key by callers without one (which --require-key rules out). Anyone
// else is told there is no such check: whether it exists is not theirs to
// learn.

// Listing limits.
const (
	DefaultCheckList = 100
	MaxCheckList     = 1000
)

// CheckSummary is one check of GET /api/v1/checks.
type CheckSummary struct {
	CheckID      string    `json:"check_id"`
	CheckedAt    time.Time `json:"checked_at"`
	Reference    string    `json:"reference"`
	KeyID        string    `json:"key_id,omitempty"`
	Category     string    `json:"category"`
	AsOf         string    `json:"as_of"`
	Verdict      string    `json:"verdict"`
	DecisionHash string    `json:"decision_hash"`
	Href         string    `json:"href"`
}

// CheckList is the answer of GET /api/v1/checks.
type CheckList struct {
	Checks []CheckSummary `json:"checks"`
	// Next is the URL of the next page; absent on the last.
	Next string `json:"next,omitempty"`
}

// auditor is the caller's reach over filed checks: every check (audit or
// admin scope), or those of one key id ("" for keyless callers).
func auditor(c echo.Context) (all bool, keyID string) {
	if k, _ := c.Get(ctxKey).(*data.APIKey); k != nil {
		return k.Has(data.ScopeAudit), k.ID
	}
	return false, ""
}

// listReach is the reach of a list of what (checks, changes): the
// caller's own, every key's (audit scope), or one key's named by
// ?key_id, which only an auditor may name.
func listReach(c echo.Context, what string) (all bool, keyID string, err error) {
	all, keyID = auditor(c)
	if k := c.QueryParam("key_id"); k != "" {
		if !all {
			return false, "", problem.BadRequest("invalid-query", "Not allowed", "?key_id", "key_id filters another key's %s, which needs scope audit; a key lists its own %s without it", what, what)
		}
		return false, k, nil
	}
	return all, keyID, nil
}

// getCheck answers GET /api/v1/checks/{id} with the document as filed.
func (s *Server) getCheck(c echo.Context) error {
	id := c.Param("id")
	notFound := problem.New(http.StatusNotFound, "not-found", "Not found", fmt.Sprintf("there is no check %q that this caller may read", clip(id)))
	if _, ok := data.CheckID(id); !ok {
		return problem.New(http.StatusNotFound, "not-found", "Not found", fmt.Sprintf("%q is not a check id", clip(id)))
	}
	rec, err := s.store.Check(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if all, key := auditor(c); !all && rec.KeyID != key {
		return notFound
	}
	return c.JSONBlob(http.StatusOK, rec.Document)
}

// listChecks answers GET /api/v1/checks: the caller's filed checks, in
// time order, a page at a time.
func (s *Server) listChecks(c echo.Context) error {
	q, err := checkListQuery(c)
	if err != nil {
		return err
	}
	if q.AllKeys, q.KeyID, err = listReach(c, "checks"); err != nil {
		return err
	}
	want := q.Limit
	q.Limit = want + 1
	sums, err := s.store.ListChecks(c.Request().Context(), q)
	if err != nil {
		return err
	}
	out := CheckList{Checks: make([]CheckSummary, 0, min(len(sums), want))}
	for i, sm := range sums {
		if i == want {
			next := c.QueryParams()
			next.Set("after", sums[i-1].ID)
			out.Next = "/api/v1/checks?" + next.Encode()
			break
		}
		out.Checks = append(out.Checks, CheckSummary{
			CheckID: sm.ID, CheckedAt: sm.CheckedAt, Reference: sm.Reference, KeyID: sm.KeyID, Category: sm.Category,
			AsOf: sm.AsOf.Format(time.DateOnly), Verdict: sm.Verdict, DecisionHash: sm.DecisionHash, Href: "/api/v1/checks/" + sm.ID,
		})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

var checkListParams = []string{"reference", "from", "to", "limit", "after", "key_id"}

// checkListQuery reads the listing's query parameters.
func checkListQuery(c echo.Context) (data.CheckQuery, error) {
	q := data.CheckQuery{Limit: DefaultCheckList}
	params := c.QueryParams()
	for name, vs := range params {
		if !containsString(checkListParams, name) {
			return q, problem.BadRequest("invalid-query", "Unknown parameter", "?"+name,
				"%q is not a parameter of GET /api/v1/checks; it takes %s", clip(name), strings.Join(checkListParams, ", "))
		}
		if len(vs) > 1 {
			return q, problem.BadRequest("invalid-query", "Repeated parameter", "?"+name, "%s is given more than once", name)
		}
	}
	q.Reference = params.Get("reference")
	for _, b := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := params.Get(b.name); v != "" {
			t, err := parseInstant(v)
			if err != nil {
				return q, problem.BadRequest("invalid-date", "Invalid date", "?"+b.name,
					"%s %q is neither a date (YYYY-MM-DD, a day in China) nor an RFC 3339 date-time", b.name, clip(v))
			}
			*b.dst = t
		}
	}
	if v := params.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxCheckList {
			return q, problem.BadRequest("invalid-query", "Invalid limit", "?limit", "limit must be a whole number from 1 to %d", MaxCheckList)
		}
		q.Limit = n
	}
	if v := params.Get("after"); v != "" {
		id, ok := data.CheckID(v)
		if !ok {
			return q, problem.BadRequest("invalid-query", "Invalid cursor", "?after", "after %q is not a check id", clip(v))
		}
		q.After = id
	}
	return q, nil
}

// china is the time zone of dates in queries.
var china = time.FixedZone("CST", 8*3600)

// parseInstant reads an RFC 3339 date-time, or a date: the start of that
// day in China.
func parseInstant(v string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, v, china); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, v)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
