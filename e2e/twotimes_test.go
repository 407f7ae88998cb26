package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data/pgtest"
)

// TestTwoTimesDoneWhen is issue 16's done-when on the real binary: a
// back-dated PUT without the flag is refused (409); with it, a decision
// filed before still replays to its hash and its diff names the new
// version; ecospace is stopped and started again on the same database
// (PostGIS) or data directory (embedded) and the replay still matches.
// On PostGIS a back-dated `ecospace import` needs --backdate too.
func TestTwoTimesDoneWhen(t *testing.T) {
	bin := buildBinary(t)
	for _, store := range []string{"postgis", "embedded"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			env := append(os.Environ(), "ECOSPACE_DATA_DIR="+filepath.Join(dir, "data"), "DATABASE_URL=", "DATABASE_READ_URL=", "GOGC=")
			var args, keyArgs []string
			if store == "postgis" {
				url := pgtest.NewDatabase(t)
				runBinary(t, bin, env, "migrate", "--database-url", url)
				runBinary(t, bin, env, "import", "--demo", "--database-url", url)
				args = []string{"--database-url", url}
				keyArgs = []string{"--database-url", url}
			} else {
				keys := filepath.Join(dir, "keys.json")
				args = []string{"--keys-file", keys}
				keyArgs = []string{"--keys-file", keys}
			}
			admin := strings.TrimSpace(runBinary(t, bin, env, append([]string{"keys", "create", "--name", "steward", "--scope", "admin"}, keyArgs...)...))
			srv := startStoppable(t, bin, env, args...)

			// A decision filed on 2026-06-01 at a place the green corridor
			// uploaded below covers.
			var filed struct {
				CheckID      string `json:"check_id"`
				DecisionHash string `json:"decision_hash"`
				KnownAt      string `json:"known_at"`
			}
			code, body := request(t, "POST", srv.base+"/api/v1/checks", admin, "application/json",
				`{"geometry":{"type":"Point","coordinates":[119.8352,31.7950]},"category":"residential","as_of":"2026-06-01","reference":"审批-2026-0616"}`)
			if code != 200 || json.Unmarshal(body, &filed) != nil || filed.CheckID == "" || filed.KnownAt == "" {
				t.Fatalf("check: %d %s", code, body)
			}
			replayMatches := func(when string) {
				t.Helper()
				code, body := request(t, "GET", srv.base+"/api/v1/checks/"+filed.CheckID+"/replay", admin, "", "")
				var r struct {
					Match        bool   `json:"match"`
					ReplayedHash string `json:"replayed_hash"`
				}
				if code != 200 || json.Unmarshal(body, &r) != nil || !r.Match || r.ReplayedHash != filed.DecisionHash {
					t.Fatalf("replay %s: %d %s, want a match of %s", when, code, body, filed.DecisionHash)
				}
			}
			replayMatches("before the upload")

			up := `{"type":"FeatureCollection","features":[{"type":"Feature","id":"green-new","properties":{"name":"新绿廊（测试）","status":"illustrative","green_line":true},` +
				`"geometry":{"type":"Polygon","coordinates":[[[119.834,31.790],[119.837,31.790],[119.837,31.800],[119.834,31.800],[119.834,31.790]]]}}]}`
			code, body = request(t, "PUT", srv.base+"/api/v1/layers/green-corridors?valid_from=2026-01-01", admin, "application/geo+json", up)
			if code != 409 || !bytes.Contains(body, []byte("backdate-needed")) || !bytes.Contains(body, []byte("backdate=true")) {
				t.Fatalf("back-dated PUT without the flag: %d %s, want 409 backdate-needed", code, body)
			}
			code, body = request(t, "PUT", srv.base+"/api/v1/layers/green-corridors?valid_from=2026-01-01&backdate=true", admin, "application/geo+json", up)
			var upload struct {
				Version          int64  `json:"version"`
				RecordedAt       string `json:"recorded_at"`
				Backdated        bool   `json:"backdated"`
				DecisionsChanged struct {
					Count, Judged int
				} `json:"decisions_changed"`
			}
			if code != 201 || json.Unmarshal(body, &upload) != nil || !upload.Backdated || upload.DecisionsChanged.Count != 1 || upload.DecisionsChanged.Judged != 1 {
				t.Fatalf("back-dated PUT: %d %s, want 201 changing the one filed decision", code, body)
			}
			replayMatches("after the back-dated upload")
			diffNames := func(when string) {
				t.Helper()
				code, body := request(t, "GET", srv.base+"/api/v1/checks/"+filed.CheckID+"/diff", admin, "", "")
				var d struct {
					Changed bool `json:"changed"`
					Hits    []struct {
						Change   string `json:"change"`
						Layer    string `json:"layer"`
						ZoneID   string `json:"zone_id"`
						CausedBy struct {
							Kind       string `json:"kind"`
							Layer      string `json:"layer"`
							Version    int64  `json:"version"`
							ValidFrom  string `json:"valid_from"`
							RecordedAt string `json:"recorded_at"`
						} `json:"caused_by"`
					} `json:"hits"`
				}
				if code != 200 || json.Unmarshal(body, &d) != nil || !d.Changed {
					t.Fatalf("diff %s: %d %s", when, code, body)
				}
				named := false
				for _, h := range d.Hits {
					c := h.CausedBy
					if h.Change == "added" && h.ZoneID == "green-new" && c.Kind == "layer" && c.Layer == "green-corridors" &&
						c.Version == upload.Version && c.ValidFrom == "2026-01-01" && sameInstant(c.RecordedAt, upload.RecordedAt) {
						named = true
					}
				}
				if !named {
					t.Errorf("diff %s does not name green-corridors version %d recorded %s: %s", when, upload.Version, upload.RecordedAt, body)
				}
			}
			diffNames("after the back-dated upload")

			// Stop ecospace and start it again on the same store.
			srv.stop()
			srv = startStoppable(t, bin, env, args...)
			if store == "embedded" {
				// The embedded store keeps its layer versions in memory:
				// the upload is gone, the filed decision is not, and it
				// replays on the demo layers it was judged on.
				replayMatches("after a restart")
				return
			}
			replayMatches("after a restart")
			diffNames("after a restart")

			// The command line refuses a back-dated import without
			// --backdate, and records it with it; the filed decision
			// still replays.
			file := filepath.Join(dir, "green.geojson")
			if err := os.WriteFile(file, []byte(up), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "import", "--layer", "green-corridors", "--file", file, "--valid-from", "2025-01-01", "--database-url", args[1])
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err == nil || !bytes.Contains(out, []byte("--backdate")) {
				t.Fatalf("a back-dated import without --backdate: %v\n%s", err, out)
			}
			runBinary(t, bin, env, "import", "--layer", "green-corridors", "--file", file, "--valid-from", "2025-01-01", "--backdate", "--database-url", args[1])
			replayMatches("after a back-dated import")
		})
	}
}

func sameInstant(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}
