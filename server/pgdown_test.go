package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// pgCluster is a PostgreSQL cluster of the test's own, in a temporary
// directory on a free port, that the test can stop and start without
// touching the machine's main cluster (which other tests use).
type pgCluster struct {
	t            *testing.T
	bin, dir     string
	port         int
	runAs        []string // runuser prefix when the test runs as root
	uid, gid     int
	url, logFile string
}

// pgBinDir finds PostgreSQL's server binaries: $ECOSPACE_PG_BINDIR, else
// the newest /usr/lib/postgresql/*/bin (Debian), else $PATH.
func pgBinDir() (string, error) {
	if d := os.Getenv("ECOSPACE_PG_BINDIR"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no PostgreSQL server binaries (pg_ctl, initdb): on Debian, as root, `apt-get install -y postgresql-15-postgis-3`, or set ECOSPACE_PG_BINDIR")
}

func newPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	bin, err := pgBinDir()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "ecospace-pgdown-")
	if err != nil {
		t.Fatal(err)
	}
	c := &pgCluster{t: t, bin: bin, dir: dir, logFile: filepath.Join(dir, "log")}
	t.Cleanup(func() {
		c.pgctl("stop", "-m", "immediate", "-w")
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, and there is no postgres user to run a private cluster as: %v", err)
		}
		c.uid, _ = strconv.Atoi(u.Uid)
		c.gid, _ = strconv.Atoi(u.Gid)
		c.runAs = []string{"runuser", "-u", "postgres", "--"}
		if err := os.Chown(dir, c.uid, c.gid); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(dir, 0o755)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	if out, err := c.cmd("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.start()
	return c
}

func (c *pgCluster) cmd(name string, args ...string) *exec.Cmd {
	argv := append(append([]string{}, c.runAs...), append([]string{filepath.Join(c.bin, name)}, args...)...)
	return exec.Command(argv[0], argv[1:]...)
}

func (c *pgCluster) pgctl(args ...string) ([]byte, error) {
	all := append([]string{"-D", filepath.Join(c.dir, "data"), "-l", c.logFile}, args...)
	return c.cmd("pg_ctl", all...).CombinedOutput()
}

func (c *pgCluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", c.port, c.dir)
	if out, err := c.pgctl("start", "-w", "-t", "60", "-o", opts); err != nil {
		log, _ := os.ReadFile(c.logFile)
		c.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// stop kills the server the way a crash or a pulled cable does: no
// goodbye to the clients.
func (c *pgCluster) stop() {
	c.t.Helper()
	if out, err := c.pgctl("stop", "-m", "immediate", "-w"); err != nil {
		c.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

type probe struct {
	start, end time.Time
	status     int
	retryAfter string
	ptype      string
	verdict    string
	err        error
}

// TestPostGISDownAndBack stops the database under a stream of checks:
// while it is down every check is a 503 problem with Retry-After (never a
// verdict), /readyz fails, and once it is back the service answers again
// by itself within 5 s.
func TestPostGISDownAndBack(t *testing.T) {
	pg := newPGCluster(t)
	man, err := data.DemoManifest()
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := geo.ParseRules(data.RulesFile())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	store, err := data.OpenPostGIS(ctx, pg.url, man, data.PGOptions{Migrate: true, AcquireTimeout: time.Second, StatementTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := data.LoadDemo(ctx, store, man, data.ImportOptions{ValidFrom: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(New(Config{Store: store, Rules: rules, Manifest: man, Log: discardLog()}))
	defer ts.Close()
	client := &http.Client{Timeout: 20 * time.Second}

	check := func() probe {
		p := probe{start: time.Now()}
		resp, err := client.Post(ts.URL+"/api/v1/checks", "application/json", strings.NewReader(riverCheck))
		p.end = time.Now()
		if err != nil {
			p.err = err
			return p
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		p.status, p.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
		var body struct {
			Type    string `json:"type"`
			Verdict string `json:"verdict"`
		}
		json.Unmarshal(b, &body)
		p.ptype, p.verdict = body.Type, body.Verdict
		if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
			p.err = fmt.Errorf("%d without problem+json", resp.StatusCode)
		}
		return p
	}
	ready := func() int {
		resp, err := client.Get(ts.URL + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	var mu sync.Mutex
	var probes []probe
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := check()
				mu.Lock()
				probes = append(probes, p)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}

	time.Sleep(time.Second)
	if got := ready(); got != 200 {
		t.Fatalf("readyz before the outage: %d", got)
	}
	pg.stop()
	downAt := time.Now()
	time.Sleep(3 * time.Second)
	if got := ready(); got != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database down: %d, want 503", got)
	}
	// A batch with the database down is a 503 too.
	resp, err := client.Post(ts.URL+"/api/v1/checks/batch", "application/geo+json", strings.NewReader(batchOf(5, nil)))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("batch with the database down: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	upAt := time.Now()
	pg.start()
	upDone := time.Now()

	// Recovery: the first 200 after the restart, by itself.
	var recovered time.Time
	for time.Since(upDone) < 15*time.Second {
		if p := check(); p.status == 200 {
			recovered = p.end
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	if recovered.IsZero() {
		t.Fatal("the service did not recover within 15 s of the database's restart")
	}
	if d := recovered.Sub(upDone); d > 5*time.Second {
		t.Errorf("recovered %s after the database came back; want within 5 s", d.Round(time.Millisecond))
	}
	if got := ready(); got != 200 {
		t.Errorf("readyz after recovery: %d", got)
	}

	counts := map[string]int{}
	for _, p := range probes {
		if p.err != nil {
			t.Errorf("check at %s: %v", p.start.Format("15:04:05.000"), p.err)
			continue
		}
		switch p.status {
		case 200:
			counts["200"]++
			if p.verdict != geo.EffectProhibited {
				t.Errorf("a 200 with verdict %q", p.verdict)
			}
			if p.start.After(downAt) && p.end.Before(upAt) {
				t.Errorf("a verdict (%s) was given while the database was down", p.verdict)
			}
		case http.StatusServiceUnavailable:
			counts["503"]++
			if p.retryAfter == "" || p.ptype != ProblemTypePrefix+"unavailable" || p.verdict != "" {
				t.Errorf("503 without Retry-After or of type %q", p.ptype)
			}
		default:
			t.Errorf("status %d (%s) at %s", p.status, p.ptype, p.start.Format("15:04:05.000"))
		}
	}
	if counts["503"] == 0 || counts["200"] == 0 {
		t.Errorf("probes %v: the outage was not seen", counts)
	}
	t.Logf("%d checks: %v; recovered %s after the restart finished", len(probes), counts, recovered.Sub(upDone).Round(time.Millisecond))
}
