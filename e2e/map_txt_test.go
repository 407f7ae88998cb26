package e2e

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The surveyor's file on the map (issue 17 item 4): the 地块 of a TXT
// listed and checked one at a time or all in one batch; a refused file
// clearing what was there; the printed record's 界址点 of a TXT parcel.

// absPath is a repository file's absolute path (the browser reads an
// upload by it).
func absPath(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// txtRow is one row of the 地块 list.
type txtRow struct {
	Index                  int
	Reference, Number      string
	Name, Area             string
	Verdict, CheckID, Prob string
}

func readTXTRows(t *testing.T, b *browser) []txtRow {
	t.Helper()
	var rows []txtRow
	b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('#txt-parcels tbody tr')].map(r => {
		const td = r.querySelectorAll('td'), v = r.querySelector('.txt-verdict'), p = r.querySelector('.txt-problem');
		return {Index: +r.dataset.index, Reference: r.dataset.reference, Number: td[0].textContent, Name: td[1].textContent, Area: td[2].textContent,
			Verdict: v ? v.dataset.verdict : '', CheckID: v ? v.dataset.checkId : '', Prob: p ? p.textContent : ''};
	})`, &rows))
	return rows
}

// TestTXTParcelList: a TXT of two 地块 (GBK, CRLF, eastings with the zone
// number, a hole ring) is listed by 地块编号, 名称 and area and drawn,
// not checked as one site; all are checked in one batch with the chosen
// category, each with its verdict, which opens that 地块's full check;
// one 地块 checked alone is filed under its 地块编号 and gets the batch's
// verdict. A file of one 地块 fills the reference with its 地块编号.
func TestTXTParcelList(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	var outline, verdicts int
	b.run(t,
		chromedp.SetUploadFiles(`#upload-file`, []string{absPath(t, "../data/demo/parcels-sample.txt")}, chromedp.ByQuery),
		chromedp.WaitVisible(`#txt-parcels tbody tr`, chromedp.ByQuery),
		chromedp.Evaluate(`window.ecospace.map.getPane('pane-site').querySelectorAll('path').length`, &outline),
		chromedp.Evaluate(`document.querySelectorAll('#verdict, #matrix').length`, &verdicts),
	)
	rows := readTXTRows(t, b)
	b.screenshot(t, "list")
	if len(rows) != 2 || rows[0].Number != "ZL-2026-001" || rows[0].Name != "钟楼示意地块一" || !strings.Contains(rows[0].Area, "27,500 平方米") ||
		rows[1].Reference != "ZL-2026-002" || rows[1].Name != "新孟河边示意地块" || !strings.Contains(rows[1].Area, "10,000 平方米") {
		t.Fatalf("地块 list %+v, want ZL-2026-001 钟楼示意地块一 27,500 m² and ZL-2026-002 新孟河边示意地块 10,000 m²", rows)
	}
	if outline == 0 || verdicts != 0 {
		t.Errorf("after the upload: %d outline paths, %d answers; want both 地块 drawn and none checked", outline, verdicts)
	}

	// Check all with no category: the list says to choose one.
	var why string
	b.run(t,
		chromedp.Click(`#txt-check-all`, chromedp.ByQuery),
		chromedp.WaitVisible(`#txt-batch-error`, chromedp.ByQuery),
		chromedp.Text(`#txt-batch-error`, &why, chromedp.ByQuery),
	)
	if !strings.Contains(why, "项目类别") {
		t.Errorf("check all without a category: %q", why)
	}

	var summary string
	b.run(t,
		chromedp.SetValue(`#category`, "chemical", chromedp.ByQuery),
		chromedp.Click(`#txt-check-all`, chromedp.ByQuery),
		chromedp.WaitVisible(`#txt-summary`, chromedp.ByQuery),
		chromedp.Text(`#txt-summary`, &summary, chromedp.ByQuery),
	)
	rows = readTXTRows(t, b)
	b.screenshot(t, "batch")
	if len(rows) != 2 || rows[0].Verdict == "" || rows[0].CheckID == "" || rows[1].Verdict != "prohibited" {
		t.Fatalf("batch results %+v, want a verdict and check id on each row, ZL-2026-002 (by the 新孟河) prohibited", rows)
	}
	prohibited := 0
	for _, r := range rows {
		if r.Verdict == "prohibited" {
			prohibited++
		}
	}
	if want := fmt.Sprintf("禁止 %d", prohibited); !strings.Contains(summary, want) {
		t.Errorf("batch summary %q, want %s", summary, want)
	}

	// A row's verdict opens that 地块's filed check.
	var id, ref string
	b.run(t,
		chromedp.Click(`#txt-parcels tr[data-index="1"] .txt-verdict`, chromedp.ByQuery),
		chromedp.WaitVisible(`#check-id`, chromedp.ByQuery),
		chromedp.Text(`#check-id`, &id, chromedp.ByQuery),
		chromedp.Evaluate(`(window.ecospace.lastResult || {}).reference || ''`, &ref),
	)
	if id != rows[0].CheckID || ref != "ZL-2026-001" {
		t.Errorf("the first row opens check %s (reference %q), want the batch's %s under ZL-2026-001", id, ref, rows[0].CheckID)
	}

	// One 地块 alone: filed under its 地块编号, the batch's verdict.
	var alone, field string
	b.run(t,
		chromedp.Click(`#txt-parcels tr[data-index="2"] .txt-check`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
		chromedp.Evaluate(`window.ecospace.lastResult.reference === 'ZL-2026-002' ? window.ecospace.lastResult.verdict : 'reference ' + window.ecospace.lastResult.reference`, &alone),
		chromedp.Value(`#reference`, &field, chromedp.ByQuery),
	)
	b.screenshot(t, "alone")
	// Sent as the file cut to that 地块 (text/plain), so read from its metres.
	var sent []string
	b.run(t, chromedp.Evaluate(`performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/v1/checks?category=chemical') && n.includes('reference=ZL-2026-002'))`, &sent))
	if len(sent) != 1 {
		t.Errorf("ZL-2026-002 alone was sent %d times as text/plain to /api/v1/checks?category=chemical&reference=ZL-2026-002, want once", len(sent))
	}
	if alone != rows[1].Verdict || field != "ZL-2026-002" {
		t.Errorf("ZL-2026-002 alone: %q with reference field %q, want %s as in the batch, filed under ZL-2026-002", alone, field, rows[1].Verdict)
	}
	var listed int
	b.run(t, chromedp.Evaluate(`document.querySelectorAll('#txt-parcels tbody tr').length`, &listed))
	if listed != 2 {
		t.Errorf("the list has %d rows after checking one, want it kept", listed)
	}
	// In English the list speaks English, results kept.
	var en string
	b.run(t,
		chromedp.Click(`#lang-toggle`, chromedp.ByQuery),
		chromedp.Text(`#txt-parcels`, &en, chromedp.ByQuery),
	)
	b.screenshot(t, "english")
	if !strings.Contains(en, "The file holds 2 地块") || !strings.Contains(en, "27,500 m² (41.25 mu)") || !strings.Contains(en, "Check all") || !strings.Contains(en, "Prohibited") {
		t.Errorf("English list %q", en)
	}
	b.run(t, chromedp.Click(`#lang-toggle`, chromedp.ByQuery))

	// A file of one 地块: no list, its 地块编号 in the reference field.
	var hidden bool
	b.run(t,
		chromedp.Click(`#tool-clear`, chromedp.ByQuery),
		chromedp.Evaluate(`(() => { document.querySelector('#reference').value = ''; return true; })()`, nil),
		chromedp.SetUploadFiles(`#upload-file`, []string{absPath(t, "../data/demo/parcel-sample.txt")}, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
		chromedp.Value(`#reference`, &field, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#txt-parcels').hidden`, &hidden),
	)
	if field != "ZL-2026-002" || !hidden {
		t.Errorf("one-地块 file: reference field %q, list hidden %v; want ZL-2026-002 and no list", field, hidden)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestTXTRefusedClears: a TXT in the wrong datum (1980 西安, zone 39) is
// refused with the server's detail naming the line, and, as after a
// failed paste, the old outline, answer and 地块 list are gone.
func TestTXTRefusedClears(t *testing.T) {
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
		chromedp.SetUploadFiles(`#upload-file`, []string{absPath(t, "../data/demo/parcel-sample.txt")}, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
	)
	if outline() == 0 {
		t.Fatal("no outline drawn for the uploaded 地块")
	}
	refused := func(name string) {
		t.Helper()
		var text, field, ref string
		var answers int
		var listed bool
		b.run(t,
			chromedp.SetUploadFiles(`#upload-file`, []string{absPath(t, "../data/layerfile/testdata/xian80-gbk.txt")}, chromedp.ByQuery),
			chromedp.WaitVisible(`#error[data-field="upload"]`, chromedp.ByQuery),
			chromedp.Text(`#error`, &text, chromedp.ByQuery),
			chromedp.AttributeValue(`#error`, "data-field", &field, nil, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll('#verdict, #matrix').length`, &answers),
			chromedp.Evaluate(`!document.querySelector('#txt-parcels').hidden`, &listed),
			chromedp.Value(`#reference`, &ref, chromedp.ByQuery),
		)
		b.screenshot(t, name)
		if ref != "" {
			t.Errorf("%s: the reference field keeps %q, the 地块编号 of the file before", name, ref)
		}
		if !strings.Contains(text, "1980西安坐标系") || !strings.Contains(text, "line 5") {
			t.Errorf("%s: error %q, want the server's detail naming 1980西安坐标系 and line 5", name, text)
		}
		if n := outline(); n != 0 || answers != 0 || listed {
			t.Errorf("%s: after the refused file %d outline paths, %d answers, list shown %v; want none", name, n, answers, listed)
		}
	}
	refused("after-check")

	// After the list of a file of several 地块, one of them checked.
	b.run(t,
		chromedp.SetUploadFiles(`#upload-file`, []string{absPath(t, "../data/demo/parcels-sample.txt")}, chromedp.ByQuery),
		chromedp.WaitVisible(`#txt-parcels tbody tr`, chromedp.ByQuery),
		chromedp.Click(`#txt-parcels tr[data-index="1"] .txt-check`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
	)
	refused("after-list")
}

// TestTXTPrintedRecord: the printed record of a 地块 from a TXT (the one
// with a hole ring) lists its 界址点: each distinct vertex of each ring
// once, with its 圈号, under the file's 点号 and at the file's X/Y to the
// millimetre (POST /api/v1/sites/parse gives both, point_names and
// points_4549, matched to the check's echo by position); the reference is
// its 地块编号.
func TestTXTPrintedRecord(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	b.run(t,
		chromedp.SetValue(`#category`, "warehousing-logistics", chromedp.ByQuery),
		chromedp.SetUploadFiles(`#upload-file`, []string{absPath(t, "../data/demo/parcels-sample.txt")}, chromedp.ByQuery),
		chromedp.WaitVisible(`#txt-parcels tbody tr`, chromedp.ByQuery),
		chromedp.Click(`#txt-parcels tr[data-index="1"] .txt-check`, chromedp.ByQuery),
		chromedp.WaitVisible(`#record`, chromedp.ByQuery),
		emulation.SetEmulatedMedia().WithMedia("print"),
	)
	type pt struct{ No, Ring, X, Y string }
	var pts []pt
	var record, area string
	var numbered bool
	b.run(t,
		chromedp.Evaluate(`[...document.querySelectorAll('#boundary-points tbody tr')].map(r => { const td = r.querySelectorAll('td'); return {No: td[0].textContent, Ring: td[1].textContent, X: td[2].textContent, Y: td[3].textContent}; })`, &pts),
		chromedp.Evaluate(`document.querySelector('#record').innerText`, &record),
		chromedp.Evaluate(`document.querySelector('#record-area').innerText`, &area),
		chromedp.Evaluate(`!!document.querySelector('#points-numbered')`, &numbered),
	)
	b.screenshot(t, "record")
	// The file's 界址点 of 地块 ZL-2026-001 (closing points J5 and J10
	// left out): ring 1 J1–J4, ring 2 (the hole) J6–J9; eastings without
	// the zone 40.
	want := map[string]pt{
		"J1": {"J1", "1", "3517550", "490400"}, "J2": {"J2", "1", "3517550", "490600"},
		"J3": {"J3", "1", "3517400", "490600"}, "J4": {"J4", "1", "3517400", "490400"},
		"J6": {"J6", "2", "3517500", "490450"}, "J7": {"J7", "2", "3517450", "490450"},
		"J8": {"J8", "2", "3517450", "490500"}, "J9": {"J9", "2", "3517500", "490500"},
	}
	if len(pts) != len(want) {
		t.Fatalf("界址点 table has %d rows, want %d: %+v", len(pts), len(want), pts)
	}
	for _, p := range pts {
		w, ok := want[p.No]
		if !ok {
			t.Errorf("row %+v: %q is no 点号 of the file (J1–J4, J6–J9)", p, p.No)
			continue
		}
		delete(want, p.No)
		x, errX := strconv.ParseFloat(p.X, 64)
		y, errY := strconv.ParseFloat(p.Y, 64)
		if errX != nil || errY != nil {
			t.Fatalf("row %+v: X/Y not numbers", p)
		}
		wx, _ := strconv.ParseFloat(w.X, 64)
		wy, _ := strconv.ParseFloat(w.Y, 64)
		// The file's metres, not the lon/lat's (which are up to 5 cm off).
		if p.Ring != w.Ring || math.Abs(x-wx) > 0.001 || math.Abs(y-wy) > 0.001 {
			t.Errorf("row %+v, want 圈号 %s at the file's X %s Y %s (within 0.001 m)", p, w.Ring, w.X, w.Y)
		}
	}
	if numbered || strings.Contains(record, "不是报盘文件中的点号") {
		t.Errorf("the record says its 点号 are the map's, though they are the file's:\n%s", record)
	}
	// The area is the file's: the 地块 went as the file, not as lon/lat.
	// The record of this 地块 answers with four zones and their citations
	// (.hits about 440 px at A4 width, against 235 px for the pasted parcel
	// of TestPrintedRecord): with its eight 界址点 it runs onto a second page.
	var heights map[string]float64
	b.run(t, emulation.SetDeviceMetricsOverride(703, 1032, 1, false),
		chromedp.Evaluate(`Object.fromEntries(['.print-head', '.map-wrap', '.verdict-row', '.questions', '.hits', '.absent', '#record', '.meta', '#result-panel', 'body'].map(s => [s, document.querySelector(s) ? document.querySelector(s).getBoundingClientRect().height : -1]))`, &heights))
	t.Logf("print heights at A4 width: %v", heights)
	var pdf []byte
	b.run(t, chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		pdf, _, err = page.PrintToPDF().WithPreferCSSPageSize(true).WithPrintBackground(true).Do(ctx)
		return err
	}))
	writePDF(t, pdf)
	pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
	t.Logf("the printed record of the 地块 is %d A4 pages", pages)
	if pages < 1 || pages > 2 {
		t.Errorf("the printed record of the 地块 is %d pages, want at most two", pages)
	}
	if !strings.Contains(area, "27,500 平方米") || !strings.Contains(record, "界址点坐标") {
		t.Errorf("record area %q, want 27,500 平方米 (200 m × 150 m less a 50 m square hole):\n%s", area, record)
	}
	var overlap, ref string
	b.run(t,
		chromedp.Evaluate(`[...document.querySelectorAll('.hit')].map(e => e.textContent).join(' ')`, &overlap),
		chromedp.Evaluate(`window.ecospace.lastResult.reference`, &ref),
	)
	if ref != "ZL-2026-001" {
		t.Errorf("the check is filed under %q, want the 地块编号 ZL-2026-001", ref)
	}
	if !strings.Contains(overlap, "27,500 平方米（占选址 100%）") {
		t.Errorf("no hit covers the whole 地块 as 27,500 平方米 (the file's area): %s", overlap)
	}
}
