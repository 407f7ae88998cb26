package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/zhonglou/ecospace/server"
	"github.com/zhonglou/ecospace/server/servertest"
	"github.com/zhonglou/ecospace/web"
)

// The map's planner tools in Chromium (issue 17: the matrix, moving a site,
// measuring, basemaps, opacity, the printed record, the phone; issue 16
// item 6: the map on another date).

// inBand is 500 m east of the Xinmeng River's shore: chemical projects are
// prohibited there (太湖流域管理条例 第三十条).
var inBand = [2]float64{31.804581, 119.767488}

// onePixelPNG is a grey 1×1 PNG, the test basemap's every tile.
var onePixelPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC")

// startServerWith serves the demo API and the map with cfg adjusted by
// tweak; a handler under /basemap/ answers every tile with onePixelPNG.
func startServerWith(t *testing.T, tweak func(*server.Config)) string {
	t.Helper()
	if !web.Built() {
		t.Fatal("the map's assets are not built: run `make web` (npm ci + node web/build.js) first")
	}
	app := servertest.Demo(t)
	cfg := server.Config{Store: app.Store, Rules: app.Rules, Manifest: app.Manifest, Log: slog.New(slog.DiscardHandler), Web: web.Handler()}
	if tweak != nil {
		tweak(&cfg)
	}
	srv := server.New(cfg)
	mux := http.NewServeMux()
	mux.HandleFunc("/basemap/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(onePixelPNG)
	})
	mux.Handle("/", srv)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts.URL
}

// pixelsOf returns the page pixels of lat/lon points in the current view.
func pixelsOf(t *testing.T, b *browser, pts ...[2]float64) [][]float64 {
	t.Helper()
	var px [][]float64
	js := make([]string, len(pts))
	for i, p := range pts {
		js[i] = fmt.Sprintf("[%f,%f]", p[0], p[1])
	}
	b.run(t, chromedp.Evaluate(fmt.Sprintf(`(() => {
		const m = window.ecospace.map, r = m.getContainer().getBoundingClientRect();
		return [%s].map(ll => { const p = m.latLngToContainerPoint(ll); return [r.left + p.x, r.top + p.y]; });
	})()`, strings.Join(js, ",")), &px))
	return px
}

// clickMap picks the point tool and clicks a lat/lon in a view centred on it.
func clickMap(t *testing.T, b *browser, ll [2]float64, z float64) {
	t.Helper()
	b.run(t, chromedp.Click(`#tool-point`, chromedp.ByQuery))
	pos := view(t, b, ll, z, ll)[0]
	b.run(t, chromedp.Sleep(300*time.Millisecond), chromedp.MouseClickXY(pos[0], pos[1]))
}

// TestMatrixOnClick: a click with no category chosen answers every
// category (the matrix); a click on a row runs that category's full
// check; an allowed row's full check says what it consulted.
func TestMatrixOnClick(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	var cats int
	b.run(t, chromedp.Evaluate(`window.ecospace.state.categories.length`, &cats))
	clickMap(t, b, inBand, 14)
	b.run(t, chromedp.WaitVisible(`#matrix tbody tr`, chromedp.ByQuery))
	var rows []string
	b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('#matrix tbody tr')].map(r => r.dataset.category + '=' + r.dataset.verdict + '=' + r.querySelector('.badge').textContent)`, &rows))
	b.screenshot(t, "matrix")
	if cats < 10 || len(rows) != cats {
		t.Fatalf("matrix has %d rows, want one for each of the %d categories: %v", len(rows), cats, rows)
	}
	allowed := ""
	for _, r := range rows {
		parts := strings.Split(r, "=")
		if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
			t.Errorf("matrix row %q lacks a verdict", r)
		}
		if parts[0] == "chemical" && (parts[1] != "prohibited" || parts[2] != "禁止") {
			t.Errorf("chemical row %q, want 禁止 (prohibited)", r)
		}
		if parts[1] == "allowed" && allowed == "" {
			allowed = parts[0]
		}
	}
	// The verdict sheet (phones) counts the verdicts; hidden on this wide screen.
	var sheet string
	b.run(t, chromedp.Evaluate(`getComputedStyle(document.querySelector('#verdict-sheet')).display`, &sheet))
	if sheet != "none" {
		t.Errorf("verdict sheet shown on a wide screen (display %s)", sheet)
	}

	// One click on the chemical row: the full check, as today.
	b.run(t,
		chromedp.Click(`#matrix tr[data-category="chemical"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
	)
	var verdict, category, zoneBasis, ruleCite string
	b.run(t,
		chromedp.AttributeValue(`#verdict`, "data-verdict", &verdict, nil, chromedp.ByQuery),
		chromedp.Value(`#category`, &category, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll('.hit dt')].map(e => e.textContent).join('|')`, &zoneBasis),
		chromedp.Evaluate(`[...document.querySelectorAll('.hit .cite-label')].map(e => e.textContent).join('|')`, &ruleCite),
	)
	b.screenshot(t, "row-chemical")
	if verdict != "prohibited" || category != "chemical" {
		t.Errorf("chemical row opened %s with category %q, want prohibited chemical", verdict, category)
	}
	// The two bases of a hit: the zone's legal basis and the rule's citation.
	if !strings.Contains(ruleCite, "规则依据") || strings.Contains(zoneBasis, "法律依据") {
		t.Errorf("hit labels %q / %q, want 区域依据 and 规则依据", zoneBasis, ruleCite)
	}

	// An allowed category: the answer lists the layers and rules consulted.
	if allowed == "" {
		t.Fatalf("no category is allowed at the band point: %v", rows)
	}
	b.run(t,
		chromedp.SetValue(`#category`, "", chromedp.ByQuery),
		chromedp.Evaluate(`window.ecospace.runMatrix()`, nil, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
		chromedp.Click(fmt.Sprintf(`#matrix tr[data-category=%q]`, allowed), chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict="allowed"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#consulted`, chromedp.ByQuery),
	)
	var consulted string
	var layers int
	b.run(t,
		chromedp.Text(`#consulted`, &consulted, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#consulted .consulted-layers li').length`, &layers),
	)
	b.screenshot(t, "allowed-consulted")
	if layers == 0 || !strings.Contains(consulted, "已查询的图层与规则") || !strings.Contains(consulted, "规则版本") {
		t.Errorf("allowed answer (%s) consulted block %q with %d layers", allowed, consulted, layers)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestMoveArrow: chemical on a prohibited site. A chemical plant is
// restricted everywhere in the district (Taihu tier 3), so "how far until
// allowed" says plainly that nothing complies within 5 km; until
// restricted, the map draws the arrow with its distance and direction and
// the moved outline, and the moved site checks restricted. A hazardous-
// chemicals store on the same site moves until its check is allowed.
func TestMoveArrow(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	b.run(t, chromedp.SetValue(`#category`, "chemical", chromedp.ByQuery))
	clickMap(t, b, inBand, 14)
	b.run(t,
		chromedp.WaitVisible(`#verdict[data-verdict="prohibited"]`, chromedp.ByQuery),
		chromedp.Click(`#move-run`, chromedp.ByQuery),
		chromedp.WaitVisible(`#move-result`, chromedp.ByQuery),
	)
	var found, none string
	b.run(t,
		chromedp.AttributeValue(`#move-result`, "data-found", &found, nil, chromedp.ByQuery),
		chromedp.Text(`#move-result`, &none, chromedp.ByQuery),
	)
	b.screenshot(t, "chemical-none")
	if found != "false" || !strings.Contains(none, "5 公里") || !strings.Contains(none, "允许") {
		t.Errorf("chemical until allowed: found=%s %q, want nothing within 5 公里", found, none)
	}

	b.run(t,
		chromedp.SetValue(`#move-target`, "restricted", chromedp.ByQuery),
		chromedp.Click(`#move-run`, chromedp.ByQuery),
		chromedp.WaitVisible(`#move-result[data-found="true"]`, chromedp.ByQuery),
	)
	moveAndCheck(t, b, "chemical-point", "restricted", "限制")

	b.run(t,
		chromedp.SetValue(`#category`, "hazardous-storage", chromedp.ByQuery),
		chromedp.Evaluate(`window.ecospace.checkPoint(119.767488, 31.804581).then(r => r.verdict)`, nil, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
		chromedp.WaitVisible(`#verdict[data-verdict="prohibited"]`, chromedp.ByQuery),
		chromedp.Click(`#move-run`, chromedp.ByQuery),
		chromedp.WaitVisible(`#move-result[data-found="true"]`, chromedp.ByQuery),
	)
	moveAndCheck(t, b, "hazardous-storage-point", "allowed", "允许")

	// A parcel (EPSG:4549 metres pasted) moves whole: the moved outline is
	// the parcel translated, drawn as a polygon.
	b.run(t,
		chromedp.SetValue(`#category`, "chemical", chromedp.ByQuery),
		chromedp.SetValue(`#paste-crs`, "epsg4549", chromedp.ByQuery),
		chromedp.SetValue(`#paste`, "J1 3519380 478400\nJ2 3519380 478700\nJ3 3519680 478700\nJ4 3519680 478400", chromedp.ByQuery),
		chromedp.Click(`#paste-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict="prohibited"]`, chromedp.ByQuery),
		chromedp.SetValue(`#move-target`, "restricted", chromedp.ByQuery),
		chromedp.Click(`#move-run`, chromedp.ByQuery),
		chromedp.WaitVisible(`#move-result[data-found="true"]`, chromedp.ByQuery),
	)
	var ring int
	b.run(t, chromedp.Evaluate(`(() => { let n = 0; document.querySelectorAll('path.moved-site').forEach(p => { n = Math.max(n, (p.getAttribute('d').match(/L/g) || []).length); }); return n; })()`, &ring))
	if ring < 3 {
		t.Errorf("the moved parcel is drawn with %d segments, want its outline", ring)
	}
	moveAndCheck(t, b, "chemical-parcel", "restricted", "限制")
}

// moveAndCheck reads a found move off the panel and the map, then checks
// the moved site and wants verdict.
func moveAndCheck(t *testing.T, b *browser, name, verdict, zh string) {
	t.Helper()
	var distance, text, label string
	var arrows, moved int
	b.run(t,
		chromedp.AttributeValue(`#move-result`, "data-distance", &distance, nil, chromedp.ByQuery),
		chromedp.Text(`#move-result`, &text, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('path.move-arrow').length + document.querySelectorAll('path.move-arrow-head').length`, &arrows),
		chromedp.Evaluate(`document.querySelectorAll('path.moved-site').length`, &moved),
		chromedp.Evaluate(`(document.querySelector('.leaflet-tooltip.move-label') || {}).textContent || ''`, &label),
	)
	b.screenshot(t, "move-"+name)
	d, err := strconv.ParseFloat(distance, 64)
	if err != nil || d <= 0 || d > 5000 {
		t.Fatalf("move distance %q (%v): %q", distance, err, text)
	}
	if arrows != 2 || moved == 0 {
		t.Errorf("map draws %d arrow parts and %d moved outlines, want the shaft, its head and the moved site", arrows, moved)
	}
	// The label says how far (in metres) and which way; the panel the verdict after.
	if !strings.Contains(label, "米") || !regexp.MustCompile(`[东西南北]`).MatchString(label) || !strings.Contains(text, zh) {
		t.Errorf("arrow label %q / answer %q, want a distance in 米, a compass direction and %s", label, text, zh)
	}
	t.Logf("moved %.3f m: %s", d, label)
	b.run(t,
		chromedp.Click(`#move-check`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]:not([data-verdict="prohibited"])`, chromedp.ByQuery),
	)
	var after, site string
	b.run(t,
		chromedp.AttributeValue(`#verdict`, "data-verdict", &after, nil, chromedp.ByQuery),
		chromedp.Text(`#result`, &site, chromedp.ByQuery),
	)
	b.screenshot(t, "moved-checked-"+name)
	if after != verdict || !strings.Contains(site, "移动后的选址") {
		t.Errorf("the moved site checks %q, want %s from the moved site", after, verdict)
	}
}

// drawPolygon clicks the vertices of a polygon with the given tool and
// closes it on the first vertex.
func drawPolygon(t *testing.T, b *browser, tool string, px [][]float64) {
	t.Helper()
	b.run(t, chromedp.Click(tool, chromedp.ByQuery), chromedp.Sleep(200*time.Millisecond))
	for _, p := range append(px, px[0]) {
		b.run(t, chromedp.MouseClickXY(p[0], p[1]), chromedp.Sleep(150*time.Millisecond))
	}
}

// TestMeasureParcelArea: a parcel measured with the area tool has the area
// the API gives the same parcel drawn as a site, to the square centimetre.
func TestMeasureParcelArea(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	centre := [2]float64{31.79, 119.80}
	view(t, b, centre, 15, centre)
	var c []float64
	b.run(t, chromedp.Evaluate(`(() => { const r = window.ecospace.map.getContainer().getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`, &c))
	// An irregular pentagon around the centre.
	px := [][]float64{{c[0] - 120, c[1] - 80}, {c[0] + 90, c[1] - 110}, {c[0] + 140, c[1] + 30}, {c[0] + 10, c[1] + 120}, {c[0] - 130, c[1] + 60}}
	drawPolygon(t, b, `#measure-area`, px)
	var measured string
	b.run(t,
		chromedp.WaitVisible(`#measure-result[data-area-m2]`, chromedp.ByQuery),
		chromedp.AttributeValue(`#measure-result`, "data-area-m2", &measured, nil, chromedp.ByQuery),
	)
	// The same vertices drawn as the site, with no category: the matrix
	// answers with the API's area of the site.
	drawPolygon(t, b, `#tool-polygon`, px)
	var api, text string
	b.run(t,
		chromedp.WaitVisible(`#matrix-area`, chromedp.ByQuery),
		chromedp.AttributeValue(`#matrix-area`, "data-area-m2", &api, nil, chromedp.ByQuery),
		chromedp.Text(`#measure-result`, &text, chromedp.ByQuery),
	)
	b.screenshot(t, "measured")
	m, err1 := strconv.ParseFloat(measured, 64)
	a, err2 := strconv.ParseFloat(api, 64)
	if err1 != nil || err2 != nil || a < 1000 {
		t.Fatalf("measured %q, API %q", measured, api)
	}
	if math.Abs(m-a) > 0.01 {
		t.Errorf("measured area %.4f m², the API's %.4f m²: differ by more than 0.01 m²", m, a)
	}
	if !strings.Contains(text, "平方米") {
		t.Errorf("measure readout %q lacks 平方米", text)
	}
	t.Logf("measured %.2f m², API %.2f m²", m, a)

	// The coordinate readout under the cursor: lon/lat to 6 decimals, X/Y
	// in EPSG:4549 to the centimetre.
	b.run(t, chromedp.MouseEvent("mouseMoved", c[0], c[1]), chromedp.Sleep(100*time.Millisecond))
	var ro map[string]string
	b.run(t, chromedp.Evaluate(`({...document.querySelector('#coord-readout').dataset, text: document.querySelector('#coord-readout').textContent})`, &ro))
	if !regexp.MustCompile(`^119\.\d{6}$`).MatchString(ro["lon"]) || !regexp.MustCompile(`^31\.\d{6}$`).MatchString(ro["lat"]) ||
		!regexp.MustCompile(`^35\d{5}\.\d{2}$`).MatchString(ro["x"]) || !regexp.MustCompile(`^4\d{5}\.\d{2}$`).MatchString(ro["y"]) {
		t.Errorf("coordinate readout %v", ro)
	}
}

// TestBasemapAndOpacity: the switcher offers the plain offline ground and
// the configured basemap and switches between them; a layer's opacity
// slider fades its paths.
func TestBasemapAndOpacity(t *testing.T) {
	var url string
	url = startServerWith(t, func(c *server.Config) {
		c.Basemap = &server.Basemap{URL: "/basemap/{z}/{x}/{y}.png", Attribution: "test tiles"}
	})
	b := newBrowser(t)
	openMapQuery(t, b, url, "lang=zh&z=14&ll=31.79,119.77")
	tiles := func() int {
		var n int
		b.run(t, chromedp.Evaluate(`document.querySelectorAll('.leaflet-tile-pane img.leaflet-tile').length`, &n))
		return n
	}
	var options []string
	var basemap string
	b.run(t,
		chromedp.Evaluate(`[...document.querySelectorAll('#basemap option')].map(o => o.value + '=' + o.textContent)`, &options),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.AttributeValue(`#map`, "data-basemap", &basemap, nil, chromedp.ByQuery),
	)
	if strings.Join(options, ",") != "plain=素色底图（离线）,configured=配置的底图" || basemap != "configured" {
		t.Fatalf("basemap options %v, shown %q", options, basemap)
	}
	if tiles() == 0 {
		t.Fatal("the configured basemap draws no tiles")
	}
	b.screenshot(t, "configured")
	b.run(t, chromedp.SetValue(`#basemap`, "plain", chromedp.ByQuery), chromedp.Evaluate(`document.querySelector('#basemap').dispatchEvent(new Event('change')), true`, nil))
	var offline bool
	b.run(t, chromedp.Evaluate(`document.querySelector('#map').classList.contains('offline')`, &offline))
	if n := tiles(); n != 0 || !offline {
		t.Errorf("plain basemap: %d tiles, offline class %v", n, offline)
	}
	b.screenshot(t, "plain")

	fill := func() string {
		var s string
		b.run(t, chromedp.Evaluate(`(() => { const p = window.ecospace.layerGroup('xinmeng-corridor').getLayers()[0]; return p.getElement().getAttribute('fill-opacity'); })()`, &s))
		return s
	}
	before := fill()
	b.run(t, chromedp.Evaluate(`(() => { const i = document.querySelector('#opacity-xinmeng-corridor'); i.value = '20'; i.dispatchEvent(new Event('input')); return true; })()`, nil))
	after := fill()
	bf, _ := strconv.ParseFloat(before, 64)
	af, _ := strconv.ParseFloat(after, 64)
	if !(bf > 0 && math.Abs(af-bf*0.2) < 1e-6) {
		t.Errorf("corridor fill-opacity %s → %s at 20%%, want a fifth", before, after)
	}
	b.screenshot(t, "opacity")
}

// TestPrintedRecord: the printed page of a parcel's check has the site's
// coordinates, its 界址点 table in EPSG:4549, its area, the data status and
// the verification line, and fits on one A4 page.
func TestPrintedRecord(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	b.run(t,
		chromedp.SetValue(`#category`, "warehousing-logistics", chromedp.ByQuery),
		chromedp.SetValue(`#paste-crs`, "epsg4549", chromedp.ByQuery),
		chromedp.SetValue(`#paste`, "J1 3519380 478400\nJ2 3519380 478700\nJ3 3519680 478700\nJ4 3519680 478400", chromedp.ByQuery),
		chromedp.Click(`#paste-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
		emulation.SetEmulatedMedia().WithMedia("print"),
		chromedp.Sleep(200*time.Millisecond),
	)
	var id, hash, record, area, point string
	var rows int
	var visible bool
	b.run(t,
		chromedp.Evaluate(`document.querySelector('#check-id').textContent`, &id),
		chromedp.Evaluate(`document.querySelector('#decision-hash').textContent`, &hash),
		chromedp.Evaluate(`document.querySelector('#record').innerText`, &record),
		chromedp.Evaluate(`document.querySelector('#record-area').innerText`, &area),
		chromedp.Evaluate(`document.querySelector('#record-point').innerText`, &point),
		chromedp.Evaluate(`document.querySelectorAll('#boundary-points tbody tr').length`, &rows),
		chromedp.Evaluate(`(() => { const r = document.querySelector('#verify').getBoundingClientRect(); return r.height > 0 && getComputedStyle(document.querySelector('#record')).display !== 'none'; })()`, &visible),
	)
	var heights map[string]float64
	b.run(t, emulation.SetDeviceMetricsOverride(703, 1032, 1, false), chromedp.Sleep(200*time.Millisecond),
		chromedp.Evaluate(`Object.fromEntries(['.print-head', '.map-wrap', '.verdict-row', '.questions', '.hits', '.absent', '#record', '.meta', '#result-panel', 'body'].map(s => [s, document.querySelector(s) ? document.querySelector(s).getBoundingClientRect().height : -1]))`, &heights))
	t.Logf("print heights at A4 width: %v", heights)
	b.screenshot(t, "print-media")
	if !visible || rows != 4 {
		t.Errorf("printed record visible=%v with %d boundary points, want 4", visible, rows)
	}
	for _, want := range []string{"J1", "3519380.00", "478400.00", "界址点坐标", "数据状态", "示意数据"} {
		if !strings.Contains(record, want) {
			t.Errorf("printed record lacks %q:\n%s", want, record)
		}
	}
	if !strings.Contains(area, "90,000 平方米") {
		t.Errorf("site area %q, want 90,000 平方米 (300 m × 300 m)", area)
	}
	if !regexp.MustCompile(`经度 119\.\d{6}，纬度 31\.\d{6}；X 3519530\.00，Y 478550\.00`).MatchString(point) {
		t.Errorf("site coordinates %q, want the centre in lon/lat and X 3519530.00, Y 478550.00", point)
	}
	if !strings.Contains(record, id) || !strings.Contains(record, hash) || !strings.Contains(record, url+"/api/v1/checks/"+id) {
		t.Errorf("verification line lacks check id %s, hash %s or the URL of the filed answer:\n%s", id, hash, record)
	}
	// The URL returns the filed answer.
	resp, err := http.Get(url + "/api/v1/checks/" + id)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(hash)) {
		t.Errorf("GET the filed answer %s: HTTP %d %s, want the answer with decision hash %s", id, resp.StatusCode, body, hash)
	}
	// One A4 page.
	var pdf []byte
	b.run(t, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		pdf, _, err = page.PrintToPDF().WithPreferCSSPageSize(true).WithPrintBackground(true).Do(ctx)
		return err
	}))
	pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
	writePDF(t, pdf)
	if pages != 1 {
		t.Errorf("the printed record is %d pages, want one A4 page", pages)
	}
}

// writePDF keeps the printed page beside the screenshots.
func writePDF(t *testing.T, pdf []byte) {
	t.Helper()
	dir := os.Getenv("ECOSPACE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ecospace-screenshots")
	}
	path := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+".pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Errorf("pdf: %v", err)
		return
	}
	t.Logf("pdf: %s", path)
}

// TestPhoneVerdictInView: on a 390×844 screen, a tap on the map leaves the
// verdict in view and the map where it was.
func TestPhoneVerdictInView(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	b.run(t, emulation.SetDeviceMetricsOverride(390, 844, 2, true))
	openMap(t, b, url)
	b.run(t,
		chromedp.SetValue(`#category`, "chemical", chromedp.ByQuery),
		chromedp.Click(`#tool-point`, chromedp.ByQuery),
		chromedp.Evaluate(`window.scrollTo(0, 0), true`, nil),
	)
	pos := view(t, b, inBand, 14, inBand)[0]
	var before float64
	b.run(t,
		chromedp.Evaluate(`window.scrollY`, &before),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.MouseClickXY(pos[0], pos[1]),
		chromedp.WaitVisible(`#sheet-verdict`, chromedp.ByQuery),
		chromedp.Sleep(300*time.Millisecond),
	)
	var box struct {
		Top, Bottom, Height, ScrollY float64
		Verdict, Text                string
	}
	b.run(t, chromedp.Evaluate(`(() => { const e = document.querySelector('#sheet-verdict'), r = e.getBoundingClientRect();
		return {Top: r.top, Bottom: r.bottom, Height: window.innerHeight, ScrollY: window.scrollY, Verdict: e.dataset.verdict, Text: e.textContent}; })()`, &box))
	b.screenshot(t, "phone")
	viewportShot(t, b, "phone-screen")
	if box.Top < 0 || box.Bottom > box.Height || box.Verdict != "prohibited" || box.Text != "禁止" {
		t.Errorf("verdict on the phone at %.0f–%.0f of a %.0f px screen: %q (%s)", box.Top, box.Bottom, box.Height, box.Text, box.Verdict)
	}
	if box.ScrollY != before {
		t.Errorf("the tap scrolled the page from %.0f to %.0f", before, box.ScrollY)
	}
	// The sheet's button takes the planner to the full answer.
	b.run(t, chromedp.Click(`#verdict-sheet button`, chromedp.ByQuery), chromedp.Sleep(800*time.Millisecond))
	var top float64
	b.run(t, chromedp.Evaluate(`document.querySelector('#verdict').getBoundingClientRect().top`, &top))
	if top < 0 || top > 844 {
		t.Errorf("after 详情 the full verdict is at %.0f px, off the screen", top)
	}
	b.screenshot(t, "phone-details")
}

// TestFailedPasteClearsOutline: after a paste that cannot be read, the old
// answer and its outline are both gone.
func TestFailedPasteClearsOutline(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	outline := func() int {
		var n int
		b.run(t, chromedp.Evaluate(`window.ecospace.map.getPane('pane-site').querySelectorAll('path').length`, &n))
		return n
	}
	b.run(t,
		chromedp.SetValue(`#category`, "chemical", chromedp.ByQuery),
		chromedp.SetValue(`#paste`, "119.763,31.798\n119.766,31.798\n119.766,31.802", chromedp.ByQuery),
		chromedp.Click(`#paste-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
	)
	if outline() == 0 {
		t.Fatal("no outline drawn for the pasted parcel")
	}
	b.run(t,
		chromedp.SetValue(`#paste`, "119.763,abc", chromedp.ByQuery),
		chromedp.Click(`#paste-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#error[data-field="paste"]`, chromedp.ByQuery),
	)
	var verdicts int
	b.run(t, chromedp.Evaluate(`document.querySelectorAll('#verdict').length`, &verdicts))
	if n := outline(); n != 0 || verdicts != 0 {
		t.Errorf("after a failed paste: %d outline paths and %d verdicts left, want none", n, verdicts)
	}
}

// viewportShot saves what is on the screen (not the whole page) beside the
// screenshots: on a phone, what the planner sees after the tap.
func viewportShot(t *testing.T, b *browser, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	dir := os.Getenv("ECOSPACE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ecospace-screenshots")
	}
	path := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", path)
}
