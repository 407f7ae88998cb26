package postgis_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/data/storetest"
)

// openPG opens the PostGIS store on a fresh database, migrated, without
// layers.
func openPG(t testing.TB, opts postgis.Options) (*postgis.Store, string) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	return openPGAt(t, url, opts), url
}

func openPGAt(t testing.TB, url string, opts postgis.Options) *postgis.Store {
	t.Helper()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	opts.Migrate = true
	if v := os.Getenv("ECOSPACE_TEST_LOG"); v != "" {
		level := slog.LevelInfo
		if v == "debug" {
			level = slog.LevelDebug
		}
		opts.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := postgis.Open(ctx, url, man, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openDemoPG opens the PostGIS store with the demo layers loaded.
func openDemoPG(t testing.TB) *postgis.Store {
	t.Helper()
	s, _ := openPG(t, postgis.Options{})
	loadDemo(t, s)
	return s
}

func loadDemo(t testing.TB, s data.Store) {
	t.Helper()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if err := demo.Load(ctx, s, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
		t.Fatal(err)
	}
}

// demoFeatureCount is the number of features of a bundled demo layer.
func demoFeatureCount(t testing.TB, id string) int {
	t.Helper()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	feats, err := demo.Features(man)
	if err != nil {
		t.Fatal(err)
	}
	return len(feats[id])
}

func TestPGConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) data.Store { return openDemoPG(t) })
}
