package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
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
		KnownAt:  time.Date(2026, 11, 29, 9, 59, 59, 123456000, time.UTC),
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
	if !got.KnownAt.Equal(rec.KnownAt) {
		t.Errorf("known_at %s read back, filed %s", got.KnownAt, rec.KnownAt)
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

// testAuditSpellings: a check is found by its id in every spelling a UUID
// reader takes, on both stores alike, and reads back in canonical form.
func testAuditSpellings(t *testing.T, open Opener) {
	s := open(t)
	id := "0190f000-0000-7000-8000-00000000abcd"
	rec := &data.CheckRecord{ID: id, CheckedAt: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), Category: "chemical", AsOf: AsOf,
		Geometry: orb.Point{119.8, 31.8}, Verdict: "allowed", DecisionHash: "sha256:x", Document: []byte(`{"check_id":"` + id + `"}`)}
	if err := s.SaveCheck(ctx(t), rec); err != nil {
		t.Fatal(err)
	}
	for _, spelling := range []string{id, strings.ToUpper(id), "urn:uuid:" + id, "{" + id + "}", strings.ReplaceAll(id, "-", "")} {
		got, err := s.Check(ctx(t), spelling)
		if err != nil {
			t.Errorf("%s: %v", spelling, err)
			continue
		}
		if got.ID != id {
			t.Errorf("%s read back as id %s", spelling, got.ID)
		}
	}
	for _, bad := range []string{"", "not-a-uuid", id + "0", "urn:uuid:"} {
		if _, err := s.Check(ctx(t), bad); !errors.Is(err, data.ErrNotFound) {
			t.Errorf("%q: %v, want ErrNotFound", bad, err)
		}
	}
}

// testListChecks: both stores list the same checks in the same order for
// every filter: by key, by reference, by time, and page by page.
func testListChecks(t *testing.T, open Opener) {
	s := open(t)
	base := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 12 {
		id := fmt.Sprintf("0190f000-0000-7000-8000-%012d", 100+i)
		ids = append(ids, id)
		rec := &data.CheckRecord{ID: id, CheckedAt: base.Add(time.Duration(i) * time.Hour), Reference: fmt.Sprint("APP-", i%3),
			KeyID: []string{"key_a", "key_b", ""}[i%3], Category: "chemical", AsOf: AsOf, Geometry: orb.Point{119.8, 31.8},
			Verdict: "allowed", DecisionHash: fmt.Sprint("sha256:", i), Document: []byte(`{"check_id":"` + id + `"}`)}
		if err := s.SaveCheck(ctx(t), rec); err != nil {
			t.Fatal(err)
		}
	}
	list := func(q data.CheckQuery) []string {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 100
		}
		got, err := s.ListChecks(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range got {
			out = append(out, c.ID)
			if c.Verdict != "allowed" || c.Category != "chemical" || !c.AsOf.Equal(AsOf) || c.CheckedAt.Location() != time.UTC {
				t.Errorf("summary %+v", c)
			}
		}
		return out
	}
	pick := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, ids[i])
		}
		return out
	}
	for name, tc := range map[string]struct {
		q    data.CheckQuery
		want []string
	}{
		"key a":          {data.CheckQuery{KeyID: "key_a"}, pick(0, 3, 6, 9)},
		"no key":         {data.CheckQuery{}, pick(2, 5, 8, 11)},
		"all":            {data.CheckQuery{AllKeys: true}, ids},
		"reference":      {data.CheckQuery{AllKeys: true, Reference: "APP-1"}, pick(1, 4, 7, 10)},
		"key+reference":  {data.CheckQuery{KeyID: "key_a", Reference: "APP-1"}, nil},
		"from":           {data.CheckQuery{KeyID: "key_b", From: base.Add(4 * time.Hour)}, pick(4, 7, 10)},
		"from to":        {data.CheckQuery{AllKeys: true, From: base.Add(2 * time.Hour), To: base.Add(5 * time.Hour)}, pick(2, 3, 4)},
		"first page":     {data.CheckQuery{AllKeys: true, Limit: 5}, pick(0, 1, 2, 3, 4)},
		"next page":      {data.CheckQuery{AllKeys: true, Limit: 5, After: ids[4]}, pick(5, 6, 7, 8, 9)},
		"last page":      {data.CheckQuery{AllKeys: true, Limit: 5, After: ids[9]}, pick(10, 11)},
		"key a, paged":   {data.CheckQuery{KeyID: "key_a", Limit: 2, After: ids[3]}, pick(6, 9)},
		"after the last": {data.CheckQuery{AllKeys: true, After: ids[11]}, nil},
	} {
		if got := list(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}
