package data

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFileKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys.json")
	ks, err := OpenFileKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := ks.ListKeys(ctx); err != nil || len(l) != 0 {
		t.Fatalf("a missing file is an empty store: %v %v", l, err)
	}
	secret, k, err := ks.CreateKey(ctx, "permit-system", []string{"check"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, KeyPrefix) || len(secret) != len(KeyPrefix)+43 || k.Hash != HashKey(secret) || !strings.HasPrefix(secret, k.Hint) {
		t.Fatalf("key %q record %+v", secret, k)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), secret) || strings.Contains(string(raw), secret[len(k.Hint):]) {
		t.Fatal("the key itself is in the file")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	got, err := ks.LookupKey(ctx, secret)
	if err != nil || got.ID != k.ID || !got.Has(ScopeCheck) || got.Has(ScopeAdmin) {
		t.Fatalf("lookup: %+v %v", got, err)
	}
	for _, bad := range []string{"", "esk_", secret + "x", strings.ToUpper(secret), "password", strings.Repeat("esk_", 100)} {
		if _, err := ks.LookupKey(ctx, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("lookup %q: %v, want not found", bad, err)
		}
	}

	// A second process (the CLI) revokes; the first (serve) notices.
	cli, err := OpenFileKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := cli.RevokeKey(ctx, "key_nonexistent"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	ks.mu.Lock()
	ks.checked = time.Time{} // as if ReloadEvery had passed
	ks.mu.Unlock()
	if _, err := ks.LookupKey(ctx, secret); !errors.Is(err, ErrKeyRevoked) {
		t.Fatalf("revoked key: %v", err)
	}

	admin, ak, err := cli.CreateKey(ctx, "steward", []string{"admin"})
	if err != nil {
		t.Fatal(err)
	}
	ks.mu.Lock()
	ks.checked = time.Time{}
	ks.mu.Unlock()
	if got, err := ks.LookupKey(ctx, admin); err != nil || !got.Has(ScopeCheck) || !got.Has(ScopeAdmin) || got.ID != ak.ID {
		t.Fatalf("admin key: %+v %v", got, err)
	}
	list, _ := ks.ListKeys(ctx)
	if len(list) != 2 || list[0].RevokedAt == nil || list[1].RevokedAt != nil {
		t.Errorf("list %+v", list)
	}
}

// A key another process creates works at once, not after ReloadEvery: the
// README creates an admin key and uploads with it in the next command.
func TestFileKeysNewKeyAtOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys.json")
	server, err := OpenFileKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	server.ReloadEvery = time.Hour
	if _, err := server.LookupKey(ctx, KeyPrefix+strings.Repeat("A", 43)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
	cli, err := OpenFileKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	secret, k, err := cli.CreateKey(ctx, "steward", []string{"admin"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := server.LookupKey(ctx, secret); err != nil || got.ID != k.ID {
		t.Fatalf("a key created by another process: %+v %v, want it known at once", got, err)
	}
}

func TestFileKeysRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ks, _ := OpenFileKeys(filepath.Join(dir, "keys.json"))
	for _, tc := range []struct {
		name   string
		scopes []string
	}{{"", []string{"check"}}, {"x", nil}, {"x", []string{"root"}}, {"a\nb", []string{"check"}}, {strings.Repeat("n", 101), []string{"check"}}} {
		if _, _, err := ks.CreateKey(ctx, tc.name, tc.scopes); err == nil {
			t.Errorf("CreateKey(%q, %v) succeeded", tc.name, tc.scopes)
		}
	}
	if sc, err := NormalizeScopes([]string{"Admin, check", "check"}); err != nil || strings.Join(sc, ",") != "admin,check" {
		t.Errorf("NormalizeScopes: %v %v", sc, err)
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"version":1,"keys":[{"id":"k"`), 0o600)
	if _, err := OpenFileKeys(bad); err == nil {
		t.Error("a corrupt keys file was accepted")
	}

	// A file that goes bad under a running server admits nobody.
	path := filepath.Join(dir, "later.json")
	ks2, _ := OpenFileKeys(path)
	secret, _, err := ks2.CreateKey(ctx, "p", []string{"check"})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte("garbage, and longer than before"), 0o600)
	ks2.mu.Lock()
	ks2.checked = time.Time{}
	ks2.mu.Unlock()
	if _, err := ks2.LookupKey(ctx, secret); !errors.Is(err, ErrUnavailable) {
		t.Errorf("lookup with a corrupt file: %v, want unavailable", err)
	}
}

// Two CLIs creating keys at once lose none.
func TestFileKeysConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys.json")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ks, err := OpenFileKeys(path)
			if err != nil {
				t.Error(err)
				return
			}
			if _, _, err := ks.CreateKey(ctx, "k", []string{"check"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ks, _ := OpenFileKeys(path)
	if l, _ := ks.ListKeys(ctx); len(l) != 8 {
		t.Errorf("%d keys, want 8", len(l))
	}
}

// TestFileKeysExact: a keys file that JSON readers would read differently
// (a member repeated, one differing only in case, an unknown or misspelt
// one) is refused with where, not read as Go's decoder would.
func TestFileKeysExact(t *testing.T) {
	key := `{"id":"key_1","name":"a","scopes":["check"],"hash":"` + strings.Repeat("a", 64) + `","hint":"esk_","created_at":"2026-01-01T00:00:00Z"%s}`
	for name, body := range map[string]string{
		"repeated":    `{"version":1,"keys":[` + fmt.Sprintf(key, `,"revoked_at":"2026-02-01T00:00:00Z","revoked_at":null`) + `]}`,
		"case":        `{"version":1,"keys":[` + fmt.Sprintf(key, `,"Revoked_At":"2026-02-01T00:00:00Z"`) + `]}`,
		"misspelt":    `{"version":1,"keys":[` + fmt.Sprintf(key, `,"revoked":"2026-02-01T00:00:00Z"`) + `]}`,
		"fold":        `{"version":1,"keyſ":[],"keys":[` + fmt.Sprintf(key, "") + `]}`,
		"invalid utf": "{\"version\":1,\"keys\":[" + fmt.Sprintf(key, ",\"x\":\"\xff\"") + "]}",
	} {
		path := filepath.Join(t.TempDir(), "keys.json")
		os.WriteFile(path, []byte(body), 0o600)
		if _, err := OpenFileKeys(path); err == nil {
			t.Errorf("%s: the keys file was read", name)
		}
	}
}
