package memory_test

import (
	"testing"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/storetest"
)

// OpenDemoMem returns an embedded store with the demo layers loaded.
func openDemoMem(t *testing.T) data.Store {
	t.Helper()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	s := storetest.DemoMem(t, man)
	return s
}

func TestMemConformance(t *testing.T) {
	storetest.Run(t, openDemoMem)
}
