package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestQuestionnaire: a chemical plant outside every named zone is not a
// bare allowed: the answer is restricted, with the data status beside the
// verdict, the layers known absent, and the open question asked; answering
// it ("是": it emits N/P) checks again with the fact declared, and the
// answer is prohibited by the Jiangsu Taihu regulation, with the fact
// listed and no question left. Taking the fact back asks again.
func TestQuestionnaire(t *testing.T) {
	url := startServer(t)
	b := newBrowser(t)
	openMap(t, b, url)
	var verdict, status, note, question, absent string
	var questions int
	b.run(t,
		chromedp.SetValue(`#category`, "chemical", chromedp.ByQuery),
		chromedp.Evaluate(`window.ecospace.checkPoint(119.8, 31.78), true`, nil),
		chromedp.WaitVisible(`#questions`, chromedp.ByQuery),
		chromedp.AttributeValue(`#verdict`, "data-verdict", &verdict, nil, chromedp.ByQuery),
		chromedp.Text(`#data-status`, &status, chromedp.ByQuery),
		chromedp.Text(`#data-status-note`, &note, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#questions [data-testid="question"]').length`, &questions),
		chromedp.Text(`#questions [data-fact="emits_n_p"]`, &question, chromedp.ByQuery),
		chromedp.Text(`#absent`, &absent, chromedp.ByQuery),
	)
	b.run(t, chromedp.ScrollIntoView(`#questions`, chromedp.ByQuery))
	b.screenshot(t, "questionnaire")
	if verdict != "restricted" || status != "示意数据" || !strings.Contains(note, "示意") || questions != 1 {
		t.Errorf("verdict %s, data status %q (%q), %d questions; want restricted, 示意数据 and one question", verdict, status, note, questions)
	}
	if !strings.Contains(question, "含磷、氮") || !strings.Contains(question, "是 → 禁止") || !strings.Contains(question, "否 → 限制") {
		t.Errorf("question %q does not say what each answer gives", question)
	}
	if !strings.Contains(absent, "生态保护红线") || !strings.Contains(absent, "钟楼区境内无生态红线") || !strings.Contains(absent, "集中式饮用水水源地") {
		t.Errorf("absent layers %q", absent)
	}

	// Answer yes: checked again with the fact, prohibited, nothing open.
	var facts, cite string
	b.run(t,
		chromedp.Click(`#questions [data-fact="emits_n_p"] button[data-answer="yes"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict[data-verdict="prohibited"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="facts"]`, &facts, chromedp.ByQuery),
		chromedp.Text(`.hit.deciding .citation`, &cite, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#questions').length`, &questions),
	)
	b.screenshot(t, "questionnaire-answered")
	if !strings.Contains(facts, "是") || questions != 0 || !strings.Contains(cite, "江苏省太湖水污染防治条例") || !strings.Contains(cite, "原文待核") {
		t.Errorf("after answering: facts %q, %d questions, deciding citation %q", facts, questions, cite)
	}
	var u string
	b.run(t, chromedp.Evaluate(`location.search`, &u))
	if !strings.Contains(u, "facts=emits_n_p:1") {
		t.Errorf("the URL %q does not keep the declared fact", u)
	}

	// Take the fact back: restricted again, the question asked again.
	b.run(t,
		chromedp.Click(`[data-testid="facts"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#questions`, chromedp.ByQuery),
		chromedp.AttributeValue(`#verdict`, "data-verdict", &verdict, nil, chromedp.ByQuery),
	)
	if verdict != "restricted" {
		t.Errorf("after withdrawing the fact: %s", verdict)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
