package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data/pgtest"
)

// buildBinary builds cmd/ecospace once for the test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ecospace")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/ecospace")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runBinary runs one subcommand to the end and returns its stdout.
func runBinary(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ecospace %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// pgDemo makes a throwaway PostGIS database, imports the demo layers into
// it and creates an admin key named name; it returns the database URL and
// the key.
func pgDemo(t *testing.T, bin, name string) (db, admin string) {
	t.Helper()
	db = pgtest.NewDatabase(t)
	env := append(os.Environ(), "DATABASE_URL=", "ECOSPACE_KEYS_FILE=")
	runBinary(t, bin, env, "import", "--demo", "--migrate", "--database-url", db)
	admin = strings.TrimSpace(runBinary(t, bin, env, "keys", "create", "--scope", "admin", "--name", name, "--database-url", db))
	return db, admin
}

// freeAddr returns a loopback address that nothing listens on (it was
// free a moment ago), for a server or receiver started later.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// waitReady polls base/readyz every interval for up to a minute and says
// whether it answered 200.
func waitReady(base string, every time.Duration) bool {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(every) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
	}
	return false
}

// startReady starts cmd, serving at addr, with its stderr in logs, and
// waits until it is ready; it returns its base URL, or kills it and fails
// the test.
func startReady(t *testing.T, cmd *exec.Cmd, addr string, logs *bytes.Buffer) string {
	t.Helper()
	cmd.Env = append(os.Environ(), "DATABASE_URL=", "ECOSPACE_KEYS_FILE=", "GOGC=")
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + addr
	if !waitReady(base, 50*time.Millisecond) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the server did not become ready:\n%s", logs)
	}
	return base
}

// startProcess starts `ecospace serve` on the embedded store with the data
// directory dir and waits until it is ready; it returns the process and
// its base URL. The caller stops it.
func startProcess(t *testing.T, bin, dir string, logs *bytes.Buffer) (*exec.Cmd, string) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data-dir", dir, "--rate-limit", "0", "--log-level", "info")
	return cmd, startReady(t, cmd, addr, logs)
}

// pgServe starts `ecospace serve` on the PostGIS database db and waits
// until it is ready; the caller stops it.
func pgServe(t *testing.T, bin, db string, logs *bytes.Buffer, args ...string) (*exec.Cmd, string) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--database-url", db, "--rate-limit", "0", "--log-level", "info", "--data-dir", t.TempDir()}, args...)...)
	return cmd, startReady(t, cmd, addr, logs)
}

// serveBinary starts `ecospace serve` on a free loopback port and waits
// until it is ready.
func serveBinary(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Env = env
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	if !waitReady(base, 100*time.Millisecond) {
		t.Fatalf("the server did not become ready:\n%s", logs.String())
	}
	return base
}

// stoppable is a running `ecospace serve` that the test stops itself.
type stoppable struct {
	base string
	stop func()
}

// startStoppable starts `ecospace serve` on a free port, waits until it
// is ready, and returns it with a stop that ends it (SIGTERM, as a
// service manager would) and waits.
func startStoppable(t *testing.T, bin string, env []string, args ...string) *stoppable {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--rate-limit", "0"}, args...)...)
	cmd.Env = env
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	if !waitReady(base, 100*time.Millisecond) {
		t.Fatalf("the server did not become ready:\n%s", logs.String())
	}
	return &stoppable{base: base, stop: stop}
}

// crashable is `ecospace serve` on one PostGIS database that the test
// kills (SIGKILL, as a crash would) and starts again once on the same
// database with the same arguments.
type crashable struct {
	t            *testing.T
	bin, db      string
	args         []string
	show         int // how much of each log a failed test shows; -1: all
	logs1, logs2 bytes.Buffer
	proc         *exec.Cmd // the running process, nil once killed
	base         string    // the first process's base URL
}

// pgServeCrashable starts the first process and waits until it is ready;
// the caller defers stop.
func pgServeCrashable(t *testing.T, bin, db string, show int, args ...string) *crashable {
	t.Helper()
	c := &crashable{t: t, bin: bin, db: db, args: args, show: show}
	c.proc, c.base = pgServe(t, bin, db, &c.logs1, args...)
	return c
}

// kill ends the running process with SIGKILL and waits for it.
func (c *crashable) kill() {
	c.proc.Process.Kill()
	c.proc.Wait()
	c.proc = nil
}

// restart starts the second process and returns its base URL once it is
// ready.
func (c *crashable) restart() string {
	c.t.Helper()
	var base string
	c.proc, base = pgServe(c.t, c.bin, c.db, &c.logs2, c.args...)
	return base
}

// stop kills the running process, if any, and shows both logs when the
// test failed.
func (c *crashable) stop() {
	if c.proc != nil {
		c.kill()
	}
	if c.t.Failed() {
		c.t.Logf("first server:\n%s\nsecond server:\n%s", c.shown(&c.logs1), c.shown(&c.logs2))
	}
}

// shown is as much of logs as a failed test shows (show runes).
func (c *crashable) shown(logs *bytes.Buffer) string {
	if c.show < 0 {
		return logs.String()
	}
	return fmt.Sprintf("%.*s", c.show, logs.String())
}
