// Package e2e drives the planners' map in headless Chromium (Debian's
// chromium package, through chromedp) against the real server on the
// embedded store with the demo layers.
package e2e

import (
	"context"
	"fmt"
	"io"
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

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server"
	"github.com/zhonglou/ecospace/web"
)

// startServer serves the API and the map on a loopback port.
func startServer(t *testing.T) string {
	t.Helper()
	if !web.Built() {
		t.Fatal("the map's assets are not built: run `make web` (npm ci + node web/build.js) first")
	}
	man, err := data.DemoManifest()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		t.Fatal(err)
	}
	mem := storetest.DemoMem(t, man)
	srv := server.New(server.Config{Store: mem, Rules: rules, Manifest: man, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Web: web.Handler()})
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
	b.run(t, chromedp.Navigate(url+"/?lang=zh"), chromedp.WaitVisible(`body[data-ready="1"]`, chromedp.ByQuery))
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
	if n != 8 {
		t.Errorf("%d layers listed, want 8", n)
	}
	if !strings.Contains(banner, "示意数据") {
		t.Errorf("banner %q does not say the layers are illustrative", banner)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors on load:\n%s", strings.Join(errs, "\n"))
	}
}

// TestClickInBandChemical clicks the map like a planner: point tool, a
// click 500 m east of the Xinmeng River, category 化工.
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
			m.setView([31.804049, 119.776342], 14, {animate: false});
			const p = m.latLngToContainerPoint([31.804049, 119.776342]);
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
	if !strings.Contains(bandText, "长江保护法") {
		t.Errorf("band hit %q does not cite the Yangtze River Protection Law", bandText)
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
	path := writeFile(t, "parcel.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"地块A"},"geometry":{"type":"Polygon","coordinates":[[[119.772,31.798],[119.775,31.798],[119.775,31.802],[119.772,31.802],[119.772,31.798]]]}}]}`)
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
