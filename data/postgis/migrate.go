package postgis

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/zhonglou/ecospace/data"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the pg_advisory_lock key that serialises migrations
// across processes ("ecospace" as a number; any fixed value works).
const migrationLockKey int64 = 0x65636f7370616365

// Migration is one embedded schema migration: migrations/NNNN_name.sql.
type Migration struct {
	Version  int
	Name     string
	SQL      string
	Checksum string
}

// Migrations lists the embedded migrations in the order they apply.
func Migrations() ([]Migration, error) {
	ents, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		src, err := fs.ReadFile(migrationFiles, "migrations/"+name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(src)
		out = append(out, Migration{Version: v, Name: rest, SQL: string(src), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migration version %d is used twice", out[i].Version)
		}
	}
	return out, nil
}

// SchemaVersion is the schema version this binary needs: its newest migration.
func SchemaVersion() int {
	ms, err := Migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// Migrate applies the embedded migrations the database lacks, in order,
// each in its own transaction and recorded in schema_migrations. A
// session-level pg_advisory_lock makes concurrent migrators (two serve
// --migrate processes starting together) take turns; the second finds
// nothing left to do. It returns the migrations it applied. An applied
// migration whose text has changed since is an error: migrations are
// append-only, like the data.
func Migrate(ctx context.Context, databaseURL string) ([]Migration, error) {
	// Parsed as the pool parses it, so that pool settings in the URL
	// (pool_max_conns) are not sent to the server as parameters.
	pcfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("migrate: database url: %w", err)
	}
	cfg := pcfg.ConnConfig
	cfg.RuntimeParams["application_name"] = "ecospace-migrate"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w: %w", data.ErrUnavailable, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return migrateConn(ctx, conn)
}

func migrateConn(ctx context.Context, conn *pgx.Conn) ([]Migration, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return nil, fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		checksum   text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	applied := map[int]string{}
	rows, err := conn.Query(ctx, "SELECT version, checksum FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	for rows.Next() {
		var v int
		var sum string
		if err := rows.Scan(&v, &sum); err != nil {
			rows.Close()
			return nil, fmt.Errorf("migrate: %w", err)
		}
		applied[v] = sum
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var done []Migration
	for _, m := range ms {
		if sum, ok := applied[m.Version]; ok {
			if sum != m.Checksum {
				return done, fmt.Errorf("migrate: migration %04d_%s was changed after it was applied (checksum %s, applied %s); add a new migration instead", m.Version, m.Name, m.Checksum[:12], sum[:min(12, len(sum))])
			}
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = 0"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.Version, m.Name, m.Checksum)
			return err
		})
		if err != nil {
			return done, fmt.Errorf("migrate: %04d_%s: %w", m.Version, m.Name, err)
		}
		done = append(done, m)
	}
	return done, nil
}

// errNotMigrated: the database lacks migrations this binary needs.
var errNotMigrated = errors.New("the database schema is not up to date; run `ecospace migrate` (or serve with --migrate)")

// checkSchema verifies that every embedded migration has been applied.
func checkSchema(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}) error {
	var reg *string
	if err := q.QueryRow(ctx, "SELECT to_regclass('schema_migrations')::text").Scan(&reg); err != nil {
		return err
	}
	have := 0
	if reg != nil {
		if err := q.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&have); err != nil {
			return err
		}
	}
	if want := SchemaVersion(); have < want {
		return fmt.Errorf("schema version %d, this binary needs %d: %w", have, want, errNotMigrated)
	}
	return nil
}
