package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/servertest"
)

// alteredStore alters the embedded store's answers behind the server's
// back, as lost or edited data would: with drop set, Relate loses the
// hits of one layer.
type alteredStore struct {
	data.Store
	drop atomic.Bool
}

func (a *alteredStore) Relate(ctx context.Context, s *geo.Site, at data.At) (geo.Relations, error) {
	rel, err := a.Store.Relate(ctx, s, at)
	if err != nil || !a.drop.Load() {
		return rel, err
	}
	var keep []geo.Relation
	for _, h := range rel.Hits {
		if h.Layer != "xinmeng-corridor" {
			keep = append(keep, h)
		}
	}
	rel.Hits = keep
	return rel, nil
}

// TestReplayAndDiff: on both stores, a filed decision replays to its
// hash; a back-dated upload is refused without ?backdate=true, and with
// it the decision still replays (it was known before) while its diff as
// known now names the new version; altered data makes the replay an
// alarm (500 replay-mismatch, the metric, an error log).
func TestReplayAndDiff(t *testing.T) {
	for _, store := range []string{"memory", "postgis"} {
		t.Run(store, func(t *testing.T) {
			var app *servertest.App
			if store == "memory" {
				app = servertest.Demo(t)
			} else {
				app = servertest.DemoPG(t)
			}
			altered := &alteredStore{Store: app.Store}
			cfg, k := keyedConfigOn(t, &servertest.App{Manifest: app.Manifest, Rules: app.Rules, Store: altered})
			s := New(cfg)
			checker, admin := bearer(k.check), bearer(k.admin)

			body := `{"geometry":` + onRiver + `,"category":"chemical","as_of":"2026-06-01","facts":{"emits_n_p":false},"crs":"EPSG:4326"}`
			rec := call(t, s, "POST", "/api/v1/checks", body, checker...)
			if rec.Code != 200 {
				t.Fatalf("check: %d %s", rec.Code, rec.Body)
			}
			var filed check.Response
			json.Unmarshal(rec.Body.Bytes(), &filed)
			if filed.KnownAt.IsZero() || !strings.Contains(rec.Body.String(), `"known_at":"`+geo.FormatKnownAt(filed.KnownAt)+`"`) {
				t.Fatalf("the answer names no known_at: %s", rec.Body)
			}
			hitCorridor := false
			for _, h := range filed.Hits {
				hitCorridor = hitCorridor || h.Layer == "xinmeng-corridor"
			}
			if !hitCorridor {
				t.Fatalf("the site does not meet the corridor: %+v", filed.Hits)
			}
			replay := func() (ReplayAnswer, int) {
				rec := call(t, s, "GET", "/api/v1/checks/"+filed.CheckID+"/replay", "", checker...)
				var ra ReplayAnswer
				json.Unmarshal(rec.Body.Bytes(), &ra)
				return ra, rec.Code
			}
			if ra, code := replay(); code != 200 || !ra.Match || ra.ReplayedHash != filed.DecisionHash || ra.DecisionHash != filed.DecisionHash || !ra.KnownAt.Equal(filed.KnownAt) {
				t.Fatalf("replay: %d %+v, want a match of %s", code, ra, filed.DecisionHash)
			}
			// Another caller may not replay it; a bad id is a 404.
			wantProblem(t, call(t, s, "GET", "/api/v1/checks/"+filed.CheckID+"/replay", ""), 404, "not-found")
			wantProblem(t, call(t, s, "GET", "/api/v1/checks/nope/replay", "", checker...), 404, "not-found")
			wantProblem(t, call(t, s, "GET", "/api/v1/checks/"+filed.CheckID+"/replay?x=1", "", checker...), 400, "invalid-query")

			// A known_at in the future is refused, on checks and on reads.
			future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			wantProblem(t, call(t, s, "POST", "/api/v1/checks", strings.Replace(body, `"crs"`, `"known_at":"`+future+`","crs"`, 1), checker...), 422, "known-at-in-future")
			wantProblem(t, call(t, s, "GET", "/api/v1/layers?known_at="+future, ""), 422, "known-at-in-future")
			wantProblem(t, call(t, s, "GET", "/api/v1/layers?known_at=yesterday", ""), 400, "invalid-known-at")

			// The corridor moved 5 km east, back-dated to 2026-01-01.
			var moved []string
			err := app.Store.Features(context.Background(), "xinmeng-corridor", data.FeatureQuery{AsOf: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Zoom: -1}, func(f geo.Feature) error {
				g := geo.TransformGeometry(f.Geometry, func(x, y float64) (float64, float64) { return x + 0.05, y })
				props, _ := json.Marshal(f.Properties)
				moved = append(moved, string(geo.AppendFeatureJSON(nil, f.ID, g, props)))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			fc := []byte(`{"type":"FeatureCollection","features":[` + strings.Join(moved, ",") + `]}`)
			p := wantProblem(t, put(t, s, "/api/v1/layers/xinmeng-corridor?valid_from=2026-01-01", "application/geo+json", fc, admin...), 409, "backdate-needed")
			if !strings.Contains(p.Detail, "backdate=true") {
				t.Errorf("the refusal does not say how to back-date: %s", p.Detail)
			}
			rec = put(t, s, "/api/v1/layers/xinmeng-corridor?valid_from=2026-01-01&backdate=true", "application/geo+json", fc, admin...)
			if rec.Code != 201 {
				t.Fatalf("back-dated upload: %d %s", rec.Code, rec.Body)
			}
			var up LayerUpload
			json.Unmarshal(rec.Body.Bytes(), &up)
			if up.DecisionsChanged == nil {
				t.Fatalf("back-dated upload without decisions_changed: %s", rec.Body)
			}
			if up.Version != 2 || !up.Backdated || !up.RecordedAt.After(filed.KnownAt) || up.DecisionsChanged.Judged != 1 || up.DecisionsChanged.More {
				t.Errorf("back-dated upload answered %+v", up)
			}
			// The count is the answer's; the answer says the re-evaluation
			// goes on and where its results are listed.
			if !strings.Contains(up.DecisionsChanged.Note, "background") || !strings.Contains(up.DecisionsChanged.Note, "/api/v1/changes") {
				t.Errorf("the note does not say where the re-evaluation's results appear: %q", up.DecisionsChanged.Note)
			}
			// Known before the upload, the layers are as they were; now,
			// the new version is in force on 2026-06-01.
			for _, tc := range []struct {
				query   string
				version int64
			}{
				{"as_of=2026-06-01&known_at=" + geo.FormatKnownAt(filed.KnownAt), 1},
				{"as_of=2026-06-01", 2},
				{"as_of=2025-06-01", 1},
			} {
				var ls struct {
					Layers []geo.LayerInfo `json:"layers"`
				}
				json.Unmarshal(call(t, s, "GET", "/api/v1/layers?"+tc.query, "").Body.Bytes(), &ls)
				for _, l := range ls.Layers {
					if l.ID == "xinmeng-corridor" && (l.Version != tc.version || l.RecordedAt.IsZero()) {
						t.Errorf("layers?%s: corridor %+v, want version %d", tc.query, l, tc.version)
					}
				}
				if r := call(t, s, "GET", "/api/v1/layers/xinmeng-corridor/features?"+tc.query, ""); r.Header().Get("X-Layer-Version") != fmt.Sprint(tc.version) {
					t.Errorf("features?%s: version %s, want %d", tc.query, r.Header().Get("X-Layer-Version"), tc.version)
				}
			}
			if ra, code := replay(); code != 200 || !ra.Match {
				t.Errorf("replay after the back-dated upload: %d %+v", code, ra)
			}
			// The diff as known now names the new version.
			rec = call(t, s, "GET", "/api/v1/checks/"+filed.CheckID+"/diff", "", checker...)
			var d check.Diff
			if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &d) != nil {
				t.Fatalf("diff: %d %s", rec.Code, rec.Body)
			}
			removed := false
			for _, h := range d.Hits {
				if h.Layer == "xinmeng-corridor" && h.Change == "removed" {
					removed = true
					if c := h.CausedBy; c.Kind != "layer" || c.Layer != "xinmeng-corridor" || c.Version != 2 || c.WasVersion != 1 ||
						!c.ValidFrom.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || !c.RecordedAt.Equal(up.RecordedAt) {
						t.Errorf("the corridor hit's cause: %+v", c)
					}
				}
			}
			if !removed || d.Before.DecisionHash != filed.DecisionHash || d.After.KnownAt.Before(up.RecordedAt) || len(d.Causes) != 1 {
				t.Errorf("diff: %s", rec.Body)
			}
			// Known before the upload, nothing differs.
			rec = call(t, s, "GET", "/api/v1/checks/"+filed.CheckID+"/diff?known_at="+geo.FormatKnownAt(filed.KnownAt), "", checker...)
			if json.Unmarshal(rec.Body.Bytes(), &d) != nil || rec.Code != 200 || len(d.Hits) != 0 || len(d.Causes) != 0 || d.Changed {
				t.Errorf("diff known at the filing: %d %s", rec.Code, rec.Body)
			}

			// Data altered behind ecospace's back: the replay is an alarm.
			if store == "memory" {
				altered.drop.Store(true)
			} else {
				alterPG(t, app.Store.(*postgis.Store))
			}
			rec = call(t, s, "GET", "/api/v1/checks/"+filed.CheckID+"/replay", "", checker...)
			p = wantProblem(t, rec, 500, "replay-mismatch")
			if !strings.Contains(p.Detail, filed.DecisionHash) {
				t.Errorf("mismatch detail: %s", p.Detail)
			}
			if m := call(t, s, "GET", "/metrics", ""); !strings.Contains(m.Body.String(), "ecospace_replay_mismatch_total 1") {
				t.Errorf("the mismatch was not counted:\n%s", grepLines(m.Body.String(), "ecospace_replay"))
			}
		})
	}
}

// alterPG moves the corridor's version 1 pieces 50 km east in the
// database, past the append-only triggers, as an edit behind ecospace's
// back would.
func alterPG(t *testing.T, s *postgis.Store) {
	t.Helper()
	ctx := context.Background()
	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, q := range []string{
		"SET session_replication_role = replica",
		"UPDATE feature_parts SET geom_4549 = ST_Translate(geom_4549, 50000, 0) WHERE layer_id = 'xinmeng-corridor' AND version = 1",
		"SET session_replication_role = DEFAULT",
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// Versions and the rules versions are unavailable too when the store is
// down (downStore, hardening_test.go).
func (d *downStore) Versions(ctx context.Context, ids ...string) ([]geo.LayerInfo, error) {
	if err := d.err(); err != nil {
		return nil, err
	}
	return d.Store.Versions(ctx, ids...)
}

func (d *downStore) RecordRules(ctx context.Context, rv data.RulesVersion) (data.RulesVersion, error) {
	if err := d.err(); err != nil {
		return data.RulesVersion{}, err
	}
	return d.Store.RecordRules(ctx, rv)
}
