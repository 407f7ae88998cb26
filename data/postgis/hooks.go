package postgis

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/zhonglou/ecospace/data"
)

// Webhooks and their outbox (migrations/0010). An event is stored with
// one delivery row per subscribed hook in the transaction that records
// it, so that a committed change is never without its deliveries and a
// rolled-back one never has any. Senders of every instance claim due rows
// with FOR UPDATE SKIP LOCKED.

// publish stores events and queues their deliveries in tx.
func publish(ctx context.Context, tx pgx.Tx, events []data.Event) error {
	if len(events) == 0 {
		return nil
	}
	type hook struct {
		id     uuid.UUID
		events []string
	}
	var hooks []hook
	rows, err := tx.Query(ctx, "SELECT hook_id, events FROM hooks ORDER BY hook_id")
	if err != nil {
		return err
	}
	for rows.Next() {
		var h hook
		if err := rows.Scan(&h.id, &h.events); err != nil {
			rows.Close()
			return err
		}
		hooks = append(hooks, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var evIDs, dIDs, dEvents, dHooks []uuid.UUID
	var types, bodies []string
	var times, dTimes []time.Time
	for _, ev := range events {
		eid, err := uuid.Parse(ev.ID)
		if err != nil {
			return fmt.Errorf("event id %q: %w", ev.ID, err)
		}
		evIDs, types, times, bodies = append(evIDs, eid), append(types, ev.Type), append(times, ev.Time), append(bodies, string(ev.Data))
		for _, h := range hooks {
			if !slices.Contains(h.events, ev.Type) {
				continue
			}
			did, err := uuid.NewV7()
			if err != nil {
				return fmt.Errorf("delivery id: %w", err)
			}
			dIDs, dEvents, dHooks, dTimes = append(dIDs, did), append(dEvents, eid), append(dHooks, h.id), append(dTimes, ev.Time)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO events (event_id, type, created_at, data)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::json[])`, evIDs, types, times, bodies); err != nil {
		return err
	}
	if len(dIDs) == 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO deliveries (delivery_id, hook_id, event_id, status, next_attempt, since, created_at)
		SELECT d, h, e, 'pending', t, t, t FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[]) u(d, h, e, t)`,
		dIDs, dHooks, dEvents, dTimes)
	return err
}

// AddHook implements HookStore.
func (p *Store) AddHook(ctx context.Context, h *data.Hook) error {
	id, err := uuid.Parse(h.ID)
	if err != nil {
		return fmt.Errorf("hook id %q: %w", h.ID, err)
	}
	return p.exec(ctx, "add hook", "INSERT INTO hooks (hook_id, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5)",
		id, h.URL, h.Events, h.Secret, h.CreatedAt)
}

// Hooks implements HookStore.
func (p *Store) Hooks(ctx context.Context) ([]data.Hook, error) {
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, "SELECT hook_id, url, events, secret, created_at FROM hooks ORDER BY hook_id")
	if err != nil {
		return nil, p.fail(ctx, "hooks", err)
	}
	defer rows.Close()
	var out []data.Hook
	for rows.Next() {
		var h data.Hook
		var id uuid.UUID
		if err := rows.Scan(&id, &h.URL, &h.Events, &h.Secret, &h.CreatedAt); err != nil {
			return nil, p.fail(ctx, "hooks", err)
		}
		h.ID, h.CreatedAt = id.String(), h.CreatedAt.UTC()
		out = append(out, h)
	}
	return out, p.fail(ctx, "hooks", rows.Err())
}

// RemoveHook implements HookStore: its deliveries go with it.
func (p *Store) RemoveHook(ctx context.Context, id string) error {
	uid, err := uuid.Parse(id)
	if err != nil {
		return fmt.Errorf("hook %s: %w", id, data.ErrHookNotFound)
	}
	conn, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	tag, err := conn.Exec(ctx, "DELETE FROM hooks WHERE hook_id = $1", uid)
	if err != nil {
		return p.fail(ctx, "remove hook", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("hook %s: %w", id, data.ErrHookNotFound)
	}
	return nil
}

const deliveryColumns = `d.delivery_id, d.hook_id, d.status, d.attempts, d.last_error, d.next_attempt, d.since, d.created_at, d.delivered_at,
	e.event_id, e.type, e.created_at, e.data::text, h.url, h.secret`

func scanDelivery(row pgx.Row) (data.Delivery, error) {
	var d data.Delivery
	var id, hook, ev uuid.UUID
	var next, delivered *time.Time
	var body string
	if err := row.Scan(&id, &hook, &d.Status, &d.Attempts, &d.LastError, &next, &d.Since, &d.CreatedAt, &delivered,
		&ev, &d.Event.Type, &d.Event.Time, &body, &d.URL, &d.Secret); err != nil {
		return d, err
	}
	d.ID, d.HookID, d.Event.ID, d.Event.Data = id.String(), hook.String(), ev.String(), []byte(body)
	d.Since, d.CreatedAt, d.Event.Time = d.Since.UTC(), d.CreatedAt.UTC(), d.Event.Time.UTC()
	if next != nil {
		d.NextAttempt = next.UTC()
	}
	if delivered != nil {
		d.DeliveredAt = delivered.UTC()
	}
	return d, nil
}

func (p *Store) queryDeliveries(ctx context.Context, op, sql string, args ...any) ([]data.Delivery, error) {
	conn, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, p.fail(ctx, op, err)
	}
	defer rows.Close()
	var out []data.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, p.fail(ctx, op, err)
		}
		out = append(out, d)
	}
	return out, p.fail(ctx, op, rows.Err())
}

// Deliveries implements HookStore.
func (p *Store) Deliveries(ctx context.Context, hookID, before string, limit int) ([]data.Delivery, error) {
	hid, err := uuid.Parse(hookID)
	if err != nil {
		return nil, fmt.Errorf("hook %s: %w", hookID, data.ErrHookNotFound)
	}
	var bid *uuid.UUID
	if before != "" {
		u, err := uuid.Parse(before)
		if err != nil {
			return nil, fmt.Errorf("deliveries before %q: %w", before, data.ErrNotFound)
		}
		bid = &u
	}
	hooks, err := p.Hooks(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(hooks, func(h data.Hook) bool { return h.ID == hid.String() }) {
		return nil, fmt.Errorf("hook %s: %w", hookID, data.ErrHookNotFound)
	}
	out, err := p.queryDeliveries(ctx, "deliveries", `SELECT `+deliveryColumns+`
		FROM deliveries d JOIN events e USING (event_id) JOIN hooks h USING (hook_id)
		WHERE d.hook_id = $1 AND ($2::uuid IS NULL OR d.delivery_id < $2)
		ORDER BY d.delivery_id DESC LIMIT $3`, hid, bid, max(limit, 1))
	for i := range out {
		out[i].URL, out[i].Secret = "", ""
	}
	return out, err
}

// Redeliver implements HookStore.
func (p *Store) Redeliver(ctx context.Context, id string, now time.Time) (data.Delivery, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return data.Delivery{}, fmt.Errorf("delivery %s: %w", id, data.ErrHookNotFound)
	}
	out, err := p.queryDeliveries(ctx, "redeliver", `WITH d AS (
			UPDATE deliveries SET status = 'pending', next_attempt = $2, since = $2, delivered_at = NULL
			WHERE delivery_id = $1 RETURNING *)
		SELECT `+deliveryColumns+` FROM d JOIN events e USING (event_id) JOIN hooks h USING (hook_id)`, uid, now)
	if err != nil {
		return data.Delivery{}, err
	}
	if len(out) == 0 {
		return data.Delivery{}, fmt.Errorf("delivery %s: %w", id, data.ErrHookNotFound)
	}
	out[0].URL, out[0].Secret = "", ""
	return out[0], nil
}

// ClaimDeliveries implements HookStore.
func (p *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]data.Delivery, error) {
	return p.queryDeliveries(ctx, "claim deliveries", `WITH due AS (
			SELECT delivery_id FROM deliveries
			WHERE status IN ('pending', 'failed') AND next_attempt <= $1
			ORDER BY next_attempt LIMIT $3 FOR UPDATE SKIP LOCKED),
		d AS (
			UPDATE deliveries SET attempts = attempts + 1, next_attempt = $2
			WHERE delivery_id IN (SELECT delivery_id FROM due) RETURNING *)
		SELECT `+deliveryColumns+` FROM d JOIN events e USING (event_id) JOIN hooks h USING (hook_id)
		ORDER BY d.next_attempt, d.delivery_id`, now, now.Add(lease), max(limit, 1))
}

// FinishDelivery implements HookStore.
func (p *Store) FinishDelivery(ctx context.Context, id string, attempt int, r data.DeliveryResult) error {
	uid, err := uuid.Parse(id)
	if err != nil {
		return fmt.Errorf("delivery %s: %w", id, data.ErrHookNotFound)
	}
	status, next, delivered := data.DeliveryFailed, &r.Next, (*time.Time)(nil)
	switch {
	case r.Delivered:
		status, next, delivered = data.DeliveryDelivered, nil, &r.At
		r.Error = ""
	case r.Dead:
		status, next = data.DeliveryDead, nil
	}
	// An attempt no longer the latest matches no row.
	return p.exec(ctx, "finish delivery", `UPDATE deliveries SET status = $3, next_attempt = $4, delivered_at = $5, last_error = $6
		WHERE delivery_id = $1 AND attempts = $2`, uid, attempt, status, next, delivered, r.Error)
}
