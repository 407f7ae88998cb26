// Package pgtest gives tests a throwaway PostGIS database.
//
// NewDatabase connects to ECOSPACE_TEST_DATABASE_URL, or to the local
// PostgreSQL at postgres://postgres@127.0.0.1:5432/postgres, creates a
// database of its own with the postgis extension, and drops it when the
// test ends. PostGIS tests never skip: without a server or without PostGIS
// they fail, saying what to install, so that CI cannot pass by not testing.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultURL is the maintenance database used when
// ECOSPACE_TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL is the URL tests connect to in order to create databases.
func AdminURL() string {
	if u := os.Getenv("ECOSPACE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

const help = "the PostGIS tests need PostgreSQL with PostGIS: on Debian, as root, " +
	"`apt-get install -y postgresql-15-postgis-3` and start the server (`pg_ctlcluster 15 main start`), " +
	"or point ECOSPACE_TEST_DATABASE_URL at a server where CREATE DATABASE and CREATE EXTENSION postgis are allowed"

// NewDatabase creates a fresh database with PostGIS and returns its URL;
// the database is dropped (WITH (FORCE)) when t ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := AdminURL()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: cannot connect to %s: %v\n%s", redact(admin), err, help)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "ecospace_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s: %v\n%s", name, err, help)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	dbURL, err := withDatabase(admin, name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", name, err)
	}
	defer db.Close(context.Background())
	if _, err := db.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		t.Fatalf("pgtest: PostGIS is not available: %v\n%s", err, help)
	}
	return dbURL
}

// withDatabase returns the URL (or key=value DSN) u with its database
// replaced by name.
func withDatabase(u, name string) (string, error) {
	if strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		pu, err := url.Parse(u)
		if err != nil {
			return "", fmt.Errorf("pgtest: ECOSPACE_TEST_DATABASE_URL: %w", err)
		}
		pu.Path = "/" + name
		return pu.String(), nil
	}
	return u + " dbname=" + name, nil
}

func redact(u string) string {
	if pu, err := url.Parse(u); err == nil && pu.User != nil {
		if _, ok := pu.User.Password(); ok {
			pu.User = url.UserPassword(pu.User.Username(), "xxxxx")
			return pu.String()
		}
	}
	return u
}
