package data_test

import (
	"context"
	"testing"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/storetest"
)

// OpenDemoMem returns an embedded store with the demo layers loaded.
func openDemoMem(t *testing.T) data.Store {
	t.Helper()
	man, err := data.DemoManifest()
	if err != nil {
		t.Fatal(err)
	}
	s := data.NewMem(man)
	if err := data.LoadDemo(context.Background(), s, man, data.ImportOptions{ValidFrom: storetest.DemoValidFrom}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMemConformance(t *testing.T) {
	storetest.Run(t, openDemoMem)
}
