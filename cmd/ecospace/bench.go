package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zhonglou/ecospace/cmd/ecospace/gctune"
	"github.com/zhonglou/ecospace/cmd/ecospace/internal/load"
	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/gen"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server"
)

const benchUsage = `usage:
  ecospace bench --url http://127.0.0.1:8080 [--connections 64] [--duration 5s | --requests N] [--rounds 3]
                 [--mix point=70,parcel=20,layer=10] [--phases echo,point,mix]
  ecospace bench --start [--data DIR [--compare-demo]] [flags as above]

Drives a running ecospace server (loopback addresses only) with concurrent keep-alive
connections and prints requests/s and latency percentiles per kind of request, phase by
phase:
  echo   GET /healthz, a trivial JSON answer through the same middleware: the baseline
  point  point checks only (POST /api/v1/checks) at random places in --area
  mix    the --mix of point checks, 50-vertex parcel checks (about 300 m across),
         layer GeoJSON reads (several zooms and boxes) and vector tiles
Each phase runs for --duration (or --requests), after a --warmup that is not counted;
the phases run in turn for --rounds rounds, and request rates are the median of the
rounds (latency percentiles are over every request), so that other work on the machine
touches every phase alike.

--start runs an embedded-store server as a child process of this one (the demo layers,
or the layers 'ecospace gen' wrote into --data) and reports its peak resident memory
(VmHWM from /proc) when the run ends. With --compare-demo a second server with the
demo layers is started too, both are driven in turn in the same rounds, and their
point-check latencies are compared (province against district scale). Nothing is run
against other hosts.

Speed depends on the machine and on what else runs on it: compare phases of one run
(the point/echo ratio), not runs on different machines.

flags:
`

// benchOptions are the bench flags: how to drive (load.Options) and what.
type benchOptions struct {
	load.Options
	url         string
	start       bool
	dataDir     string
	jsonOut     bool
	startupWait time.Duration
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), benchUsage)
		fs.PrintDefaults()
	}
	var o benchOptions
	fs.StringVar(&o.url, "url", "", "server to drive, e.g. http://127.0.0.1:8080 (loopback only)")
	fs.BoolVar(&o.start, "start", false, "start an embedded-store server as a child process and drive it")
	fs.StringVar(&o.dataDir, "data", "", "with --start: load the layers ecospace gen wrote into this directory instead of the demo layers")
	fs.IntVar(&o.Conns, "connections", 64, "concurrent keep-alive connections")
	fs.DurationVar(&o.Duration, "duration", 5*time.Second, "length of each phase in each round")
	fs.IntVar(&o.Rounds, "rounds", 3, "rounds: the phases run in turn this many times; rates are medians of the rounds")
	fs.IntVar(&o.Requests, "requests", 0, "requests per phase instead of --duration")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "uncounted warm-up before each phase")
	mix := fs.String("mix", "point=70,parcel=20,layer=10", "shares of the mix phase: point, parcel, layer, tile")
	phases := fs.String("phases", "echo,point,mix", "phases to run, in order: echo, point, mix")
	area := fs.String("area", "", "minLon,minLat,maxLon,maxLat where checks and layer boxes fall (default: Zhonglou District's box)")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed of the request mix")
	fs.BoolVar(&o.jsonOut, "json", false, "print the results as JSON")
	fs.DurationVar(&o.startupWait, "startup-timeout", 10*time.Minute, "with --start: how long the server may take to load")
	compareDemo := fs.Bool("compare-demo", false, "with --start --data: also start a server with the demo layers and drive both in turn, to compare province with district scale")
	serveChild := fs.Bool("serve-child", false, "(internal) run the server that --start drives")
	childAddr := fs.String("child-addr", "127.0.0.1:0", "(internal) listen address of --serve-child")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *serveChild {
		return benchServeChild(ctx, *childAddr, o.dataDir, stdout, stderr)
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "ecospace bench: "+format+"\n", a...)
		fmt.Fprintln(stderr, "run 'ecospace bench -h' for help")
		return errUsage
	}
	var err error
	if o.Mix, err = parseMix(*mix); err != nil {
		return bad("--mix: %v", err)
	}
	for _, p := range strings.Split(*phases, ",") {
		switch p = strings.TrimSpace(p); p {
		case "echo", "point", "mix":
			o.Phases = append(o.Phases, p)
		default:
			return bad("--phases: unknown phase %q (echo, point, mix)", p)
		}
	}
	o.Area = gen.District
	if *area != "" {
		b, err := server.ParseBBox(*area, "area")
		if err != nil || b == nil {
			return bad("--area %q is not minLon,minLat,maxLon,maxLat", *area)
		}
		o.Area = *b
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q", fs.Arg(0))
	case o.start == (o.url != ""):
		return bad("give --url of a running server or --start, not both")
	case o.dataDir != "" && !o.start:
		return bad("--data goes with --start")
	case o.Conns < 1 || o.Conns > 10_000:
		return bad("--connections must be 1 to 10000")
	case o.Requests < 0 || (o.Requests == 0 && (o.Duration <= 0 || o.Duration > time.Hour)):
		return bad("--duration must be positive and at most 1h (or give --requests)")
	case o.Rounds < 1 || o.Rounds > 100:
		return bad("--rounds must be 1 to 100")
	case o.Warmup < 0 || o.Warmup > 10*time.Minute:
		return bad("--warmup must be 0 to 10m")
	case o.startupWait <= 0:
		return bad("--startup-timeout must be positive")
	}
	if o.dataDir != "" {
		if fi, err := os.Stat(o.dataDir); err != nil || !fi.IsDir() {
			return bad("--data %s: no such directory (write one with ecospace gen --out %s)", o.dataDir, o.dataDir)
		}
	}

	if *compareDemo && (!o.start || o.dataDir == "") {
		return bad("--compare-demo goes with --start --data DIR")
	}
	var children []*load.Child
	urls := []string{o.url}
	if o.start {
		specs := []benchOptions{o}
		if *compareDemo {
			demo := o
			demo.dataDir = ""
			specs = append(specs, demo)
		}
		urls = nil
		for _, spec := range specs {
			child, err := startBenchChild(ctx, spec, stderr)
			if err != nil {
				return err
			}
			defer child.Stop()
			children = append(children, child)
			urls = append(urls, child.URL)
		}
	}
	for _, u := range urls {
		if err := checkLoopback(u); err != nil {
			return bad("%v", err)
		}
	}
	o.Progress = benchProgress(stderr)
	results, err := load.Run(ctx, o.Options, urls)
	if err != nil {
		return err
	}
	for i, c := range children {
		results[i].ServerPeakRSSMB = c.PeakRSSMB()
		results[i].ServerLoad = c.Info
	}
	var cmp *benchComparison
	if len(results) == 2 {
		cmp = compare(results[0], results[1])
	}
	if o.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if cmp != nil {
			return enc.Encode(map[string]any{"targets": results, "comparison": cmp})
		}
		return enc.Encode(results[0])
	}
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printResult(stdout, r)
	}
	if cmp != nil {
		cmp.print(stdout)
	}
	return nil
}

// benchComparison sets the data a server was started with (province)
// against the demo layers (district), measured in the same rounds.
type benchComparison struct {
	PointP99Ratio  float64 `json:"point_p99_province_over_district"`
	PointP50Ratio  float64 `json:"point_p50_province_over_district"`
	PointRateRatio float64 `json:"point_rate_province_over_district"`
}

func compare(prov, dist *load.Result) *benchComparison {
	find := func(r *load.Result) *load.KindStats {
		for i := range r.Phases {
			if r.Phases[i].Phase == "point" {
				return &r.Phases[i].Total
			}
		}
		return nil
	}
	p, d := find(prov), find(dist)
	if p == nil || d == nil || d.P99Ms == 0 || d.PerSec == 0 || d.P50Ms == 0 {
		return nil
	}
	return &benchComparison{PointP99Ratio: p.P99Ms / d.P99Ms, PointP50Ratio: p.P50Ms / d.P50Ms, PointRateRatio: p.PerSec / d.PerSec}
}

func (c *benchComparison) print(w io.Writer) {
	fmt.Fprintf(w, "\nprovince (first) against district (second), same rounds: point p99 %.2f×, p50 %.2f× (issue 6 target: p99 ≤ 2×), point checks/s %.2f×\n",
		c.PointP99Ratio, c.PointP50Ratio, c.PointRateRatio)
}

func parseMix(s string) (map[string]int, error) {
	out := map[string]int{}
	total := 0
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("%q is not kind=share", part)
		}
		if !slices.Contains(load.Kinds, k) {
			return nil, fmt.Errorf("unknown kind %q (point, parcel, layer, tile)", k)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("share %q of %s is not a whole number ≥ 0", v, k)
		}
		out[k] += n
		total += n
	}
	if total == 0 {
		return nil, errors.New("the shares add up to 0")
	}
	return out, nil
}

// checkLoopback refuses targets that are not this machine: a load test
// is not to be pointed at anyone else's server.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q is not an http(s) URL", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return fmt.Errorf("--url host %q: give a loopback address (127.0.0.1, ::1 or localhost)", host)
	}
	if !ip.IsLoopback() {
		return fmt.Errorf("--url host %s is not a loopback address; bench only drives servers on this machine", host)
	}
	return nil
}

// --- the child server -------------------------------------------------

// startBenchChild starts this binary's 'bench --serve-child' as the server
// --start drives.
func startBenchChild(ctx context.Context, o benchOptions, stderr io.Writer) (*load.Child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"bench", "--serve-child", "--child-addr", "127.0.0.1:0"}
	if o.dataDir != "" {
		args = append(args, "--data", o.dataDir)
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = stderr
	return load.StartChild(ctx, cmd, o.startupWait, benchProgress(stderr))
}

// benchProgress writes the load package's progress lines to stderr.
func benchProgress(stderr io.Writer) func(string) {
	return func(msg string) { fmt.Fprintf(stderr, "bench: %s\n", msg) }
}

// benchServeChild serves the embedded store for --start and says "ready
// ADDR INFO" on stdout once it listens.
func benchServeChild(ctx context.Context, addr, dataDir string, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	man, err := demo.Manifest()
	if err != nil {
		return err
	}
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		return err
	}
	mem := memory.New(man)
	start := time.Now()
	info := "demo layers"
	if dataDir == "" {
		if err := demo.Load(ctx, mem, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
			return err
		}
	} else {
		wkb, err := gen.Load(ctx, mem, dataDir, demo.ValidFrom, nil)
		if err != nil {
			return err
		}
		info = fmt.Sprintf("layers of %s, %.1f MB as WKB", dataDir, float64(wkb)/1e6)
	}
	info += fmt.Sprintf(", loaded in %s", time.Since(start).Round(time.Millisecond))
	runtime.GC()
	srv := server.New(server.Config{Store: mem, Rules: rules, Manifest: man, Log: log})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	gctune.Start(ctx, defaultGCHeadroomMB<<20, time.Second) // as 'ecospace serve' does
	load.Ready(stdout, ln.Addr().String(), info)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// --- the report ---------------------------------------------------------

// printResult writes what a run measured of one target: the table and the
// summary lines.
func printResult(w io.Writer, r *load.Result) {
	fmt.Fprintf(w, "target %s, %d connections, %d rounds, client GOMAXPROCS %d\n", r.URL, r.Connections, r.Rounds, r.GOMAXPROCS)
	if r.ServerLoad != "" {
		fmt.Fprintf(w, "server: embedded store, %s\n", r.ServerLoad)
	}
	fmt.Fprintf(w, "\n%-6s %-7s %9s %7s %10s %15s %8s %8s %8s %8s %8s\n", "phase", "kind", "requests", "errors", "req/s", "(min–max)", "p50 ms", "p90 ms", "p99 ms", "max ms", "MB/s")
	for _, p := range r.Phases {
		rows := p.Kinds
		if len(rows) > 1 {
			rows = append(rows, p.Total)
		}
		for i, k := range rows {
			name := p.Phase
			if i > 0 {
				name = ""
			}
			rng := ""
			if k.PerSecMax > 0 {
				rng = fmt.Sprintf("(%.0f–%.0f)", k.PerSecMin, k.PerSecMax)
			}
			fmt.Fprintf(w, "%-6s %-7s %9d %7d %10.0f %15s %8.2f %8.2f %8.2f %8.1f %8.2f\n", name, k.Kind, k.Requests, k.Errors, k.PerSec, rng, k.P50Ms, k.P90Ms, k.P99Ms, k.MaxMs, k.MBPerSec)
		}
	}
	for _, p := range r.Phases {
		for _, k := range p.Kinds {
			if k.FirstErr != "" {
				fmt.Fprintf(w, "first %s error in %s: %s\n", k.Kind, p.Phase, k.FirstErr)
			}
		}
	}
	fmt.Fprintln(w)
	if r.PointVsEcho > 0 {
		rs := make([]string, len(r.PointVsEchoRounds))
		for i, x := range r.PointVsEchoRounds {
			rs[i] = fmt.Sprintf("%.2f", x)
		}
		fmt.Fprintf(w, "point checks / echo throughput: %.2f, median of rounds %s (issue 6 target: ≥ 0.5 at 64 connections)\n", r.PointVsEcho, strings.Join(rs, ", "))
	}
	for _, p := range r.Phases {
		if p.Phase == "point" {
			fmt.Fprintf(w, "point check p99: %.2f ms (target: ≤ 5 ms)\n", p.Total.P99Ms)
		}
	}
	if r.ServerPeakRSSMB > 0 {
		fmt.Fprintf(w, "server peak RSS (VmHWM): %.0f MB\n", r.ServerPeakRSSMB)
	}
}
