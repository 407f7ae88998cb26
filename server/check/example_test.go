package check_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
)

// One check on the embedded store with the bundled demo layers: a chemical
// plant on the Xinmeng River.
func Example() {
	ctx := context.Background()
	man, err := demo.Manifest()
	if err != nil {
		log.Fatal(err)
	}
	store := memory.New(man)
	if err := demo.Load(ctx, store, man, data.ImportOptions{ValidFrom: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		log.Fatal(err)
	}
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		log.Fatal(err)
	}
	checker := check.New(check.Config{Store: store, Rules: rules})

	ans, err := checker.Check(ctx, "", check.Request{
		Geometry: json.RawMessage(`{"type":"Point","coordinates":[119.7594,31.794999]}`),
		Category: "chemical",
		AsOf:     "2026-06-01",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("verdict:", ans.Response.Verdict)
	for _, h := range ans.Response.Hits {
		fmt.Printf("%s %s: %s (%s)\n", h.Layer, h.Relation.Relation, h.Effect, h.RuleID)
	}

	// A request that cannot be checked is an *InputError saying what is
	// wrong and where.
	_, err = checker.Check(ctx, "", check.Request{Geometry: json.RawMessage(`"POINT(119.8 31.78)"`), Category: "casino"})
	var ie *check.InputError
	if errors.As(err, &ie) {
		fmt.Println(ie.Status, ie.Slug, ie.Pointer)
	}
	// Output:
	// verdict: prohibited
	// green-corridors inside: prohibited (green-line.chemical)
	// xinmeng-band within_distance: prohibited (river-band.chemical)
	// xinmeng-corridor inside: prohibited (eco-control.chemical@2026-03-01)
	// 400 unknown-category /category
}
