package postgis_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
)

// poolSites are a few points and parcels around the district.
func poolSites(t testing.TB) []*geo.Site {
	var out []*geo.Site
	for _, g := range []orb.Geometry{
		orb.Point{119.7594, 31.794999}, orb.Point{119.925, 31.785}, orb.Point{119.80, 31.78}, orb.Point{119.85, 31.74},
		squareAt(orb.Point{119.906, 31.790}, 300), squareAt(orb.Point{119.770547, 31.785039}, 150), squareAt(orb.Point{119.896, 31.772}, 500),
	} {
		out = append(out, mustSiteT(t, g))
	}
	return out
}

func squareAt(c orb.Point, m float64) orb.Polygon {
	p := geo.ProjectGeometry(c).(orb.Point)
	h := m / 2
	return geo.UnprojectGeometry(orb.Polygon{{{p[0] - h, p[1] - h}, {p[0] + h, p[1] - h}, {p[0] + h, p[1] + h}, {p[0] - h, p[1] + h}, {p[0] - h, p[1] - h}}}).(orb.Polygon)
}

// TestPGPoolSaturation: 64 goroutines share 4 connections, half of them
// cancelled at random moments, 20 rounds. Calls that are not cancelled
// succeed; cancelled ones fail only with the cancellation; afterwards no
// connection is left acquired and every call succeeds.
func TestPGPoolSaturation(t *testing.T) {
	s, _ := openPG(t, postgis.Options{MaxConns: 4, AcquireTimeout: 5 * time.Second})
	loadDemo(t, s)
	sites := poolSites(t)
	rng := rand.New(rand.NewPCG(7, 11))
	var mu sync.Mutex
	var ok, cancelled, failed atomic.Int64
	for round := range 20 {
		var wg sync.WaitGroup
		for g := range 64 {
			mu.Lock()
			site := sites[rng.IntN(len(sites))]
			cancelAfter := time.Duration(-1)
			if g%2 == 0 {
				cancelAfter = time.Duration(rng.IntN(15_000)) * time.Microsecond
			}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if cancelAfter >= 0 {
					time.AfterFunc(cancelAfter, cancel)
				}
				var err error
				if g%4 == 1 {
					err = s.SaveCheck(ctx, &data.CheckRecord{ID: newUUID(rng, &mu), CheckedAt: time.Now(), Category: "chemical",
						AsOf: storetest.AsOf, Geometry: orb.Point{119.8, 31.8}, Verdict: "allowed", DecisionHash: "x", Document: []byte(`{}`)})
				} else {
					_, err = s.Relate(ctx, site, data.At{AsOf: storetest.AsOf})
				}
				switch {
				case err == nil:
					ok.Add(1)
				case cancelAfter >= 0 && errors.Is(err, context.Canceled) && errors.Is(err, data.ErrUnavailable):
					cancelled.Add(1)
				default:
					failed.Add(1)
					t.Errorf("round %d call %d (cancel after %v): %v", round, g, cancelAfter, err)
				}
			}()
		}
		wg.Wait()
	}
	t.Logf("%d calls succeeded, %d were cancelled, %d failed", ok.Load(), cancelled.Load(), failed.Load())
	if cancelled.Load() == 0 {
		t.Error("no call was cancelled in flight; the test did not test")
	}
	// The audit writers may still be storing checks whose callers gave
	// up; they finish within a statement timeout. A leak would not.
	if n := acquiredAfter(s.Pool(), 15*time.Second); n != 0 || s.Pool().Stat().TotalConns() > 4 {
		t.Errorf("after the storm: %d connections acquired, %d open (max 4)", n, s.Pool().Stat().TotalConns())
	}
	// Everything still answers.
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Relate(tctx(t, 30*time.Second), sites[g%len(sites)], data.At{AsOf: storetest.AsOf}); err != nil {
				t.Errorf("after the storm: %v", err)
			}
		}()
	}
	wg.Wait()
	if st := s.Pool().Stat(); st.AcquiredConns() != 0 {
		t.Errorf("%d connections acquired at rest", st.AcquiredConns())
	}
}

func newUUID(rng *rand.Rand, mu *sync.Mutex) string {
	mu.Lock()
	defer mu.Unlock()
	const hex = "0123456789abcdef"
	b := []byte("00000000-0000-7000-8000-000000000000")
	for i := range b {
		if b[i] == '0' && i != 14 && i != 19 {
			b[i] = hex[rng.IntN(16)]
		}
	}
	return string(b)
}

// proxy forwards TCP to PostgreSQL until it is stopped, which cuts every
// connection: the database "goes away".
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startProxy(t testing.TB, addr, target string) *proxy {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) stop() {
	p.ln.Close()
	p.wg.Wait()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
}

// TestPGUnavailable: when the database goes away every call fails with
// ErrUnavailable (the server's 503), promptly; when it is back the store
// answers again. A closed port fails Open the same way.
func TestPGUnavailable(t *testing.T) {
	_, dbURL := openPG(t, postgis.Options{})
	{
		s := openPGAt(t, dbURL, postgis.Options{})
		loadDemo(t, s)
		s.Close()
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	px := startProxy(t, "127.0.0.1:0", target)
	addr := px.ln.Addr().String()
	u.Host = addr
	s := openPGAt(t, u.String(), postgis.Options{AcquireTimeout: time.Second})
	site := mustSiteT(t, orb.Point{119.7594, 31.794999})
	if _, err := s.Relate(tctx(t, 10*time.Second), site, data.At{AsOf: storetest.AsOf}); err != nil {
		t.Fatal(err)
	}
	px.stop()
	start := time.Now()
	_, err = s.Relate(tctx(t, 10*time.Second), site, data.At{AsOf: storetest.AsOf})
	if !errors.Is(err, data.ErrUnavailable) {
		t.Fatalf("relate with the database gone: err %v, want ErrUnavailable", err)
	}
	t.Logf("relate failed in %s: %v", time.Since(start).Round(time.Millisecond), err)
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %s to fail", time.Since(start))
	}
	for name, f := range map[string]func(context.Context) error{
		"ping":   s.Ping,
		"layers": func(ctx context.Context) error { _, err := s.Layers(ctx, storetest.AsOf); return err },
		"features": func(ctx context.Context) error {
			return s.Features(ctx, "district", data.FeatureQuery{AsOf: storetest.AsOf}, func(geo.Feature) error { return nil })
		},
		"save check": func(ctx context.Context) error {
			return s.SaveCheck(ctx, &data.CheckRecord{ID: "0190f000-0000-7000-8000-0000000000aa", CheckedAt: time.Now(), Category: "chemical",
				AsOf: storetest.AsOf, Geometry: orb.Point{119.8, 31.8}, Verdict: "allowed", DecisionHash: "x", Document: []byte(`{}`)})
		},
		"check": func(ctx context.Context) error {
			_, err := s.Check(ctx, "0190f000-0000-7000-8000-0000000000aa")
			return err
		},
		"import": func(ctx context.Context) error {
			_, err := s.Import(ctx, "green-corridors", smallPolygons(3), data.ImportOptions{})
			return err
		},
	} {
		if err := f(tctx(t, 10*time.Second)); !errors.Is(err, data.ErrUnavailable) {
			t.Errorf("%s with the database gone: err %v, want ErrUnavailable", name, err)
		}
	}
	// Back on the same address: the pool reconnects.
	px = startProxy(t, addr, target)
	defer px.stop()
	// (New connections may take a moment on a busy machine: a client
	// retries after the 503's Retry-After.)
	back := time.Now().Add(15 * time.Second)
	for {
		_, err := s.Relate(tctx(t, 10*time.Second), site, data.At{AsOf: storetest.AsOf})
		if err == nil {
			break
		}
		if !errors.Is(err, data.ErrUnavailable) || time.Now().After(back) {
			t.Fatalf("relate after the database came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Backends terminated under the pool: a call fails with
	// ErrUnavailable or succeeds on a fresh connection; the next succeeds.
	conn, err := pgx.Connect(tctx(t, 10*time.Second), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(tctx(t, 10*time.Second), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ecospace' AND datname = current_database()"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Relate(tctx(t, 10*time.Second), site, data.At{AsOf: storetest.AsOf}); err != nil && !errors.Is(err, data.ErrUnavailable) {
		t.Errorf("relate on terminated backends: %v, want success or ErrUnavailable", err)
	}
	if _, err := s.Relate(tctx(t, 10*time.Second), site, data.At{AsOf: storetest.AsOf}); err != nil {
		t.Errorf("relate after terminated backends: %v", err)
	}

	// A statement that cannot finish in time (a table locked by someone
	// else) is a statement timeout: ErrUnavailable.
	s2 := openPGAt(t, dbURL, postgis.Options{StatementTimeout: 200 * time.Millisecond})
	tx, err := conn.Begin(tctx(t, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(tctx(t, 10*time.Second), "LOCK TABLE layer_versions IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Relate(tctx(t, 10*time.Second), site, data.At{AsOf: storetest.AsOf}); !errors.Is(err, data.ErrUnavailable) {
		t.Errorf("relate against a locked table: err %v, want ErrUnavailable (statement timeout)", err)
	} else {
		t.Logf("statement timeout: %v", err)
	}
	tx.Rollback(context.Background())

	// Nothing listens: Open fails with ErrUnavailable.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	man, _ := demo.Manifest()
	_, err = postgis.Open(tctx(t, 10*time.Second), "postgres://postgres@"+closed+"/postgres?sslmode=disable", man, postgis.Options{})
	if !errors.Is(err, data.ErrUnavailable) {
		t.Errorf("open on a closed port: err %v, want ErrUnavailable", err)
	}
}

// acquiredAfter waits up to within for the pool's connections to come back
// and returns how many are still out. A connection broken by a cancelled
// statement is destroyed by pgxpool in a goroutine, so it counts as
// acquired for a moment after its holder released it; a leak stays.
func acquiredAfter(pool *pgxpool.Pool, within time.Duration) int32 {
	deadline := time.Now().Add(within)
	for pool.Stat().AcquiredConns() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return pool.Stat().AcquiredConns()
}

// TestPGPoolSizeFromURL: pool_max_conns in the URL sizes the pools when
// Options.MaxConns does not.
func TestPGPoolSizeFromURL(t *testing.T) {
	_, url := openPG(t, postgis.Options{})
	s := openPGAt(t, url+"&pool_max_conns=3", postgis.Options{})
	if got := s.Pool().Stat().MaxConns(); got != 3 {
		t.Errorf("pool of %d connections, want the URL's 3", got)
	}
	s2 := openPGAt(t, url+"&pool_max_conns=3", postgis.Options{MaxConns: 5})
	if got := s2.Pool().Stat().MaxConns(); got != 5 {
		t.Errorf("pool of %d connections, want Options' 5", got)
	}
}
