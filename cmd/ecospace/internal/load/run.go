package load

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"time"
)

// target is one server being driven, and what it did so far.
type target struct {
	url    string
	loads  map[string]*workload
	accs   map[string]*phaseAcc
	ratios []float64 // point/echo throughput, by round
	// point/bare throughput and point p99 / bare p99, by round
	bareRatios, p99Ratios []float64
}

type phaseAcc struct {
	samplers map[string]*sampler
	rates    map[string][]float64
	p99s     []float64 // ms, by round, over every kind of the phase
	seconds  float64
}

// Run drives each server in turn, phase by phase, round after round, so
// that a change in what else the machine does touches every phase (and
// every server) alike; rates are the median of the rounds, latencies are
// over all of them. It returns one result per url, in order.
func Run(ctx context.Context, o Options, urls []string) ([]*Result, error) {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        o.Conns * len(urls),
		MaxIdleConnsPerHost: o.Conns,
		MaxConnsPerHost:     o.Conns,
		IdleConnTimeout:     90 * time.Second,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	for _, ph := range o.Phases {
		if ph == "bare" && o.BareURL == "" {
			return nil, fmt.Errorf("the bare phase needs a bare server (Options.BareURL)")
		}
	}
	bare := strings.TrimRight(o.BareURL, "/")
	var targets []*target
	for _, u := range urls {
		base := strings.TrimRight(u, "/")
		reqs, err := prepare(ctx, client, base, o)
		if err != nil {
			return nil, fmt.Errorf("prepare the requests for %s: %w", u, err)
		}
		reqs["echo"] = []request{{kind: "echo", method: http.MethodGet, path: "/healthz"}}
		reqs["bare"] = []request{{kind: "bare", method: http.MethodGet, path: "/healthz"}}
		t := &target{url: base, loads: map[string]*workload{}, accs: map[string]*phaseAcc{}}
		for _, ph := range o.Phases {
			mix := o.Mix
			if ph != "mix" {
				mix = map[string]int{ph: 1}
			}
			if t.loads[ph], err = newWorkload(reqs, mix); err != nil {
				return nil, err
			}
		}
		targets = append(targets, t)
	}
	for round := 0; round < o.Rounds; round++ {
		for ti, t := range targets {
			rates, p99s := map[string]float64{}, map[string]float64{}
			for _, ph := range o.Phases {
				w := t.loads[ph]
				base := t.url
				if ph == "bare" {
					base = bare
				}
				if round == 0 && o.Warmup > 0 {
					o.progress("%s %s: warming up for %s", base, ph, o.Warmup)
					if _, _, err := drive(ctx, client, base, w, o.Conns, o.Warmup, 0, o.Seed+1000); err != nil {
						return nil, err
					}
				}
				o.progress("round %d/%d, %s %s: %d connections, %s", round+1, o.Rounds, base, ph, o.Conns, describeLength(o))
				got, secs, err := drive(ctx, client, base, w, o.Conns, o.Duration, o.Requests, o.Seed+uint64(round*100+ti*10+len(t.accs)))
				if err != nil {
					return nil, err
				}
				a := t.accs[ph]
				if a == nil {
					a = &phaseAcc{samplers: map[string]*sampler{}, rates: map[string][]float64{}}
					t.accs[ph] = a
				}
				a.seconds += secs
				total := 0
				inRound := &sampler{}
				for _, sm := range got {
					inRound.merge(sm)
				}
				p99s[ph] = summarize("all", inRound, secs, nil).P99Ms
				a.p99s = append(a.p99s, p99s[ph])
				for k, sm := range got {
					a.rates[k] = append(a.rates[k], float64(sm.seen)/secs)
					total += sm.seen
					if a.samplers[k] == nil {
						a.samplers[k] = &sampler{}
					}
					a.samplers[k].merge(sm)
				}
				a.rates["all"] = append(a.rates["all"], float64(total)/secs)
				rates[ph] = float64(total) / secs
			}
			if rates["echo"] > 0 && rates["point"] > 0 {
				t.ratios = append(t.ratios, rates["point"]/rates["echo"])
			}
			if rates["bare"] > 0 && rates["point"] > 0 && p99s["bare"] > 0 {
				t.bareRatios = append(t.bareRatios, rates["point"]/rates["bare"])
				t.p99Ratios = append(t.p99Ratios, p99s["point"]/p99s["bare"])
			}
		}
	}
	var out []*Result
	for _, t := range targets {
		res := &Result{URL: t.url, Connections: o.Conns, GOMAXPROCS: runtime.GOMAXPROCS(0), Rounds: o.Rounds}
		for _, ph := range o.Phases {
			a := t.accs[ph]
			pr := PhaseResult{Phase: ph, Seconds: a.seconds, P99MsRounds: a.p99s}
			all := &sampler{}
			for _, k := range t.loads[ph].kinds {
				sm := a.samplers[k]
				if sm == nil {
					sm = &sampler{}
				}
				pr.Kinds = append(pr.Kinds, summarize(k, sm, a.seconds, a.rates[k]))
				all.merge(sm)
			}
			pr.Total = summarize("all", all, a.seconds, a.rates["all"])
			res.Phases = append(res.Phases, pr)
		}
		if len(t.ratios) > 0 {
			res.PointVsEchoRounds = t.ratios
			res.PointVsEcho = median(t.ratios)
		}
		if len(t.bareRatios) > 0 {
			res.PointVsBareRounds, res.PointVsBare = t.bareRatios, median(t.bareRatios)
			res.P99VsBareRounds, res.P99VsBare = t.p99Ratios, median(t.p99Ratios)
		}
		out = append(out, res)
	}
	return out, nil
}

func describeLength(o Options) string {
	if o.Requests > 0 {
		return fmt.Sprintf("%d requests", o.Requests)
	}
	return o.Duration.String()
}
