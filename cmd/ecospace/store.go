package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/data/postgis"
)

// openStore opens the layer store every subcommand works on: with no
// databaseURL the embedded in-memory store with the bundled demo layers;
// with one, the PostGIS store at that URL (migrating it first when migrate
// is set; otherwise a database whose schema is behind is refused with a
// hint to run `ecospace migrate`). An unreachable database is an error
// wrapping data.ErrUnavailable, saying in one line what to check
// (explainDBError).
func openStore(ctx context.Context, log *slog.Logger, databaseURL string, migrate bool) (data.Store, error) {
	return openStoreWith(ctx, log, databaseURL, migrate, postgis.Options{}, "")
}

// openStoreWith is openStore with PostGIS options (e.g. ReadURL, the
// read-only database reads go to; Migrate and Log are set from the
// arguments) and, for the embedded store, the file it keeps filed checks
// in durably ("": in memory only, as for commands that file none).
func openStoreWith(ctx context.Context, log *slog.Logger, databaseURL string, migrate bool, opts postgis.Options, auditFile string) (data.Store, error) {
	man, err := demo.Manifest()
	if err != nil {
		return nil, err
	}
	if databaseURL == "" {
		start := time.Now()
		mem, err := memory.Open(man, memory.Options{AuditFile: auditFile, Log: log})
		if err != nil {
			return nil, err
		}
		// The demo layers are loaded again at every start: recorded as
		// known from their first day, so that the checks filed durably
		// before a restart replay (GET /api/v1/checks/{id}/replay).
		if err := demo.Load(ctx, mem, man, data.ImportOptions{ValidFrom: demo.ValidFrom, RecordedAt: demo.ValidFrom}); err != nil {
			mem.Close()
			return nil, err
		}
		where := "in memory only: filed checks are lost when the server stops"
		if auditFile != "" {
			where = auditFile
		}
		log.Info("embedded store ready with demo layers", "ms", time.Since(start).Milliseconds(), "audit", where)
		return mem, nil
	}
	opts.Migrate, opts.Log = migrate, log
	pg, err := postgis.Open(ctx, databaseURL, man, opts)
	if err != nil {
		return nil, explainDBError(err)
	}
	layers, err := pg.Layers(ctx, data.Today())
	if err != nil {
		pg.Close()
		return nil, err
	}
	st := pg.Pool().Stat()
	log.Info("PostGIS store ready", "layers_in_force", len(layers), "max_conns", st.MaxConns(), "schema_version", postgis.SchemaVersion(),
		"read_pool", opts.ReadURL != "", "listening", pg.Listening())
	return pg, nil
}
