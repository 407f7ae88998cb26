package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReplicaBehindHAProxy runs the deployment scripts/deploy/ describes, for
// real: a PostgreSQL primary and a hot standby streaming from it, two
// ecospace instances started with ecospace@.service's ExecStart line and
// the keys of ecospace.env (imports, audit and keys on the primary, reads
// on the standby), and HAProxy with haproxy.cfg in front of them. Then:
//
//   - reads through HAProxy are answered by the standby;
//   - a layer imported through one instance is served by the other;
//   - with the standby's replay paused (it lags), a check and a map read
//     right after an import through the instance that made it use the new
//     versions, source and derived layer alike, from the primary; through
//     the other instance they never mix versions, and once it has heard of
//     the import (NOTIFY), they too use the new ones;
//   - with the standby down, reads and checks go on (from the primary);
//   - with the primary down, checks fail closed (503, no verdict) while
//     map reads go on from the standby; once the primary is back, checks
//     are answered again within 5 s.
func TestReplicaBehindHAProxy(t *testing.T) {
	haproxy := findHAProxy(t)
	root := moduleRoot(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "ecospace")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ecospace")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	primary := newPrimary(t)
	primary.exec("postgres", "CREATE DATABASE ecospace")
	primary.exec("ecospace", "CREATE EXTENSION postgis")
	run(t, bin, "import", "--demo", "--migrate", "--database-url", primary.url("ecospace"))
	key := strings.TrimSpace(run(t, bin, "keys", "create", "--scope", "admin", "--name", "deploy-test", "--database-url", primary.url("ecospace")))
	standby := newStandby(t, primary)
	waitReplayed(t, primary, standby)
	t.Logf("primary on port %d, standby on %d", primary.port, standby.port)
	if standby.queryString("postgres", "SELECT pg_is_in_recovery()::text") != "true" {
		t.Fatal("the standby is not in recovery")
	}

	// Two instances as ecospace@.service starts them.
	env := renderEnv(t, filepath.Join(root, "scripts", "deploy", "ecospace.env"), map[string]string{
		"DATABASE_URL": primary.url("ecospace"), "DATABASE_READ_URL": standby.url("ecospace")})
	pa, pb := freePort(t), freePort(t)
	a := startInstance(t, "a", execStart(t, filepath.Join(root, "scripts", "deploy", "ecospace@.service"), bin, pa, env), pa)
	b := startInstance(t, "b", execStart(t, filepath.Join(root, "scripts", "deploy", "ecospace@.service"), bin, pb, env), pb)
	t.Logf("instances a %s, b %s", a, b)

	// HAProxy with haproxy.cfg, its addresses replaced by free ports.
	lbPort := freePort(t)
	src, err := os.ReadFile(filepath.Join(root, "scripts", "deploy", "haproxy.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(src)
	for from, to := range map[string]int{"127.0.0.1:8080": lbPort, "127.0.0.1:8081": pa, "127.0.0.1:8082": pb} {
		if !strings.Contains(cfg, from) {
			t.Fatalf("haproxy.cfg does not name %s", from)
		}
		cfg = strings.ReplaceAll(cfg, from, fmt.Sprintf("127.0.0.1:%d", to))
	}
	cfgPath := filepath.Join(tmp, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(haproxy, "-c", "-f", cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
	lb := fmt.Sprintf("http://127.0.0.1:%d", lbPort)
	startDaemon(t, "haproxy", []string{haproxy, "-db", "-f", cfgPath}, lb+"/healthz")

	client := &http.Client{Timeout: 20 * time.Second}
	box := 0
	mapRead := func(base string) (int, string) { // a box never asked before: not from a cache
		box++
		x := 119.74 + float64(box%40)*0.004
		y := 31.75 + float64(box/40%20)*0.004
		resp, err := client.Get(fmt.Sprintf("%s/api/v1/layers/green-corridors/features?zoom=13&bbox=%.4f,%.4f,%.4f,%.4f", base, x, y, x+0.01, y+0.01))
		if err != nil {
			t.Fatalf("map read: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("X-Layer-Version")
	}

	// Reads go to the standby.
	before := standbyReads(t, standby)
	for range 20 {
		if code, _ := mapRead(lb); code != 200 {
			t.Fatalf("map read through HAProxy: %d", code)
		}
	}
	waitFor(t, 10*time.Second, "the standby to count the reads", func() bool { return standbyReads(t, standby)-before >= 20 })
	if got := check(t, client, lb); got.status != 200 || got.verdict == "" {
		t.Fatalf("a check through HAProxy: %+v", got)
	}

	// An import through A is served by B.
	up := upload(t, client, a, key, root, "2024-01-01")
	if up.Version != 2 || len(up.Derived) != 1 || up.Derived[0].Version != 2 {
		t.Fatalf("upload through A: %+v", up)
	}
	if code, v := mapReadLayer(t, client, b, "xinmeng-river"); code != 200 || v != "2" {
		t.Errorf("B after the import through A: %d, version %s", code, v)
	}

	// The standby lags (replay paused): a check and a map read right after
	// the next import use the new versions, from the primary.
	standby.exec("postgres", "SELECT pg_wal_replay_pause()")
	up = upload(t, client, a, key, root, "2025-01-01")
	if up.Version != 3 || up.Derived[0].Version != 3 {
		t.Fatalf("second upload: %+v", up)
	}
	// Through A, which made the import, at once.
	if got := check(t, client, a); got.status != 200 || got.layers["xinmeng-river"] != 3 || got.layers["xinmeng-band"] != 3 {
		t.Errorf("a check through A right after its import, the standby lagging: %d, layers %v", got.status, got.layers)
	}
	if code, v := mapReadLayer(t, client, a, "xinmeng-river"); code != 200 || v != "3" {
		t.Errorf("a map read through A right after its import: %d, version %s", code, v)
	}
	// Through B (and HAProxy), which hears of it by NOTIFY: never a mix of
	// the two imports' versions, the answer saying which it used; once B
	// has heard (it says version 3 once), every read is version 3 though
	// the standby still has version 2.
	heard := time.Duration(0)
	for start := time.Now(); time.Since(start) < 5*time.Second; {
		got := check(t, client, b)
		if got.status != 200 || got.layers["xinmeng-river"] != got.layers["xinmeng-band"] || got.layers["xinmeng-river"] < 2 {
			t.Fatalf("a check through B after the import: %d, layers %v: a mix of versions", got.status, got.layers)
		}
		if got.layers["xinmeng-river"] == 3 {
			heard = time.Since(start)
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("B used the new versions %s after the import's answer", heard.Round(time.Microsecond))
	for _, base := range []string{b, lb, lb, a} {
		got := check(t, client, base)
		if got.status != 200 || got.layers["xinmeng-river"] != 3 || got.layers["xinmeng-band"] != 3 {
			t.Errorf("a check through %s after the import, the standby lagging: %d, layers %v", base, got.status, got.layers)
		}
		if code, v := mapReadLayer(t, client, base, "xinmeng-river"); code != 200 || v != "3" {
			t.Errorf("a map read through %s after the import, the standby lagging: %d, version %s", base, code, v)
		}
	}
	if v := standby.queryString("ecospace", "SELECT max(version)::text FROM layer_versions WHERE layer_id = 'xinmeng-river'"); v != "2" {
		t.Errorf("the paused standby has xinmeng-river version %s: it did not lag, the test proves nothing", v)
	}
	standby.exec("postgres", "SELECT pg_wal_replay_resume()")
	waitReplayed(t, primary, standby)
	before = standbyReads(t, standby)
	for range 10 {
		mapRead(lb)
	}
	waitFor(t, 10*time.Second, "reads to go back to the standby once it has caught up", func() bool { return standbyReads(t, standby)-before >= 10 })

	// The standby down: reads and checks go on, from the primary.
	standby.stop()
	for i := range 10 {
		if code, _ := mapRead(lb); code != 200 {
			t.Errorf("map read %d with the standby down: %d", i, code)
		}
		if got := check(t, client, lb); got.status != 200 {
			t.Errorf("check %d with the standby down: %+v", i, got)
		}
	}
	standby.start()
	waitReplayed(t, primary, standby)

	// The primary down: checks fail closed, map reads go on.
	primary.stop()
	downAt := time.Now()
	for i := range 10 {
		if code, _ := mapRead(lb); code != 200 {
			t.Errorf("map read %d with the primary down: %d", i, code)
		}
		if code, _ := mapReadLayer(t, client, lb, "xinmeng-river"); code != 200 {
			t.Errorf("layer read %d with the primary down: %d", i, code)
		}
		got := check(t, client, lb)
		if got.status != http.StatusServiceUnavailable || got.verdict != "" || got.retryAfter == "" || !strings.Contains(got.ctype, "problem+json") {
			t.Errorf("check %d with the primary down: %+v; want 503 problem+json with Retry-After, no verdict", i, got)
		}
	}
	t.Logf("with the primary down for %s: map reads 200, checks 503", time.Since(downAt).Round(time.Millisecond))
	primary.start()
	back := time.Now()
	var recovered time.Duration
	for time.Since(back) < 15*time.Second {
		if got := check(t, client, lb); got.status == 200 {
			recovered = time.Since(back)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if recovered == 0 || recovered > 5*time.Second {
		t.Errorf("checks answered again %s after the primary came back; want within 5 s", recovered)
	}
	t.Logf("checks answered again %s after the primary came back", recovered.Round(time.Millisecond))
}

func findHAProxy(t *testing.T) string {
	if p, err := exec.LookPath("haproxy"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/haproxy"); err == nil {
		return "/usr/sbin/haproxy"
	}
	t.Fatal("haproxy not found: on Debian, as root, `apt-get install -y haproxy` (scripts/test-deps.sh does)")
	return ""
}

// run runs the ecospace binary and returns its stdout.
func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ecospace %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// renderEnv reads an EnvironmentFile and gives its keys the values in
// set, each of which the file must name.
func renderEnv(t *testing.T, path string, set map[string]string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not KEY=VALUE", path, line)
		}
		env[k] = v
	}
	for k, v := range set {
		if _, ok := env[k]; !ok {
			t.Fatalf("%s does not set %s", path, k)
		}
		env[k] = v
	}
	return env
}

// execStart reads the unit's ExecStart line and makes it a command line:
// the binary built here, %i the port, ${VAR} from env.
func execStart(t *testing.T, unit, bin string, port int, env map[string]string) []string {
	src, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ExecStart=(\S+)\s+(.*)$`).FindStringSubmatch(string(src))
	if m == nil {
		t.Fatalf("%s has no ExecStart line", unit)
	}
	argv := []string{bin}
	for _, f := range strings.Fields(m[2]) {
		f = strings.ReplaceAll(f, "%i", strconv.Itoa(port))
		f = regexp.MustCompile(`\$\{(\w+)\}`).ReplaceAllStringFunc(f, func(v string) string {
			val, ok := env[v[2:len(v)-1]]
			if !ok {
				t.Fatalf("%s: %s is not set by the environment file", unit, v)
			}
			return val
		})
		argv = append(argv, f)
	}
	return argv
}

// startInstance starts an ecospace instance and returns its base URL.
func startInstance(t *testing.T, name string, argv []string, port int) string {
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	startDaemon(t, "ecospace-"+name, argv, base+"/healthz")
	return base
}

// startDaemon starts argv, its output to a log file, waits until ready
// answers 200, and stops it (SIGTERM) when the test ends.
func startDaemon(t *testing.T, name string, argv []string, ready string) string {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); f.Close(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(40 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log (end):\n%s", name, b[max(0, len(b)-4000):])
		}
	})
	waitFor(t, time.Minute, name+" to answer "+ready, func() bool {
		select {
		case <-done:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("%s exited:\n%s", name, b)
		default:
		}
		resp, err := http.Get(ready)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return logPath
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", d, what)
}

// standbyReads is how many transactions the standby's ecospace database
// has committed: reads, since a standby takes no writes.
func standbyReads(t *testing.T, standby *pgNode) int {
	n, _ := strconv.Atoi(standby.queryString("postgres", "SELECT sum(xact_commit)::text FROM pg_stat_database WHERE datname = 'ecospace'"))
	return n
}

type checkAnswer struct {
	status            int
	verdict, ctype    string
	retryAfter, ptype string
	layers            map[string]int64
}

const riverCheck = `{"geometry":{"type":"Point","coordinates":[119.761976,31.784743]},"category":"chemical","reference":"deploy-test"}`

func check(t *testing.T, client *http.Client, base string) checkAnswer {
	t.Helper()
	resp, err := client.Post(base+"/api/v1/checks", "application/json", strings.NewReader(riverCheck))
	if err != nil {
		t.Fatalf("check through %s: %v", base, err)
	}
	defer resp.Body.Close()
	var body struct {
		Verdict string `json:"verdict"`
		Type    string `json:"type"`
		Layers  []struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		} `json:"layers"`
	}
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &body)
	a := checkAnswer{status: resp.StatusCode, verdict: body.Verdict, ctype: resp.Header.Get("Content-Type"),
		retryAfter: resp.Header.Get("Retry-After"), ptype: body.Type, layers: map[string]int64{}}
	for _, l := range body.Layers {
		a.layers[l.ID] = l.Version
	}
	return a
}

func mapReadLayer(t *testing.T, client *http.Client, base, layer string) (int, string) {
	resp, err := client.Get(base + "/api/v1/layers/" + layer + "/features?zoom=12")
	if err != nil {
		t.Fatalf("map read: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("X-Layer-Version")
}

type uploaded struct {
	Version int64 `json:"version"`
	Derived []struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
	} `json:"derived"`
}

// upload puts the demo river as a new version of xinmeng-river (which
// makes a new version of the band derived from it too).
func upload(t *testing.T, client *http.Client, base, key, root, validFrom string) uploaded {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(root, "data", "demo", "xinmeng-river.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, base+"/api/v1/layers/xinmeng-river?backdate=true&valid_from="+validFrom, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/geo+json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("upload through %s: %d %s", base, resp.StatusCode, b)
	}
	var u uploaded
	if err := json.Unmarshal(b, &u); err != nil {
		t.Fatalf("upload answer %s: %v", b, err)
	}
	return u
}
