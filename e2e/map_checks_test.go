package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server"
)

// TestMyChecksExportSearch: search by EPSG:4549 coordinates and check the
// point found; the check is listed under "my checks" in this browser and,
// with an API key entered, under the key by its reference; the listed check
// reopens the filed answer; the answer exports as GeoJSON.
func TestMyChecksExportSearch(t *testing.T) {
	keys, err := data.OpenFileKeys(filepath.Join(t.TempDir(), "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := keys.CreateKey(context.Background(), "planner", []string{data.ScopeCheck})
	if err != nil {
		t.Fatal(err)
	}
	url := startServerWith(t, func(c *server.Config) { c.Keys = keys })
	b := newBrowser(t)
	openMap(t, b, url)
	const ref = "审批-地图-0001"
	b.run(t,
		chromedp.Evaluate(`document.querySelector('#mychecks').open = true`, nil),
		chromedp.SetValue(`#api-key`, secret, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#api-key').dispatchEvent(new Event('change')), true`, nil),
		chromedp.SetValue(`#reference`, ref, chromedp.ByQuery),
		chromedp.SetValue(`#category`, "warehousing-logistics", chromedp.ByQuery),
		chromedp.SetValue(`#search-coords`, "3519530 478550", chromedp.ByQuery),
		chromedp.Click(`#search-go`, chromedp.ByQuery),
		chromedp.WaitVisible(`#search-found`, chromedp.ByQuery),
	)
	var found map[string]string
	b.run(t, chromedp.Evaluate(`({...document.querySelector('#search-found').dataset})`, &found))
	if !regexp.MustCompile(`^119\.77\d{4}$`).MatchString(found["lon"]) || !regexp.MustCompile(`^31\.79\d{4}$`).MatchString(found["lat"]) {
		t.Errorf("X 3519530 Y 478550 found at %v", found)
	}
	b.run(t,
		chromedp.Click(`#search-check`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
	)
	var id, verdict string
	b.run(t,
		chromedp.Text(`#check-id`, &id, chromedp.ByQuery),
		chromedp.AttributeValue(`#verdict`, "data-verdict", &verdict, nil, chromedp.ByQuery),
	)
	b.run(t, chromedp.WaitVisible(`#mychecks-local li[data-check="`+id+`"]`, chromedp.ByQuery))

	// The answer as GeoJSON: the download's blob is read back.
	var exported string
	b.run(t,
		chromedp.Evaluate(`(() => { window.__blobs = []; const o = URL.createObjectURL; URL.createObjectURL = (x) => { window.__blobs.push(x); return o(x); }; return true; })()`, nil),
		chromedp.Click(`#export`, chromedp.ByQuery),
		chromedp.Evaluate(`window.__blobs[0].text()`, &exported, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry   map[string]any `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(exported), &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) < 2 {
		t.Fatalf("export %v: %.300s", err, exported)
	}
	site := fc.Features[0].Properties
	if site["role"] != "site" || site["check_id"] != id || site["verdict"] != verdict || site["reference"] != ref || fc.Features[0].Geometry["type"] != "Point" {
		t.Errorf("exported site %v", site)
	}
	if fc.Features[1].Properties["role"] != "hit" {
		t.Errorf("exported second feature %v, want a hit", fc.Features[1].Properties)
	}

	// The key's checks by reference, and the filed answer reopened.
	b.run(t,
		chromedp.Click(`#tool-clear`, chromedp.ByQuery),
		chromedp.SetValue(`#mychecks-reference`, ref, chromedp.ByQuery),
		chromedp.Click(`#mychecks-search`, chromedp.ByQuery),
		chromedp.WaitVisible(`#mychecks-server li[data-check="`+id+`"]`, chromedp.ByQuery),
	)
	var listed int
	b.run(t, chromedp.Evaluate(`document.querySelectorAll('#mychecks-server li[data-check]').length`, &listed))
	var serverText string
	b.run(t, chromedp.Text(`#mychecks-server`, &serverText, chromedp.ByQuery))
	if strings.Contains(serverText, "null") {
		t.Errorf("the key's list says %q", serverText)
	}
	b.screenshot(t, "my-checks")
	if listed != 1 {
		t.Errorf("%d checks of the key with reference %s, want 1", listed, ref)
	}
	b.run(t,
		chromedp.Click(`#mychecks-server li[data-check="`+id+`"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
		chromedp.Sleep(100*time.Millisecond),
	)
	var reopened string
	b.run(t, chromedp.Text(`#check-id`, &reopened, chromedp.ByQuery))
	b.screenshot(t, "reopened")
	if reopened != id {
		t.Errorf("reopened check %q, want %q", reopened, id)
	}
}

// TestEnglishTools: in English the matrix, the legend's counts (one
// feature, many features), the move sentence and the dates read right.
func TestEnglishTools(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMapQuery(t, b, url, "lang=en")
	var district, band string
	b.run(t,
		chromedp.Text(`#layer-list li[data-layer="district"] .layer-meta`, &district, chromedp.ByQuery),
		chromedp.Text(`#layer-list li[data-layer="green-corridors"] .layer-meta`, &band, chromedp.ByQuery),
	)
	if !strings.HasPrefix(district, "1 feature ·") || !strings.HasPrefix(band, "12 features ·") {
		t.Errorf("legend counts %q / %q, want 1 feature and 12 features", district, band)
	}
	clickMap(t, b, inBand, 14)
	var head, q string
	b.run(t,
		chromedp.WaitVisible(`#matrix`, chromedp.ByQuery),
		chromedp.Text(`#matrix thead`, &head, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll('#matrix .matrix-q')].map(e => e.textContent).filter(s => s !== '–').join('|')`, &q),
	)
	if !strings.Contains(head, "Category") || !strings.Contains(head, "Deciding rule") || !regexp.MustCompile(`^(\d+ questions?\|?)+$`).MatchString(q) {
		t.Errorf("English matrix head %q, questions %q", head, q)
	}
	for _, s := range strings.Split(q, "|") {
		if s == "1 questions" || (strings.HasSuffix(s, " question") && s != "1 question") {
			t.Errorf("plural wrong: %q", s)
		}
	}
	b.run(t,
		chromedp.Click(`#matrix tr[data-category="hazardous-storage"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict="prohibited"]`, chromedp.ByQuery),
		chromedp.Click(`#move-run`, chromedp.ByQuery),
		chromedp.WaitVisible(`#move-result[data-found="true"]`, chromedp.ByQuery),
	)
	var sentence, checkedAt string
	b.run(t,
		chromedp.Text(`#move-result .move-found`, &sentence, chromedp.ByQuery),
		chromedp.Text(`#checked-at`, &checkedAt, chromedp.ByQuery),
	)
	b.screenshot(t, "english-move")
	if !regexp.MustCompile(`^Moved [\d,.]+ m \S+ \(bearing \d+°\), the answer becomes “Allowed”\.$`).MatchString(sentence) {
		t.Errorf("English move sentence %q", sentence)
	}
	if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`).MatchString(checkedAt) {
		t.Errorf("checked at %q, want YYYY-MM-DD HH:MM:SS as the dates beside it", checkedAt)
	}
}
