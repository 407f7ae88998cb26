package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/cmd/ecospace/internal/load"
	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/memory"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server"
)

func TestParseMix(t *testing.T) {
	m, err := parseMix("point=70, parcel=20,layer=10,tile=0")
	if err != nil || m["point"] != 70 || m["parcel"] != 20 || m["layer"] != 10 || m["tile"] != 0 {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range []string{"", "point", "point=x", "point=-1", "walk=3", "point=0"} {
		if _, err := parseMix(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:80/", "https://127.0.0.2"} {
		if err := checkLoopback(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8080", "http://example.com", "ftp://127.0.0.1", "127.0.0.1:8080", "http://0.0.0.0:80", "http://8.8.8.8"} {
		if err := checkLoopback(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestBenchRefusesOtherHosts(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"bench", "--url", "http://192.0.2.1:8080", "--requests", "1"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "loopback") {
		t.Errorf("stderr %q does not say why", errb.String())
	}
}

// A short run against a demo server on a loopback test listener: every
// kind of request is made and answered 200.
func TestBenchRun(t *testing.T) {
	man, _ := demo.Manifest()
	rules, _ := geo.ParseRules(data.RulesFile())
	mem := memory.New(man)
	if err := demo.Load(context.Background(), mem, man, data.ImportOptions{ValidFrom: demo.ValidFrom}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(server.New(server.Config{Store: mem, Rules: rules, Manifest: man}))
	defer ts.Close()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "--url", ts.URL, "--connections", "4", "--requests", "60", "--rounds", "2",
		"--warmup", "0", "--mix", "point=1,parcel=1,layer=1,tile=1", "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var res load.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if len(res.Phases) != 3 || res.PointVsEcho <= 0 || len(res.PointVsEchoRounds) != 2 {
		t.Fatalf("phases %d, ratio %v", len(res.Phases), res.PointVsEcho)
	}
	kinds := map[string]bool{}
	for _, p := range res.Phases {
		if p.Total.Requests != 120 {
			t.Errorf("%s: %d requests, want 120", p.Phase, p.Total.Requests)
		}
		for _, k := range p.Kinds {
			kinds[k.Kind] = true
			if k.Errors > 0 {
				t.Errorf("%s %s: %d errors, first %s", p.Phase, k.Kind, k.Errors, k.FirstErr)
			}
			if k.Requests > 0 && k.P99Ms <= 0 {
				t.Errorf("%s %s: no latency", p.Phase, k.Kind)
			}
		}
	}
	for _, k := range []string{"echo", "point", "parcel", "layer", "tile"} {
		if !kinds[k] {
			t.Errorf("no %s requests", k)
		}
	}
}
