package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
)

// testAudit: a filed check reads back as it was filed.
func testAudit(t *testing.T, open Opener) {
	s := open(t)
	rec := &data.CheckRecord{
		ID: "0190f000-0000-7000-8000-000000000001", CheckedAt: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC),
		Reference: "审批-2026-001'; DROP TABLE checks; --", Category: "chemical", AsOf: AsOf,
		Geometry: orb.Point{119.8, 31.8}, Verdict: "prohibited", DecisionHash: "sha256:abc",
		Document: []byte(`{"check_id":"0190f000-0000-7000-8000-000000000001","verdict":"prohibited"}`),
	}
	if err := s.SaveCheck(ctx(t), rec); err != nil {
		t.Fatal(err)
	}
	got, err := s.Check(ctx(t), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Reference != rec.Reference || got.Verdict != rec.Verdict || got.DecisionHash != rec.DecisionHash || !got.CheckedAt.Equal(rec.CheckedAt) {
		t.Errorf("read back %+v", got)
	}
	if string(got.Document) == "" || !jsonEqual(got.Document, rec.Document) {
		t.Errorf("document %s, want %s", got.Document, rec.Document)
	}
	if _, err := s.Check(ctx(t), "0190f000-0000-7000-8000-0000000000ff"); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("unknown check: err %v, want ErrNotFound", err)
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
