package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Places of data/demo/README.md's test-point table (lat, lon).
var (
	// 25 m east of the Xinmeng River's centre line (test point 1): in the
	// 100 m wide water, off the drawn centre line.
	inWater = [2]float64{31.794999, 119.759665}
	// test point 18: 南运河 riverside green, 城市绿线 land (green_line true)
	greenLine = [2]float64{31.775971, 119.943807}
	// test point 12: 扁担河 corridor, plan structure (green_line false)
	corridor = [2]float64{31.785, 119.836}
	// test point 24: the western green heart, informational (plan-places)
	greenHeart = [2]float64{31.772, 119.805}
)

// styleAt gives the pane and style attributes of the topmost element at a
// page pixel when it is a drawn path, "" otherwise.
func styleAt(t *testing.T, b *browser, pos []float64) string {
	t.Helper()
	var s string
	b.run(t, chromedp.Evaluate(fmt.Sprintf(`(() => {
		const el = document.elementFromPoint(%f, %f);
		if (!el || el.tagName !== 'path') return '';
		const pane = ['pane-source', 'pane-display', 'pane-zone', 'pane-distance'].find(p => window.ecospace.map.getPane(p).contains(el)) || '';
		return pane + ' ' + ['fill', 'fill-opacity', 'stroke', 'stroke-dasharray'].map(a => a + '=' + el.getAttribute(a)).join(' ');
	})()`, pos[0], pos[1]), &s))
	return s
}

// TestMapDrawsZones: the map draws the water surfaces (the distance
// origin) with the drawn centre lines over them as display lines, the
// corridors that are 城市绿线 land apart from those that are not, and the
// plan's informational places with their status; the legend says which
// layers carry rules and which are informational.
func TestMapDrawsZones(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMapQuery(t, b, url, "lang=zh&z=13&ll=31.79,119.80")

	// The legend: each layer's role.
	var roles []string
	b.run(t, chromedp.Evaluate(`[...document.querySelectorAll('#layer-list li[data-layer]')].map(li => li.dataset.layer + '=' + li.dataset.role + '=' + li.querySelector('.layer-role').textContent)`, &roles))
	want := map[string]string{
		"district": "coverage", "xinmeng-river": "source", "canal": "source", "canal-built-up": "mask",
		"xinmeng-corridor": "rules", "xinmeng-band": "rules", "canal-core": "rules", "green-corridors": "rules", "taihu-tier": "rules",
		"xinmeng-centreline": "display", "canal-centreline": "display", "plan-places": "informational",
	}
	for _, r := range roles {
		parts := strings.SplitN(r, "=", 3)
		if len(parts) != 3 || want[parts[0]] != parts[1] || parts[2] == "" {
			t.Errorf("legend role %q, want %s", r, want[parts[0]])
		}
	}
	var places, greenSub string
	b.run(t,
		chromedp.Text(`#layer-list li[data-layer="plan-places"] .layer-role`, &places, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll('#layer-list li[data-layer="green-corridors"] .sub-legend li')].map(li => li.dataset.greenLine + ':' + li.textContent).sort().join(' | ')`, &greenSub),
	)
	if places != "示意信息，不作判定" {
		t.Errorf("plan-places legend says %q, want 示意信息，不作判定", places)
	}
	if !strings.Contains(greenSub, "false:生态廊道（非城市绿线）") || !strings.Contains(greenSub, "true:城市绿线用地") {
		t.Errorf("green-corridors sub-legend %q, want both 城市绿线用地 and 生态廊道（非城市绿线）", greenSub)
	}

	// The water surface, filled, in the source pane, under the dashed
	// centre line drawn in the display pane.
	px := view(t, b, inWater, 16, inWater)
	if s := styleAt(t, b, px[0]); !strings.HasPrefix(s, "pane-source fill=#42a5f5") {
		t.Errorf("in the Xinmeng water: %q, want the filled water surface", s)
	}
	var centre []string
	b.run(t, chromedp.Evaluate(`[...window.ecospace.map.getPane('pane-display').querySelectorAll('path')].map(p => p.getAttribute('stroke-dasharray') + ' fill=' + p.getAttribute('fill'))`, &centre))
	if len(centre) == 0 || !strings.HasPrefix(centre[0], "6 4") {
		t.Errorf("centre lines in the display pane: %v, want dashed lines", centre)
	}

	// 城市绿线 land and corridors that are not: two styles.
	gl := styleAt(t, b, view(t, b, greenLine, 16, greenLine)[0])
	co := styleAt(t, b, view(t, b, corridor, 16, corridor)[0])
	if !strings.Contains(gl, "fill=#2e7d32") || strings.Contains(gl, "stroke-dasharray=5 3") {
		t.Errorf("green-line corridor drawn %q, want the solid 城市绿线 style", gl)
	}
	if !strings.Contains(co, "fill=#c5e1a5") || !strings.Contains(co, "stroke-dasharray=5 3") {
		t.Errorf("corridor that is not 绿线 land drawn %q, want the pale dashed style", co)
	}
	popup := strings.ReplaceAll(popupAt(t, b, view(t, b, greenLine, 16, greenLine)[0], "green-corridors"), "\n", "")
	if !strings.Contains(popup, "城市绿线城市绿线用地") || !strings.Contains(popup, "有管控规则") {
		t.Errorf("green-line popup %q", popup)
	}

	// An informational place: drawn, with its status, never judged.
	pos := view(t, b, greenHeart, 15, greenHeart)[0]
	if s := styleAt(t, b, pos); !strings.Contains(s, "fill=#bcaaa4") {
		t.Errorf("the western green heart drawn %q, want the informational style", s)
	}
	popup = strings.ReplaceAll(popupAt(t, b, pos, "plan-places"), "\n", "")
	for _, w := range []string{"西部生态休闲绿心", "类型规划结构要素（示意）", "判定示意信息，不作判定", "状态示意"} {
		if !strings.Contains(popup, w) {
			t.Errorf("informational place popup %q lacks %q", popup, w)
		}
	}

	// The whole west of the district, for the record.
	b.run(t, chromedp.Evaluate(`window.ecospace.map.closePopup(), window.ecospace.map.setView([31.792, 119.80], 13, {animate: false}), true`, nil))
	b.screenshot(t, "zones")
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
