package gctune

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name           string
		live, headroom uint64
		want           int
	}{
		{"postgis server, 3 MB live", 3 * mb, 64 * mb, 2000},
		{"demo layers, 40 MB live", 40 * mb, 64 * mb, 160},
		{"province layers, 400 MB live", 400 * mb, 64 * mb, 100},
		{"nothing live yet", 0, 64 * mb, 2000},
		{"headroom equal to live", 64 * mb, 64 * mb, 100},
		{"huge headroom is capped", 1 * mb, 1 << 40, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percent(tt.live, tt.headroom); got != tt.want {
				t.Errorf("Percent(%d, %d) = %d, want %d", tt.live, tt.headroom, got, tt.want)
			}
		})
	}
}

// TestStart: the running tuner sets GOGC from the live heap, follows it
// when the live heap grows and shrinks, steps back to 100 when ctx ends, and leaves an
// operator's GOGC alone.
func TestStart(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(100)
	ctx, cancel := context.WithCancel(context.Background())
	if !Start(ctx, 64<<20, 10*time.Millisecond) {
		t.Fatal("Start did not run with GOGC unset")
	}
	runtime.GC()
	waitPercent(t, func(p int) bool { return p > 100 }, "above 100 with a small live heap")
	live := make([][]byte, 0, 256)
	for range 256 {
		live = append(live, make([]byte, 1<<20)) // 256 MB live
	}
	runtime.GC()
	waitPercent(t, func(p int) bool { return p == 100 }, "100 with 256 MB live")
	runtime.KeepAlive(live)
	live = nil
	runtime.GC()
	waitPercent(t, func(p int) bool { return p > 100 }, "above 100 once the 256 MB are garbage")
	cancel()
	waitPercent(t, func(p int) bool { return p == 100 }, "100 after the context ended")

	t.Setenv("GOGC", "300")
	if Start(context.Background(), 64<<20, time.Millisecond) {
		t.Error("Start ran although GOGC was set")
	}
	if Start(context.Background(), 0, time.Millisecond) {
		t.Error("Start ran with no headroom")
	}
}

func waitPercent(t *testing.T, ok func(int) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p := debug.SetGCPercent(100)
		debug.SetGCPercent(p)
		if ok(p) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GOGC is %d, want %s", p, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
