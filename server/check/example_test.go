package check_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
)

// Checks on the embedded store with the bundled demo layers: a polluting
// plant on the Xinmeng River, with its facts declared and without.
func Example() {
	ctx := context.Background()
	man, err := demo.Manifest()
	if err != nil {
		log.Fatal(err)
	}
	store := memory.New(man)
	if err := demo.Load(ctx, store, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
		log.Fatal(err)
	}
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		log.Fatal(err)
	}
	checker := check.New(check.Config{Store: store, Rules: rules})

	// A plant on the bank of the Xinmeng River that will discharge its
	// waste water into it.
	site := json.RawMessage(`{"type":"Point","coordinates":[119.7594,31.794999]}`)
	ans, err := checker.Check(ctx, "", check.Request{
		Geometry: site,
		Category: "polluting-industry",
		AsOf:     "2026-06-01",
		Facts:    json.RawMessage(`{"discharges_to_water": true, "emits_n_p": false}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	r := ans.Response
	fmt.Println("verdict:", r.Verdict, "by", r.DecidingRule, "on", r.DataStatus, "data")
	for _, h := range r.Hits {
		c := h.Citations[0]
		fmt.Printf("%s %s: %s (%s) %s%s%s [%s, %s]\n", h.Layer, h.Relation.Relation, h.Effect, h.RuleID, c.Title, c.Article, c.Item, c.QuoteStatus, c.Application)
	}

	// Nothing declared: the strictest verdict that is certain, and the
	// questions that would settle it.
	ans, err = checker.Check(ctx, "", check.Request{Geometry: site, Category: "polluting-industry", AsOf: "2026-06-01"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("no facts:", ans.Response.Verdict)
	for _, q := range ans.Response.Questions {
		fmt.Printf("  %s? yes → %s, no → %s\n", q.ID, q.IfTrue.Verdict, q.IfFalse.Verdict)
	}
	for _, a := range ans.Response.Absent {
		fmt.Printf("absent: %s (%s)\n", a.Name.EN, a.Citation.Quote)
	}

	// A request that cannot be checked is an *InputError saying what is
	// wrong and where.
	_, err = checker.Check(ctx, "", check.Request{Geometry: site, Category: "chemical", Facts: json.RawMessage(`{"emits_np": true}`)})
	var ie *check.InputError
	if errors.As(err, &ie) {
		fmt.Println(ie.Status, ie.Slug, ie.Pointer)
	}
	// Output:
	// verdict: prohibited by river-band.polluting-industry.if-discharges_to_water on illustrative data
	// xinmeng-band within_distance: prohibited (river-band.polluting-industry.if-discharges_to_water) 《太湖流域管理条例》（国务院令第604号）第三十条（五） [read, settled]
	// xinmeng-corridor inside: prohibited (eco-control.polluting-industry.if-discharges_to_water@2026-03-01) 《太湖流域管理条例》（国务院令第604号）第三十条（五） [read, interpretation]
	// green-corridors inside: restricted (green-corridor.corridor.polluting-industry.if-not-emits_n_p@2023-01-01) 《常州市钟楼区生态文明建设示范区规划（2023-2030年）》 [to_verify, interpretation]
	// taihu-tier inside: restricted (taihu-tier.tier-3.polluting-industry.if-discharges_to_water.if-not-emits_n_p) 《太湖流域管理条例》（国务院令第604号）第二十八条 [read, interpretation]
	// no facts: restricted
	//   discharges_to_water? yes → prohibited, no → restricted
	//   emits_n_p? yes → prohibited, no → restricted
	// absent: Ecological protection red line (钟楼区境内无生态红线)
	// absent: Centralised drinking-water source (不涉及集中式饮用水水源地)
	// 400 unknown-fact /facts/emits_np
}
