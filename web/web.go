// Package web serves the planners' map: the app's own files (web/src, always
// embedded) and the third-party browser code that `node web/build.js` copies
// from node_modules into web/dist/vendor (embedded when it was built; on a
// fresh clone dist holds only a placeholder and "/" says so).
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var distFS embed.FS

//go:embed src/index.html src/app.js src/style.css src/messages.js src/coords.js src/proj.js src/upload.js src/tiles.js src/answer.js src/result.js src/layerstyle.js src/state.js src/api.js src/mapview.js src/layers.js src/legend.js src/errors.js src/check.js src/input.js src/i18n.js src/urlstate.js src/print.js src/geom.js src/matrix.js src/move.js src/movegeom.js src/record.js src/export.js src/mychecks.js src/sheet.js src/tools.js src/basemaps.js src/format.js src/messages.parcels.js src/txtparcels.js src/txtlist.js
var srcFS embed.FS

// vendorFiles are the files the page loads from dist; all must be there for
// the map to work.
var vendorFiles = []string{
	"vendor/leaflet/leaflet.js",
	"vendor/leaflet/leaflet.css",
	"vendor/geoman/leaflet-geoman.min.js",
	"vendor/geoman/leaflet-geoman.css",
	"vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js",
	"vendor/shpjs/shp.min.js",
}

type asset struct {
	body  []byte
	ctype string
	etag  string
}

type site struct {
	assets map[string]*asset // by URL path, e.g. "/app.js", "/vendor/leaflet/leaflet.js"
	built  bool
}

var embedded = mustLoad(mustSub(srcFS, "src"), mustSub(distFS, "dist"))

// Built reports whether the third-party assets were built into the binary
// (`make build`). Without them "/" serves a page that says so.
func Built() bool { return embedded.built }

// Handler serves the map at "/" and its files. Mount it at the root of the
// server (the API lives under /api/v1 on the same origin). When the assets
// were not built, "/" serves a plain page saying so and to run `make build`.
func Handler() http.Handler { return embedded }

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}

func mustLoad(src, dist fs.FS) *site {
	s, err := load(src, dist)
	if err != nil {
		panic("web: " + err.Error())
	}
	return s
}

// load reads every file of src and dist (dist wins on a clash; dotfiles are
// skipped) into memory with its content type and ETag.
func load(src, dist fs.FS) (*site, error) {
	s := &site{assets: map[string]*asset{}}
	for _, f := range []fs.FS{src, dist} {
		err := fs.WalkDir(f, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if strings.HasPrefix(d.Name(), ".") && p != "." {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			b, err := fs.ReadFile(f, p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			ctype := mime.TypeByExtension(path.Ext(p))
			switch path.Ext(p) {
			case ".js":
				ctype = "text/javascript; charset=utf-8"
			case ".css":
				ctype = "text/css; charset=utf-8"
			case ".html":
				ctype = "text/html; charset=utf-8"
			case ".json":
				ctype = "application/json"
			}
			if ctype == "" {
				ctype = http.DetectContentType(b)
			}
			s.assets["/"+p] = &asset{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	s.built = true
	for _, v := range vendorFiles {
		if _, ok := s.assets["/"+v]; !ok {
			s.built = false
		}
	}
	return s, nil
}

const notBuiltPage = `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>ecospace: map assets not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>地图资源尚未构建</h1>
<p>这个 ecospace 程序在编译时没有包含地图所需的前端资源（Leaflet 等）。请在源代码目录运行 <code>make build</code>（它会执行 <code>npm ci</code> 和 <code>node web/build.js</code>），然后重新启动服务。</p>
<h1 lang="en">The map assets were not built</h1>
<p lang="en">This ecospace binary was compiled without the map's browser assets (Leaflet and friends).
Run <code>make build</code> in the source tree (it runs <code>npm ci</code> and <code>node web/build.js</code>), then restart the server.</p>
<p lang="en">The API works without them: <a href="/api/v1/layers">/api/v1/layers</a>.</p>
</body>
</html>
`

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	if p == "/" {
		p = "/index.html"
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if p == "/index.html" && !s.built {
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		http.ServeContent(w, r, "", time.Time{}, strings.NewReader(notBuiltPage))
		return
	}
	a, ok := s.assets[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	// Revalidate every time: the ETag makes that a cheap 304, and a new
	// binary never serves a stale app.
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
