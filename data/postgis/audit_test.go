package postgis_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/data/storetest"
)

// TestPGAuditGroupCommit: concurrent checks are stored together; each
// caller is answered only once its record is committed; a bad record in a
// batch fails alone; documents come back byte for byte.
func TestPGAuditGroupCommit(t *testing.T) {
	s, url := openPG(t, postgis.Options{})
	const n = 200
	recs := make([]*data.CheckRecord, n)
	for i := range recs {
		recs[i] = &data.CheckRecord{
			ID: fmt.Sprintf("0190f000-0000-7000-8000-%012d", i), CheckedAt: time.Date(2026, 11, 29, 10, 0, 0, i*1000, time.UTC),
			Reference: fmt.Sprintf("审批-%d", i), KeyID: "k1", Category: "chemical", AsOf: storetest.AsOf,
			Geometry: orb.Polygon{{{119.8, 31.8}, {119.81, 31.8}, {119.81, 31.81}, {119.8, 31.8}}},
			Verdict:  "allowed", DecisionHash: "sha256:x",
			// Key order and spacing that a jsonb column would not keep.
			Document: []byte(fmt.Sprintf(`{"z": 1,  "check_id":"%d", "rules_version":"2026.%d","a":[ 1, 2 ]}`, i, i)),
		}
	}
	recs[77].Document = []byte(`{"not json"`)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.SaveCheck(tctx(t, 30*time.Second), recs[i])
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == 77) {
			t.Errorf("record %d: err %v", i, err)
		}
	}
	if got := queryInt(t, url, "SELECT count(*) FROM checks"); got != n-1 {
		t.Errorf("%d checks stored, want %d", got, n-1)
	}
	if got := queryInt(t, url, "SELECT count(*) FROM checks WHERE rules_version LIKE '2026.%'"); got != n-1 {
		t.Errorf("%d checks with their rules version, want %d", got, n-1)
	}
	if got := queryInt(t, url, "SELECT count(*) FROM checks WHERE ST_SRID(geom) = 4490 AND GeometryType(geom) = 'POLYGON'"); got != n-1 {
		t.Errorf("%d checks stored as CGCS2000 polygons, want %d", got, n-1)
	}
	bs := s.BatchStats()
	t.Logf("%d checks in %d statements", bs.AuditChecks, bs.AuditStatements)
	for _, i := range []int{0, 13, 199} {
		got, err := s.Check(tctx(t, 10*time.Second), recs[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Document, recs[i].Document) {
			t.Errorf("document %s, want %s byte for byte", got.Document, recs[i].Document)
		}
		if !got.CheckedAt.Equal(recs[i].CheckedAt) || got.Reference != recs[i].Reference || got.KeyID != "k1" ||
			!got.AsOf.Equal(storetest.AsOf) || maxCoordDiff(got.Geometry, recs[i].Geometry) != 0 {
			t.Errorf("read back %+v", got)
		}
	}
	if n := queryInt(t, url, "SELECT coalesce(jsonb_array_length(document -> 'a'), -1) FROM check_audit WHERE check_id = $1", "0190f000-0000-7000-8000-000000000000"); n != 2 {
		// The view reads the stored document as jsonb.
		t.Errorf("the view reads %d elements of a, want 2", n)
	}
	// After Close nothing is acknowledged.
	s.Close()
	if err := s.SaveCheck(context.Background(), recs[1]); err == nil {
		t.Error("SaveCheck after Close succeeded")
	}
}
