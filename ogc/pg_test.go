package ogc_test

import (
	"context"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/storetest"
)

// openDemoPG opens the PostGIS store on a fresh database (pgtest: it fails,
// never skips, without PostgreSQL and PostGIS) with the demo layers.
func openDemoPG(t *testing.T) data.Store {
	t.Helper()
	man, err := data.DemoManifest()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s, err := data.OpenPostGIS(ctx, pgtest.NewDatabase(t), man, data.PGOptions{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := data.LoadDemo(ctx, s, man, data.ImportOptions{ValidFrom: storetest.DemoValidFrom}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOGCPostGIS runs the handler suite on the PostGIS store.
func TestOGCPostGIS(t *testing.T) { runSuite(t, openDemoPG) }
