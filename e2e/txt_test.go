package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUploadTXT: the map takes the surveyor's file (a 用地报盘 TXT as
// surveying software writes it: GBK, CRLF, eastings with the zone number)
// like a GeoJSON upload: the 地块 beside the 新孟河 is prohibited for a
// chemical plant; a file in the 1980 西安 datum is refused with the
// server's words, naming the line.
func TestUploadTXT(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p) // the browser reads the file by its absolute path
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	var verdict, kind string
	b.run(t,
		chromedp.SetValue(`#category`, "chemical", chromedp.ByQuery),
		chromedp.SetUploadFiles(`#upload-file`, []string{abs("../data/demo/parcel-sample.txt")}, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict]`, chromedp.ByQuery),
		chromedp.Text(`#verdict`, &verdict, chromedp.ByQuery),
		chromedp.AttributeValue(`#verdict`, "data-verdict", &kind, nil, chromedp.ByQuery),
	)
	b.screenshot(t, "txt-verdict")
	if kind != "prohibited" || !strings.Contains(verdict, "禁止") {
		t.Errorf("verdict %q (%s), want 禁止", verdict, kind)
	}

	var text, field string
	b.run(t,
		chromedp.SetUploadFiles(`#upload-file`, []string{abs("../data/layerfile/testdata/xian80-gbk.txt")}, chromedp.ByQuery),
		chromedp.WaitVisible(`#error`, chromedp.ByQuery),
		chromedp.Text(`#error`, &text, chromedp.ByQuery),
		chromedp.AttributeValue(`#error`, "data-field", &field, nil, chromedp.ByQuery),
	)
	b.screenshot(t, "txt-error")
	if field != "upload" || !strings.Contains(text, "1980西安坐标系") || !strings.Contains(text, "line 5") {
		t.Errorf("error %q next to %q, want the server's detail (1980西安坐标系, line 5) next to the upload", text, field)
	}
}
