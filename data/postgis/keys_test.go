package postgis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
)

// The PostGIS table holds keys the same way, and serve sees a revocation
// made by the CLI on its next request.
func TestPGKeys(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	url := pgtest.NewDatabase(t)
	open := func() *postgis.Store {
		p, err := postgis.Open(ctx, url, man, postgis.Options{Migrate: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	serve, cli := open().Keys(), open().Keys()
	secret, k, err := cli.CreateKey(ctx, "permit-system", []string{"check"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := serve.LookupKey(ctx, secret)
	if err != nil || got.ID != k.ID || got.Name != "permit-system" || !got.Has(data.ScopeCheck) || got.Has(data.ScopeAdmin) || got.Hash != data.HashKey(secret) {
		t.Fatalf("lookup: %+v %v", got, err)
	}
	if _, err := serve.LookupKey(ctx, secret+"x"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("unknown key: %v", err)
	}
	if err := cli.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := cli.RevokeKey(ctx, k.ID); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if err := cli.RevokeKey(ctx, "key_none"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	if _, err := serve.LookupKey(ctx, secret); !errors.Is(err, data.ErrKeyRevoked) {
		t.Errorf("revoked key: %v", err)
	}
	if _, _, err := cli.CreateKey(ctx, "steward", []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	list, err := serve.ListKeys(ctx)
	if err != nil || len(list) != 2 || list[0].RevokedAt == nil || list[1].Scopes[0] != data.ScopeAdmin {
		t.Errorf("list: %+v %v", list, err)
	}
	// Keys are never deleted: the audit log names them.
	p := open()
	if _, err := p.Pool().Exec(ctx, `DELETE FROM api_keys`); err == nil {
		t.Error("a key could be deleted")
	}
	if _, err := p.Pool().Exec(ctx, `UPDATE api_keys SET scopes = '{admin}'`); err == nil {
		t.Error("a key's scopes could be changed")
	}
	if st := p.PoolStats(); st["max_conns"] <= 0 {
		t.Errorf("pool stats %v", st)
	}
}
