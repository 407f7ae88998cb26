package ogc_test

import (
	"testing"

	"github.com/zhonglou/ecospace/server/servertest"
)

// TestOGCPostGIS runs the handler suite on the PostGIS store.
func TestOGCPostGIS(t *testing.T) { runSuite(t, servertest.DemoPG) }
