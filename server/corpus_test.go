package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/problem"
	"github.com/zhonglou/ecospace/server/servertest"
)

// A corpus case is a file in testdata/corpus:
//
//	# What the request is.
//	# expect: 400 invalid-geometry     (status, and problem type for 4xx/5xx)
//	# contains: text the body must hold (optional, repeatable)
//	# max-body: bytes the answer may have at most (optional)
//	# generate: name                   (optional: a body too big to commit)
//	POST /api/v1/checks
//	Header: value                      ({{check}}, {{admin}}, {{revoked}} are keys)
//
//	body…
//
// Requests carry the check key unless they set Authorization themselves
// (an empty value sends none). The server requires keys for checks.
type corpusCase struct {
	name, comment   string
	status          int
	slug            string
	contains        []string
	maxBody         int
	generate        string
	method, target  string
	header          http.Header
	body            string
	hasAuthorizaton bool
}

func readCorpusCase(path string) (*corpusCase, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &corpusCase{name: strings.TrimSuffix(filepath.Base(path), ".http"), header: http.Header{}}
	head, body, _ := strings.Cut(string(raw), "\n\n")
	c.body = body
	sc := bufio.NewScanner(strings.NewReader(head))
	requestLine := false
	for sc.Scan() {
		line := sc.Text()
		if !requestLine && strings.HasPrefix(line, "#") {
			d := strings.TrimSpace(strings.TrimPrefix(line, "#"))
			key, val, ok := strings.Cut(d, ": ")
			switch {
			case ok && key == "expect":
				f := strings.Fields(val)
				if c.status, err = strconv.Atoi(f[0]); err != nil {
					return nil, fmt.Errorf("%s: expect: %v", path, err)
				}
				if len(f) > 1 {
					c.slug = f[1]
				}
			case ok && key == "contains":
				c.contains = append(c.contains, val)
			case ok && key == "max-body":
				c.maxBody, _ = strconv.Atoi(val)
			case ok && key == "generate":
				c.generate = val
			default:
				c.comment += d
			}
			continue
		}
		if !requestLine {
			m, t, ok := strings.Cut(line, " ")
			if !ok {
				return nil, fmt.Errorf("%s: request line %q", path, line)
			}
			c.method, c.target, requestLine = m, t, true
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%s: header line %q", path, line)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if strings.EqualFold(k, "Authorization") {
			c.hasAuthorizaton = true
		}
		if v != "" {
			c.header.Add(k, v)
		}
	}
	if c.status == 0 || c.method == "" {
		return nil, fmt.Errorf("%s: needs an expect line and a request line", path)
	}
	if c.status >= 400 && c.slug == "" {
		return nil, fmt.Errorf("%s: a failing case names its problem type", path)
	}
	return c, nil
}

// generatedBody makes the bodies too large to commit.
func generatedBody(name string) (string, error) {
	switch name {
	case "huge-body", "huge-body-chunked":
		return `{"category":"chemical","geometry":{"type":"Point","coordinates":[119.8,31.78]},"reference":"` + strings.Repeat("x", MaxBodyBytes+1024) + `"}`, nil
	case "too-many-vertices":
		return manyVertices(100_001), nil
	case "too-many-vertices-polygon":
		var b strings.Builder
		b.WriteString(`{"category":"chemical","geometry":{"type":"Polygon","coordinates":[[`)
		const n = 100_001
		for i := 0; i < n; i++ {
			a := 2 * 3.141592653589793 * float64(i) / float64(n-1)
			fmt.Fprintf(&b, "[%.9f,%.9f],", 119.8+0.01*math.Cos(a), 31.78+0.01*math.Sin(a))
		}
		b.WriteString(`[119.81,31.78]]]}}`)
		return b.String(), nil
	case "deep-nesting":
		return `{"category":"chemical","geometry":{"type":"Point","coordinates":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}}`, nil
	case "deep-features":
		const n = 9000
		return `{"category":"chemical","geometry":` + strings.Repeat(`{"type":"Feature","geometry":`, n) + `{"type":"Point","coordinates":[119.8,31.78]}` + strings.Repeat("}", n) + `}`, nil
	case "star-10000", "star-1000":
		spikes := 10_000
		if name == "star-1000" {
			spikes = 1000
		}
		return `{"category":"residential","geometry":` + starPolygon(spikes) + `}`, nil
	case "too-many-features":
		return batchOf(MaxBatchFeatures+1, nil), nil
	}
	return "", fmt.Errorf("unknown generator %q", name)
}

// starPolygon is a star of spikes around a point in the district, 5 m to
// 500 m from it: every edge is long and crosses the middle, so nearly
// every pair of edges has overlapping extents.
func starPolygon(spikes int) string {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	cx, cy := geo.ToGK(119.906, 31.790)
	n := 2 * spikes
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i%n) / float64(n)
		r := 500.0
		if i%2 == 1 {
			r = 5
		}
		lon, lat := geo.FromGK(cx+r*math.Cos(a), cy+r*math.Sin(a))
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.9f,%.9f]", lon, lat)
	}
	b.WriteString(`]]}`)
	return b.String()
}

func TestHostileCorpus(t *testing.T) {
	paths, err := filepath.Glob("testdata/corpus/*.http")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 40 {
		t.Fatalf("%d corpus cases; the corpus must hold at least 40", len(paths))
	}
	for _, store := range []struct {
		name string
		app  func(testing.TB) *servertest.App
	}{{"embedded", servertest.Demo}, {"postgis", servertest.DemoPG}} {
		t.Run(store.name, func(t *testing.T) {
			cfg, k := keyedConfigOn(t, store.app(t))
			cfg.RequireKey = true
			runCorpus(t, New(cfg), k, paths)
		})
	}
}

// runCorpus sends every corpus case to s and checks its answer; after each
// the server must still give a verdict.
func runCorpus(t *testing.T, s *Server, k testKeys, paths []string) {
	keys := strings.NewReplacer("{{check}}", k.check, "{{admin}}", k.admin, "{{revoked}}", k.revoked)
	alive := func(t *testing.T) {
		t.Helper()
		if rec := call(t, s, "POST", "/api/v1/checks", riverCheck, bearer(k.check)...); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"verdict":"prohibited"`) {
			t.Fatalf("the server stopped serving: %d %.200s", rec.Code, rec.Body)
		}
	}
	for _, p := range paths {
		c, err := readCorpusCase(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(c.name, func(t *testing.T) {
			body := c.body
			if c.generate != "" {
				if body, err = generatedBody(c.generate); err != nil {
					t.Fatal(err)
				}
			}
			var r io.Reader = strings.NewReader(body)
			if c.generate == "huge-body-chunked" {
				r = io.MultiReader(r) // hides the length
			}
			req := httptest.NewRequest(c.method, c.target, r)
			if c.generate == "huge-body-chunked" {
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
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			got := rec.Body.String()
			if rec.Code != c.status {
				t.Fatalf("%s\nstatus %d, want %d: %.400s", c.comment, rec.Code, c.status, got)
			}
			if c.status >= 400 {
				var prob problem.Problem
				if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q", ct)
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &prob); err != nil {
					t.Fatalf("not a problem: %v: %.300s", err, got)
				}
				if prob.Type != problem.TypePrefix+c.slug || prob.Status != c.status || prob.Detail == "" || prob.Title == "" || prob.RequestID == "" {
					t.Errorf("%s\nproblem %+v, want type %s", c.comment, prob, c.slug)
				}
			} else if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && ct != mediaNDJSON {
				t.Errorf("Content-Type %q", ct)
			}
			for _, want := range c.contains {
				if !strings.Contains(got, want) {
					t.Errorf("answer lacks %q: %.400s", want, got)
				}
			}
			if c.maxBody > 0 && len(got) > c.maxBody {
				t.Errorf("answer has %d bytes, at most %d expected", len(got), c.maxBody)
			}
			alive(t)
		})
	}
}
