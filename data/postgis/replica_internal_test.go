package postgis

import "testing"

func TestParseLSN(t *testing.T) {
	for in, want := range map[string]uint64{"0/0": 0, "16/B374D848": 0x16_B374D848, "FFFFFFFF/FFFFFFFF": 1<<64 - 1} {
		if got, err := parseLSN(in); err != nil || got != want {
			t.Errorf("parseLSN(%q) = %x, %v; want %x", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "16", "x/1", "1/y", "1/100000000"} {
		if _, err := parseLSN(bad); err == nil {
			t.Errorf("parseLSN(%q) passed", bad)
		}
	}
	var r replicaState
	r.raiseMustReach(10)
	r.raiseMustReach(5)
	if r.mustReach.Load() != 10 {
		t.Errorf("mustReach went down to %d", r.mustReach.Load())
	}
}
