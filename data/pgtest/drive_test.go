package pgtest_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// A closed-loop HTTP load driver for the side-by-side benchmark: conns
// keep-alive connections, each sending its next request as soon as the
// last is answered, for a fixed time. Request i's path comes from a
// function of i, so that two servers driven in turn get the same
// sequence of requests (the same boxes, the same tiles).

// runStats is what one timed run measured.
type runStats struct {
	n, errs   int
	firstErr  string
	bytes     int64
	hits      int // X-Cache: hit (ecospace's response cache)
	secs      float64
	lat       []time.Duration
	cpuServer float64 // seconds of the server process's CPU
	cpuPG     float64 // seconds of PostgreSQL's CPU (the database's backends)
}

func (r runStats) rate() float64 { return float64(r.n) / r.secs }

// pct is a latency percentile in ms.
func (r runStats) pct(p float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	i := min(len(s)-1, max(0, int(p*float64(len(s))+0.5)-1))
	return float64(s[i]) / 1e6
}

// newClient is a client for one run: plain bodies (no Accept-Encoding:
// no server compresses), at most conns connections.
func newClient(conns int) (*http.Client, *http.Transport) {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, tr
}

// driveRun sends requests base+path(first), base+path(first+1), … over
// conns connections for d and measures them.
func driveRun(ctx context.Context, base string, path func(i int) string, conns int, d time.Duration, first int) runStats {
	client, tr := newClient(conns)
	defer tr.CloseIdleConnections()
	var next atomic.Int64
	next.Store(int64(first))
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var out runStats
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine runStats
			mine.lat = make([]time.Duration, 0, 4096)
			buf := make([]byte, 32<<10)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				t0 := time.Now()
				nb, hit, err := fetch(ctx, client, base+path(i), buf)
				dt := time.Since(t0)
				if err != nil {
					mine.errs++
					if mine.firstErr == "" {
						mine.firstErr = err.Error()
					}
					continue
				}
				mine.n++
				mine.bytes += nb
				if hit {
					mine.hits++
				}
				mine.lat = append(mine.lat, dt)
			}
			mu.Lock()
			out.n += mine.n
			out.errs += mine.errs
			out.bytes += mine.bytes
			out.hits += mine.hits
			out.lat = append(out.lat, mine.lat...)
			if out.firstErr == "" {
				out.firstErr = mine.firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.secs = time.Since(start).Seconds()
	return out
}

// fetch GETs url and reads the whole body; anything but 200 is an error.
func fetch(ctx context.Context, client *http.Client, url string, buf []byte) (int64, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, false, err
	}
	n, err := io.CopyBuffer(io.Discard, resp.Body, buf)
	resp.Body.Close()
	if err != nil {
		return n, false, err
	}
	if resp.StatusCode != http.StatusOK {
		return n, false, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return n, resp.Header.Get("X-Cache") == "hit", nil
}

// getBody GETs url and returns its body (for the content checks).
func getBody(url string) ([]byte, error) {
	client, tr := newClient(1)
	defer tr.CloseIdleConnections()
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.300s", url, resp.Status, b)
	}
	return b, nil
}

// proc is a server started as a child process for a benchmark.
type proc struct {
	name string
	base string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	log  string
}

// freePort finds a loopback port no one listens on.
func freePort(tb testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startProc starts cmd (its output to a log file) and waits until GET
// base+ready answers 200; it is stopped when the benchmark ends.
func startProc(tb testing.TB, name, base, ready string, cmd *exec.Cmd) *proc {
	tb.Helper()
	p := &proc{name: name, base: base, cmd: cmd, log: filepath.Join(tb.TempDir(), name+".log")}
	f, err := os.Create(p.log)
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); f.Close(); close(done) }()
	tb.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			tb.Fatalf("%s stopped before it was ready:\n%s", name, logTail(p.log))
		default:
		}
		if _, err := getBody(base + ready); err == nil {
			return p
		}
		time.Sleep(200 * time.Millisecond)
	}
	tb.Fatalf("%s not ready after 2 minutes:\n%s", name, logTail(p.log))
	return nil
}

// logTail is the end of a log file.
func logTail(path string) string {
	b, _ := os.ReadFile(path)
	return string(b[max(0, len(b)-2000):])
}

// moduleRoot is the directory of go.mod.
func moduleRoot(tb testing.TB) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		tb.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// buildEcospace builds this module's binary for a benchmark to run as a
// child process, like the peers it is compared with.
func buildEcospace(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "ecospace")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/ecospace")
	cmd.Dir = moduleRoot(tb)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build ./cmd/ecospace: %v\n%s", err, out)
	}
	return bin
}
