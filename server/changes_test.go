package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/reeval"
	"github.com/zhonglou/ecospace/server/servertest"
)

const awayRiver = `{"type":"FeatureCollection","features":[{"type":"Feature","id":"away","properties":{"id":"away","name_zh":"远处","name_en":"away","status":"illustrative"},
	"geometry":{"type":"Polygon","coordinates":[[[119.90,31.75],[119.91,31.75],[119.91,31.76],[119.90,31.76],[119.90,31.75]]]}}]}`

// TestChangesAndHooks: on both stores, an upload that moves the river
// away changes the decisions filed on it; after the re-evaluation they are
// listed at /api/v1/changes to the key that filed them (and to admin and
// audit keys), paged; a hook registered before the upload has a
// layer.published and a decision.changed delivery queued, readable by
// admins; its secret is shown once; redeliver and delete answer as
// documented; bad input is a problem.
func TestChangesAndHooks(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *servertest.App{"embedded": servertest.Demo, "postgis": servertest.DemoPG} {
		t.Run(name, func(t *testing.T) {
			app := open(t)
			cfg, k := keyedConfigOn(t, app)
			w := reeval.New(reeval.Config{Store: app.Store.(data.ChangeStore), Checker: check.New(check.Config{Store: app.Store, Rules: app.Rules, Unaudited: true}), Log: discardLog()})
			cfg.Reeval, cfg.RequireKey = w, true
			s := New(cfg)
			ctx := context.Background()
			other, _, _ := k.store.CreateKey(ctx, "other-client", []string{data.ScopeCheck})
			admin := bearer(k.admin)

			// A hook for both events, with a secret made for it.
			rec := call(t, s, "POST", "/api/v1/hooks", `{"url":"http://127.0.0.1:9/hook","events":["decision.changed","layer.published"]}`, admin...)
			if rec.Code != http.StatusCreated {
				t.Fatalf("add hook: %d %s", rec.Code, rec.Body)
			}
			var hook Hook
			json.Unmarshal(rec.Body.Bytes(), &hook)
			if !strings.HasPrefix(hook.Secret, "whsec_") || hook.ID == "" || len(hook.Events) != 2 {
				t.Errorf("hook %+v", hook)
			}
			rec = call(t, s, "GET", "/api/v1/hooks", "", admin...)
			if rec.Code != 200 || strings.Contains(rec.Body.String(), "whsec_") || !strings.Contains(rec.Body.String(), hook.ID) {
				t.Errorf("hooks: %d %s", rec.Code, rec.Body)
			}

			var mine []string
			for _, key := range []string{k.check, k.check, other} {
				rec := call(t, s, "POST", "/api/v1/checks", `{"geometry":`+onRiver+`,"category":"chemical"}`, bearer(key)...)
				if rec.Code != 200 {
					t.Fatalf("check: %d %s", rec.Code, rec.Body)
				}
				var r check.Response
				json.Unmarshal(rec.Body.Bytes(), &r)
				if key == k.check {
					mine = append(mine, r.CheckID)
				}
			}
			if rec := put(t, s, "/api/v1/layers/xinmeng-river", "application/geo+json", []byte(awayRiver), admin...); rec.Code != http.StatusCreated {
				t.Fatalf("upload: %d %s", rec.Code, rec.Body)
			}
			if _, err := w.RunPending(ctx); err != nil {
				t.Fatal(err)
			}
			list := func(key, query string) ChangeList {
				t.Helper()
				rec := call(t, s, "GET", "/api/v1/changes"+query, "", bearer(key)...)
				if rec.Code != 200 {
					t.Fatalf("changes%s: %d %s", query, rec.Code, rec.Body)
				}
				var l ChangeList
				if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
					t.Fatal(err)
				}
				return l
			}
			l := list(k.check, "")
			if len(l.Changes) != 2 || l.Changes[0].CheckID != mine[0] || l.Changes[1].CheckID != mine[1] || l.Next != "" {
				t.Fatalf("my changes %+v", l)
			}
			c0 := l.Changes[0]
			if c0.Old.Rule != "river-band.chemical@2021-03-01" || c0.New.Rule == c0.Old.Rule || c0.New.Hash == c0.Old.Hash || c0.Cause != (data.Cause{Layer: "xinmeng-river", Version: 2}) || c0.Href != "/api/v1/checks/"+mine[0] {
				t.Errorf("change %+v", c0)
			}
			if m := call(t, s, "GET", "/metrics", "").Body.String(); !strings.Contains(m, "ecospace_reeval_changes_total 3") || !strings.Contains(m, "ecospace_reeval_judged_total 3") {
				t.Error("/metrics lacks the re-evaluation's counts (3 judged, 3 changed)")
			}
			if n := len(list(other, "").Changes); n != 1 {
				t.Errorf("the other key sees %d changes", n)
			}
			if n := len(list(k.admin, "").Changes); n != 3 {
				t.Errorf("admin sees %d changes", n)
			}
			p1 := list(k.admin, "?limit=2")
			if len(p1.Changes) != 2 || p1.Next == "" {
				t.Fatalf("page 1 %+v", p1)
			}
			rec = call(t, s, "GET", p1.Next, "", admin...)
			var p2 ChangeList
			json.Unmarshal(rec.Body.Bytes(), &p2)
			if len(p2.Changes) != 1 || p2.Next != "" {
				t.Errorf("page 2 %s", rec.Body)
			}
			if n := len(list(k.admin, "?since="+c0.DetectedAt.Format("2006-01-02T15:04:05.000Z07:00")).Changes); n != 3 {
				t.Errorf("since the first change's time: %d", n)
			}
			if n := len(list(k.admin, "?since=2099-01-01").Changes); n != 0 {
				t.Errorf("since 2099: %d", n)
			}
			wantProblem(t, call(t, s, "GET", "/api/v1/changes?since=yesterday", "", admin...), 400, "invalid-query")
			wantProblem(t, call(t, s, "GET", "/api/v1/changes?limit=0", "", admin...), 400, "invalid-query")
			wantProblem(t, call(t, s, "GET", "/api/v1/changes?sinse=2026-01-01", "", admin...), 400, "invalid-query")
			wantProblem(t, call(t, s, "GET", "/api/v1/changes?key_id=x", "", bearer(other)...), 400, "invalid-query")
			wantProblem(t, call(t, s, "GET", "/api/v1/changes", ""), http.StatusUnauthorized, "missing-key")

			// Deliveries: layer.published, then three decision.changed.
			rec = call(t, s, "GET", "/api/v1/hooks/"+hook.ID+"/deliveries", "", admin...)
			var dl DeliveryList
			json.Unmarshal(rec.Body.Bytes(), &dl)
			if rec.Code != 200 || len(dl.Deliveries) != 4 || dl.Deliveries[3].Type != data.EventLayerPublished || dl.Deliveries[0].Type != data.EventDecisionChanged ||
				dl.Deliveries[0].Status != data.DeliveryPending || dl.Deliveries[0].NextAttempt == nil {
				t.Fatalf("deliveries: %d %s", rec.Code, rec.Body)
			}
			rec = call(t, s, "GET", "/api/v1/hooks/"+hook.ID+"/deliveries?limit=3", "", admin...)
			json.Unmarshal(rec.Body.Bytes(), &dl)
			if len(dl.Deliveries) != 3 || !strings.Contains(dl.Next, "before=") {
				t.Errorf("deliveries page: %s", rec.Body)
			}
			d := dl.Deliveries[0].DeliveryID
			if rec := call(t, s, "POST", "/api/v1/deliveries/"+strings.ToUpper(d)+"/redeliver", "", admin...); rec.Code != http.StatusAccepted || !strings.Contains(rec.Body.String(), d) {
				t.Errorf("redeliver: %d %s", rec.Code, rec.Body)
			}
			wantProblem(t, call(t, s, "POST", "/api/v1/deliveries/0190f000-0000-7000-8000-000000000001/redeliver", "", admin...), 404, "not-found")
			wantProblem(t, call(t, s, "POST", "/api/v1/deliveries/nope/redeliver", "", admin...), 404, "not-found")
			wantProblem(t, call(t, s, "GET", "/api/v1/hooks", "", bearer(k.check)...), http.StatusForbidden, "insufficient-scope")
			for _, body := range []string{
				`{"url":"ftp://x/","events":["decision.changed"]}`,
				`{"url":"http://x/","events":[]}`,
				`{"url":"http://x/","events":["decision.made"]}`,
				`{"url":"http://x/","events":["layer.published","layer.published"]}`,
				`{"url":"http://x/","events":["layer.published"],"secret":"short"}`,
				`{"url":"http://x/","events":["layer.published"],"extra":1}`,
				`[]`,
			} {
				wantProblem(t, call(t, s, "POST", "/api/v1/hooks", body, admin...), 400, map[bool]string{true: "invalid-json", false: "invalid-hook"}[strings.Contains(body, "extra") || body == "[]"])
			}
			if rec := call(t, s, "DELETE", "/api/v1/hooks/"+hook.ID, "", admin...); rec.Code != http.StatusNoContent {
				t.Errorf("delete: %d %s", rec.Code, rec.Body)
			}
			wantProblem(t, call(t, s, "DELETE", "/api/v1/hooks/"+hook.ID, "", admin...), 404, "not-found")
			wantProblem(t, call(t, s, "GET", "/api/v1/hooks/"+hook.ID+"/deliveries", "", admin...), 404, "not-found")
			if rec := call(t, s, "PATCH", "/api/v1/hooks/"+hook.ID, "", admin...); rec.Code != http.StatusMethodNotAllowed || !strings.Contains(rec.Header().Get("Allow"), "DELETE") {
				t.Errorf("PATCH a hook: %d %v", rec.Code, rec.Header())
			}
		})
	}
}
