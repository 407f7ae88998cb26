package main

import (
	"context"
	"fmt"
	"io"

	"github.com/zhonglou/ecospace/data/postgis"
)

const migrateUsage = `usage: ecospace migrate [--database-url URL]

Applies the schema migrations built into this binary that the PostGIS
database lacks, in order, each in its own transaction, and records them in
schema_migrations. Concurrent runs take turns (pg_advisory_lock). Running it
again is harmless. The database needs the postgis extension, or the right to
create it.

flags:
`

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), migrateUsage)
		fs.PrintDefaults()
	}
	dbURL := fs.String("database-url", envOr("DATABASE_URL", ""), "PostgreSQL/PostGIS URL (DATABASE_URL)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ecospace migrate: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if *dbURL == "" {
		fmt.Fprintln(stderr, "ecospace migrate: no database: pass --database-url or set DATABASE_URL")
		return errUsage
	}
	if msg := checkDatabaseURL(*dbURL); msg != "" {
		return usagef("%s: %s", flagName(fs, "database-url", "DATABASE_URL"), msg)
	}
	applied, err := postgis.Migrate(ctx, *dbURL)
	for _, m := range applied {
		fmt.Fprintf(stdout, "applied %04d_%s\n", m.Version, m.Name)
	}
	if err != nil {
		return explainDBError(err)
	}
	fmt.Fprintf(stdout, "schema is at version %d\n", postgis.SchemaVersion())
	return nil
}
