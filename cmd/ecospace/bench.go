package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/gen"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/internal/gctune"
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

// benchKinds are the kinds of request a mix names.
var benchKinds = []string{"point", "parcel", "layer", "tile"}

type benchOptions struct {
	url         string
	start       bool
	dataDir     string
	conns       int
	duration    time.Duration
	requests    int
	warmup      time.Duration
	mix         map[string]int
	phases      []string
	area        orb.Bound
	seed        uint64
	jsonOut     bool
	startupWait time.Duration
	rounds      int
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
	fs.IntVar(&o.conns, "connections", 64, "concurrent keep-alive connections")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "length of each phase in each round")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds: the phases run in turn this many times; rates are medians of the rounds")
	fs.IntVar(&o.requests, "requests", 0, "requests per phase instead of --duration")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "uncounted warm-up before each phase")
	mix := fs.String("mix", "point=70,parcel=20,layer=10", "shares of the mix phase: point, parcel, layer, tile")
	phases := fs.String("phases", "echo,point,mix", "phases to run, in order: echo, point, mix")
	area := fs.String("area", "", "minLon,minLat,maxLon,maxLat where checks and layer boxes fall (default: Zhonglou District's box)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed of the request mix")
	fs.BoolVar(&o.jsonOut, "json", false, "print the results as JSON")
	fs.DurationVar(&o.startupWait, "startup-timeout", 10*time.Minute, "with --start: how long the server may take to load")
	compareDemo := fs.Bool("compare-demo", false, "with --start --data: also start a server with the demo layers and drive both in turn, to compare province with district scale")
	serveChild := fs.Bool("serve-child", false, "(internal) run the server that --start drives")
	childAddr := fs.String("child-addr", "127.0.0.1:0", "(internal) listen address of --serve-child")
	if err := fs.Parse(args); err != nil {
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
	if o.mix, err = parseMix(*mix); err != nil {
		return bad("--mix: %v", err)
	}
	for _, p := range strings.Split(*phases, ",") {
		switch p = strings.TrimSpace(p); p {
		case "echo", "point", "mix":
			o.phases = append(o.phases, p)
		default:
			return bad("--phases: unknown phase %q (echo, point, mix)", p)
		}
	}
	o.area = gen.District
	if *area != "" {
		b, err := server.ParseBBox(*area, "area")
		if err != nil || b == nil {
			return bad("--area %q is not minLon,minLat,maxLon,maxLat", *area)
		}
		o.area = *b
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q", fs.Arg(0))
	case o.start == (o.url != ""):
		return bad("give --url of a running server or --start, not both")
	case o.dataDir != "" && !o.start:
		return bad("--data goes with --start")
	case o.conns < 1 || o.conns > 10_000:
		return bad("--connections must be 1 to 10000")
	case o.requests < 0 || (o.requests == 0 && (o.duration <= 0 || o.duration > time.Hour)):
		return bad("--duration must be positive and at most 1h (or give --requests)")
	case o.rounds < 1 || o.rounds > 100:
		return bad("--rounds must be 1 to 100")
	case o.warmup < 0 || o.warmup > 10*time.Minute:
		return bad("--warmup must be 0 to 10m")
	}

	if *compareDemo && (!o.start || o.dataDir == "") {
		return bad("--compare-demo goes with --start --data DIR")
	}
	var children []*benchChild
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
			defer child.stop()
			children = append(children, child)
			urls = append(urls, child.url)
		}
	}
	for _, u := range urls {
		if err := checkLoopback(u); err != nil {
			return bad("%v", err)
		}
	}
	results, err := benchRunTargets(ctx, o, urls, stderr)
	if err != nil {
		return err
	}
	for i, c := range children {
		results[i].ServerPeakRSSMB = c.peakRSS()
		results[i].ServerLoad = c.loadInfo
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
		r.print(stdout)
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

func compare(prov, dist *benchResult) *benchComparison {
	find := func(r *benchResult) *kindStats {
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
		if !slices.Contains(benchKinds, k) {
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

type benchChild struct {
	cmd      *exec.Cmd
	url      string
	loadInfo string
	done     chan struct{}
	hwm      atomic.Int64 // kB, last VmHWM read
}

func startBenchChild(ctx context.Context, o benchOptions, stderr io.Writer) (*benchChild, error) {
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
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &benchChild{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(c.done) }()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "ready "); ok {
				addr, info, _ := strings.Cut(rest, " ")
				c.url, c.loadInfo = "http://"+addr, info
				ready <- nil
				io.Copy(io.Discard, out)
				return
			}
		}
		ready <- errors.New("the server stopped before it was ready")
	}()
	fmt.Fprintf(stderr, "bench: starting the server (pid %d)…\n", cmd.Process.Pid)
	select {
	case err := <-ready:
		if err != nil {
			c.stop()
			return nil, err
		}
	case <-time.After(o.startupWait):
		c.stop()
		return nil, fmt.Errorf("the server was not ready after %s", o.startupWait)
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
	go func() { // VmHWM is gone once the process exits: keep reading it
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			c.readHWM()
			select {
			case <-t.C:
			case <-c.done:
				return
			}
		}
	}()
	fmt.Fprintf(stderr, "bench: server ready at %s (%s)\n", c.url, c.loadInfo)
	return c, nil
}

func (c *benchChild) readHWM() {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					c.hwm.Store(kb)
				}
			}
		}
	}
}

func (c *benchChild) peakRSS() float64 {
	c.readHWM()
	return float64(c.hwm.Load()) / 1024
}

// stop ends the child (only it: it was started here) and waits for it.
func (c *benchChild) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
	}
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
		if err := demo.Load(ctx, mem, man, data.ImportOptions{ValidFrom: DemoValidFrom}); err != nil {
			return err
		}
	} else {
		wkb, err := gen.Load(ctx, mem, dataDir, DemoValidFrom, nil)
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
	fmt.Fprintf(stdout, "ready %s %s\n", ln.Addr(), info)
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

// --- the load -----------------------------------------------------------

// benchRequest is one prepared request.
type benchRequest struct {
	kind   string
	method string
	path   string
	body   []byte
}

// workload holds prepared requests of each kind, drawn at random.
type workload struct {
	byKind map[string][]benchRequest
	cum    []int // cumulative shares, over kinds
	kinds  []string
}

func (w *workload) pick(rng *rand.Rand) *benchRequest {
	n := rng.IntN(w.cum[len(w.cum)-1])
	i := sort.SearchInts(w.cum, n+1)
	reqs := w.byKind[w.kinds[i]]
	return &reqs[rng.IntN(len(reqs))]
}

func newWorkload(byKind map[string][]benchRequest, mix map[string]int) (*workload, error) {
	w := &workload{byKind: byKind}
	total := 0
	for _, k := range append([]string{"echo"}, benchKinds...) {
		if mix[k] == 0 {
			continue
		}
		if len(byKind[k]) == 0 {
			return nil, fmt.Errorf("no %s requests could be prepared", k)
		}
		total += mix[k]
		w.kinds = append(w.kinds, k)
		w.cum = append(w.cum, total)
	}
	return w, nil
}

// prepare builds pools of requests: point and parcel checks at random
// places in the area, with the server's categories, and layer reads.
func prepare(ctx context.Context, client *http.Client, base string, o benchOptions) (map[string][]benchRequest, error) {
	rng := rand.New(rand.NewPCG(o.seed, 99))
	var cats struct {
		Categories []struct {
			ID string `json:"id"`
		} `json:"categories"`
	}
	if err := getJSON(ctx, client, base+"/api/v1/categories", &cats); err != nil {
		return nil, err
	}
	if len(cats.Categories) == 0 {
		return nil, errors.New("the server lists no categories")
	}
	var layers struct {
		Layers []geo.LayerInfo `json:"layers"`
	}
	if err := getJSON(ctx, client, base+"/api/v1/layers", &layers); err != nil {
		return nil, err
	}
	cat := func() string { return cats.Categories[rng.IntN(len(cats.Categories))].ID }
	randIn := func() (float64, float64) {
		return o.area.Min[0] + rng.Float64()*(o.area.Max[0]-o.area.Min[0]), o.area.Min[1] + rng.Float64()*(o.area.Max[1]-o.area.Min[1])
	}
	out := map[string][]benchRequest{}
	for i := 0; i < 4096; i++ {
		lon, lat := randIn()
		body := fmt.Sprintf(`{"geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"category":%q}`, lon, lat, cat())
		out["point"] = append(out["point"], benchRequest{kind: "point", method: http.MethodPost, path: "/api/v1/checks", body: []byte(body)})
	}
	for i := 0; i < 512; i++ {
		lon, lat := randIn()
		x, y := geo.ToGK(lon, lat)
		var sb strings.Builder
		fmt.Fprintf(&sb, `{"category":%q,"geometry":{"type":"Polygon","coordinates":[[`, cat())
		phase := rng.Float64() * 2 * math.Pi
		for k := 0; k <= 50; k++ {
			a := 2 * math.Pi * float64(k%50) / 50
			r := 150 + 40*math.Sin(5*a+phase) // an irregular parcel about 300 m across
			plon, plat := geo.FromGK(x+r*math.Cos(a), y+r*math.Sin(a))
			if k > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "[%.7f,%.7f]", plon, plat)
		}
		sb.WriteString("]]}}")
		out["parcel"] = append(out["parcel"], benchRequest{kind: "parcel", method: http.MethodPost, path: "/api/v1/checks", body: []byte(sb.String())})
	}
	// Layer reads as the map and other clients make them: whole layers at
	// overview zooms, the area's box at closer zooms and full resolution,
	// and a few small boxes (zoom-14 tiles) at full resolution. Tiles: the
	// area's tiles at zooms 10 to 14.
	a := o.area
	box := func(b orb.Bound) string {
		return fmt.Sprintf("%g,%g,%g,%g", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	}
	var smallBoxes []orb.Bound
	for i := 0; i < 4; i++ {
		lon, lat := randIn()
		smallBoxes = append(smallBoxes, maptile.At(orb.Point{lon, lat}, 14).Bound())
	}
	for _, l := range layers.Layers {
		p := "/api/v1/layers/" + url.PathEscape(l.ID)
		add := func(q string) {
			out["layer"] = append(out["layer"], benchRequest{kind: "layer", method: http.MethodGet, path: p + "/features?" + q})
		}
		whole := orb.Bound{Min: orb.Point{l.BBox[0], l.BBox[1]}, Max: orb.Point{l.BBox[2], l.BBox[3]}}
		add("zoom=8&bbox=" + box(whole))
		add("zoom=11&bbox=" + box(whole))
		add("zoom=13&bbox=" + box(a))
		add("zoom=15&bbox=" + box(a))
		add("bbox=" + box(a))
		for _, b := range smallBoxes {
			add("bbox=" + box(b))
		}
		for z := 10; z <= 14; z++ {
			lon, lat := randIn()
			t := maptile.At(orb.Point{lon, lat}, maptile.Zoom(z))
			out["tile"] = append(out["tile"], benchRequest{kind: "tile", method: http.MethodGet, path: fmt.Sprintf("%s/tiles/%d/%d/%d.mvt", p, z, t.X, t.Y)})
		}
	}
	return out, nil
}

func getJSON(ctx context.Context, client *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// kindStats are the results of one kind of request in one phase.
type kindStats struct {
	Kind      string  `json:"kind"`
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	PerSec    float64 `json:"per_second"` // median of the rounds
	PerSecMin float64 `json:"per_second_min,omitempty"`
	PerSecMax float64 `json:"per_second_max,omitempty"`
	P50Ms     float64 `json:"p50_ms"`
	P90Ms     float64 `json:"p90_ms"`
	P99Ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	MBPerSec  float64 `json:"mb_per_second"`
	FirstErr  string  `json:"first_error,omitempty"`
}

type phaseResult struct {
	Phase   string      `json:"phase"`
	Seconds float64     `json:"seconds"`
	Kinds   []kindStats `json:"kinds"`
	Total   kindStats   `json:"total"`
}

type benchResult struct {
	URL             string        `json:"url"`
	Connections     int           `json:"connections"`
	GOMAXPROCS      int           `json:"gomaxprocs"`
	Rounds          int           `json:"rounds"`
	ServerLoad      string        `json:"server_load,omitempty"`
	ServerPeakRSSMB float64       `json:"server_peak_rss_mb,omitempty"`
	Phases          []phaseResult `json:"phases"`
	// PointVsEcho is point checks/s over echo requests/s, the issue's
	// target being ≥ 0.5 at 64 connections.
	PointVsEcho       float64   `json:"point_vs_echo,omitempty"` // median over rounds
	PointVsEchoRounds []float64 `json:"point_vs_echo_rounds,omitempty"`
}

// maxSamples bounds the latencies a connection keeps per kind; beyond it
// a uniform (reservoir) sample is kept, so percentiles stay unbiased.
const maxSamples = 100_000

type sampler struct {
	lat   []time.Duration
	seen  int
	errs  int
	bytes int64
	max   time.Duration
	first string
	rng   *rand.Rand
}

func (s *sampler) add(d time.Duration, n int64) {
	s.seen++
	s.bytes += n
	s.max = max(s.max, d)
	if len(s.lat) < maxSamples {
		s.lat = append(s.lat, d)
		return
	}
	if j := s.rng.IntN(s.seen); j < len(s.lat) {
		s.lat[j] = d
	}
}

// benchTarget is one server being driven, and what it did so far.
type benchTarget struct {
	url    string
	loads  map[string]*workload
	accs   map[string]*phaseAcc
	ratios []float64
}

type phaseAcc struct {
	samplers map[string]*sampler
	rates    map[string][]float64
	seconds  float64
}

// benchRunTargets drives each server in turn, phase by phase, round after
// round, so that a change in what else the machine does touches every
// phase (and every server) alike; rates are the median of the rounds,
// latencies are over all of them.
func benchRunTargets(ctx context.Context, o benchOptions, urls []string, stderr io.Writer) ([]*benchResult, error) {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        o.conns * len(urls),
		MaxIdleConnsPerHost: o.conns,
		MaxConnsPerHost:     o.conns,
		IdleConnTimeout:     90 * time.Second,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	var targets []*benchTarget
	for _, u := range urls {
		base := strings.TrimRight(u, "/")
		reqs, err := prepare(ctx, client, base, o)
		if err != nil {
			return nil, fmt.Errorf("prepare the requests for %s: %w", u, err)
		}
		reqs["echo"] = []benchRequest{{kind: "echo", method: http.MethodGet, path: "/healthz"}}
		t := &benchTarget{url: base, loads: map[string]*workload{}, accs: map[string]*phaseAcc{}}
		for _, ph := range o.phases {
			mix := o.mix
			switch ph {
			case "echo":
				mix = map[string]int{"echo": 1}
			case "point":
				mix = map[string]int{"point": 1}
			}
			if t.loads[ph], err = newWorkload(reqs, mix); err != nil {
				return nil, err
			}
		}
		targets = append(targets, t)
	}
	for round := 0; round < o.rounds; round++ {
		for ti, t := range targets {
			rates := map[string]float64{}
			for _, ph := range o.phases {
				w := t.loads[ph]
				if round == 0 && o.warmup > 0 {
					fmt.Fprintf(stderr, "bench: %s %s: warming up for %s\n", t.url, ph, o.warmup)
					if _, _, err := drive(ctx, client, t.url, w, o.conns, o.warmup, 0, o.seed+1000); err != nil {
						return nil, err
					}
				}
				fmt.Fprintf(stderr, "bench: round %d/%d, %s %s: %d connections, %s\n", round+1, o.rounds, t.url, ph, o.conns, describeLength(o))
				got, secs, err := drive(ctx, client, t.url, w, o.conns, o.duration, o.requests, o.seed+uint64(round*100+ti*10+len(t.accs)))
				if err != nil {
					return nil, err
				}
				a := t.accs[ph]
				if a == nil {
					a = &phaseAcc{samplers: map[string]*sampler{}, rates: map[string][]float64{}}
					t.accs[ph] = a
				}
				a.seconds += secs
				total := 0
				for k, sm := range got {
					a.rates[k] = append(a.rates[k], float64(sm.seen)/secs)
					total += sm.seen
					if a.samplers[k] == nil {
						a.samplers[k] = &sampler{}
					}
					a.samplers[k].merge(sm)
				}
				a.rates["all"] = append(a.rates["all"], float64(total)/secs)
				rates[ph] = float64(total) / secs
			}
			if rates["echo"] > 0 && rates["point"] > 0 {
				t.ratios = append(t.ratios, rates["point"]/rates["echo"])
			}
		}
	}
	var out []*benchResult
	for _, t := range targets {
		res := &benchResult{URL: t.url, Connections: o.conns, GOMAXPROCS: runtime.GOMAXPROCS(0), Rounds: o.rounds}
		for _, ph := range o.phases {
			a := t.accs[ph]
			pr := phaseResult{Phase: ph, Seconds: a.seconds}
			all := &sampler{}
			for _, k := range t.loads[ph].kinds {
				sm := a.samplers[k]
				if sm == nil {
					sm = &sampler{}
				}
				pr.Kinds = append(pr.Kinds, summarize(k, sm, a.seconds, a.rates[k]))
				all.merge(sm)
			}
			pr.Total = summarize("all", all, a.seconds, a.rates["all"])
			res.Phases = append(res.Phases, pr)
		}
		if len(t.ratios) > 0 {
			res.PointVsEchoRounds = t.ratios
			res.PointVsEcho = median(t.ratios)
		}
		out = append(out, res)
	}
	return out, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func describeLength(o benchOptions) string {
	if o.requests > 0 {
		return fmt.Sprintf("%d requests", o.requests)
	}
	return o.duration.String()
}

// drive runs conns workers for d (or n requests in all) and returns what
// each kind of request did, and the seconds it took.
func drive(ctx context.Context, client *http.Client, base string, w *workload, conns int, d time.Duration, n int, seed uint64) (map[string]*sampler, float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var left atomic.Int64
	left.Store(int64(n))
	deadline := time.Now().Add(d)
	samplers := make([]map[string]*sampler, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < conns; c++ {
		rng := rand.New(rand.NewPCG(seed, uint64(c)))
		mine := map[string]*sampler{}
		samplers[c] = mine
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if n > 0 {
					if left.Add(-1) < 0 {
						return
					}
				} else if time.Now().After(deadline) {
					return
				}
				r := w.pick(rng)
				s := mine[r.kind]
				if s == nil {
					s = &sampler{rng: rand.New(rand.NewPCG(seed, 7)), lat: make([]time.Duration, 0, 1024)}
					mine[r.kind] = s
				}
				t0 := time.Now()
				nb, err := doRequest(ctx, client, base, r)
				dt := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					s.errs++
					if s.first == "" {
						s.first = err.Error()
					}
					continue
				}
				s.add(dt, nb)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	out := map[string]*sampler{}
	for _, k := range w.kinds {
		merged := &sampler{}
		for _, m := range samplers {
			if s := m[k]; s != nil {
				merged.merge(s)
			}
		}
		out[k] = merged
	}
	return out, elapsed, nil
}

// merge adds another sampler's counts and samples.
func (s *sampler) merge(o *sampler) {
	s.lat = append(s.lat, o.lat...)
	s.seen += o.seen
	s.errs += o.errs
	s.bytes += o.bytes
	s.max = max(s.max, o.max)
	if s.first == "" {
		s.first = o.first
	}
}

// summarize reports a kind: its rate is the median of the rounds' rates.
func summarize(kind string, s *sampler, elapsed float64, rates []float64) kindStats {
	ks := kindStats{Kind: kind, Requests: s.seen, Errors: s.errs, FirstErr: s.first, PerSec: median(rates)}
	if len(rates) > 1 {
		ks.PerSecMin, ks.PerSecMax = slices.Min(rates), slices.Max(rates)
	}
	if elapsed > 0 {
		ks.MBPerSec = float64(s.bytes) / 1e6 / elapsed
	}
	if len(s.lat) > 0 {
		slices.Sort(s.lat)
		q := func(p float64) float64 {
			i := min(len(s.lat)-1, int(math.Ceil(p*float64(len(s.lat))))-1)
			return float64(s.lat[max(i, 0)]) / 1e6
		}
		ks.P50Ms, ks.P90Ms, ks.P99Ms = q(0.50), q(0.90), q(0.99)
		ks.MaxMs = float64(s.max) / 1e6
	}
	return ks
}

// doRequest makes one request and reads the whole answer; anything but
// 200 (304 for none: no validators are sent) is an error.
func doRequest(ctx context.Context, client *http.Client, base string, r *benchRequest) (int64, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, body)
	if err != nil {
		return 0, err
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return n, err
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("%s %s: %s", r.method, r.path, resp.Status)
	}
	return n, nil
}

func (r *benchResult) print(w io.Writer) {
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
