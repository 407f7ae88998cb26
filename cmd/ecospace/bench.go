package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zhonglou/ecospace/cmd/ecospace/internal/load"
	"github.com/zhonglou/ecospace/data/gen"
	"github.com/zhonglou/ecospace/server"
)

const benchUsage = `usage:
  ecospace bench --url http://127.0.0.1:8080 [--connections 64] [--duration 5s | --requests N] [--rounds 3]
                 [--mix point=70,parcel=20,layer=10] [--phases bare,echo,point,mix]
  ecospace bench --start [--data DIR [--compare-demo] | --database-url URL [--compare-database-url URL2]] [flags as above]

Drives a running ecospace server (loopback addresses only) with concurrent keep-alive
connections and prints requests/s and latency percentiles per kind of request, phase by
phase:
  bare   GET /healthz on a bare echo server (no middleware, no store) this command starts:
         the floor of any HTTP answer on this machine, in the same rounds
  echo   GET /healthz through ecospace's middleware
  point  point checks only (POST /api/v1/checks) at random places in --area
  parcel 50-vertex parcel checks only (about 300 m across)
  box    one-off map reads: a zoom-12 tile's extent at zoom 12, a new box every request
  rtile  one-off vector tiles (zoom 13–17), a new tile every request
  layer, tile   the repeated layer reads and tiles of the mix, alone
  mix    the --mix of point checks, parcel checks, layer GeoJSON reads (several zooms
         and boxes) and vector tiles (kinds as above)
Each phase runs for --duration (or --requests), after a --warmup that is not counted;
the phases run in turn for --rounds rounds, and request rates are the median of the
rounds (latency percentiles are over every request), so that other work on the machine
touches every phase alike. With bare and point among the phases, each round sets point
checks against the bare server: throughput (target ≥ 0.5) and p99 (target ≤ 1.3×).

--start runs ecospace as a child process of this one and reports its peak resident
memory (VmHWM from /proc) when the run ends: on the embedded store (the demo layers, or
the layers 'ecospace gen' wrote into --data) or on the PostGIS database --database-url
(whatever it holds; every check audited there). A second server to drive in the same
rounds and compare with: --compare-demo (the embedded store with the demo layers) or
--compare-database-url (another PostGIS database, e.g. with the district where the
first holds the nation). --layer-cache-mb 0 keeps no layer responses, so that layer
reads measure the store. Nothing is run against other hosts.

Speed depends on the machine and on what else runs on it: compare phases of one run
(the point/bare ratio), not runs on different machines.

flags:
`

// benchOptions are the bench flags: how to drive (load.Options) and what.
type benchOptions struct {
	load.Options
	url         string
	start       bool
	dataDir     string
	databaseURL string
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
	fs.BoolVar(&o.start, "start", false, "start ecospace as a child process and drive it")
	fs.StringVar(&o.dataDir, "data", "", "with --start: load the layers ecospace gen wrote into this directory instead of the demo layers")
	fs.StringVar(&o.databaseURL, "database-url", "", "with --start: serve this PostGIS database instead of the embedded store")
	compareURL := fs.String("compare-database-url", "", "with --start --database-url: also serve this database and drive both in turn")
	cacheMB := fs.Int("layer-cache-mb", -1, "with --start: the layer response cache in MB (0: none, so that layer reads measure the store; default 256)")
	fs.IntVar(&o.Conns, "connections", 64, "concurrent keep-alive connections")
	fs.DurationVar(&o.Duration, "duration", 5*time.Second, "length of each phase in each round")
	fs.IntVar(&o.Rounds, "rounds", 3, "rounds: the phases run in turn this many times; rates are medians of the rounds")
	fs.IntVar(&o.Requests, "requests", 0, "requests per phase instead of --duration")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "uncounted warm-up before each phase")
	mix := fs.String("mix", "point=70,parcel=20,layer=10", "shares of the mix phase: "+strings.Join(load.Kinds, ", "))
	phases := fs.String("phases", "bare,echo,point,mix", "phases to run, in order: mix, "+strings.Join(load.Phases, ", "))
	area := fs.String("area", "", "minLon,minLat,maxLon,maxLat where checks and layer boxes fall (default: Zhonglou District's box)")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed of the request mix")
	fs.BoolVar(&o.jsonOut, "json", false, "print the results as JSON")
	fs.DurationVar(&o.startupWait, "startup-timeout", 10*time.Minute, "with --start: how long the server may take to load")
	compareDemo := fs.Bool("compare-demo", false, "with --start --data: also start a server with the demo layers and drive both in turn, to compare province with district scale")
	serveChild := fs.Bool("serve-child", false, "(internal) run the server that --start drives")
	serveBare := fs.Bool("serve-bare", false, "(internal) run the bare echo server")
	childAddr := fs.String("child-addr", "127.0.0.1:0", "(internal) listen address of --serve-child")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *serveBare {
		return benchServeBare(ctx, *childAddr, stdout)
	}
	if *serveChild {
		return benchServeChild(ctx, *childAddr, childSpec{dataDir: o.dataDir, databaseURL: o.databaseURL, cacheMB: *cacheMB}, stdout, stderr)
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
		p = strings.TrimSpace(p)
		if p != "mix" && !slices.Contains(load.Phases, p) {
			return bad("--phases: unknown phase %q (mix, %s)", p, strings.Join(load.Phases, ", "))
		}
		o.Phases = append(o.Phases, p)
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
	case (o.dataDir != "" || o.databaseURL != "" || *cacheMB >= 0) && !o.start:
		return bad("--data, --database-url and --layer-cache-mb go with --start")
	case o.dataDir != "" && o.databaseURL != "":
		return bad("--data (the embedded store) or --database-url (PostGIS), not both")
	case *compareDemo && o.dataDir == "":
		return bad("--compare-demo goes with --start --data DIR")
	case *compareURL != "" && o.databaseURL == "":
		return bad("--compare-database-url goes with --start --database-url")
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

	if !o.start {
		if err := checkLoopback(o.url); err != nil {
			return bad("%v", err)
		}
	}
	var children []*load.Child
	urls := []string{o.url}
	if o.start {
		specs := []childSpec{{dataDir: o.dataDir, databaseURL: o.databaseURL, cacheMB: *cacheMB}}
		if *compareDemo {
			specs = append(specs, childSpec{cacheMB: *cacheMB})
		}
		if *compareURL != "" {
			specs = append(specs, childSpec{databaseURL: *compareURL, cacheMB: *cacheMB})
		}
		urls = nil
		for _, spec := range specs {
			child, err := startBenchChild(ctx, spec, o.startupWait, stderr)
			if err != nil {
				return err
			}
			defer child.Stop()
			children = append(children, child)
			urls = append(urls, child.URL)
		}
	}
	if slices.Contains(o.Phases, "bare") {
		bare, err := startBenchChild(ctx, childSpec{bare: true}, time.Minute, stderr)
		if err != nil {
			return err
		}
		defer bare.Stop()
		o.BareURL = bare.URL
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

// benchComparison sets the first server (the larger data: province or
// nation) against the second (the district), phase by phase, measured in
// the same rounds: requests/s and p99 of the first over the second's.
type benchComparison struct {
	Phases []phaseComparison `json:"phases"`
	// The point phase's, as before.
	PointP99Ratio  float64 `json:"point_p99_province_over_district"`
	PointP50Ratio  float64 `json:"point_p50_province_over_district"`
	PointRateRatio float64 `json:"point_rate_province_over_district"`
}

type phaseComparison struct {
	Phase     string  `json:"phase"`
	RateRatio float64 `json:"rate_first_over_second"`
	P99Ratio  float64 `json:"p99_first_over_second"`
	P50Ratio  float64 `json:"p50_first_over_second"`
}

func compare(big, dist *load.Result) *benchComparison {
	c := &benchComparison{}
	for _, bp := range big.Phases {
		for _, dp := range dist.Phases {
			p, d := bp.Total, dp.Total
			if bp.Phase != dp.Phase || bp.Phase == "bare" || d.P99Ms == 0 || d.PerSec == 0 || d.P50Ms == 0 {
				continue
			}
			pc := phaseComparison{Phase: bp.Phase, RateRatio: p.PerSec / d.PerSec, P99Ratio: p.P99Ms / d.P99Ms, P50Ratio: p.P50Ms / d.P50Ms}
			c.Phases = append(c.Phases, pc)
			if bp.Phase == "point" {
				c.PointP99Ratio, c.PointP50Ratio, c.PointRateRatio = pc.P99Ratio, pc.P50Ratio, pc.RateRatio
			}
		}
	}
	if len(c.Phases) == 0 {
		return nil
	}
	return c
}

func (c *benchComparison) print(w io.Writer) {
	fmt.Fprintf(w, "\nfirst (the larger data) against second (the district), same rounds (target: p99 ≤ 2×, rates ≥ 0.5×):\n")
	fmt.Fprintf(w, "%-7s %12s %10s %10s\n", "phase", "req/s ratio", "p99 ratio", "p50 ratio")
	for _, p := range c.Phases {
		fmt.Fprintf(w, "%-7s %12.2f %10.2f %10.2f\n", p.Phase, p.RateRatio, p.P99Ratio, p.P50Ratio)
	}
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

// --- the report ---------------------------------------------------------

// printResult writes what a run measured of one target: the table and the
// summary lines.
func printResult(w io.Writer, r *load.Result) {
	fmt.Fprintf(w, "target %s, %d connections, %d rounds, client GOMAXPROCS %d\n", r.URL, r.Connections, r.Rounds, r.GOMAXPROCS)
	if r.ServerLoad != "" {
		fmt.Fprintf(w, "server: %s\n", r.ServerLoad)
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
	rounds := func(xs []float64) string {
		rs := make([]string, len(xs))
		for i, x := range xs {
			rs[i] = fmt.Sprintf("%.2f", x)
		}
		return strings.Join(rs, ", ")
	}
	if r.PointVsBare > 0 {
		fmt.Fprintf(w, "point checks / bare echo throughput: %.2f, median of rounds %s (target: ≥ 0.5 at 64 connections)\n", r.PointVsBare, rounds(r.PointVsBareRounds))
		fmt.Fprintf(w, "point check p99 / bare echo p99: %.2f×, median of rounds %s (target: ≤ 1.3×)\n", r.P99VsBare, rounds(r.P99VsBareRounds))
	}
	if r.PointVsEcho > 0 {
		fmt.Fprintf(w, "point checks / echo through the middleware: %.2f, median of rounds %s\n", r.PointVsEcho, rounds(r.PointVsEchoRounds))
	}
	for _, p := range r.Phases {
		if len(p.P99MsRounds) > 0 {
			fmt.Fprintf(w, "%s p99 by round: %s ms\n", p.Phase, rounds(p.P99MsRounds))
		}
	}
	if r.ServerPeakRSSMB > 0 {
		fmt.Fprintf(w, "server peak RSS (VmHWM): %.0f MB\n", r.ServerPeakRSSMB)
	}
}
