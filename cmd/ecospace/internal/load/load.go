// Package load drives ecospace servers with concurrent keep-alive
// connections and measures what they answer: requests/s and latency
// percentiles per kind of request, phase by phase, round after round. It is
// the engine of 'ecospace bench', which keeps the flags and the printing.
//
//	run.go       Run: targets × rounds × phases
//	result.go    what a run measured: Result, PhaseResult, KindStats
//	workload.go  the requests each kind makes, prepared from what the server lists
//	drive.go     one timed stretch of requests over n connections
//	sampler.go   latencies per kind: a bounded uniform sample, percentiles, medians
//	child.go     a server started as a child process, for a run to drive
package load

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"
)

// Kinds are the kinds of request a mix names. box and rtile are one-off
// reads: a map read of a box (a zoom-12 tile's extent at zoom 12) and a
// vector tile (zoom 13 to 17), each at a random place in the area, drawn
// in turn from 65 536 different ones (fewer tiles where the area holds
// fewer), so that they measure the store and not the response cache.
var Kinds = []string{"point", "parcel", "layer", "tile", "box", "rtile"}

// Phases a run may name besides "mix": each runs one kind of request.
// "bare" is GET /healthz on Options.BareURL, a server with no middleware
// at all: the floor any HTTP answer on the machine costs; "echo" is GET
// /healthz through ecospace's middleware.
var Phases = append([]string{"bare", "echo"}, Kinds...)

// Options say how to drive the servers.
type Options struct {
	Conns    int           // concurrent keep-alive connections
	Duration time.Duration // length of each phase in each round, unless Requests > 0
	Requests int           // requests per phase instead of Duration
	Warmup   time.Duration // uncounted warm-up before each phase, in the first round
	Rounds   int           // the phases run in turn this many times
	// Mix is the share of each of Kinds in the "mix" phase.
	Mix map[string]int
	// Phases run in this order, each "mix" (Mix) or one of Phases (that
	// kind of request only).
	Phases []string
	// BareURL is the server the "bare" phase drives (GET /healthz).
	BareURL string
	Area    orb.Bound // where checks and layer boxes fall (lon/lat)
	Seed    uint64    // of the requests and of the draws among them
	// Progress, if not nil, is told what the run is doing, one line at a
	// time (without a newline).
	Progress func(msg string)
}

func (o *Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}
