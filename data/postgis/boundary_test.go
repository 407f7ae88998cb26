package postgis_test

import (
	"testing"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
)

// TestBoundaryWalk relates every vertex and every edge midpoint of every
// feature of the demo layers that take part in a check (coverage, zones,
// masks, water surfaces, drawn bands), and the points at exactly each
// band's distance from the water's edge and 1 mm either side, with both
// stores and requires the same hits, verdicts and decision hashes: the one
// boundary rule (geo/boundary.go) held on both.
func TestBoundaryWalk(t *testing.T) {
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.New(man)
	loadDemo(t, mem)
	pg := openDemoPG(t)
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		t.Fatal(err)
	}
	walk := storetest.BoundarySites(t, mem, man)
	at := storetest.ThresholdSites(t, mem, man)
	n := storetest.SameDecisions(t, mem, pg, rules, append(walk, at...))
	t.Logf("%d sites related with both stores: %d vertices and edge midpoints, %d at and 1 mm either side of a band's distance from the water", n, len(walk), len(at))
}
