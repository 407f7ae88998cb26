package load

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// childEnv makes the test binary act as a child server (see TestMain).
const childEnv = "LOAD_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "ready":
		Ready(os.Stdout, "127.0.0.1:1234", "demo layers, loaded in 1ms")
		time.Sleep(time.Minute) // until stopped
	case "noise-then-ready":
		os.Stdout.WriteString("loading…\n")
		Ready(os.Stdout, "[::1]:99", "x")
		time.Sleep(time.Minute)
	case "exit":
		os.Stdout.WriteString("no ready line\n")
	case "hang":
		time.Sleep(time.Minute)
	}
	os.Exit(0)
}

func childCmd(mode string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	return cmd
}

func TestStartChild(t *testing.T) {
	for _, tc := range []struct {
		mode      string
		wait      time.Duration
		url, info string
		err       string
	}{
		{"ready", time.Minute, "http://127.0.0.1:1234", "demo layers, loaded in 1ms", ""},
		{"noise-then-ready", time.Minute, "http://[::1]:99", "x", ""},
		{"exit", time.Minute, "", "", "the server stopped before it was ready"},
		{"hang", 200 * time.Millisecond, "", "", "the server was not ready after 200ms"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			var progress []string
			cmd := childCmd(tc.mode)
			c, err := StartChild(context.Background(), cmd, tc.wait, func(msg string) { progress = append(progress, msg) })
			if len(progress) == 0 || !strings.HasPrefix(progress[0], "starting the server (pid ") {
				t.Errorf("progress %q", progress)
			}
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				if cmd.ProcessState == nil {
					t.Error("the child was not waited for")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Stop()
			if c.URL != tc.url || c.Info != tc.info {
				t.Errorf("URL %q info %q", c.URL, c.Info)
			}
			if want := "server ready at " + tc.url + " (" + tc.info + ")"; len(progress) != 2 || progress[1] != want {
				t.Errorf("progress %q, want … %q", progress, want)
			}
			if runtime.GOOS == "linux" && c.PeakRSSMB() <= 0 {
				t.Error("no peak RSS read from /proc")
			}
			c.Stop()
			if cmd.ProcessState == nil {
				t.Error("Stop did not wait for the child")
			}
			c.Stop() // a second Stop is harmless
		})
	}
}

func TestStartChildCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	cmd := childCmd("hang")
	if _, err := StartChild(ctx, cmd, time.Minute, nil); err != context.DeadlineExceeded {
		t.Errorf("err = %v, want the context's", err)
	}
	if cmd.ProcessState == nil {
		t.Error("the child was not stopped")
	}
}
