package main

import (
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/data/pgtest"
)

// ecospace hooks on PostGIS: add prints the id and the secret once, list
// shows it without the secret, deliveries lists none yet, redeliver and
// remove of unknown ids say so, remove removes; without a database the
// command says where hooks live instead.
func TestHooksCLI(t *testing.T) {
	db := pgtest.NewDatabase(t)
	code, out, stderr := ecoRun(t, "hooks", "add", "--url", "https://permits.example.gov.cn/hook", "--events", "decision.changed, layer.published", "--database-url", db, "--migrate")
	lines := strings.Fields(out)
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[1], "whsec_") || !strings.Contains(stderr, "shown this once") {
		t.Fatalf("add: %d %q %s", code, out, stderr)
	}
	id, secret := lines[0], lines[1]
	code, out, _ = ecoRun(t, "hooks", "list", "--database-url", db)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "decision.changed,layer.published") || strings.Contains(out, secret) {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, out, _ = ecoRun(t, "hooks", "deliveries", id, "--database-url", db); code != 0 || !strings.HasPrefix(out, "DELIVERY") {
		t.Errorf("deliveries: %d %s", code, out)
	}
	if code, _, stderr = ecoRun(t, "hooks", "redeliver", "0190f000-0000-7000-8000-000000000000", "--database-url", db); code != 1 || !strings.Contains(stderr, "no delivery") {
		t.Errorf("redeliver unknown: %d %s", code, stderr)
	}
	if code, out, _ = ecoRun(t, "hooks", "remove", id, "--database-url", db); code != 0 || !strings.Contains(out, "removed") {
		t.Errorf("remove: %d %s", code, out)
	}
	if code, _, stderr = ecoRun(t, "hooks", "remove", id, "--database-url", db); code != 1 || !strings.Contains(stderr, "no hook") {
		t.Errorf("remove again: %d %s", code, stderr)
	}
	for _, args := range [][]string{
		{"hooks", "add", "--url", "ftp://x/", "--events", "decision.changed", "--database-url", db},
		{"hooks", "add", "--url", "https://x/", "--events", "decision.made", "--database-url", db},
		{"hooks", "add", "--url", "https://x/", "--events", "layer.published", "--secret", "short", "--database-url", db},
		{"hooks", "remove", "--database-url", db},
		{"hooks", "frob"},
	} {
		if code, _, stderr := ecoRun(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, code, stderr)
		}
	}
	t.Setenv("DATABASE_URL", "")
	if code, _, stderr := ecoRun(t, "hooks", "list"); code != 2 || !strings.Contains(stderr, "POST http://127.0.0.1:8080/api/v1/hooks") {
		t.Errorf("without a database: %d %s", code, stderr)
	}
}
