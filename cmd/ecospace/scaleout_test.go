package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data/pgtest"
)

// startServe runs `ecospace serve` in-process (the real run()) with args
// and waits until it answers /readyz; it is stopped when t ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var mu sync.Mutex
	var stderr bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return stderr.Write(p) })
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--log-level", "warn"}, args...), io.Discard, w)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			mu.Lock()
			t.Errorf("serve %s exit %d: %s", addr, code, stderr.String())
			mu.Unlock()
		}
	})
	url := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if i == 200 {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("serve %s did not start: %v\n%s", addr, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// layerVersion reads GET /api/v1/layers/{id}'s version.
func layerVersion(t *testing.T, url, id string) int64 {
	t.Helper()
	resp, err := http.Get(url + "/api/v1/layers/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		Version int64 `json:"version"`
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET layer %s: %d %s", id, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	return info.Version
}

// featuresETag reads GET /api/v1/layers/{id}/features, sending etag as
// If-None-Match when set; it returns the status and the ETag.
func featuresETag(t *testing.T, url, id, etag string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/api/v1/layers/"+id+"/features", nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("ETag")
}

// TestScaleOutTwoServers: two `ecospace serve` processes on one PostGIS
// database (B with the read pool flag, here on the same database); a
// layer uploaded through A is served by B within a second, and B's
// features ETag changes with it.
func TestScaleOutTwoServers(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("DATABASE_READ_URL", "")
	dbURL := pgtest.NewDatabase(t)
	if code, stdout, stderr := runCmd(t, "import", "--demo", "--migrate", "--database-url", dbURL); code != 0 {
		t.Fatalf("import --demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	keys := filepath.Join(t.TempDir(), "keys.json")
	code, key, stderr := runCmd(t, "keys", "create", "--scope", "admin", "--name", "lead", "--keys-file", keys)
	key = strings.TrimSpace(key)
	if code != 0 || key == "" {
		t.Fatalf("keys create: %d %s", code, stderr)
	}
	a := startServe(t, "--database-url", dbURL, "--keys-file", keys)
	b := startServe(t, "--database-url", dbURL, "--database-read-url", dbURL, "--keys-file", keys)

	const layer = "green-corridors"
	if v := layerVersion(t, b, layer); v != 1 {
		t.Fatalf("B: %s version %d before the upload, want 1", layer, v)
	}
	st, etag1 := featuresETag(t, b, layer, "")
	if st != http.StatusOK || etag1 == "" {
		t.Fatalf("B features: %d, ETag %q", st, etag1)
	}
	if st, _ := featuresETag(t, b, layer, etag1); st != http.StatusNotModified {
		t.Fatalf("B features with its own ETag: %d, want 304", st)
	}

	body, err := os.ReadFile(filepath.Join("..", "..", "data", "demo", layer+".geojson"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, a+"/api/v1/layers/"+layer, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/geo+json")
	req.Header.Set("Authorization", "Bearer "+key)
	sent := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answered := time.Now()
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT through A: %d %s", resp.StatusCode, rb)
	}
	var up struct {
		Version int64 `json:"version"`
	}
	if err := json.Unmarshal(rb, &up); err != nil || up.Version != 2 {
		t.Fatalf("PUT through A: %s (%v), want version 2", rb, err)
	}

	var seen time.Time
	for deadline := answered.Add(2 * time.Second); ; {
		if layerVersion(t, b, layer) == up.Version {
			seen = time.Now()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B still serves the old version of %s 2 s after A's upload answered", layer)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("invalidation latency: B served version %d %s after A's upload answered (upload took %s)",
		up.Version, seen.Sub(answered), answered.Sub(sent))
	if lat := seen.Sub(answered); lat > time.Second {
		t.Errorf("B served the new version %s after the upload, want ≤ 1 s", lat)
	}
	st, etag2 := featuresETag(t, b, layer, etag1)
	if st != http.StatusOK || etag2 == "" || etag2 == etag1 {
		t.Fatalf("B features after the upload with the old ETag: %d, ETag %q (was %q); want 200 and a new ETag", st, etag2, etag1)
	}
	if v := layerVersion(t, a, layer); v != up.Version {
		t.Fatalf("A: version %d after its own upload", v)
	}
}

// TestServeReadURLNeedsPrimary: --database-read-url alone is refused.
func TestServeReadURLNeedsPrimary(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	code, _, stderr := runCmd(t, "serve", "--addr", freeAddr(t), "--database-read-url", "postgres://replica/ecospace")
	if code == 0 || !strings.Contains(stderr, "--database-url") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}
