package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// corridor2030 is a second version of the Xinmeng clear-water corridor,
// in force from 2030: one zone west of the first.
const corridor2030 = `{"type":"FeatureCollection","features":[{"type":"Feature","id":"corridor-2030","properties":{"name_zh":"新孟河清水通道维护区（2030 调整）","name_en":"Xinmeng corridor (2030 revision)"},` +
	`"geometry":{"type":"Polygon","coordinates":[[[119.745,31.765],[119.78,31.765],[119.78,31.80],[119.745,31.80],[119.745,31.765]]]}}]}`

// TestMapOnPastDate (issue 16 item 6): with 依据日期 set, the map draws the
// layer versions in force that day, from features and tiles read as of it,
// and the layers panel says which versions those are.
func TestMapOnPastDate(t *testing.T) {
	url, admin := startServerWithAdmin(t)
	if code, _ := request(t, "PUT", url+"/api/v1/layers/xinmeng-corridor?valid_from=2030-01-01", admin, "application/geo+json", corridor2030); code != http.StatusCreated {
		t.Fatalf("uploading the 2030 corridor: HTTP %d", code)
	}

	b := newBrowser(t)
	openMapQuery(t, b, url, "lang=zh&z=13&ll=31.79,119.77")
	type drawn struct {
		Version, ValidFrom, Meta, AsOf string
		IDs                            []string
	}
	state := func() drawn {
		var d drawn
		b.run(t, chromedp.Evaluate(`(() => {
			const li = document.querySelector('#layer-list li[data-layer="xinmeng-corridor"] .layer-meta');
			return {Version: li.dataset.version, ValidFrom: li.dataset.validFrom, Meta: li.textContent,
				AsOf: document.querySelector('#layers-as-of').textContent,
				IDs: window.ecospace.state.overlays.get('xinmeng-corridor').features.map(f => String(f.id ?? f.properties.id))};
		})()`, &d))
		return d
	}
	setDate := func(d string) {
		b.run(t,
			chromedp.Evaluate(`(() => { const i = document.querySelector('#as-of'); i.value = '`+d+`'; i.dispatchEvent(new Event('change')); return true; })()`, nil),
			chromedp.WaitVisible(`body[data-ready="1"] #layer-list li[data-layer="xinmeng-corridor"] .layer-meta[data-version]`, chromedp.ByQuery),
		)
	}

	today := state()
	if today.Version != "1" || len(today.IDs) != 1 || today.IDs[0] == "corridor-2030" {
		t.Errorf("today: version %s drawing %v, want version 1 and not the 2030 zone", today.Version, today.IDs)
	}

	setDate("2030-06-01")
	later := state()
	b.screenshot(t, "2030")
	if later.Version != "2" || later.ValidFrom != "2030-01-01" || strings.Join(later.IDs, ",") != "corridor-2030" ||
		!strings.Contains(later.Meta, "版本 2，自 2030-01-01 起") || !strings.Contains(later.AsOf, "2030-06-01") {
		t.Errorf("on 2030-06-01: %+v, want version 2 from 2030-01-01 drawing corridor-2030", later)
	}
	var fetched []string
	b.run(t, chromedp.Evaluate(`performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/layers/xinmeng-corridor/features') && n.includes('as_of=2030-06-01'))`, &fetched))
	if len(fetched) == 0 {
		t.Error("the corridor's features were not read as of 2030-06-01")
	}

	setDate("2029-06-01")
	before := state()
	b.screenshot(t, "2029")
	if before.Version != "1" || strings.Join(before.IDs, ",") == "corridor-2030" || len(before.IDs) != 1 || !strings.Contains(before.AsOf, "2029-06-01") {
		t.Errorf("on 2029-06-01: %+v, want version 1 and its zone", before)
	}
	if before.IDs[0] != today.IDs[0] {
		t.Errorf("on 2029-06-01 the corridor is %v, today %v: want the same first version", before.IDs, today.IDs)
	}

	// Tiles read as of the date too.
	openMapQuery(t, b, url, "lang=zh&tiles_above=0&z=13&ll=31.79,119.77&as_of=2030-06-01")
	var tiles []string
	b.run(t, chromedp.Evaluate(`performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/tiles/') && n.includes('.mvt?as_of=2030-06-01'))`, &tiles))
	if len(tiles) == 0 {
		t.Error("no tile was read as of 2030-06-01")
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
