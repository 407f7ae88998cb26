package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func fakeSrc() fstest.MapFS {
	return fstest.MapFS{
		"index.html": {Data: []byte("<!doctype html><title>map</title>")},
		"app.js":     {Data: []byte("import './coords.js';")},
		"coords.js":  {Data: []byte("export const x = 1;")},
	}
}

func fakeDist(built bool) fstest.MapFS {
	d := fstest.MapFS{".keep": {Data: []byte("placeholder")}}
	if built {
		for _, v := range vendorFiles {
			d[v] = &fstest.MapFile{Data: []byte("/* " + v + " */")}
		}
	}
	return d
}

func TestNotBuiltServesPlainPage(t *testing.T) {
	s, err := load(fakeSrc(), fakeDist(false))
	if err != nil {
		t.Fatal(err)
	}
	if s.built {
		t.Fatal("built with only the placeholder")
	}
	rec := get(t, s, "GET", "/", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{"make build", "not built", "尚未构建"} {
		if !strings.Contains(body, want) {
			t.Errorf("not-built page lacks %q", want)
		}
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("content type %q", ct)
	}
	// The placeholder itself is never served.
	if rec := get(t, s, "GET", "/.keep", nil); rec.Code != http.StatusNotFound {
		t.Errorf("/.keep: status %d", rec.Code)
	}
}

func TestBuiltServesAppAndVendor(t *testing.T) {
	s, err := load(fakeSrc(), fakeDist(true))
	if err != nil {
		t.Fatal(err)
	}
	if !s.built {
		t.Fatal("not built with every vendor file")
	}
	rec := get(t, s, "GET", "/", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<title>map</title>") {
		t.Fatalf("GET /: %d %q", rec.Code, rec.Body.String())
	}
	tests := []struct {
		path, ctype string
		code        int
	}{
		{"/index.html", "text/html; charset=utf-8", 200},
		{"/app.js", "text/javascript; charset=utf-8", 200},
		{"/vendor/leaflet/leaflet.js", "text/javascript; charset=utf-8", 200},
		{"/vendor/leaflet/leaflet.css", "text/css; charset=utf-8", 200},
		{"/vendor/../app.js", "text/javascript; charset=utf-8", 200},
		{"/nope.js", "", 404},
		{"/api/v1/layers", "", 404},
	}
	for _, tc := range tests {
		rec := get(t, s, "GET", tc.path, nil)
		if rec.Code != tc.code {
			t.Errorf("%s: status %d, want %d", tc.path, rec.Code, tc.code)
			continue
		}
		if tc.code == 200 {
			if ct := rec.Header().Get("Content-Type"); ct != tc.ctype {
				t.Errorf("%s: content type %q, want %q", tc.path, ct, tc.ctype)
			}
			if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: no nosniff", tc.path)
			}
		}
	}
}

func TestETagAndMethods(t *testing.T) {
	s, err := load(fakeSrc(), fakeDist(true))
	if err != nil {
		t.Fatal(err)
	}
	rec := get(t, s, "GET", "/app.js", nil)
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if rec := get(t, s, "GET", "/app.js", map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", rec.Code)
	}
	if rec := get(t, s, "HEAD", "/app.js", nil); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD: status %d, body %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := get(t, s, "POST", "/", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", rec.Code)
	}
}

// The embedded app: every file the page and its modules load is embedded,
// and Built() agrees with what dist holds.
func TestEmbeddedApp(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/app.js", "/messages.js", "/coords.js", "/proj.js", "/upload.js", "/tiles.js", "/answer.js", "/result.js", "/layerstyle.js", "/style.css"} {
		if rec := get(t, h, "GET", p, nil); rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", p, rec.Code)
		}
	}
	// Every module an embedded module imports is embedded too.
	importRE := regexp.MustCompile(`(?m)^import [^'"]*['"]\./([a-z0-9_-]+\.js)['"]`)
	seen := map[string]bool{}
	for queue := []string{"app.js"}; len(queue) > 0; queue = queue[1:] {
		src, err := fs.ReadFile(srcFS, "src/"+queue[0])
		if err != nil {
			t.Errorf("%s is imported but not embedded (web.go's go:embed list)", queue[0])
			continue
		}
		for _, m := range importRE.FindAllStringSubmatch(string(src), -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				queue = append(queue, m[1])
			}
		}
	}
	if !seen["result.js"] || !seen["answer.js"] {
		t.Errorf("modules found: %v", seen)
	}
	_, err := fs.Stat(distFS, "dist/vendor/leaflet/leaflet.js")
	if Built() != (err == nil) {
		t.Errorf("Built() = %v, but leaflet.js stat error = %v", Built(), err)
	}
	if rec := get(t, h, "GET", "/", nil); rec.Code != http.StatusOK {
		t.Errorf("GET /: status %d", rec.Code)
	}

	index, err := fs.ReadFile(srcFS, "src/index.html")
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^":]+)"`).FindAllStringSubmatch(string(index), -1)
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "#") {
			continue
		}
		if strings.HasPrefix(ref, "vendor/") {
			found := false
			for _, v := range vendorFiles {
				found = found || v == ref
			}
			if !found {
				t.Errorf("index.html loads %s, which is not in vendorFiles", ref)
			}
			continue
		}
		if _, err := fs.Stat(srcFS, "src/"+ref); err != nil {
			t.Errorf("index.html loads %s, which is not embedded", ref)
		}
	}
	imports := regexp.MustCompile(`from '\./([\w.-]+)'`)
	for _, f := range []string{"app.js", "coords.js", "upload.js", "proj.js", "messages.js", "tiles.js", "layerstyle.js"} {
		b, err := fs.ReadFile(srcFS, "src/"+f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range imports.FindAllStringSubmatch(string(b), -1) {
			if _, err := fs.Stat(srcFS, "src/"+m[1]); err != nil {
				t.Errorf("%s imports %s, which is not embedded", f, m[1])
			}
		}
	}
}
