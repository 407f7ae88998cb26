package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zhonglou/ecospace/data"
)

// Keys returns the PostGIS store's API keys (table api_keys, migration
// 0002): what `ecospace keys --database-url` writes and `serve` checks.
func (p *Store) Keys() data.KeyStore { return pgKeys{p} }

type pgKeys struct{ p *Store }

var _ data.KeyStore = pgKeys{}

const keyColumns = `key_id, name, scopes, key_hash, hint, created_at, revoked_at`

func scanKey(row pgx.Row) (data.APIKey, error) {
	var k data.APIKey
	var revoked *time.Time
	if err := row.Scan(&k.ID, &k.Name, &k.Scopes, &k.Hash, &k.Hint, &k.CreatedAt, &revoked); err != nil {
		return data.APIKey{}, err
	}
	k.CreatedAt = k.CreatedAt.UTC()
	if revoked != nil {
		r := revoked.UTC()
		k.RevokedAt = &r
	}
	return k, nil
}

// CreateKey implements KeyStore.
func (s pgKeys) CreateKey(ctx context.Context, name string, scopes []string) (string, data.APIKey, error) {
	secret, k, err := data.NewKey(name, scopes)
	if err != nil {
		return "", data.APIKey{}, err
	}
	conn, err := s.p.acquire(ctx)
	if err != nil {
		return "", data.APIKey{}, err
	}
	defer conn.Release()
	err = conn.QueryRow(ctx, `INSERT INTO api_keys (key_id, name, scopes, key_hash, hint) VALUES ($1, $2, $3, $4, $5) RETURNING created_at`,
		k.ID, k.Name, k.Scopes, k.Hash, k.Hint).Scan(&k.CreatedAt)
	if err != nil {
		return "", data.APIKey{}, s.p.fail(ctx, "create key", err)
	}
	k.CreatedAt = k.CreatedAt.UTC()
	return secret, k, nil
}

// LookupKey implements KeyStore: one indexed read per request.
func (s pgKeys) LookupKey(ctx context.Context, secret string) (data.APIKey, error) {
	if !data.PlausibleKey(secret) {
		return data.APIKey{}, fmt.Errorf("api key: %w", data.ErrNotFound)
	}
	conn, err := s.p.acquire(ctx)
	if err != nil {
		return data.APIKey{}, err
	}
	defer conn.Release()
	k, err := scanKey(conn.QueryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE key_hash = $1`, data.HashKey(secret)))
	if errors.Is(err, pgx.ErrNoRows) {
		return data.APIKey{}, fmt.Errorf("api key: %w", data.ErrNotFound)
	}
	if err != nil {
		return data.APIKey{}, s.p.fail(ctx, "api key", err)
	}
	if k.Revoked() {
		return k, fmt.Errorf("api key %s: %w", k.ID, data.ErrKeyRevoked)
	}
	return k, nil
}

// RevokeKey implements KeyStore. Revoking a revoked key changes nothing.
func (s pgKeys) RevokeKey(ctx context.Context, id string) error {
	conn, err := s.p.acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var n int
	err = conn.QueryRow(ctx, `WITH r AS (UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL RETURNING 1)
		SELECT count(*) FROM api_keys WHERE key_id = $1`, id).Scan(&n)
	if err != nil {
		return s.p.fail(ctx, "revoke key", err)
	}
	if n == 0 {
		return fmt.Errorf("api key %q: %w", id, data.ErrNotFound)
	}
	return nil
}

// ListKeys implements KeyStore.
func (s pgKeys) ListKeys(ctx context.Context) ([]data.APIKey, error) {
	conn, err := s.p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, `SELECT `+keyColumns+` FROM api_keys ORDER BY created_at, key_id`)
	if err != nil {
		return nil, s.p.fail(ctx, "list keys", err)
	}
	defer rows.Close()
	var out []data.APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, s.p.fail(ctx, "list keys", err)
		}
		out = append(out, k)
	}
	return out, s.p.fail(ctx, "list keys", rows.Err())
}
