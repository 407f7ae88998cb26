package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
)

// cliCase is one command line: the exit code it must end with, what its
// stderr must say and must not say.
type cliCase struct {
	args   []string
	code   int
	want   []string
	unwant []string
}

func (c cliCase) check(t *testing.T) {
	t.Helper()
	start := time.Now()
	code, stdout, stderr := runCmd(t, c.args...)
	if code != c.code {
		t.Errorf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", c.args, code, c.code, stdout, stderr)
	}
	for _, w := range c.want {
		if !strings.Contains(stderr, w) {
			t.Errorf("%v: stderr lacks %q:\n%s", c.args, w, stderr)
		}
	}
	for _, w := range c.unwant {
		if strings.Contains(stderr, w) {
			t.Errorf("%v: stderr has %q:\n%s", c.args, w, stderr)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("%v took %s: a usage error is found before any work", c.args, d)
	}
}

// storeNotOpened makes opening any store fail the test: the command lines
// it guards must be refused before that.
func storeNotOpened(t *testing.T) {
	t.Helper()
	old := openImportStore
	openImportStore = func(context.Context, *slog.Logger, string, bool) (data.Store, error) {
		t.Error("the store was opened before the command line was checked")
		return nil, fmt.Errorf("no store in this test")
	}
	t.Cleanup(func() { openImportStore = old })
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"-version"}} {
		code, stdout, stderr := runCmd(t, args...)
		if code != 0 || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
		for _, w := range []string{"ecospace ", "commit: ", "date: ", "go:     " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH} {
			if !strings.Contains(stdout, w) {
				t.Errorf("%v: stdout lacks %q:\n%s", args, w, stdout)
			}
		}
	}
	cliCase{args: []string{"version", "extra"}, code: 2, want: []string{`takes no arguments, got "extra"`}}.check(t)

	stamped := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0e77dfedc15860fb40f21be9ccff306116899088"}, {Key: "vcs.time", Value: "2026-11-30T12:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	got := versionText(stamped)
	for _, w := range []string{"ecospace v1.4.0\n", "commit: 0e77dfedc15860fb40f21be9ccff306116899088 (with uncommitted changes)\n", "date:   2026-11-30T12:00:00Z (the commit's)\n", "go:     go1.26.8 "} {
		if !strings.Contains(got, w) {
			t.Errorf("stamped build: lacks %q:\n%s", w, got)
		}
	}
	// Nothing recorded: said so, not invented.
	got = versionText(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}})
	for _, w := range []string{"ecospace (devel)\n", "commit: unknown", "date:   unknown\n", "go:     " + runtime.Version()} {
		if !strings.Contains(got, w) {
			t.Errorf("unstamped build: lacks %q:\n%s", w, got)
		}
	}
	// The Makefile's -X values fill in what the Go tool could not stamp.
	vcsRevision, vcsTime, vcsModified = "abc123", "2026-12-01T08:00:00+08:00", "false"
	defer func() { vcsRevision, vcsTime, vcsModified = "", "", "" }()
	got = versionText(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}})
	if !strings.Contains(got, "commit: abc123\n") || !strings.Contains(got, "date:   2026-12-01T08:00:00+08:00") {
		t.Errorf("-ldflags build:\n%s", got)
	}
}

func TestImportCommandLineFirst(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://test")
	storeNotOpened(t)
	missing := filepath.Join(t.TempDir(), "missing.geojson")
	good := writeFile(t, "zone.geojson", goodZone)
	for _, c := range []cliCase{
		// --file was given: the message names what is missing, and that
		// the file is not there.
		{args: []string{"import", "--file", missing}, code: 2,
			want:   []string{"--file " + missing + ": no such file", "--layer is required", "xinmeng-corridor"},
			unwant: []string{"--layer and --file are required", "--file is required"}},
		{args: []string{"import", "--layer", "xinmeng-corridor", "--file", missing}, code: 2,
			want: []string{"--file " + missing + ": no such file"}, unwant: []string{"required"}},
		{args: []string{"import", "--layer", "xinmeng-corridor"}, code: 2,
			want: []string{"--file is required"}, unwant: []string{"--layer is required"}},
		{args: []string{"import"}, code: 2, want: []string{"--file is required", "--layer is required", "--demo"}},
		{args: []string{"import", "--layer", "xinmeng-corridor", "--file", good, "--database-url", "postgres://u:hunter2@h:port/db"}, code: 2,
			want: []string{"--database-url", "cannot be read as a PostgreSQL URL"}, unwant: []string{"hunter2"}},
		{args: []string{"import", "--layer", "xinmeng-corridor", "--file", good, "--valid-from", "tomorrow"}, code: 2,
			want: []string{`--valid-from "tomorrow"`}},
	} {
		c.check(t)
	}
}

// TestServeLayerCacheEnv: a cache size from the environment that is not a
// number is named, not passed over.
func TestServeLayerCacheEnv(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("ECOSPACE_LAYER_CACHE_MB", "lots")
	cliCase{args: []string{"serve", "--addr", "127.0.0.1:0"}, code: 2, want: []string{`ECOSPACE_LAYER_CACHE_MB="lots" (environment): not a whole number`}}.check(t)
}

func TestServeCommandLineFirst(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("ECOSPACE_ADDR", "")
	os.Unsetenv("ECOSPACE_ADDR")
	// Nothing may be loaded before these are refused: no log line at all.
	noWork := []string{"store ready", `"level"`}
	for _, c := range []cliCase{
		{args: []string{"serve", "--addr", "bogus"}, code: 2, want: []string{`--addr "bogus" is not host:port`, "run 'ecospace serve -h' for help"}},
		{args: []string{"serve", "--addr", "127.0.0.1:99999"}, code: 2, want: []string{`the port "99999" is not a number from 0 to 65535`}},
		{args: []string{"serve", "--addr", "127.0.0.1:http"}, code: 2, want: []string{`the port "http"`}},
		{args: []string{"serve", "--log-level", "loud"}, code: 2, want: []string{`--log-level "loud": use debug, info, warn or error`}},
		{args: []string{"serve", "--rate-limit", "-5"}, code: 2, want: []string{"--rate-limit -5: give requests per second ≥ 0 (0: no limit)"}},
		{args: []string{"serve", "--rate-limit", "NaN"}, code: 2, want: []string{"--rate-limit NaN"}},
		{args: []string{"serve", "--rate-limit", "+Inf"}, code: 2, want: []string{"--rate-limit +Inf"}},
		{args: []string{"serve", "--rate-burst", "-1"}, code: 2, want: []string{"--rate-burst -1"}},
		{args: []string{"serve", "--layer-cache-mb", "-5"}, code: 2, want: []string{"--layer-cache-mb -5: give megabytes from 0 (keep none)"}},
		{args: []string{"serve", "--gc-headroom-mb", "-1"}, code: 2, want: []string{`invalid value "-1" for flag -gc-headroom-mb`, "run 'ecospace serve -h' for help"}},
		{args: []string{"serve", "--gc-headroom-mb", "99999999999"}, code: 2, want: []string{"--gc-headroom-mb 99999999999: at most"}},
		{args: []string{"serve", "--basemap-url", "tile.openstreetmap.org/{z}/{x}/{y}.png"}, code: 2, want: []string{"--basemap-url", "not an http(s) URL template"}},
		{args: []string{"serve", "--basemap-url", "https://t.example/{z}/{x}.png"}, code: 2, want: []string{"lacks {y}"}},
		{args: []string{"serve", "--cors-origins", "permits.example.cn/path"}, code: 2, want: []string{"--cors-origins", "is not an origin"}},
		{args: []string{"serve", "--database-read-url", "postgres://replica/ecospace"}, code: 2, want: []string{"--database-read-url needs --database-url"}},
		{args: []string{"serve", "--database-url", "postgres://u:hunter2@h:port/db"}, code: 2, want: []string{"--database-url: cannot be read"}, unwant: []string{"hunter2"}},
		{args: []string{"serve", "--rules", "/nonexistent/rules.yaml"}, code: 2, want: []string{"--rules /nonexistent/rules.yaml: no such file"}},
		{args: []string{"serve", "now"}, code: 2, want: []string{`unexpected argument "now"`}},
		// An unknown flag: the flag package's line and where to find help,
		// once, not the whole flag list, and exit 2 (it was 1).
		{args: []string{"serve", "--bogus"}, code: 2, want: []string{"flag provided but not defined: -bogus\nrun 'ecospace serve -h' for help\n"}, unwant: []string{"-addr string"}},
	} {
		c.unwant = append(c.unwant, noWork...)
		c.check(t)
	}

	t.Setenv("ECOSPACE_ADDR", "nope")
	cliCase{args: []string{"serve"}, code: 2, want: []string{`ECOSPACE_ADDR (environment) "nope" is not host:port`}, unwant: noWork}.check(t)
	os.Unsetenv("ECOSPACE_ADDR")

	// A keys file serve cannot read is found before the store is loaded.
	cliCase{args: []string{"serve", "--addr", "127.0.0.1:0", "--keys-file", writeFile(t, "keys.json", "{bad")}, code: 1,
		want: []string{"--keys-file: keys file ", "keys.json: / (byte 1): unexpected"}, unwant: noWork}.check(t)

	// A port in use is found before the store is loaded, and named.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cliCase{args: []string{"serve", "--addr", ln.Addr().String()}, code: 1,
		want: []string{"cannot listen on " + ln.Addr().String() + ": the address is in use by another process; choose another with --addr"}, unwant: []string{"store ready"}}.check(t)
}

// An unreachable database: one line that says where (never the password),
// why, and what to check — from every command that opens it.
func TestUnreachableDatabaseOneLine(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	url := "postgres://bob:hunter2@127.0.0.1:1/ecospace?sslmode=prefer&connect_timeout=2"
	reg := writeFile(t, "r.csv", registerCSV)
	want := "cannot reach PostgreSQL at 127.0.0.1:1 as user bob, database ecospace: connection refused; is PostgreSQL running? check --database-url / DATABASE_URL\n"
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn", "--database-url", url},
		{"import", "--demo", "--database-url", url},
		{"migrate", "--database-url", url},
		{"keys", "list", "--database-url", url},
		{"sweep", "--file", reg, "--category", "chemical", "--database-url", url},
	} {
		code, _, stderr := runCmd(t, args...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1: %s", args, code, stderr)
		}
		if !strings.HasSuffix(stderr, want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: stderr is not the one line\n  …%s\n%s", args, want, stderr)
		}
		for _, w := range []string{"hunter2", "postgis: postgis", "store unavailable"} {
			if strings.Contains(stderr, w) {
				t.Errorf("%v: stderr has %q: %s", args, w, stderr)
			}
		}
	}
}

func TestSweepCommandLineFirst(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	dir := t.TempDir()
	reg := writeFile(t, "r.csv", registerCSV)
	txt := writeFile(t, "r.xlsx", "not a register")
	for _, c := range []cliCase{
		{args: []string{"sweep", "--file", "/nonexistent", "--category", "chemical"}, code: 2,
			want: []string{"--file /nonexistent: no such file"}, unwant: []string{".geojson, .json or .csv"}},
		{args: []string{"sweep", "--file", filepath.Join(dir, "missing.csv"), "--category", "chemical"}, code: 2, want: []string{"missing.csv: no such file"}},
		{args: []string{"sweep", "--file", dir, "--category", "chemical"}, code: 2, want: []string{"is a directory, not a file"}},
		{args: []string{"sweep", "--file", txt, "--category", "chemical"}, code: 2, want: []string{"a register is .geojson, .json or .csv"}},
		{args: []string{"sweep", "--file", reg, "--category", "chemical", "--workers", "-2"}, code: 2, want: []string{"--workers -2: give at least 1"}},
		{args: []string{"sweep", "--file", reg, "--category", "chemical", "--out", filepath.Join(dir, "no", "report.csv")}, code: 2, want: []string{"the directory " + filepath.Join(dir, "no") + " does not exist"}},
		{args: []string{"sweep", "--file", reg, "--category", "chemical", "--rules", "/nonexistent.yaml"}, code: 2, want: []string{"--rules /nonexistent.yaml: no such file"}},
		{args: []string{"sweep", "--file", reg, "--category", "chemical", "--encoding", "latin1"}, code: 2, want: []string{`--encoding "latin1": use auto, utf-8 or gbk`}},
	} {
		c.check(t)
	}
}

func TestKeysUsage(t *testing.T) {
	for _, args := range [][]string{{"keys", "--help"}, {"keys", "-h"}, {"keys", "create", "-h"}} {
		code, _, stderr := runCmd(t, args...)
		if code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		// The usage ends with its flags, not an empty "flags:" section.
		_, flags, ok := strings.Cut(stderr, "\nflags:\n")
		if !ok {
			t.Fatalf("%v: no flags section:\n%s", args, stderr)
		}
		for _, w := range []string{"-name string", "-scope value", "-keys-file string", "-database-url string"} {
			if !strings.Contains(flags, w) {
				t.Errorf("%v: the flags section lacks %q:\n%s", args, w, stderr)
			}
		}
	}
	dir := t.TempDir()
	for _, c := range []cliCase{
		{args: []string{"keys"}, code: 2, want: []string{"name what to do: create, list or revoke"}},
		{args: []string{"keys", "--name", "x"}, code: 2, want: []string{"before the flags, e.g. ecospace keys list --name x"}},
		{args: []string{"keys", "create", "--name", "x", "--scope", "admin", "--keys-file", filepath.Join(dir, "no", "keys.json")}, code: 2, want: []string{"does not exist"}},
		{args: []string{"keys", "list", "--bogus"}, code: 2, want: []string{"flag provided but not defined: -bogus\nrun 'ecospace keys list -h' for help"}},
	} {
		c.check(t)
	}
}

func TestOtherCommandsRefuse(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	file := writeFile(t, "f", "x")
	for _, c := range []cliCase{
		{args: []string{"migrate", "--bogus"}, code: 2, want: []string{"flag provided but not defined: -bogus"}},
		{args: []string{"migrate", "--database-url", "postgres://u:hunter2@h:port/db"}, code: 2, want: []string{"cannot be read"}, unwant: []string{"hunter2"}},
		{args: []string{"gen", "--out", t.TempDir(), "--river-vertices", "-1"}, code: 2, want: []string{"--river-vertices and --canal-vertices must be ≥ 0"}},
		{args: []string{"gen", "--out", t.TempDir(), "--points", "-5"}, code: 2, want: []string{"--points ≥ 0"}},
		{args: []string{"gen", "--out", file}, code: 2, want: []string{"is a file; give a directory"}},
		{args: []string{"gen", "--out", t.TempDir(), "--district-share", "NaN"}, code: 2, want: []string{"shares are between 0 and 1"}},
		{args: []string{"gen", "--zones", "x"}, code: 2, want: []string{`invalid value "x" for flag -zones`}},
		{args: []string{"bench", "--start", "--data", "/nonexistent"}, code: 2, want: []string{"--data /nonexistent: no such directory"}},
		{args: []string{"bench", "--url", "http://127.0.0.1:1", "--connections", "-1"}, code: 2, want: []string{"--connections must be 1 to 10000"}},
		{args: []string{"bench", "--start", "--startup-timeout", "-1s"}, code: 2, want: []string{"--startup-timeout must be positive"}},
		{args: []string{"bench", "--bogus"}, code: 2, want: []string{"flag provided but not defined: -bogus"}},
		{args: []string{"frobnicate"}, code: 2, want: []string{`unknown command "frobnicate"`, "version"}},
	} {
		c.check(t)
	}
}
