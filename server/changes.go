package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/problem"
	"github.com/zhonglou/ecospace/server/reeval"
)

// Filed decisions that a recorded layer version changes: each upload
// (PUT /api/v1/layers/{id}) tells the re-evaluation worker (Config.Reeval),
// which judges the decisions it may touch again in the background; the
// decisions whose verdict or deciding rule changed are listed at GET
// /api/v1/changes, to the key that filed them (and to audit keys), as
// GET /api/v1/checks lists checks.

// ChangeList is the answer of GET /api/v1/changes.
type ChangeList struct {
	Changes []reeval.Change `json:"changes"`
	// Next is the URL of the next page; absent on the last.
	Next string `json:"next,omitempty"`
}

// eventStores are the store's parts for changes and webhooks (nil when it
// has none).
type eventStores struct {
	changes data.ChangeStore
	hooks   data.HookStore
}

func eventStoresOf(st data.Store) eventStores {
	var e eventStores
	e.changes, _ = st.(data.ChangeStore)
	e.hooks, _ = st.(data.HookStore)
	return e
}

// published tells the re-evaluation worker of the versions an upload
// recorded. The upload is committed whatever happens here, so a failure
// is logged (the worker's next round does not find the job: the layer
// version's decisions are not judged again), not answered.
func (s *Server) published(ctx context.Context, res data.ImportResult) {
	if s.reeval == nil {
		return
	}
	if err := s.reeval.Published(context.WithoutCancel(ctx), res); err != nil {
		s.log.Error("re-evaluation not recorded for an upload", "layer", res.Layer.ID, "version", res.Layer.Version, "error", err)
	}
}

var changeListParams = []string{"since", "limit", "key_id"}

// listChanges answers GET /api/v1/changes.
func (s *Server) listChanges(c echo.Context) error {
	if s.events.changes == nil {
		return problem.New(http.StatusNotImplemented, "not-implemented", "Not implemented", "this store keeps no changes")
	}
	q := data.ChangeQuery{Limit: DefaultCheckList}
	params := c.QueryParams()
	for name, vs := range params {
		if !containsString(changeListParams, name) {
			return problem.BadRequest("invalid-query", "Unknown parameter", "?"+name,
				"%q is not a parameter of GET /api/v1/changes; it takes %s", clip(name), strings.Join(changeListParams, ", "))
		}
		if len(vs) > 1 {
			return problem.BadRequest("invalid-query", "Repeated parameter", "?"+name, "%s is given more than once", name)
		}
	}
	if v := params.Get("since"); v != "" {
		if u, err := uuid.Parse(v); err == nil {
			q.After = u.String()
		} else if t, err := parseInstant(v); err == nil {
			q.Since = t
		} else {
			return problem.BadRequest("invalid-query", "Invalid since", "?since",
				"since %q is neither a change id (the last one you read) nor a date (YYYY-MM-DD, a day in China) or an RFC 3339 date-time", clip(v))
		}
	}
	if v := params.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxCheckList {
			return problem.BadRequest("invalid-query", "Invalid limit", "?limit", "limit must be a whole number from 1 to %d", MaxCheckList)
		}
		q.Limit = n
	}
	var err error
	if q.AllKeys, q.KeyID, err = listReach(c, "changes"); err != nil {
		return err
	}
	want := q.Limit
	q.Limit = want + 1
	changes, err := s.events.changes.ListChanges(c.Request().Context(), q)
	if err != nil {
		return err
	}
	out := ChangeList{Changes: make([]reeval.Change, 0, min(len(changes), want))}
	for i, ch := range changes {
		if i == want {
			next := c.QueryParams()
			next.Set("since", changes[i-1].ID)
			out.Next = "/api/v1/changes?" + next.Encode()
			break
		}
		out.Changes = append(out.Changes, reeval.ChangeOf(ch))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}
