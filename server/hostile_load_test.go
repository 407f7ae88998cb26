package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zhonglou/ecospace/server/servertest"
)

// TestHostileUnderLoad: every corpus case (each class of hostile input)
// is sent again and again, concurrently with ordinary checks, to a real
// HTTP server on each store. The server stays up; no hostile request gets
// a 5xx or a verdict it should not; every ordinary check gets its verdict.
func TestHostileUnderLoad(t *testing.T) {
	paths, err := filepath.Glob("testdata/corpus/*.http")
	if err != nil {
		t.Fatal(err)
	}
	var cases []*corpusCase
	for _, p := range paths {
		c, err := readCorpusCase(p)
		if err != nil {
			t.Fatal(err)
		}
		if c.generate != "" {
			if c.body, err = generatedBody(c.generate); err != nil {
				t.Fatal(err)
			}
		}
		cases = append(cases, c)
	}
	for _, store := range []struct {
		name string
		app  func(testing.TB) *servertest.App
	}{{"embedded", servertest.Demo}, {"postgis", servertest.DemoPG}} {
		t.Run(store.name, func(t *testing.T) {
			cfg, k := keyedConfigOn(t, store.app(t))
			cfg.RequireKey = true
			s := New(cfg)
			ts := httptest.NewUnstartedServer(s)
			ts.Config = HTTPServer(s)
			ts.Start()
			defer ts.Close()
			keys := strings.NewReplacer("{{check}}", k.check, "{{admin}}", k.admin, "{{revoked}}", k.revoked)
			client := ts.Client()

			var fiveXX, wrong, verdicts, normal atomic.Int64
			var mu sync.Mutex
			var report []string
			note := func(format string) {
				mu.Lock()
				if len(report) < 10 {
					report = append(report, format)
				}
				mu.Unlock()
			}
			send := func(c *corpusCase) {
				req, _ := http.NewRequest(c.method, ts.URL+c.target, strings.NewReader(c.body))
				if c.generate == "huge-body-chunked" {
					req.Body = io.NopCloser(strings.NewReader(c.body))
					req.ContentLength = -1
				}
				for name, vs := range c.header {
					for _, v := range vs {
						req.Header.Add(name, keys.Replace(v))
					}
				}
				if !c.hasAuthorizaton {
					req.Header.Set("Authorization", "Bearer "+k.check)
				}
				resp, err := client.Do(req)
				if err != nil {
					if c.status == http.StatusRequestEntityTooLarge {
						return // the server may close a connection whose body is too large
					}
					fiveXX.Add(1)
					note(c.name + ": " + err.Error())
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode >= 500:
					fiveXX.Add(1)
					note(c.name + ": " + resp.Status + " " + clip(string(body)))
				case resp.StatusCode != c.status:
					wrong.Add(1)
					note(c.name + ": " + resp.Status + " " + clip(string(body)))
				case c.status >= 400 && bytes.Contains(body, []byte(`"verdict"`)):
					verdicts.Add(1)
					note(c.name + ": a verdict for invalid input")
				}
			}
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for round := range 2 {
						for i := range cases {
							send(cases[(i+w*17+round*5)%len(cases)])
						}
					}
				}()
			}
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 150 {
						req, _ := http.NewRequest("POST", ts.URL+"/api/v1/checks", strings.NewReader(riverCheck))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Authorization", "Bearer "+k.check)
						resp, err := client.Do(req)
						if err != nil {
							note("ordinary check: " + err.Error())
							continue
						}
						var doc struct{ Verdict string }
						json.NewDecoder(resp.Body).Decode(&doc)
						resp.Body.Close()
						if resp.StatusCode == 200 && doc.Verdict == "prohibited" {
							normal.Add(1)
						} else {
							note("ordinary check: " + resp.Status)
						}
					}
				}()
			}
			wg.Wait()
			if fiveXX.Load() != 0 || wrong.Load() != 0 || verdicts.Load() != 0 || normal.Load() != 300 {
				t.Errorf("%d 5xx, %d wrong answers, %d verdicts for invalid input, %d of 300 ordinary checks answered:\n%s",
					fiveXX.Load(), wrong.Load(), verdicts.Load(), normal.Load(), strings.Join(report, "\n"))
			}
			if resp, err := client.Get(ts.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
				t.Fatalf("the server is down: %v", err)
			}
		})
	}
}
