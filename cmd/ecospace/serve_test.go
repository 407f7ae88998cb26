package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestServeRefusesMalformedRules(t *testing.T) {
	bad := strings.Replace(string(data.RulesFile()), "effect: prohibited", "effect: forbidden", 1)
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--addr", freeAddr(t), "--rules", path}, &bytes.Buffer{}, &stderr)
	if code == 0 {
		t.Fatal("serve started with a malformed rules file")
	}
	if msg := stderr.String(); !strings.Contains(msg, "rules.yaml:") || !strings.Contains(msg, `"forbidden"`) {
		t.Errorf("error does not name the line and problem: %s", msg)
	}
}

// TestServeAndShutdown starts the real command, checks it answers, and
// stops it the way SIGTERM does.
func TestServeAndShutdown(t *testing.T) {
	t.Setenv("GOGC", "") // the operator's setting would turn off the GC tuning checked below
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--log-level", "warn", "--gc-headroom-mb", "4096"}, &bytes.Buffer{}, &stderr)
	}()
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ {
		if resp, err = http.Get("http://" + addr + "/readyz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server never answered: %v\n%s", err, stderr.String())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz: %d", resp.StatusCode)
	}
	page, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Errorf("map page: %d %s", page.StatusCode, page.Header.Get("Content-Type"))
	}
	// 4 GB of headroom over the demo layers (and whatever earlier tests
	// left live) raises GOGC above Go's 100.
	if p := gcPercent(); p <= 100 {
		t.Errorf("GOGC while serving with --gc-headroom-mb 4096 = %d, want above 100", p)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	for i := 0; gcPercent() != 100; i++ {
		if i == 100 {
			t.Fatalf("GOGC after serve stopped = %d, want 100", gcPercent())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
