package load

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	a, b := newFakeServer(t), newFakeServer(t)
	for _, tc := range []struct {
		name     string
		urls     []string
		phases   []string
		mix      map[string]int
		warmup   time.Duration
		rounds   int
		kinds    map[string][]string // phase → kinds reported
		progress []string            // with URL for the first url, URL2 for the second
	}{
		{
			name: "three phases, two rounds", urls: []string{a.URL}, phases: []string{"echo", "point", "mix"},
			mix: map[string]int{"point": 1, "parcel": 1, "layer": 1, "tile": 1}, rounds: 2,
			kinds: map[string][]string{"echo": {"echo"}, "point": {"point"}, "mix": {"point", "parcel", "layer", "tile"}},
			progress: []string{
				"round 1/2, URL echo: 3 connections, 40 requests",
				"round 1/2, URL point: 3 connections, 40 requests",
				"round 1/2, URL mix: 3 connections, 40 requests",
				"round 2/2, URL echo: 3 connections, 40 requests",
				"round 2/2, URL point: 3 connections, 40 requests",
				"round 2/2, URL mix: 3 connections, 40 requests",
			},
		},
		{
			name: "two servers in turn, warmed up", urls: []string{a.URL + "/", b.URL}, phases: []string{"mix"},
			mix: map[string]int{"layer": 1}, warmup: 10 * time.Millisecond, rounds: 2,
			kinds: map[string][]string{"mix": {"layer"}},
			progress: []string{
				"URL mix: warming up for 10ms",
				"round 1/2, URL mix: 3 connections, 40 requests",
				"URL2 mix: warming up for 10ms",
				"round 1/2, URL2 mix: 3 connections, 40 requests",
				"round 2/2, URL mix: 3 connections, 40 requests",
				"round 2/2, URL2 mix: 3 connections, 40 requests",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var progress []string
			o := Options{Conns: 3, Requests: 40, Rounds: tc.rounds, Warmup: tc.warmup, Mix: tc.mix, Phases: tc.phases, Area: area, Seed: 1,
				Progress: func(msg string) { progress = append(progress, msg) }}
			res, err := Run(context.Background(), o, tc.urls)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != len(tc.urls) {
				t.Fatalf("%d results for %d urls", len(res), len(tc.urls))
			}
			want := strings.Join(tc.progress, "\n")
			want = strings.ReplaceAll(strings.ReplaceAll(want, "URL2", b.URL), "URL", a.URL)
			if got := strings.Join(progress, "\n"); got != want {
				t.Errorf("progress:\n%s\nwant:\n%s", got, want)
			}
			for i, r := range res {
				if r.URL != strings.TrimRight(tc.urls[i], "/") || r.Connections != 3 || r.Rounds != tc.rounds || r.GOMAXPROCS < 1 {
					t.Errorf("result %d: %+v", i, r)
				}
				if len(r.Phases) != len(tc.phases) {
					t.Fatalf("%d phases, want %d", len(r.Phases), len(tc.phases))
				}
				for j, p := range r.Phases {
					var kinds []string
					for _, k := range p.Kinds {
						kinds = append(kinds, k.Kind)
						if k.Errors > 0 {
							t.Errorf("%s %s: %d errors, first %s", p.Phase, k.Kind, k.Errors, k.FirstErr)
						}
					}
					if p.Phase != tc.phases[j] || fmt.Sprint(kinds) != fmt.Sprint(tc.kinds[p.Phase]) {
						t.Errorf("phase %s reports %v, want %s %v", p.Phase, kinds, tc.phases[j], tc.kinds[tc.phases[j]])
					}
					if p.Total.Kind != "all" || p.Total.Requests != 40*tc.rounds || p.Total.P99Ms <= 0 || p.Seconds <= 0 {
						t.Errorf("phase %s total %+v over %v s", p.Phase, p.Total, p.Seconds)
					}
				}
				// The ratio needs both an echo and a point phase.
				hasRatio := strings.Contains(strings.Join(tc.phases, ","), "echo,point")
				if hasRatio != (r.PointVsEcho > 0) || hasRatio && len(r.PointVsEchoRounds) != tc.rounds {
					t.Errorf("point/echo %v over rounds %v", r.PointVsEcho, r.PointVsEchoRounds)
				}
			}
		})
	}
	// Every echo request the first case counted reached server a.
	if n := a.count("echo"); n != 80 {
		t.Errorf("server a answered %d echo requests, want 80", n)
	}
}

func TestRunCannotPrepare(t *testing.T) {
	f := newFakeServer(t)
	f.fail = "/api/v1/layers"
	_, err := Run(context.Background(), Options{Conns: 1, Requests: 1, Rounds: 1, Phases: []string{"echo"}, Area: area}, []string{f.URL})
	if want := "prepare the requests for " + f.URL + ": GET " + f.URL + "/api/v1/layers: 500 Internal Server Error"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}
