package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zhonglou/ecospace/cmd/ecospace/gctune"
	"github.com/zhonglou/ecospace/cmd/ecospace/internal/load"
	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/gen"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server"
)

// The servers 'bench --start' drives, each a child process of the bench:
// ecospace on the embedded store (demo or generated layers) or on a
// PostGIS database, and a bare echo server to measure against.

// childSpec says what a child serves.
type childSpec struct {
	dataDir     string // generated layers for the embedded store
	databaseURL string // PostGIS instead of the embedded store
	cacheMB     int    // the layer response cache; < 0: the default
	bare        bool   // the bare echo server
}

// startBenchChild starts this binary's 'bench --serve-child' (or
// --serve-bare) as a server a run drives.
func startBenchChild(ctx context.Context, spec childSpec, wait time.Duration, stderr io.Writer) (*load.Child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"bench", "--serve-child", "--child-addr", "127.0.0.1:0"}
	switch {
	case spec.bare:
		args = []string{"bench", "--serve-bare", "--child-addr", "127.0.0.1:0"}
	case spec.databaseURL != "":
		args = append(args, "--database-url", spec.databaseURL)
	case spec.dataDir != "":
		args = append(args, "--data", spec.dataDir)
	}
	if spec.cacheMB >= 0 && !spec.bare {
		args = append(args, "--layer-cache-mb", strconv.Itoa(spec.cacheMB))
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = stderr
	// Tests run the child from the test binary, which serves it when it
	// sees this (bench_test.go).
	cmd.Env = append(os.Environ(), "ECOSPACE_BENCH_CHILD=1")
	return load.StartChild(ctx, cmd, wait, benchProgress(stderr))
}

// benchProgress writes the load package's progress lines to stderr.
func benchProgress(stderr io.Writer) func(string) {
	return func(msg string) { fmt.Fprintf(stderr, "bench: %s\n", msg) }
}

// benchServeChild serves ecospace for --start and says "ready ADDR INFO"
// on stdout once it listens: the embedded store with the demo layers or
// the layers in dataDir, or the PostGIS store at databaseURL (whatever it
// holds), as 'ecospace serve' would, without rate limits.
func benchServeChild(ctx context.Context, addr string, spec childSpec, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	man, err := demo.Manifest()
	if err != nil {
		return err
	}
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		return err
	}
	start := time.Now()
	var store data.Store
	var info string
	switch {
	case spec.databaseURL != "":
		store, err = openStore(ctx, log, spec.databaseURL, false)
		if err != nil {
			return err
		}
		info = "PostGIS store"
	case spec.dataDir == "":
		mem, done, err := benchMemory(man, log)
		if err != nil {
			return err
		}
		defer done()
		if err := demo.Load(ctx, mem, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
			return err
		}
		store, info = mem, "embedded store, demo layers, durable audit"
	default:
		mem, done, err := benchMemory(man, log)
		if err != nil {
			return err
		}
		defer done()
		wkb, err := gen.Load(ctx, mem, spec.dataDir, demo.ValidFrom, nil)
		if err != nil {
			return err
		}
		store, info = mem, fmt.Sprintf("embedded store, layers of %s, %.1f MB as WKB, durable audit", spec.dataDir, float64(wkb)/1e6)
	}
	defer store.Close()
	info += fmt.Sprintf(", ready in %s", time.Since(start).Round(time.Millisecond))
	if spec.cacheMB >= 0 {
		info += fmt.Sprintf(", layer cache %d MB", spec.cacheMB)
	}
	runtime.GC()
	srv := server.New(server.Config{Store: store, Rules: rules, Manifest: man, Log: log, LayerCacheBytes: layerCacheBytes(spec.cacheMB)})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	gctune.Start(ctx, defaultGCHeadroomMB<<20, time.Second) // as 'ecospace serve' does
	load.Ready(stdout, ln.Addr().String(), info)
	return serveChild(ctx, ln, srv)
}

// benchServeBare serves GET /healthz with echo and nothing else: no
// middleware, no logging, no store. What any HTTP answer costs on this
// machine at the least, to set the point checks against.
func benchServeBare(ctx context.Context, addr string, stdout io.Writer) error {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	load.Ready(stdout, ln.Addr().String(), "bare echo server (no middleware)")
	return serveChild(ctx, ln, e)
}

func serveChild(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// layerCacheBytes turns a --layer-cache-mb value into server.Config's
// LayerCacheBytes: negative (unset) the default, 0 none, else megabytes.
func layerCacheBytes(mb int) int64 {
	switch {
	case mb < 0:
		return 0
	case mb == 0:
		return -1
	}
	return int64(mb) << 20
}

// benchMemory is the embedded store as 'ecospace serve' opens it by
// default, with its durable audit (checks.log, appended and synced before
// each answer), in a throwaway directory that done removes once the store
// is closed: what the bench measures is what a default server does, memory
// included.
func benchMemory(man *data.Manifest, log *slog.Logger) (mem *memory.Store, done func(), err error) {
	dir, err := os.MkdirTemp("", "ecospace-bench-audit-")
	if err != nil {
		return nil, nil, err
	}
	mem, err = memory.Open(man, memory.Options{AuditFile: filepath.Join(dir, auditFileName), Log: log})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return mem, func() { os.RemoveAll(dir) }, nil // after the store is closed (its defer runs first)
}
