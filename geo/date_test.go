package geo

import (
	"encoding/json"
	"testing"
	"time"
)

func day(s string) time.Time {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d.Time
}

func TestDateJSON(t *testing.T) {
	d := Date{day("2026-03-01")}
	b, err := json.Marshal(struct {
		D  Date  `json:"d"`
		P  *Date `json:"p,omitempty"`
		Z  Date  `json:"z"`
		NP *Date `json:"np,omitempty"`
	}{D: d, P: &d})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"d":"2026-03-01","p":"2026-03-01","z":null}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	var back struct{ D, Z Date }
	if err := json.Unmarshal([]byte(`{"D":"2026-03-01","Z":null}`), &back); err != nil || back.D != d || !back.Z.IsZero() {
		t.Errorf("unmarshal: %+v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"D":"2026-3-1"}`), &back); err == nil {
		t.Error("2026-3-1 accepted")
	}
}
