package ogc_test

import (
	"testing"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/storetest"
)

func openDemoPG(t *testing.T) data.Store {
	t.Helper()
	man, err := demo.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	return storetest.DemoPG(t, man)
}

// TestOGCPostGIS runs the handler suite on the PostGIS store.
func TestOGCPostGIS(t *testing.T) { runSuite(t, openDemoPG) }
