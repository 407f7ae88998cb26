// Package servertest builds the demo app the tests of server, server/ogc,
// server/check, e2e and cmd/ecospace run on: the bundled layer manifest
// and rules, and a store holding the demo layers (demo.ValidFrom
// on). It stops short of server.New, so that package server's own tests
// can use it too (it may not import server); each test makes the server
// with the Config it needs:
//
//	app := servertest.Demo(t)
//	srv := server.New(server.Config{Store: app.Store, Rules: app.Rules, Manifest: app.Manifest})
package servertest

import (
	"testing"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/storetest"
	"github.com/zhonglou/ecospace/geo"
)

// App is the demo app's parts.
type App struct {
	Manifest *data.Manifest
	Rules    *geo.RuleSet
	Store    data.Store
}

// Demo is the demo app on the embedded store.
func Demo(t testing.TB) *App {
	t.Helper()
	return On(t, storetest.DemoMem)
}

// DemoPG is the demo app on PostGIS, a fresh database of its own.
func DemoPG(t testing.TB) *App {
	t.Helper()
	return On(t, storetest.DemoPG)
}

// On is the demo app on the store open makes for the demo manifest
// (storetest.DemoMem, storetest.DemoPG, or a test's wrapper of either).
func On[S data.Store](t testing.TB, open func(testing.TB, *data.Manifest) S) *App {
	t.Helper()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := geo.ParseRules(data.RulesFile())
	if err != nil {
		t.Fatal(err)
	}
	return &App{Manifest: man, Rules: rules, Store: open(t, man)}
}
