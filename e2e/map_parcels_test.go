package e2e

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server"
)

// The map and the parcel register (issue 17 item 3): search by parcel
// number (宗地号) once a register is loaded, and why not before.

// startServerWithAdmin serves the demo with a key store and returns the
// URL and an admin key.
func startServerWithAdmin(t *testing.T) (string, string) {
	t.Helper()
	keys, err := data.OpenFileKeys(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	admin, _, err := keys.CreateKey(context.Background(), "steward", []string{data.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	return startServerWith(t, func(c *server.Config) { c.Keys = keys }), admin
}

// loadRegister loads the illustrative parcel register (valid from today).
func loadRegister(t *testing.T, base, admin string) {
	t.Helper()
	body, err := os.ReadFile("../data/demo/parcels-sample.geojson")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := request(t, "PUT", base+"/api/v1/layers/parcels?parcel_field="+url.QueryEscape("宗地号"), admin, "application/geo+json", string(body)); code != http.StatusCreated {
		t.Fatalf("loading the parcel register: HTTP %d", code)
	}
}

// TestParcelSearch: with no register the search by number is disabled
// and says why; once the illustrative register is loaded, a number typed
// as printed (spaces, lower case) takes the map to the parcel, draws it
// and checks it; a number not in the register shows the problem's detail.
func TestParcelSearch(t *testing.T) {
	base, admin := startServerWithAdmin(t)
	b := newBrowser(t)
	openMap(t, b, base)
	var disabled, hidden bool
	var why string
	b.run(t,
		chromedp.Evaluate(`document.querySelector('#parcel-number').disabled && document.querySelector('#parcel-go').disabled`, &disabled),
		chromedp.Evaluate(`document.querySelector('#parcel-search').hidden`, &hidden),
		chromedp.Text(`#parcel-unavailable`, &why, chromedp.ByQuery),
	)
	b.screenshot(t, "no-register")
	if !disabled || hidden || !strings.Contains(why, "宗地登记") || !strings.Contains(why, "ecospace import --layer parcels") {
		t.Errorf("with no register: input disabled=%v, hidden=%v, note %q; want it disabled and saying how a register is loaded", disabled, hidden, why)
	}

	var en string
	b.run(t, chromedp.Click(`#lang-toggle`, chromedp.ByQuery), chromedp.Text(`#parcel-unavailable`, &en, chromedp.ByQuery))
	if !strings.Contains(en, "No parcel register is loaded") {
		t.Errorf("English note %q", en)
	}

	loadRegister(t, base, admin)
	openMap(t, b, base)
	b.run(t,
		chromedp.Evaluate(`document.querySelector('#parcel-number').disabled || document.querySelector('#parcel-go').disabled`, &disabled),
		chromedp.Evaluate(`document.querySelector('#parcel-unavailable').hidden`, &hidden),
	)
	if disabled || !hidden {
		t.Fatalf("with the register loaded: search disabled=%v, note hidden=%v", disabled, hidden)
	}

	// The number as printed on a certificate: groups, lower case.
	var found, verdict, reference string
	var inView bool
	var zoom float64
	var outline int
	b.run(t,
		chromedp.SetValue(`#category`, "warehousing-logistics", chromedp.ByQuery),
		chromedp.SetValue(`#parcel-number`, "320404 001001 gb00001", chromedp.ByQuery),
		chromedp.Click(`#parcel-go`, chromedp.ByQuery),
		chromedp.WaitVisible(`#parcel-found`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
		chromedp.Text(`#parcel-found`, &found, chromedp.ByQuery),
		chromedp.AttributeValue(`#verdict`, "data-verdict", &verdict, nil, chromedp.ByQuery),
		chromedp.Evaluate(`window.ecospace.map.getBounds().contains([[31.779439, 119.898646], [31.780793, 119.900759]])`, &inView),
		chromedp.Evaluate(`window.ecospace.map.getZoom()`, &zoom),
		chromedp.Evaluate(`window.ecospace.map.getPane('pane-site').querySelectorAll('path').length`, &outline),
		chromedp.Evaluate(`(window.ecospace.lastResult || {}).reference || ''`, &reference),
	)
	b.screenshot(t, "found")
	// Parcel p1 spans 119.898646–119.900759 E, 31.779439–31.780793 N
	// (200 m × 150 m): in view, close enough to see it.
	if !inView || zoom < 14 {
		t.Errorf("after the search the parcel is in view: %v at zoom %v, want it in view at zoom 14 or more", inView, zoom)
	}
	if outline == 0 || verdict == "" || !strings.Contains(found, "320404001001GB00001") {
		t.Errorf("found %q, %d outline paths, verdict %q: want the parcel drawn and checked", found, outline, verdict)
	}
	if reference != "320404001001GB00001" {
		t.Errorf("the check's reference is %q, want the parcel number", reference)
	}

	var none string
	b.run(t,
		chromedp.SetValue(`#parcel-number`, "320404999999GB99999", chromedp.ByQuery),
		chromedp.Click(`#parcel-go`, chromedp.ByQuery),
		chromedp.WaitVisible(`#parcel-result .error`, chromedp.ByQuery),
		chromedp.Text(`#parcel-result .error`, &none, chromedp.ByQuery),
	)
	b.screenshot(t, "not-found")
	if !strings.Contains(none, "320404999999GB99999") || !strings.Contains(none, "not in the parcel register") {
		t.Errorf("unknown parcel: %q, want the problem's detail", none)
	}
	// The browser logs the 404 of the unknown number; nothing else.
	for _, e := range b.consoleErrors() {
		if !strings.Contains(e, "/api/v1/parcels/320404999999GB99999") {
			t.Errorf("console error: %s", e)
		}
	}
}
