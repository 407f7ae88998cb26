package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data/pgtest"
)

// readmeBlock is one ```sh block of the README.
type readmeBlock struct {
	line int    // of the opening fence, 1-based
	text string // the commands
	skip string // why the test does not run it (<!-- readme-commands: skip … -->), or ""
}

var skipMarker = regexp.MustCompile(`^<!--\s*readme-commands:\s*skip\b:?\s*(.*?)\s*-->$`)

// readmeBlocks returns every ```sh (or ```bash) block of a Markdown text.
// A block is skipped only when the line before it (blank lines aside) is
// <!-- readme-commands: skip REASON -->.
func readmeBlocks(md string) []readmeBlock {
	var out []readmeBlock
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		fence := strings.TrimSpace(lines[i])
		if fence != "```sh" && fence != "```bash" && fence != "```shell" {
			continue
		}
		b := readmeBlock{line: i + 1}
		for j := i - 1; j >= 0; j-- {
			if p := strings.TrimSpace(lines[j]); p != "" {
				if m := skipMarker.FindStringSubmatch(p); m != nil {
					b.skip = m[1]
					if b.skip == "" {
						b.skip = "(no reason given)"
					}
				}
				break
			}
		}
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		b.text = strings.Join(body, "\n")
		out = append(out, b)
	}
	return out
}

func TestReadmeBlocks(t *testing.T) {
	md := "# x\n```sh\nmake run\n```\n<!-- readme-commands: skip: the set-up -->\n\n```sh\nmake test\n```\n```go\nx := 1\n```\n```bash\necho a\necho b\n```\n"
	got := readmeBlocks(md)
	if len(got) != 3 {
		t.Fatalf("%d blocks: %+v", len(got), got)
	}
	if got[0].line != 2 || got[0].text != "make run" || got[0].skip != "" {
		t.Errorf("block 0: %+v", got[0])
	}
	if got[1].skip != "the set-up" || got[1].text != "make test" {
		t.Errorf("block 1: %+v", got[1])
	}
	if got[2].text != "echo a\necho b" || got[2].line != 13 {
		t.Errorf("block 2: %+v", got[2])
	}
}

// readmePrelude runs before the README's commands in the test's shell.
// The commands run as written, in order, in one bash (as a reader pasting
// them one after another would), except that:
//   - any command that fails stops the test (set -e, pipefail);
//   - curl fails on an HTTP error answer (--fail-with-body), unless the
//     command shows the status itself (-w, -i, -I) or already says --fail;
//   - `ecospace serve` runs in the background until the end, and the
//     command returns once the server answers /readyz (a reader runs it
//     in another terminal);
//   - make is not run: the set-up block is skipped, and this test is part
//     of make test.
const readmePrelude = `set -eEuo pipefail
README_LINE=0
trap 'rc=$?; echo "readme-commands: FAILED (exit $rc) in the block at README.md:$README_LINE: $BASH_COMMAND" >&2' ERR
readme_servers=()
trap 'for p in "${readme_servers[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
curl() {
  local a shown=
  for a in "$@"; do
    case $a in -w|--write-out|--write-out=*|-i|--include|-I|--head|-f|--fail|--fail-with-body) shown=1 ;; esac
  done
  if [ -n "$shown" ]; then command curl "$@"; else command curl --fail-with-body "$@"; fi
}
ecospace() {
  if [ "${1:-}" != serve ]; then command ecospace "$@"; return; fi
  local addr=${ECOSPACE_ADDR:-127.0.0.1:8080} prev= a
  for a in "$@"; do
    case $prev in --addr|-addr) addr=$a ;; esac
    case $a in --addr=*|-addr=*) addr=${a#*=} ;; esac
    prev=$a
  done
  case $addr in 0.0.0.0:*) addr=127.0.0.1:${addr#*:} ;; :*) addr=127.0.0.1$addr ;; esac
  local log; log=$(mktemp)
  command ecospace "$@" 2>"$log" &
  local pid=$!
  readme_servers+=("$pid")
  for _ in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; echo "readme-commands: ecospace serve stopped" >&2; return 1; fi
    if command curl -fsS -o /dev/null "http://$addr/readyz" 2>/dev/null; then
      echo "readme-commands: ecospace serve answers on $addr (it runs until the end)" >&2
      return 0
    fi
    sleep 0.1
  done
  echo "readme-commands: ecospace serve did not answer on $addr within 60 s" >&2
  cat "$log" >&2
  return 1
}
make() { echo "readme-commands: make is not run here; mark the block <!-- readme-commands: skip REASON -->" >&2; return 1; }
`

// TestREADMECommands runs every ```sh block of the README, as written,
// in one shell on a copy of the clone (so nothing it writes lands in the
// source tree), against what the README's set-up would give: the server
// make run starts (embedded store, demo layers) and, for the PostGIS
// commands, a throwaway database. Addresses and the example database
// are the only things replaced: 127.0.0.1:8080 by the test server's
// address, 0.0.0.0:8080 by another free port, and
// postgres://ecospace@db:5432/ecospace by the throwaway database. Any
// command that fails, or an HTTP answer that is an error, fails the test
// and names the block.
func TestREADMECommands(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("the README commands need bash")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("the README commands need curl")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(string(md))
	if len(blocks) == 0 {
		t.Fatal("no ```sh blocks in README.md")
	}

	tmp := t.TempDir()
	clone := filepath.Join(tmp, "clone")
	bin := filepath.Join(clone, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		switch e.Name() {
		case ".git", "bin", "ecospace-keys.json":
			continue
		}
		if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(clone, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(bin, "ecospace")); err != nil {
		t.Fatal(err)
	}
	env := readmeEnv(os.Environ(), tmp, bin)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	addr := startReadmeServer(t, ctx, clone, env)
	dbURL := pgtest.NewDatabase(t)

	repl := strings.NewReplacer(
		"127.0.0.1:8080", addr,
		"localhost:8080", addr,
		"0.0.0.0:8080", freeAddr(t),
		"postgres://ecospace@db:5432/ecospace", dbURL,
	)
	var script strings.Builder
	script.WriteString(readmePrelude)
	ran := 0
	for _, b := range blocks {
		if b.skip != "" {
			t.Logf("README.md:%d skipped: %s", b.line, b.skip)
			continue
		}
		ran++
		fmt.Fprintf(&script, "\nREADME_LINE=%d\necho \"### README.md:%d\" >&2\n%s\n", b.line, b.line, repl.Replace(b.text))
	}
	script.WriteString("\necho \"readme-commands: every block ran\" >&2\n")
	path := filepath.Join(tmp, "readme-commands.sh")
	if err := os.WriteFile(path, []byte(script.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(ctx, "bash", path)
	cmd.Dir, cmd.Env = clone, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) // servers a block left behind
	}
	if testing.Verbose() || err != nil {
		o := out.String()
		if len(o) > 16<<10 && !testing.Verbose() {
			o = "…" + o[len(o)-16<<10:]
		}
		t.Logf("output of the README's commands:\n%s", o)
	}
	if err != nil {
		t.Fatalf("the README's commands failed (%v); the script is %s: see the output above", err, path)
	}
	if !strings.Contains(out.String(), "readme-commands: every block ran") {
		t.Fatal("the script ended early")
	}
	t.Logf("%d README blocks ran, %d skipped", ran, len(blocks)-ran)
}

// readmeEnv is the environment of a reader's fresh shell: none of the
// operator's ECOSPACE_*, DATABASE_* or PG* settings, ecospace on the PATH,
// state (keys, data directory) under tmp, and loopback not proxied.
func readmeEnv(base []string, tmp, bin string) []string {
	var env []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "ECOSPACE_"), strings.HasPrefix(k, "DATABASE_"), strings.HasPrefix(k, "PG"),
			k == "PATH", k == "XDG_DATA_HOME", k == "NO_PROXY", k == "no_proxy", k == "GOGC":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"ECOSPACE_TEST_MAIN=1",
		"ECOSPACE_DATA_DIR="+filepath.Join(tmp, "data-dir"),
		"XDG_DATA_HOME="+filepath.Join(tmp, "xdg"),
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
	)
}

// startReadmeServer starts what make run starts, ecospace serve on the
// embedded store, in dir with env, on a free port; it returns the
// address once the server listens, and stops it when the test ends.
func startReadmeServer(t *testing.T, ctx context.Context, dir string, env []string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "bin", "ecospace"), "serve", "--addr", "127.0.0.1:0")
	cmd.Dir, cmd.Env = dir, env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	addrc := make(chan string, 1)
	var mu sync.Mutex
	var log bytes.Buffer
	logged := func() string {
		mu.Lock()
		defer mu.Unlock()
		return log.String()
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			log.Write(append(sc.Bytes(), '\n'))
			mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "ecospace serving" {
				addrc <- strings.TrimSuffix(strings.TrimPrefix(rec.Addr, "http://"), "/")
				io.Copy(io.Discard, stderr)
				return
			}
		}
		close(addrc)
	}()
	select {
	case addr, ok := <-addrc:
		if !ok {
			t.Fatalf("ecospace serve stopped before serving:\n%s", logged())
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			t.Fatalf("serving on %q", addr)
		}
		return addr
	case <-time.After(2 * time.Minute):
		t.Fatalf("ecospace serve did not start:\n%s", logged())
	}
	return ""
}

// The prelude makes an error answer, or any failing command, fail the
// script, and lets a command that shows the status itself through.
func TestReadmePreludeFailsOnErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	bin := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(bin, "ecospace")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cmd string
		ok  bool
	}{
		{"curl -s " + srv.URL + "/nothing", false},
		{"curl -sS --fail-with-body " + srv.URL + "/nothing", false},
		{"curl -s -o /dev/null -w '%{http_code}\\n' " + srv.URL + "/nothing", true},
		{"curl -s " + srv.URL + "/nothing | grep -c found", false},
		{"false; echo never", false},
		{"echo $UNSET_IN_THE_README", false},
		{"ecospace serve --addr 127.0.0.1:bogus", false},
		{"ecospace --version | grep -q 'go:'", true},
		{"make run", false},
		{"echo fine", true},
	} {
		cmd := exec.Command("bash", "-c", readmePrelude+"\n"+c.cmd)
		cmd.Env = readmeEnv(os.Environ(), t.TempDir(), bin)
		out, err := cmd.CombinedOutput()
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v\n%s", c.cmd, err, c.ok, out)
		}
	}
}

// make run serves on ADDR, else ECOSPACE_ADDR, else 127.0.0.1:8080.
func TestMakefileAddr(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("make is not installed")
	}
	for _, c := range []struct {
		env, args []string
		want      string
	}{
		{nil, nil, "bin/ecospace serve --addr 127.0.0.1:8080\n"},
		{[]string{"ECOSPACE_ADDR=127.0.0.1:9191"}, nil, "bin/ecospace serve --addr 127.0.0.1:9191\n"},
		{[]string{"ECOSPACE_ADDR=127.0.0.1:9191"}, []string{"ADDR=0.0.0.0:9292"}, "bin/ecospace serve --addr 0.0.0.0:9292\n"},
	} {
		cmd := exec.Command("make", append([]string{"-n", "--no-print-directory", "run"}, c.args...)...)
		cmd.Dir = "../.."
		// Not the flags of a make test this runs under.
		var env []string
		for _, kv := range readmeEnv(os.Environ(), t.TempDir(), "/nonexistent") {
			if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" && k != "ADDR" {
				env = append(env, kv)
			}
		}
		cmd.Env = append(append(env, "PATH="+os.Getenv("PATH")), c.env...)
		out, err := cmd.Output()
		if err != nil || !strings.HasSuffix(string(out), "\n"+c.want) {
			t.Errorf("%v %v: make -n run ends %q, want %q (%v)", c.env, c.args, out, c.want, err)
		}
	}
}
