// Package gctune gives the garbage collector a floor of headroom.
//
// GOGC=100 lets the heap grow to twice what is live before the next
// collection. A PostGIS-backed server keeps about 3 MB live, so under load
// it collected 30 times a second, a fifth of its CPU, while a server with
// province layers in memory keeps 400 MB live and would double its peak
// memory for nothing with a higher GOGC. Tuning to the live heap gives the
// small heap room to breathe and leaves the large one at GOGC=100.
package gctune

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

const (
	minPercent = 100  // Go's default: never collect more often than that
	maxPercent = 2000 // bounds the goal when the live heap is tiny
)

// Percent is the GOGC that lets the heap grow by at least headroom bytes
// above live before the next collection, and by at least what GOGC=100
// allows.
func Percent(live, headroom uint64) int {
	if live == 0 {
		return maxPercent
	}
	p := headroom * 100 / live
	return int(min(max(p, minPercent), maxPercent))
}

// Start retunes GOGC from the live heap every interval until ctx ends, and
// reports whether it runs: an operator's GOGC in the environment, or a
// headroom of 0, is left alone.
func Start(ctx context.Context, headroom uint64, interval time.Duration) bool {
	if headroom == 0 || os.Getenv("GOGC") != "" {
		return false
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tune := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetGCPercent(Percent(sample[0].Value.Uint64(), headroom))
		}
	}
	tune()
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		defer debug.SetGCPercent(minPercent)
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				tune()
			}
		}
	}()
	return true
}
