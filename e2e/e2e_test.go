// Package e2e drives the planners' map in headless Chromium (Debian's
// chromium package, through chromedp) against the real server on the
// embedded store with the demo layers.
package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/zhonglou/ecospace/server"
	"github.com/zhonglou/ecospace/server/servertest"
	"github.com/zhonglou/ecospace/web"
)

// startServer serves the API and the map on a loopback port.
func startServer(t *testing.T) string {
	t.Helper()
	if !web.Built() {
		t.Fatal("the map's assets are not built: run `make web` (npm ci + node web/build.js) first")
	}
	app := servertest.Demo(t)
	srv := server.New(server.Config{Store: app.Store, Rules: app.Rules, Manifest: app.Manifest, Log: slog.New(slog.DiscardHandler), Web: web.Handler()})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("ECOSPACE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	t.Fatal("Chromium not found: install Debian's chromium package (scripts/test-deps.sh does)")
	return ""
}

// browser is one headless Chromium tab that records console errors.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	// Chromium's helpers may still write to the profile for a moment after
	// it exits, so the folder is removed without failing the test.
	profile, err := os.MkdirTemp("", "ecospace-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 800),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	// This chromedp's protocol tables predate some of Chromium 156's enum
	// values (e.g. IPAddressSpace "Loopback"); such events are not used here.
	var done atomic.Bool
	t.Cleanup(func() { done.Store(true) })
	quiet := func(format string, args ...any) {
		if msg := fmt.Sprintf(format, args...); !done.Load() && !strings.Contains(msg, "could not unmarshal event") {
			t.Logf("chromedp: %s", msg)
		}
	}
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithErrorf(quiet))
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	b := &browser{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value))
				}
				b.errors = append(b.errors, "console.error: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError {
				b.errors = append(b.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	})
	if err := chromedp.Run(ctx, log.Enable(), runtime.Enable()); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return b
}

func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

func (b *browser) run(t *testing.T, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.screenshot(t, "failed")
		if errs := b.consoleErrors(); len(errs) > 0 {
			t.Logf("console errors so far:\n%s", strings.Join(errs, "\n"))
		}
		t.Fatal(err)
	}
}

// screenshot saves the page as a PNG in $ECOSPACE_SCREENSHOTS (CI prints
// the folder) or a temporary folder.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("ECOSPACE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ecospace-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("screenshot folder: %v", err)
		return
	}
	var png []byte
	if err := chromedp.Run(b.ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	path := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", path)
}

// openMap loads the page in Chinese and waits until the layers are loaded.
func openMap(t *testing.T, b *browser, url string) {
	t.Helper()
	openMapQuery(t, b, url, "lang=zh")
}

// openMapQuery loads the page with a query string and waits until the
// layers are loaded.
func openMapQuery(t *testing.T, b *browser, url, query string) {
	t.Helper()
	b.run(t, chromedp.Navigate(url+"/?"+query), chromedp.WaitVisible(`body[data-ready="1"]`, chromedp.ByQuery))
}

func TestPageLoads(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	var n int
	var banner string
	b.run(t,
		chromedp.Evaluate(`document.querySelectorAll('#layer-list li[data-layer]').length`, &n),
		chromedp.Text(`#banner`, &banner, chromedp.ByQuery),
	)
	b.screenshot(t, "loaded")
	if n != 12 {
		t.Errorf("%d layers listed, want 12", n)
	}
	if !strings.Contains(banner, "示意数据") {
		t.Errorf("banner %q does not say the layers are illustrative", banner)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors on load:\n%s", strings.Join(errs, "\n"))
	}
}

// TestClickInBandChemical clicks the map like a planner: point tool, a
// click 500 m east of the Xinmeng River's shore, category 化工.
func TestClickInBandChemical(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	var pos []float64
	b.run(t,
		chromedp.SetValue(`#category`, "chemical", chromedp.ByQuery),
		chromedp.Click(`#tool-point`, chromedp.ByQuery),
		// Centre the map on the point so it is on screen, then find its pixel.
		chromedp.Evaluate(`(() => {
			const m = window.ecospace.map;
			m.setView([31.804581, 119.767488], 14, {animate: false});
			const p = m.latLngToContainerPoint([31.804581, 119.767488]);
			const r = m.getContainer().getBoundingClientRect();
			return [r.left + p.x, r.top + p.y];
		})()`, &pos),
	)
	b.run(t,
		chromedp.Sleep(300*time.Millisecond),
		chromedp.MouseClickXY(pos[0], pos[1]),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
	)
	var verdict, kind, bandText string
	b.run(t,
		chromedp.Text(`#verdict`, &verdict, chromedp.ByQuery),
		chromedp.AttributeValue(`#verdict`, "data-verdict", &kind, nil, chromedp.ByQuery),
		chromedp.Text(`.hit[data-layer="xinmeng-band"]`, &bandText, chromedp.ByQuery),
	)
	b.screenshot(t, "verdict")
	if kind != "prohibited" || !strings.Contains(verdict, "禁止") {
		t.Errorf("verdict %q (%s), want 禁止", verdict, kind)
	}
	// 太湖流域管理条例 第三十条 decides; 长江保护法 第二十六条 is the second law,
	// each citation with its two statuses.
	if !strings.Contains(bandText, "太湖流域管理条例") || !strings.Contains(bandText, "第三十条（六）") || !strings.Contains(bandText, "长江保护法") ||
		!strings.Contains(bandText, "原文已核") || !strings.Contains(bandText, "适用属解释") {
		t.Errorf("band hit %q does not cite 太湖流域管理条例 第三十条 and 长江保护法 with their statuses", bandText)
	}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUploadStraddlingParcel uploads a parcel half in the clear-water
// corridor and wholly in the 1 km band: both zones are listed.
func TestUploadStraddlingParcel(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	path := writeFile(t, "parcel.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"地块A"},"geometry":{"type":"Polygon","coordinates":[[[119.763,31.798],[119.766,31.798],[119.766,31.802],[119.763,31.802],[119.763,31.798]]]}}]}`)
	b.run(t,
		chromedp.SetValue(`#category`, "warehousing-logistics", chromedp.ByQuery),
		chromedp.SetUploadFiles(`#upload-file`, []string{path}, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
	)
	var layers []string
	b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('.hit')].map(e => e.dataset.layer)`, &layers))
	b.screenshot(t, "straddle")
	got := strings.Join(layers, ",")
	for _, want := range []string{"xinmeng-corridor", "xinmeng-band"} {
		if !strings.Contains(got, want) {
			t.Errorf("hits %s lack %s", got, want)
		}
	}
}

func TestInvalidUploadShowsError(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	for _, tc := range []struct{ name, body, want string }{
		{"broken.geojson", `{"type":"FeatureCollection","features":[`, ""},
		{"bowtie.geojson", `{"type":"Polygon","coordinates":[[[119.80,31.80],[119.81,31.81],[119.81,31.80],[119.80,31.81],[119.80,31.80]]]}`, "自相交"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.name, tc.body)
			var text, field string
			b.run(t,
				chromedp.SetValue(`#category`, "chemical", chromedp.ByQuery),
				chromedp.SetUploadFiles(`#upload-file`, []string{path}, chromedp.ByQuery),
				chromedp.WaitVisible(`#error`, chromedp.ByQuery),
				chromedp.Text(`#error`, &text, chromedp.ByQuery),
				chromedp.AttributeValue(`#error`, "data-field", &field, nil, chromedp.ByQuery),
			)
			b.screenshot(t, "error")
			if strings.TrimSpace(text) == "" || field != "upload" {
				t.Errorf("error %q next to %q, want a message next to the upload", text, field)
			}
			if tc.want != "" && !strings.Contains(text, tc.want) && !strings.Contains(text, "intersects itself") {
				t.Errorf("error %q does not say the polygon intersects itself", text)
			}
		})
	}
}

func TestLanguageToggle(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	var zh, en, lang string
	b.run(t,
		chromedp.Text(`#check-h`, &zh, chromedp.ByQuery),
		chromedp.Click(`#lang-toggle`, chromedp.ByQuery),
		chromedp.Sleep(200*time.Millisecond),
		chromedp.Text(`#check-h`, &en, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.lang`, &lang),
	)
	b.screenshot(t, "english")
	if zh != "选址检查" || en == zh || !isASCII(en) || !strings.HasPrefix(lang, "en") {
		t.Errorf("heading %q → %q (lang %q), want Chinese then English", zh, en, lang)
	}
	var layerTitle string
	b.run(t, chromedp.Text(`#layer-list li[data-layer="canal-core"]`, &layerTitle, chromedp.ByQuery))
	if !strings.Contains(layerTitle, "Grand Canal") {
		t.Errorf("layer title %q is not in English", layerTitle)
	}
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > 127 {
			return false
		}
	}
	return true
}

// biandan is a point inside the demo's 扁担河生态廊道 (green-corridors,
// about 200 m wide there), and nearBiandan one 700 m east of it, on no
// green corridor but inside that layer's bounding box, so on its tiles.
var (
	biandan     = [2]float64{31.8000, 119.8360}
	nearBiandan = [2]float64{31.8000, 119.8435}
)

// view centres the map on a lat/lon at zoom z and returns the page pixels
// of the given points in that view.
func view(t *testing.T, b *browser, center [2]float64, z float64, pts ...[2]float64) [][]float64 {
	t.Helper()
	var px [][]float64
	js, _ := json.Marshal(pts)
	b.run(t, chromedp.Evaluate(fmt.Sprintf(`(() => {
		const m = window.ecospace.map;
		m.setView([%f, %f], %g, {animate: false});
		const r = m.getContainer().getBoundingClientRect();
		return %s.map(ll => { const p = m.latLngToContainerPoint(ll); return [r.left + p.x, r.top + p.y]; });
	})()`, center[0], center[1], z, js), &px))
	if len(px) != len(pts) {
		t.Fatalf("pixels %v for %v", px, pts)
	}
	return px
}

// mvtFetched lists the .mvt URLs the page has fetched.
const mvtFetched = `performance.getEntriesByType('resource').map(e => e.name).filter(n => /\.mvt(\?|$)/.test(n))`

// zoneStyleAt gives the style attributes of the topmost element at a page
// pixel when it is a path in the zone pane (of GeoJSON or of a tile), and
// "" when something else is on top there.
func zoneStyleAt(t *testing.T, b *browser, pos []float64) string {
	t.Helper()
	var s string
	b.run(t, chromedp.Evaluate(fmt.Sprintf(`(() => {
		const el = document.elementFromPoint(%f, %f);
		if (!el || el.tagName !== 'path' || !window.ecospace.map.getPane('pane-zone').contains(el)) return '';
		return ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-dasharray'].map(a => a + '=' + el.getAttribute(a)).join(' ');
	})()`, pos[0], pos[1]), &s))
	return s
}

// popupAt clicks a pixel and returns the text of the layer popup it opens.
func popupAt(t *testing.T, b *browser, pos []float64, layer string) string {
	t.Helper()
	sel := fmt.Sprintf(`.leaflet-popup-content .popup[data-layer=%q]`, layer)
	var text string
	b.run(t,
		chromedp.Evaluate(`window.ecospace.map.closePopup(), true`, nil),
		chromedp.Sleep(300*time.Millisecond), // the tiles of the new view
		chromedp.MouseClickXY(pos[0], pos[1]),
		chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Text(sel, &text, chromedp.ByQuery),
	)
	return text
}

// TestTiledLayers opens the map with ?tiles_above=1, so every demo layer
// with more than one feature is drawn from .mvt tiles: the tiles are
// fetched and painted, a click on a tiled zone shows the popup the GeoJSON
// layer shows, the layer toggle hides it, and the point tool still checks
// sites over it. With the default threshold nothing is tiled.
func TestTiledLayers(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)

	// Default threshold: the demo layers are GeoJSON, no tile is fetched.
	openMapQuery(t, b, url, "lang=zh&z=15&ll=31.8,119.836")
	var sources []string
	var mvt []string
	b.run(t,
		chromedp.Evaluate(`[...document.querySelectorAll('#layer-list li[data-layer]')].map(li => li.dataset.layer + '=' + li.dataset.source)`, &sources),
		chromedp.Evaluate(mvtFetched, &mvt),
	)
	if len(sources) != 12 {
		t.Fatalf("layer list %v, want 12 layers", sources)
	}
	for _, s := range sources {
		if !strings.HasSuffix(s, "=geojson") {
			t.Errorf("default threshold: %s, want every demo layer as GeoJSON", s)
		}
	}
	if len(mvt) > 0 {
		t.Errorf("default threshold fetched tiles: %v", mvt)
	}
	pos := view(t, b, biandan, 15, biandan)[0]
	geojsonStyle := zoneStyleAt(t, b, pos)
	if !strings.Contains(geojsonStyle, "fill=#c5e1a5") {
		t.Fatalf("GeoJSON corridor at its pixel: %q, want the fill of a corridor that is not 绿线 land", geojsonStyle)
	}
	geojsonPopup := popupAt(t, b, pos, "green-corridors")
	if !strings.Contains(geojsonPopup, "扁担河生态廊道") {
		t.Fatalf("GeoJSON popup %q lacks the zone's name", geojsonPopup)
	}

	// ?tiles_above=1: the layers of more than one feature are tiled
	// (xinmeng-band (water and land), canal, canal-built-up, canal-core,
	// green-corridors, plan-places and the canal's centre lines); the
	// one-feature layers stay GeoJSON.
	openMapQuery(t, b, url, "lang=zh&tiles_above=1&z=15&ll=31.8,119.836")
	sources = nil
	b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('#layer-list li[data-layer]')].map(li => li.dataset.layer + '=' + li.dataset.source)`, &sources))
	want := map[string]string{"district": "geojson", "xinmeng-river": "geojson", "xinmeng-corridor": "geojson", "xinmeng-band": "tiles", "canal": "tiles", "canal-built-up": "tiles", "canal-core": "tiles", "green-corridors": "tiles",
		"taihu-tier": "geojson", "xinmeng-centreline": "geojson", "canal-centreline": "tiles", "plan-places": "tiles"}
	for _, s := range sources {
		id, src, _ := strings.Cut(s, "=")
		if want[id] != src {
			t.Errorf("tiles_above=1: %s is drawn from %s, want %s", id, src, want[id])
		}
	}
	var legend, kept string
	b.run(t,
		chromedp.Text(`#layer-list li[data-layer="green-corridors"]`, &legend, chromedp.ByQuery),
		chromedp.Evaluate(`new URLSearchParams(location.search).get('tiles_above')`, &kept),
	)
	if kept != "1" {
		t.Errorf("the page URL kept tiles_above=%q, want 1 (for reloads and shared links)", kept)
	}
	if !strings.Contains(legend, "生态廊道与绿线") || !strings.Contains(legend, "矢量瓦片") || !strings.Contains(legend, "12 个要素") {
		t.Errorf("legend of the tiled layer %q lacks its title, feature count or 矢量瓦片", legend)
	}

	mvt = nil
	b.run(t, chromedp.Evaluate(mvtFetched, &mvt))
	var green int
	for _, u := range mvt {
		if strings.Contains(u, "/api/v1/layers/green-corridors/tiles/15/") {
			green++
		}
		if strings.Contains(u, "/layers/district/") {
			t.Errorf("the one-feature district layer was tiled: %s", u)
		}
	}
	if green == 0 {
		t.Fatalf("no zoom-15 tile of green-corridors fetched; .mvt fetched: %v", mvt)
	}
	t.Logf("%d .mvt tiles fetched, %d of green-corridors", len(mvt), green)

	// The zone is drawn from its tiles: the topmost element at the point is
	// a path of a tile in the zone pane, styled as the GeoJSON path was, and
	// 700 m away, off the corridor, nothing of that pane is.
	px := view(t, b, biandan, 15, biandan, nearBiandan)
	pos = px[0]
	b.run(t, chromedp.Sleep(300*time.Millisecond))
	var paths int
	b.run(t, chromedp.Evaluate(`window.ecospace.map.getPane('pane-zone').querySelectorAll('svg.leaflet-tile path').length`, &paths))
	if paths == 0 {
		t.Fatal("no tile path in the zone pane")
	}
	if got := zoneStyleAt(t, b, pos); got != geojsonStyle {
		t.Errorf("tiled corridor at its pixel: %q, want the GeoJSON path's %q", got, geojsonStyle)
	}
	if got := zoneStyleAt(t, b, px[1]); got != "" {
		t.Errorf("a zone-pane path 700 m off the corridor: %q", got)
	}

	// A click on the tiled zone: the same popup as from GeoJSON.
	tiledPopup := popupAt(t, b, pos, "green-corridors")
	b.screenshot(t, "tiled-popup")
	if !strings.Contains(tiledPopup, "扁担河生态廊道") {
		t.Errorf("tiled popup %q lacks the zone's Chinese name", tiledPopup)
	}
	if tiledPopup != geojsonPopup {
		t.Errorf("tiled popup differs from the GeoJSON one:\n tiles:   %q\n geojson: %q", tiledPopup, geojsonPopup)
	}
	b.run(t, chromedp.Click(`#lang-toggle`, chromedp.ByQuery))
	if en := popupAt(t, b, view(t, b, biandan, 15, biandan)[0], "green-corridors"); !strings.Contains(en, "Biandan River ecological corridor") {
		t.Errorf("English popup %q lacks the zone's English name", en)
	}
	b.run(t, chromedp.Click(`#lang-toggle`, chromedp.ByQuery))

	// The layer toggle removes the tiles and brings them back (other
	// tiled layers share the zone pane: plan-places).
	count := func() int {
		var n int
		b.run(t, chromedp.Evaluate(`(() => { const c = window.ecospace.layerGroup('green-corridors').getContainer(); return c ? c.querySelectorAll('svg.leaflet-tile path').length : 0; })()`, &n))
		return n
	}
	// The legend is redrawn in place while tiles load, so a node found by
	// one CDP call may be gone by the next (chromedp.Click's "Could not
	// find node" under load): the page clicks its own checkbox.
	toggle := func() {
		b.run(t, chromedp.Evaluate(`document.querySelector('#layer-green-corridors').click()`, nil))
	}
	toggle()
	b.run(t, chromedp.Sleep(200*time.Millisecond))
	if n := count(); n != 0 {
		t.Errorf("%d tile paths left after hiding the layer", n)
	}
	toggle()
	for deadline := time.Now().Add(10 * time.Second); count() == 0; {
		if time.Now().After(deadline) {
			var s string
			b.run(t, chromedp.Evaluate(`(() => { const g = window.ecospace.layerGroup('green-corridors'), c = g.getContainer();
				return JSON.stringify({container: !!c, tiles: c ? c.querySelectorAll('svg').length : -1, onMap: window.ecospace.map.hasLayer(g),
					checked: document.querySelector('#layer-green-corridors').checked, loading: g.isLoading()}); })()`, &s))
			t.Errorf("no tile path 10 s after showing the layer again: %s", s)
			break
		}
		b.run(t, chromedp.Sleep(100*time.Millisecond))
	}

	// The point tool checks a site over the tiles, off any feature: a tile
	// must not swallow the map's click.
	near := view(t, b, biandan, 15, nearBiandan)[0]
	b.run(t,
		chromedp.Evaluate(`window.ecospace.map.closePopup(), true`, nil),
		chromedp.SetValue(`#category`, "chemical", chromedp.ByQuery),
		chromedp.Click(`#tool-point`, chromedp.ByQuery),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.MouseClickXY(near[0], near[1]),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
	)
	b.screenshot(t, "tiled-check")

	// ?tiles_above=0 tiles the one-feature 1 km band too: its sub-legend
	// (the band's distance, a property of its features) comes from the
	// properties of the tiles on screen.
	openMapQuery(t, b, url, "lang=zh&tiles_above=0&z=13&ll=31.80,119.77")
	var band, bandSource string
	b.run(t,
		chromedp.AttributeValue(`#layer-list li[data-layer="xinmeng-band"]`, "data-source", &bandSource, nil, chromedp.ByQuery),
		chromedp.WaitVisible(`#layer-list li[data-layer="xinmeng-band"] .sub-legend`, chromedp.ByQuery),
		chromedp.Text(`#layer-list li[data-layer="xinmeng-band"] .sub-legend`, &band, chromedp.ByQuery),
	)
	if bandSource != "tiles" || !strings.Contains(band, "1,000 米") {
		t.Errorf("band drawn from %s with sub-legend %q, want tiles and 1,000 米", bandSource, band)
	}
	b.screenshot(t, "tiled-legend")

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors with tiled layers:\n%s", strings.Join(errs, "\n"))
	}
}

// TestTiledLayerFailsClosed: when a tiled layer's tiles are answered with
// an error (a store that cannot be read), the legend says the layer failed,
// with the problem's detail, instead of drawing empty tiles as if there
// were no zone there; the other layers are unaffected.
func TestTiledLayerFailsClosed(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	const detail = "the layer store cannot be read"
	problem := base64.StdEncoding.EncodeToString([]byte(`{"type":"urn:ecospace:problem:unavailable","title":"Service unavailable","status":503,"detail":"` + detail + `"}`))
	chromedp.ListenTarget(b.ctx, func(ev any) {
		if ev, ok := ev.(*fetch.EventRequestPaused); ok {
			go func() {
				c := chromedp.FromContext(b.ctx)
				ctx := cdp.WithExecutor(b.ctx, c.Target)
				fetch.FulfillRequest(ev.RequestID, 503).
					WithResponseHeaders([]*fetch.HeaderEntry{{Name: "Content-Type", Value: "application/problem+json"}}).
					WithBody(problem).Do(ctx)
			}()
		}
	})
	b.run(t, fetch.Enable().WithPatterns([]*fetch.RequestPattern{{URLPattern: "*/layers/green-corridors/tiles/*"}}))
	openMapQuery(t, b, url, "lang=zh&tiles_above=1&z=14&ll=31.8,119.836")
	var failed, other string
	var failedSource string
	b.run(t,
		chromedp.WaitVisible(`#layer-list li[data-layer="green-corridors"] .layer-error`, chromedp.ByQuery),
		chromedp.Text(`#layer-list li[data-layer="green-corridors"] .layer-error`, &failed, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#layer-list li[data-layer="green-corridors"]').dataset.source`, &failedSource),
		chromedp.Evaluate(`[...document.querySelectorAll('#layer-list li[data-layer] .layer-error')].map(e => e.closest('li').dataset.layer).join(',')`, &other),
	)
	b.run(t, chromedp.ScrollIntoView(`#layer-list li[data-layer="green-corridors"]`, chromedp.ByQuery))
	b.screenshot(t, "tile-error")
	if failedSource != "tiles" || !strings.Contains(failed, "图层加载失败") || !strings.Contains(failed, detail) {
		t.Errorf("green-corridors (%s) says %q, want the layer failure with %q", failedSource, failed, detail)
	}
	if other != "green-corridors" {
		t.Errorf("layers showing an error: %q, want only green-corridors", other)
	}
}
