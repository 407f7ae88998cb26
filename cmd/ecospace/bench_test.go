package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/zhonglou/ecospace/cmd/ecospace/internal/load"
	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/data/pgtest"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server"
)

// The bench's child servers are this binary run again ('bench
// --serve-child', 'bench --serve-bare'): in a test the binary is the test
// binary, which serves them here instead of running the tests.
func init() {
	if os.Getenv("ECOSPACE_BENCH_CHILD") == "1" && len(os.Args) > 1 && os.Args[1] == "bench" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
}

func TestParseMix(t *testing.T) {
	m, err := parseMix("point=70, parcel=20,layer=10,tile=0")
	if err != nil || m["point"] != 70 || m["parcel"] != 20 || m["layer"] != 10 || m["tile"] != 0 {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range []string{"", "point", "point=x", "point=-1", "walk=3", "point=0"} {
		if _, err := parseMix(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:80/", "https://127.0.0.2"} {
		if err := checkLoopback(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8080", "http://example.com", "ftp://127.0.0.1", "127.0.0.1:8080", "http://0.0.0.0:80", "http://8.8.8.8"} {
		if err := checkLoopback(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestBenchRefusesOtherHosts(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"bench", "--url", "http://192.0.2.1:8080", "--requests", "1"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "loopback") {
		t.Errorf("stderr %q does not say why", errb.String())
	}
}

// A short run against a demo server on a loopback test listener: every
// kind of request is made and answered 200.
func TestBenchRun(t *testing.T) {
	man, _ := demo.Manifest()
	rules, _ := geo.ParseRules(data.RulesFile())
	mem := memory.New(man)
	if err := demo.Load(context.Background(), mem, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(server.New(server.Config{Store: mem, Rules: rules, Manifest: man}))
	defer ts.Close()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "--url", ts.URL, "--connections", "4", "--requests", "60", "--rounds", "2",
		"--warmup", "0", "--mix", "point=1,parcel=1,layer=1,tile=1", "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res load.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(res.Phases) != 4 || res.PointVsEcho <= 0 || len(res.PointVsEchoRounds) != 2 {
		t.Fatalf("phases %d, ratio %v", len(res.Phases), res.PointVsEcho)
	}
	// The bare echo server (a child process) in the same rounds.
	if res.PointVsBare <= 0 || res.P99VsBare <= 0 || len(res.PointVsBareRounds) != 2 || len(res.P99VsBareRounds) != 2 {
		t.Errorf("point/bare %v over %v, p99 %v over %v", res.PointVsBare, res.PointVsBareRounds, res.P99VsBare, res.P99VsBareRounds)
	}
	kinds := map[string]bool{}
	for _, p := range res.Phases {
		if p.Total.Requests != 120 {
			t.Errorf("%s: %d requests, want 120", p.Phase, p.Total.Requests)
		}
		for _, k := range p.Kinds {
			kinds[k.Kind] = true
			if k.Errors > 0 {
				t.Errorf("%s %s: %d errors, first %s", p.Phase, k.Kind, k.Errors, k.FirstErr)
			}
			if k.Requests > 0 && k.P99Ms <= 0 {
				t.Errorf("%s %s: no latency", p.Phase, k.Kind)
			}
		}
	}
	for _, k := range []string{"bare", "echo", "point", "parcel", "layer", "tile"} {
		if !kinds[k] {
			t.Errorf("no %s requests", k)
		}
	}
}

// --start --database-url serves a PostGIS database from a child process,
// and --compare-database-url a second one in the same rounds: every kind
// of one-off read and both kinds of check are answered 200 by both, the
// checks are audited in their databases, and the two are compared phase
// by phase.
func TestBenchStartPostGIS(t *testing.T) {
	var urls []string
	for range 2 {
		u := pgtest.NewDatabase(t)
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"import", "--demo", "--migrate", "--database-url", u}, &out, &errb); code != 0 {
			t.Fatalf("import --demo: exit %d: %s", code, errb.String())
		}
		urls = append(urls, u)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "--start", "--database-url", urls[0], "--compare-database-url", urls[1],
		"--phases", "point,parcel,box,rtile", "--connections", "2", "--requests", "20", "--rounds", "1", "--warmup", "0",
		"--layer-cache-mb", "0", "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res struct {
		Targets    []load.Result `json:"targets"`
		Comparison struct {
			Phases []struct {
				Phase     string  `json:"phase"`
				RateRatio float64 `json:"rate_first_over_second"`
			} `json:"phases"`
		} `json:"comparison"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(res.Targets) != 2 || len(res.Comparison.Phases) != 4 {
		t.Fatalf("%d targets, %d phases compared: %s", len(res.Targets), len(res.Comparison.Phases), out.String())
	}
	for i, r := range res.Targets {
		if !strings.Contains(r.ServerLoad, "PostGIS") || r.ServerPeakRSSMB <= 0 {
			t.Errorf("target %d: %q, peak RSS %v", i, r.ServerLoad, r.ServerPeakRSSMB)
		}
		for _, p := range r.Phases {
			if p.Total.Requests != 20 || p.Total.Errors > 0 {
				t.Errorf("target %d %s: %d requests, %d errors (%s)", i, p.Phase, p.Total.Requests, p.Total.Errors, p.Kinds[0].FirstErr)
			}
		}
		conn, err := pgx.Connect(context.Background(), urls[i])
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = conn.QueryRow(context.Background(), "SELECT count(*) FROM checks").Scan(&n)
		conn.Close(context.Background())
		if err != nil || n < 40 {
			t.Errorf("target %d: %d checks audited (%v), want 40", i, n, err)
		}
	}
}
