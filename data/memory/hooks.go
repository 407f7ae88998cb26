package memory

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/zhonglou/ecospace/data"
)

// fanout makes ev's deliveries, one to every hook subscribed to its type,
// for queue to queue once everything else of the step has succeeded; the
// caller holds e.mu.
func (e *eventState) fanout(ds []*data.Delivery, ev data.Event) ([]*data.Delivery, error) {
	for _, h := range e.hooks {
		if !slices.Contains(h.Events, ev.Type) {
			continue
		}
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("delivery id: %w", err)
		}
		ds = append(ds, &data.Delivery{ID: id.String(), HookID: h.ID, Event: ev, Status: data.DeliveryPending,
			NextAttempt: ev.Time, Since: ev.Time, CreatedAt: ev.Time})
	}
	return ds, nil
}

// queue puts deliveries in the outbox; the caller holds e.mu.
func (e *eventState) queue(ds []*data.Delivery) {
	for _, d := range ds {
		e.outbox = append(e.outbox, d)
		e.byID[d.ID] = d
	}
}

// AddHook implements HookStore.
func (s *Store) AddHook(ctx context.Context, h *data.Hook) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	c := *h
	c.Events = slices.Clone(h.Events)
	e.hooks = append(e.hooks, &c)
	return nil
}

// Hooks implements HookStore.
func (s *Store) Hooks(ctx context.Context) ([]data.Hook, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]data.Hook, len(e.hooks))
	for i, h := range e.hooks {
		out[i] = *h
		out[i].Events = slices.Clone(h.Events)
	}
	return out, nil
}

// RemoveHook implements HookStore.
func (s *Store) RemoveHook(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	i := slices.IndexFunc(e.hooks, func(h *data.Hook) bool { return h.ID == id })
	if i < 0 {
		return fmt.Errorf("hook %s: %w", id, data.ErrHookNotFound)
	}
	e.hooks = slices.Delete(e.hooks, i, i+1)
	e.outbox = slices.DeleteFunc(e.outbox, func(d *data.Delivery) bool {
		if d.HookID == id {
			delete(e.byID, d.ID)
			return true
		}
		return false
	})
	return nil
}

// Deliveries implements HookStore.
func (s *Store) Deliveries(ctx context.Context, hookID, before string, limit int) ([]data.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	if !slices.ContainsFunc(e.hooks, func(h *data.Hook) bool { return h.ID == hookID }) {
		return nil, fmt.Errorf("hook %s: %w", hookID, data.ErrHookNotFound)
	}
	var out []data.Delivery
	for i := len(e.outbox) - 1; i >= 0 && len(out) < max(limit, 1); i-- {
		d := e.outbox[i]
		if d.HookID == hookID && (before == "" || d.ID < before) {
			out = append(out, *d)
		}
	}
	return out, nil
}

// Redeliver implements HookStore.
func (s *Store) Redeliver(ctx context.Context, id string, now time.Time) (data.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return data.Delivery{}, err
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	d := e.byID[id]
	if d == nil {
		return data.Delivery{}, fmt.Errorf("delivery %s: %w", id, data.ErrHookNotFound)
	}
	d.Status, d.NextAttempt, d.Since, d.DeliveredAt = data.DeliveryPending, now, now, time.Time{}
	return *d, nil
}

// ClaimDeliveries implements HookStore.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]data.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	var due []*data.Delivery
	for _, d := range e.outbox {
		if (d.Status == data.DeliveryPending || d.Status == data.DeliveryFailed) && !d.NextAttempt.After(now) {
			due = append(due, d)
		}
	}
	sort.SliceStable(due, func(i, j int) bool { return due[i].NextAttempt.Before(due[j].NextAttempt) })
	var out []data.Delivery
	for _, d := range due[:min(len(due), limit)] {
		d.Attempts++
		d.NextAttempt = now.Add(lease)
		c := *d
		for _, h := range e.hooks {
			if h.ID == d.HookID {
				c.URL, c.Secret = h.URL, h.Secret
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// FinishDelivery implements HookStore.
func (s *Store) FinishDelivery(ctx context.Context, id string, attempt int, r data.DeliveryResult) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e := s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	d := e.byID[id]
	if d == nil {
		return fmt.Errorf("delivery %s: %w", id, data.ErrHookNotFound)
	}
	if d.Attempts != attempt {
		return nil
	}
	finish(d, r)
	return nil
}

// finish records an attempt's end on d.
func finish(d *data.Delivery, r data.DeliveryResult) {
	switch {
	case r.Delivered:
		d.Status, d.DeliveredAt, d.NextAttempt, d.LastError = data.DeliveryDelivered, r.At, time.Time{}, ""
	case r.Dead:
		d.Status, d.NextAttempt, d.LastError = data.DeliveryDead, time.Time{}, r.Error
	default:
		d.Status, d.NextAttempt, d.LastError = data.DeliveryFailed, r.Next, r.Error
	}
}
