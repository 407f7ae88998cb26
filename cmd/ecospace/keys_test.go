package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server"
	"github.com/zhonglou/ecospace/server/servertest"
)

const riverCheckBody = `{"geometry":{"type":"Point","coordinates":[119.7594,31.794999]},"category":"chemical"}`

func postCheck(t *testing.T, url, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/api/v1/checks", strings.NewReader(riverCheckBody))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// keys and serve share the keys file: a key made by the CLI works at once,
// and one revoked by the CLI stops working without a restart.
func TestKeysCLIAndServe(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	t.Setenv("ECOSPACE_KEYS_FILE", file) // the shared default
	code, key, stderr := ecoRun(t, "keys", "create", "--scope", "check", "--name", "permit-system")
	key = strings.TrimSpace(key)
	if code != 0 || !strings.HasPrefix(key, data.KeyPrefix) || !strings.Contains(stderr, "shown this once") {
		t.Fatalf("create: %d %q %s", code, key, stderr)
	}
	code, list, _ := ecoRun(t, "keys", "list", "--keys-file", file)
	if code != 0 || !strings.Contains(list, "permit-system") || strings.Contains(list, key) {
		t.Fatalf("list: %d\n%s", code, list)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var serr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--require-key", "--log-level", "warn"}, io.Discard, &serr)
	}()
	url := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i == 200 {
			t.Fatalf("serve did not start: %s", serr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, body := postCheck(t, url, ""); code != 401 || !strings.Contains(body, "missing-key") {
		t.Errorf("no key: %d %s", code, body)
	}
	if code, body := postCheck(t, url, key); code != 200 {
		t.Errorf("with the key: %d %s", code, body)
	}
	if code, out, stderr := ecoRun(t, "keys", "revoke", id); code != 0 || !strings.Contains(out, id) {
		t.Fatalf("revoke: %d %s %s", code, out, stderr)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		code, body := postCheck(t, url, key)
		if code == 401 && strings.Contains(body, "revoked-key") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the revoked key still works: %d %s", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit %d: %s", code, serr.String())
	}

	for _, args := range [][]string{
		{"keys"}, {"keys", "create", "--name", "x"}, {"keys", "create", "--name", "x", "--scope", "root"},
		{"keys", "revoke"}, {"keys", "frobnicate"}, {"keys", "list", "extra"},
	} {
		if code, _, _ := ecoRun(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, stderr := ecoRun(t, "keys", "revoke", "key_nope"); code != 1 || !strings.Contains(stderr, "no key") {
		t.Errorf("revoke unknown: %d %s", code, stderr)
	}
	if code, _, stderr := ecoRun(t, "serve", "--addr", freeAddr(t), "--cors-origins", "permits.example.cn/path"); code == 0 || !strings.Contains(stderr, "cors-origins") {
		t.Errorf("bad --cors-origins: %d %s", code, stderr)
	}
}

func TestParseOrigins(t *testing.T) {
	got, err := parseOrigins(" https://permits.example.gov.cn/ , http://127.0.0.1:5173,*")
	if err != nil || strings.Join(got, " ") != "https://permits.example.gov.cn http://127.0.0.1:5173 *" {
		t.Errorf("%v %v", got, err)
	}
	for _, bad := range []string{"permits.example.cn", "ftp://x", "https://x/path", "https://u:p@x"} {
		if _, err := parseOrigins(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// holdStore holds every Relate until release is closed.
type holdStore struct {
	data.Store
	started chan struct{}
	release chan struct{}
}

func (h *holdStore) Relate(ctx context.Context, s *geo.Site, at data.At) (geo.Relations, error) {
	h.started <- struct{}{}
	<-h.release
	return h.Store.Relate(ctx, s, at)
}

// serveUntilDone, on SIGTERM (ctx cancelled), stops taking connections
// but lets a check in flight finish and answer its verdict.
func TestShutdownFinishesInFlightCheck(t *testing.T) {
	app := servertest.Demo(t)
	hold := &holdStore{Store: app.Store, started: make(chan struct{}, 1), release: make(chan struct{})}
	log := slog.New(slog.DiscardHandler)
	srv := server.New(server.Config{Store: hold, Rules: app.Rules, Manifest: app.Manifest, Log: log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveUntilDone(ctx, log, ln, srv) }()

	type answer struct {
		code int
		body string
	}
	got := make(chan answer, 1)
	go func() {
		code, body := postCheck(t, url, "")
		got <- answer{code, body}
	}()
	<-hold.started
	cancel() // what SIGTERM does
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("serve returned with a check in flight: %v", err)
	default:
	}
	if _, err := (&http.Client{Timeout: time.Second}).Get(url + "/healthz"); err == nil {
		t.Error("a new connection was accepted during shutdown")
	}
	close(hold.release)
	a := <-got
	if a.code != 200 || !strings.Contains(a.body, `"verdict":"prohibited"`) {
		t.Fatalf("in-flight check: %d %s", a.code, a.body)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
