package pgtest_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zhonglou/ecospace/cmd/ecospace/gctune"
	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server"
)

// The HTTP load benchmarks live here, apart from package data's tests, so
// that data's tests do not depend on the server package.

func openPG(b *testing.B) (*postgis.Store, string) {
	url := pgtest.NewDatabase(b)
	man, err := demo.Manifest()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := postgis.Open(ctx, url, man, postgis.Options{Migrate: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	loadDemo(b, s)
	return s, url
}

func loadDemo(b *testing.B, s data.Store) {
	man, err := demo.Manifest()
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := demo.Load(ctx, s, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
		b.Fatal(err)
	}
}

func queryInt(b *testing.B, url, sql string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		b.Fatalf("%s: %v", sql, err)
	}
	return n
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkPGHTTPWrk drives POST /api/v1/checks (points, random over the
// district) on the real HTTP server and the PostGIS store with wrk (Debian
// package wrk) for ECOSPACE_WRK_SECONDS (default 10) from 64 connections,
// and reports checks/s, latency p50/p99 and the CPU each check costs the
// server process and PostgreSQL, measured from /proc. On a machine shared
// with other work the throughput is whatever CPU is left; the CPU per
// check much less so, and 2 cores / CPU per check is the throughput two
// idle cores would give (reported as capacity-2cores; the load generator
// runs elsewhere in that estimate). Every check answered
// 200 must be in the audit table. Run it alone:
//
//	go test ./data/pgtest -run '^$' -bench BenchmarkPGHTTPWrk -benchtime 1x
func BenchmarkPGHTTPWrk(b *testing.B) {
	s, url := openPG(b)
	wrkChecks(b, s, url)
}

// BenchmarkMemHTTPWrk is BenchmarkPGHTTPWrk on the embedded store: the
// server's own share of a check (HTTP, JSON, judging), for comparison.
func BenchmarkMemHTTPWrk(b *testing.B) {
	man, _ := demo.Manifest()
	mem := memory.New(man)
	loadDemo(b, mem)
	wrkChecks(b, mem, "")
}

// serveLoopback serves the whole API (server.New mounts the OGC routes) on the store at a loopback address until the benchmark ends.
func serveLoopback(b *testing.B, s data.Store) string {
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		b.Fatal(err)
	}
	man, _ := demo.Manifest()
	log := slog.New(slog.DiscardHandler)
	srv := server.New(server.Config{Store: s, Rules: rules, Manifest: man, Log: log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	// The garbage collector as 'ecospace serve' tunes it by default.
	gcctx, stopGC := context.WithCancel(context.Background())
	gctune.Start(gcctx, 64<<20, time.Second)
	b.Cleanup(func() { stopGC(); hs.Shutdown(context.Background()) })
	return ln.Addr().String()
}

func wrkChecks(b *testing.B, s data.Store, url string) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Fatal("wrk not found: apt-get install wrk")
	}
	addr := serveLoopback(b, s)

	script := filepath.Join(b.TempDir(), "check.lua")
	if err := os.WriteFile(script, []byte(`math.randomseed(42)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local lon = 119.73 + math.random() * 0.22
  local lat = 31.74 + math.random() * 0.11
  return wrk.format(nil, "/api/v1/checks", nil,
    string.format('{"geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"category":"chemical","as_of":"2026-06-01"}', lon, lat))
end
`), 0o644); err != nil {
		b.Fatal(err)
	}
	secs := envInt("ECOSPACE_WRK_SECONDS", 10)
	// Warm up: connections, prepared statements.
	if out, err := exec.Command(wrk, "-t2", "-c16", "-d2s", "-s", script, "http://"+addr).CombinedOutput(); err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	before := 0
	var pids []int
	if url != "" {
		before = queryInt(b, url, "SELECT count(*) FROM checks")
		pids = pgtest.Backends(b, url)
	}
	selfCPU0, pgCPU0 := pgtest.CPUTicks(os.Getpid()), pgtest.CPUTicks(pids...)
	b.ResetTimer()
	out, err := exec.Command(wrk, "-t2", "-c64", fmt.Sprintf("-d%ds", secs), "--latency", "-s", script, "http://"+addr).CombinedOutput()
	b.StopTimer()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	selfCPU, pgCPU := pgtest.CPUTicks(os.Getpid())-selfCPU0, pgtest.CPUTicks(pids...)-pgCPU0
	pg, ok := s.(*postgis.Store)
	if na, isNA := s.(noAudit); isNA {
		pg, ok = na.Store, true
	}
	if ok {
		bs := pg.BatchStats()
		b.Logf("batching: %d points in %d relate statements, %d checks in %d audit statements", bs.RelatePoints, bs.RelateStatements, bs.AuditChecks, bs.AuditStatements)
		if now := pgtest.Backends(b, url); len(now) != len(pids) {
			b.Logf("the pool's backends changed during the run (%d → %d): PostgreSQL CPU is undercounted", len(pids), len(now))
		}
	}
	text := string(out)
	b.Logf("wrk:\n%s", text)
	total := wrkNumber(b, text, `(\d+) requests in`)
	rate := wrkNumber(b, text, `Requests/sec:\s+([\d.]+)`)
	if strings.Contains(text, "Non-2xx") {
		b.Errorf("some checks were not answered 200:\n%s", text)
	}
	if _, ok := s.(*postgis.Store); ok {
		// Every acknowledged check must be stored (the last batch may
		// still be committing when wrk stops counting).
		time.Sleep(200 * time.Millisecond)
		stored := queryInt(b, url, "SELECT count(*) FROM checks") - before
		if float64(stored) < total {
			b.Errorf("%d checks answered, %d stored", int(total), stored)
		}
		b.Logf("stored document: %d bytes on average", queryInt(b, url, "SELECT avg(octet_length(document::text))::int FROM checks"))
	}
	serverUS := float64(selfCPU) / pgtest.TicksHz * 1e6 / total
	pgUS := float64(pgCPU) / pgtest.TicksHz * 1e6 / total
	b.ReportMetric(rate, "checks/s")
	b.ReportMetric(wrkLatency(b, text, "50%"), "p50-ms")
	b.ReportMetric(wrkLatency(b, text, "99%"), "p99-ms")
	b.ReportMetric(serverUS, "server-cpu-µs/check")
	b.ReportMetric(pgUS, "postgres-cpu-µs/check")
	b.ReportMetric(2e6/(serverUS+pgUS), "capacity-2cores")
}

func wrkNumber(b *testing.B, text, re string) float64 {
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	if m == nil {
		b.Fatalf("wrk output without %s:\n%s", re, text)
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	return f
}

// wrkLatency reads a latency percentile line ("99%  12.34ms") in ms.
func wrkLatency(b *testing.B, text, pct string) float64 {
	m := regexp.MustCompile(regexp.QuoteMeta(pct) + `\s+([\d.]+)(us|ms|s)`).FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	switch m[2] {
	case "us":
		return f / 1000
	case "s":
		return f * 1000
	}
	return f
}

// noAudit is the PostGIS store with SaveCheck a no-op: what relating
// alone costs.
type noAudit struct{ *postgis.Store }

func (noAudit) SaveCheck(context.Context, *data.CheckRecord) error { return nil }

// BenchmarkPGHTTPWrkNoAudit splits BenchmarkPGHTTPWrk's cost: relations
// only, no audit (not a configuration ecospace offers).
func BenchmarkPGHTTPWrkNoAudit(b *testing.B) {
	s, url := openPG(b)
	wrkChecks(b, noAudit{s}, url)
}
