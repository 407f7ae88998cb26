package data

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/geo"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func version(n int64, from, recorded string) geo.LayerInfo {
	return geo.LayerInfo{Version: n, ValidFrom: geo.Date{Time: day(from)}, RecordedAt: at(recorded)}
}

// TestInForce: the version in force on a day as known at a time is the
// latest valid_from on or before the day among those recorded by then,
// the last recorded of equal valid_from.
func TestInForce(t *testing.T) {
	vs := []geo.LayerInfo{
		version(1, "2020-01-01", "2020-01-01T00:00:00Z"),
		version(2, "2026-01-01", "2026-02-01T00:00:00Z"),
		version(3, "2025-01-01", "2026-03-01T00:00:00Z"), // back-dated
		version(4, "2026-01-01", "2026-04-01T00:00:00Z"), // replaces 2 from its day
	}
	for _, tc := range []struct {
		name    string
		at      At
		want    int64
		wantAny bool
	}{
		{"before anything in force", At{AsOf: day("2019-06-01")}, 0, false},
		{"before anything recorded", At{AsOf: day("2026-06-01"), KnownAt: at("2019-01-01T00:00:00Z")}, 0, false},
		{"2025 as known before the back-date", At{AsOf: day("2025-06-01"), KnownAt: at("2026-02-15T00:00:00Z")}, 1, true},
		{"2025 as known at the back-date", At{AsOf: day("2025-06-01"), KnownAt: at("2026-03-01T00:00:00Z")}, 3, true},
		{"2025 known now", At{AsOf: day("2025-06-01")}, 3, true},
		{"2026 known before version 4", At{AsOf: day("2026-06-01"), KnownAt: at("2026-03-15T00:00:00Z")}, 2, true},
		{"2026 known now: the later of equal valid_from", At{AsOf: day("2026-06-01")}, 4, true},
		{"2026 known before version 2: the back-date is not known either", At{AsOf: day("2026-06-01"), KnownAt: at("2026-01-15T00:00:00Z")}, 1, true},
		{"its first day counts", At{AsOf: day("2025-01-01")}, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := InForce(vs, tc.at)
			if ok != tc.wantAny || (ok && got.Version != tc.want) {
				t.Errorf("InForce = version %d, %v; want %d, %v", got.Version, ok, tc.want, tc.wantAny)
			}
		})
	}
}

// TestCheckBackdate: a version before the newest one's valid_from or
// before today needs the flag; the first version never does.
func TestCheckBackdate(t *testing.T) {
	vs := []geo.LayerInfo{version(1, "2020-01-01", "2020-01-01T00:00:00Z"), version(2, "2027-01-01", "2026-02-01T00:00:00Z")}
	today := day("2026-12-06")
	for _, tc := range []struct {
		name     string
		versions []geo.LayerInfo
		from     string
		flag     bool
		newest   int64 // the version named; 0: before today; -1: no error
	}{
		{"first version, any day", nil, "2001-01-01", false, -1},
		{"after the newest and today", vs, "2027-06-01", false, -1},
		{"on the newest's day", vs, "2027-01-01", false, -1},
		{"before the newest", vs, "2026-12-31", false, 2},
		{"before today", vs[:1], "2026-12-05", false, 0},
		{"today", vs[:1], "2026-12-06", false, -1},
		{"before the newest, with the flag", vs, "2024-01-01", true, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBackdate("green-corridors", tc.versions, day(tc.from), today, tc.flag)
			var be *BackdateError
			switch {
			case tc.newest < 0:
				if err != nil {
					t.Errorf("refused: %v", err)
				}
			case !errors.Is(err, ErrBackdate) || !errors.As(err, &be) || be.Newest.Version != tc.newest:
				t.Errorf("err %v, want a BackdateError naming version %d", err, tc.newest)
			}
		})
	}
}

// TestRederiveDays: the later days another input changed, while the new
// version of layer is in force.
func TestRederiveDays(t *testing.T) {
	v := func(id, from string) geo.LayerInfo {
		return geo.LayerInfo{LayerDef: geo.LayerDef{ID: id}, ValidFrom: geo.Date{Time: day(from)}}
	}
	ins := []geo.LayerInfo{
		v("canal", "2020-01-01"), v("canal", "2025-01-01"), v("canal", "2027-01-01"),
		v("mask", "2020-01-01"), v("mask", "2026-01-01"), v("mask", "2026-01-01"), v("mask", "2027-06-01"),
		v("district", "2025-06-01"),
	}
	for _, tc := range []struct {
		from string
		want []string
	}{
		{"2025-01-01", []string{"2025-06-01", "2026-01-01"}}, // until canal's next version, 2027-01-01
		{"2027-01-01", []string{"2027-06-01"}},
		{"2028-01-01", nil}, // not back-dated: nothing after it
	} {
		var got []string
		for _, d := range RederiveDays("canal", day(tc.from), ins) {
			got = append(got, d.Format(time.DateOnly))
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("from %s: %v, want %v", tc.from, got, tc.want)
		}
	}
}
