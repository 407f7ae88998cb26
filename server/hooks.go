package server

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/hooks"
	"github.com/zhonglou/ecospace/server/problem"
)

// Webhooks, for admin keys: register an endpoint for event types, list
// and remove them, read a hook's deliveries and send one again. The
// sender (server/hooks, started by serve) delivers from the store's
// outbox.

// HookRequest is the body of POST /api/v1/hooks.
type HookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Secret signs the deliveries; empty: one is made and shown once.
	Secret string `json:"secret,omitempty"`
}

// Hook is a registered webhook as listed; Secret only in the answer to
// its registration.
type Hook struct {
	ID         string    `json:"id"`
	URL        string    `json:"url"`
	Events     []string  `json:"events"`
	Secret     string    `json:"secret,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	Deliveries string    `json:"deliveries"` // their URL
}

// HookList is the answer of GET /api/v1/hooks.
type HookList struct {
	Hooks []Hook `json:"hooks"`
}

// Delivery is one event to one hook, as listed.
type Delivery struct {
	DeliveryID  string     `json:"delivery_id"`
	HookID      string     `json:"hook_id"`
	EventID     string     `json:"event_id"`
	Type        string     `json:"type"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// DeliveryList is the answer of GET /api/v1/hooks/{id}/deliveries.
type DeliveryList struct {
	Deliveries []Delivery `json:"deliveries"`
	Next       string     `json:"next,omitempty"`
}

func hookOf(h data.Hook) Hook {
	return Hook{ID: h.ID, URL: h.URL, Events: h.Events, CreatedAt: h.CreatedAt, Deliveries: "/api/v1/hooks/" + h.ID + "/deliveries"}
}

func deliveryOf(d data.Delivery) Delivery {
	out := Delivery{DeliveryID: d.ID, HookID: d.HookID, EventID: d.Event.ID, Type: d.Event.Type, Status: d.Status, Attempts: d.Attempts,
		LastError: d.LastError, CreatedAt: d.CreatedAt}
	if !d.NextAttempt.IsZero() {
		t := d.NextAttempt
		out.NextAttempt = &t
	}
	if !d.DeliveredAt.IsZero() {
		t := d.DeliveredAt
		out.DeliveredAt = &t
	}
	return out
}

func (s *Server) hookStore() (data.HookStore, error) {
	if s.events.hooks == nil {
		return nil, problem.New(http.StatusNotImplemented, "not-implemented", "Not implemented", "this store keeps no webhooks")
	}
	return s.events.hooks, nil
}

// idParam is the path's id in canonical form; one that is no UUID names
// nothing there is.
func idParam(c echo.Context, what string) (string, error) {
	id := c.Param("id")
	u, err := uuid.Parse(id)
	if err != nil {
		return "", problem.New(http.StatusNotFound, "not-found", "Not found", fmt.Sprintf("%q is not a %s id", clip(id), what))
	}
	return u.String(), nil
}

// hookNotFound turns the store's ErrHookNotFound into a 404.
func hookNotFound(err error, what, id string) error {
	if errors.Is(err, data.ErrHookNotFound) {
		return problem.New(http.StatusNotFound, "not-found", "Not found", fmt.Sprintf("there is no %s %q", what, clip(id)))
	}
	return err
}

// postHook answers POST /api/v1/hooks.
func (s *Server) postHook(c echo.Context) error {
	st, err := s.hookStore()
	if err != nil {
		return err
	}
	if err := requireJSON(c); err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var req HookRequest
	if err := decodeStrict(body, &req); err != nil {
		return withMembers(err, reflect.TypeFor[HookRequest]())
	}
	if err := validHook(&req); err != nil {
		return err
	}
	if req.Secret == "" {
		if req.Secret, err = hooks.NewSecret(); err != nil {
			return err
		}
	}
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("hook id: %w", err)
	}
	h := data.Hook{ID: id.String(), URL: req.URL, Events: req.Events, Secret: req.Secret, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	if err := st.AddHook(c.Request().Context(), &h); err != nil {
		return err
	}
	s.log.Info("webhook added", "hook", h.ID, "url", h.URL, "events", h.Events, "key_id", keyID(c))
	out := hookOf(h)
	out.Secret = h.Secret
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/hooks/"+h.ID+"/deliveries")
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, out)
}

// validHook checks a registration's fields.
func validHook(req *HookRequest) error {
	if err := hooks.CheckURL(req.URL); err != nil {
		return problem.BadRequest("invalid-hook", "Invalid URL", "/url", "%v", err)
	}
	if at, err := hooks.CheckEvents(req.Events); err != nil {
		ptr := "/events"
		if at >= 0 {
			ptr = fmt.Sprintf("/events/%d", at)
		}
		return problem.BadRequest("invalid-hook", "Invalid events", ptr, "%v", err)
	}
	if err := hooks.CheckSecret(req.Secret); err != nil {
		return problem.BadRequest("invalid-hook", "Secret too short", "/secret", "%v", err)
	}
	return nil
}

// listHooks answers GET /api/v1/hooks; secrets are never listed.
func (s *Server) listHooks(c echo.Context) error {
	st, err := s.hookStore()
	if err != nil {
		return err
	}
	hs, err := st.Hooks(c.Request().Context())
	if err != nil {
		return err
	}
	out := HookList{Hooks: make([]Hook, 0, len(hs))}
	for _, h := range hs {
		out.Hooks = append(out.Hooks, hookOf(h))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// deleteHook answers DELETE /api/v1/hooks/{id}.
func (s *Server) deleteHook(c echo.Context) error {
	st, err := s.hookStore()
	if err != nil {
		return err
	}
	id, err := idParam(c, "hook")
	if err != nil {
		return err
	}
	if err := st.RemoveHook(c.Request().Context(), id); err != nil {
		return hookNotFound(err, "hook", id)
	}
	s.log.Info("webhook removed", "hook", id, "key_id", keyID(c))
	return c.NoContent(http.StatusNoContent)
}

// listDeliveries answers GET /api/v1/hooks/{id}/deliveries: newest first.
func (s *Server) listDeliveries(c echo.Context) error {
	st, err := s.hookStore()
	if err != nil {
		return err
	}
	params := c.QueryParams()
	for name, vs := range params {
		if name != "limit" && name != "before" {
			return problem.BadRequest("invalid-query", "Unknown parameter", "?"+name, "%q is not a parameter of GET /api/v1/hooks/{id}/deliveries; it takes limit, before", clip(name))
		}
		if len(vs) > 1 {
			return problem.BadRequest("invalid-query", "Repeated parameter", "?"+name, "%s is given more than once", name)
		}
	}
	limit := DefaultCheckList
	if v := params.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxCheckList {
			return problem.BadRequest("invalid-query", "Invalid limit", "?limit", "limit must be a whole number from 1 to %d", MaxCheckList)
		}
		limit = n
	}
	before := params.Get("before")
	if before != "" {
		u, err := uuid.Parse(before)
		if err != nil {
			return problem.BadRequest("invalid-query", "Invalid cursor", "?before", "before %q is not a delivery id", clip(before))
		}
		before = u.String()
	}
	id, err := idParam(c, "hook")
	if err != nil {
		return err
	}
	ds, err := st.Deliveries(c.Request().Context(), id, before, limit+1)
	if err != nil {
		return hookNotFound(err, "hook", id)
	}
	out := DeliveryList{Deliveries: make([]Delivery, 0, min(len(ds), limit))}
	for i, d := range ds {
		if i == limit {
			next := c.QueryParams()
			next.Set("before", ds[i-1].ID)
			out.Next = "/api/v1/hooks/" + id + "/deliveries?" + next.Encode()
			break
		}
		out.Deliveries = append(out.Deliveries, deliveryOf(d))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, out)
}

// redeliver answers POST /api/v1/deliveries/{id}/redeliver: the delivery
// is due again now, under its own id, retried anew for a day.
func (s *Server) redeliver(c echo.Context) error {
	st, err := s.hookStore()
	if err != nil {
		return err
	}
	id, err := idParam(c, "delivery")
	if err != nil {
		return err
	}
	d, err := st.Redeliver(c.Request().Context(), id, s.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return hookNotFound(err, "delivery", id)
	}
	s.log.Info("webhook redelivery", "delivery", id, "key_id", keyID(c))
	return c.JSON(http.StatusAccepted, deliveryOf(d))
}
