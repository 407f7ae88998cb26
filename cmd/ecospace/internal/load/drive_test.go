package load

import (
	"context"
	"testing"
	"time"
)

func TestDoRequest(t *testing.T) {
	f := newFakeServer(t)
	for _, tc := range []struct {
		name  string
		r     request
		bytes int64
		err   string
	}{
		{"GET", request{kind: "echo", method: "GET", path: "/healthz"}, 15, ""},
		{"POST with a JSON body", request{kind: "point", method: "POST", path: "/api/v1/checks", body: []byte(`{"category":"chemical","geometry":{"type":"Point","coordinates":[119.9,31.8]}}`)}, 21, ""},
		{"4xx is an error", request{kind: "point", method: "POST", path: "/api/v1/checks", body: []byte(`{}`)}, 10, "POST /api/v1/checks: 400 Bad Request"},
		{"404 is an error", request{kind: "layer", method: "GET", path: "/nowhere"}, 19, "GET /nowhere: 404 Not Found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := doRequest(context.Background(), f.Client(), f.URL, &tc.r)
			if n != tc.bytes {
				t.Errorf("%d bytes read, want %d", n, tc.bytes)
			}
			if got := errText(err); got != tc.err {
				t.Errorf("err %q, want %q", got, tc.err)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestDrive(t *testing.T) {
	f := newFakeServer(t)
	reqs := map[string][]request{
		"echo":  {{kind: "echo", method: "GET", path: "/healthz"}},
		"layer": {{kind: "layer", method: "GET", path: "/api/v1/layers/river/features?bbox=1,2,3,4"}, {kind: "layer", method: "GET", path: "/gone"}},
	}
	w, err := newWorkload(reqs, map[string]int{"echo": 1, "layer": 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		conns int
		d     time.Duration
		n     int
	}{
		{"a number of requests over one connection", 1, 0, 50},
		{"a number of requests over many", 7, 0, 200},
		{"a duration", 3, 50 * time.Millisecond, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, secs, err := drive(context.Background(), f.Client(), f.URL, w, tc.conns, tc.d, tc.n, 1)
			if err != nil || secs <= 0 {
				t.Fatalf("%v, %v s", err, secs)
			}
			if len(got) != 2 || got["echo"] == nil || got["layer"] == nil {
				t.Fatalf("samplers for %v", got)
			}
			e, l := got["echo"], got["layer"]
			total := e.seen + e.errs + l.seen + l.errs
			if tc.n > 0 && total != tc.n {
				t.Errorf("%d requests made, want %d", total, tc.n)
			}
			if tc.n == 0 && total == 0 {
				t.Error("no requests in the time given")
			}
			if e.errs != 0 || len(e.lat) != e.seen || e.bytes != int64(15*e.seen) {
				t.Errorf("echo: %d ok, %d errors, %d latencies, %d bytes", e.seen, e.errs, len(e.lat), e.bytes)
			}
			// The layer kind's second request fails: counted, not timed, and the first error is kept.
			if l.seen == 0 || l.errs == 0 || len(l.lat) != l.seen || l.first != "GET /gone: 404 Not Found" {
				t.Errorf("layer: %d ok, %d errors, first %q", l.seen, l.errs, l.first)
			}
		})
	}
}

// A run cut short by its context is an error, not a result.
func TestDriveCancelled(t *testing.T) {
	f := newFakeServer(t)
	w, _ := newWorkload(map[string][]request{"echo": {{kind: "echo", method: "GET", path: "/healthz"}}}, map[string]int{"echo": 1})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, _, err := drive(ctx, f.Client(), f.URL, w, 2, time.Hour, 0, 1); err != context.DeadlineExceeded {
		t.Errorf("err = %v, want the context's", err)
	}
}
