package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// drive runs conns workers for d (or n requests in all) and returns what
// each kind of request did, and the seconds it took.
func drive(ctx context.Context, client *http.Client, base string, w *workload, conns int, d time.Duration, n int, seed uint64) (map[string]*sampler, float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var left atomic.Int64
	left.Store(int64(n))
	deadline := time.Now().Add(d)
	samplers := make([]map[string]*sampler, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < conns; c++ {
		rng := rand.New(rand.NewPCG(seed, uint64(c)))
		mine := map[string]*sampler{}
		samplers[c] = mine
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if n > 0 {
					if left.Add(-1) < 0 {
						return
					}
				} else if time.Now().After(deadline) {
					return
				}
				r := w.pick(rng)
				s := mine[r.kind]
				if s == nil {
					s = &sampler{rng: rand.New(rand.NewPCG(seed, 7)), lat: make([]time.Duration, 0, 1024)}
					mine[r.kind] = s
				}
				t0 := time.Now()
				nb, err := doRequest(ctx, client, base, r)
				dt := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					s.errs++
					if s.first == "" {
						s.first = err.Error()
					}
					continue
				}
				s.add(dt, nb)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	out := map[string]*sampler{}
	for _, k := range w.kinds {
		merged := &sampler{}
		for _, m := range samplers {
			if s := m[k]; s != nil {
				merged.merge(s)
			}
		}
		out[k] = merged
	}
	return out, elapsed, nil
}

// doRequest makes one request and reads the whole answer; anything but
// 200 (304 for none: no validators are sent) is an error.
func doRequest(ctx context.Context, client *http.Client, base string, r *request) (int64, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, body)
	if err != nil {
		return 0, err
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return n, err
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("%s %s: %s", r.method, r.path, resp.Status)
	}
	return n, nil
}
