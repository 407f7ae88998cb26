package load

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Child is a server started as a child process of this one, for a run to
// drive. It reads the child's peak resident memory while it runs.
type Child struct {
	URL  string // http://ADDR, from the child's Ready line
	Info string // what the child said it loaded

	cmd  *exec.Cmd
	done chan struct{}
	hwm  atomic.Int64 // kB, last VmHWM read
}

// Ready writes the line StartChild waits for on the child's stdout: the
// child listens on addr and has loaded what info says (one line).
func Ready(stdout io.Writer, addr, info string) {
	fmt.Fprintf(stdout, "ready %s %s\n", addr, info)
}

// StartChild starts cmd, whose stdout is StartChild's to read, and waits
// up to wait for the child's Ready line. progress, if not nil, is told
// what happens. The child is stopped again if it is not ready in time or
// ctx ends first.
func StartChild(ctx context.Context, cmd *exec.Cmd, wait time.Duration, progress func(msg string)) (*Child, error) {
	if progress == nil {
		progress = func(string) {}
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &Child{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(c.done) }()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "ready "); ok {
				addr, info, _ := strings.Cut(rest, " ")
				c.URL, c.Info = "http://"+addr, info
				ready <- nil
				io.Copy(io.Discard, out)
				return
			}
		}
		ready <- errors.New("the server stopped before it was ready")
	}()
	progress(fmt.Sprintf("starting the server (pid %d)…", cmd.Process.Pid))
	select {
	case err := <-ready:
		if err != nil {
			c.Stop()
			return nil, err
		}
	case <-time.After(wait):
		c.Stop()
		return nil, fmt.Errorf("the server was not ready after %s", wait)
	case <-ctx.Done():
		c.Stop()
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
	progress(fmt.Sprintf("server ready at %s (%s)", c.URL, c.Info))
	return c, nil
}

func (c *Child) readHWM() {
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

// PeakRSSMB is the child's peak resident memory (VmHWM from /proc) in MB,
// 0 where /proc does not say.
func (c *Child) PeakRSSMB() float64 {
	c.readHWM()
	return float64(c.hwm.Load()) / 1024
}

// Stop ends the child (only it: it was started here) and waits for it.
func (c *Child) Stop() {
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
