package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
)

func TestMigrateCommand(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	if code, _, stderr := runCmd(t, "migrate"); code != 2 || !strings.Contains(stderr, "DATABASE_URL") {
		t.Errorf("migrate without a database: exit %d, %q", code, stderr)
	}
	url := pgtest.NewDatabase(t)
	code, stdout, stderr := runCmd(t, "migrate", "--database-url", url)
	if code != 0 || !strings.Contains(stdout, "applied 0001_init") {
		t.Fatalf("migrate: exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Setenv("DATABASE_URL", url)
	code, stdout, stderr = runCmd(t, "migrate")
	if code != 0 || strings.Contains(stdout, "applied") || !strings.Contains(stdout, "schema is at version") {
		t.Errorf("migrate again: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestOpenStore(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	// No URL: the embedded store with the demo layers.
	s, err := openStore(ctx, log, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*memory.Store); !ok {
		t.Errorf("no url: %T, want the embedded store", s)
	}
	if ls, _ := s.Layers(ctx, data.Today()); len(ls) == 0 {
		t.Error("the embedded store has no demo layers")
	}
	s.Close()
	// A fresh database: refused without migrate, opened with it.
	url := pgtest.NewDatabase(t)
	if _, err := openStore(ctx, log, url, false); err == nil || !strings.Contains(err.Error(), "ecospace migrate") {
		t.Errorf("unmigrated database: err %v, want a hint to migrate", err)
	}
	s, err = openStore(ctx, log, url, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*postgis.Store); !ok {
		t.Errorf("url: %T, want the PostGIS store", s)
	}
	s.Close()
	// Nothing listening: unavailable.
	if _, err := openStore(ctx, log, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", false); !errors.Is(err, data.ErrUnavailable) {
		t.Errorf("closed port: err %v, want ErrUnavailable", err)
	}
}
