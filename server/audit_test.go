package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/servertest"
)

// TestAuditBelongsToCaller: with --require-key a filed check (site and
// reference included) is read and listed by the key that filed it and by
// keys with scope audit or admin; another check key is told there is no
// such check. Both stores, and every spelling of the id.
func TestAuditBelongsToCaller(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *servertest.App{"embedded": servertest.Demo, "postgis": servertest.DemoPG} {
		t.Run(name, func(t *testing.T) {
			cfg, k := keyedConfigOn(t, open(t))
			cfg.RequireKey = true
			s := New(cfg)
			ctx := context.Background()
			other, _, _ := k.store.CreateKey(ctx, "other-client", []string{data.ScopeCheck})
			auditor, _, _ := k.store.CreateKey(ctx, "inspector", []string{data.ScopeAudit})
			var ids []string
			for i := range 3 {
				rec := call(t, s, "POST", "/api/v1/checks", `{"geometry":`+onRiver+`,"category":"chemical","reference":"APP-7"}`, bearer(k.check)...)
				if rec.Code != 200 {
					t.Fatalf("check %d: %d %s", i, rec.Code, rec.Body)
				}
				var resp struct {
					CheckID string `json:"check_id"`
				}
				json.Unmarshal(rec.Body.Bytes(), &resp)
				ids = append(ids, resp.CheckID)
			}
			call(t, s, "POST", "/api/v1/checks", `{"geometry":`+onRiver+`,"category":"chemical","reference":"APP-7"}`, bearer(other)...)
			id := ids[0]
			for _, spelling := range []string{id, strings.ToUpper(id), "urn:uuid:" + id} {
				for who, key := range map[string]string{"filer": k.check, "audit": auditor, "admin": k.admin} {
					if rec := call(t, s, "GET", "/api/v1/checks/"+spelling, "", bearer(key)...); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"reference":"APP-7"`) {
						t.Errorf("%s reading %s: %d %.200s", who, spelling, rec.Code, rec.Body)
					}
				}
				wantProblem(t, call(t, s, "GET", "/api/v1/checks/"+spelling, "", bearer(other)...), http.StatusNotFound, "not-found")
			}
			wantProblem(t, call(t, s, "GET", "/api/v1/checks/"+id, ""), http.StatusUnauthorized, "missing-key")
			// An audit-only key cannot file checks.
			wantProblem(t, call(t, s, "POST", "/api/v1/checks", riverCheck, bearer(auditor)...), http.StatusForbidden, "insufficient-scope")

			list := func(key, query string) CheckList {
				t.Helper()
				rec := call(t, s, "GET", "/api/v1/checks"+query, "", bearer(key)...)
				if rec.Code != 200 {
					t.Fatalf("list %s: %d %s", query, rec.Code, rec.Body)
				}
				var l CheckList
				if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
					t.Fatal(err)
				}
				return l
			}
			if l := list(k.check, "?reference=APP-7"); len(l.Checks) != 3 || l.Checks[0].CheckID != ids[0] || l.Checks[2].CheckID != ids[2] || l.Next != "" {
				t.Errorf("the filer's list: %+v", l)
			}
			if l := list(other, "?reference=APP-7"); len(l.Checks) != 1 {
				t.Errorf("the other key's list: %+v", l)
			}
			if l := list(auditor, "?reference=APP-7"); len(l.Checks) != 4 {
				t.Errorf("the auditor's list: %+v", l)
			}
			if l := list(auditor, "?key_id="+k.checkID); len(l.Checks) != 3 {
				t.Errorf("the auditor's list of one key: %+v", l)
			}
			// Paging: two, then the next link gives the third.
			l := list(k.check, "?limit=2")
			if len(l.Checks) != 2 || l.Next == "" {
				t.Fatalf("first page: %+v", l)
			}
			if l2 := list(k.check, strings.TrimPrefix(l.Next, "/api/v1/checks")); len(l2.Checks) != 1 || l2.Checks[0].CheckID != ids[2] || l2.Next != "" {
				t.Errorf("second page: %+v", l2)
			}
			if l := list(k.check, "?from=2000-01-01&to=2001-01-01"); len(l.Checks) != 0 {
				t.Errorf("a window with no checks: %+v", l)
			}
			wantProblem(t, call(t, s, "GET", "/api/v1/checks?key_id=x", "", bearer(k.check)...), http.StatusBadRequest, "invalid-query")
			wantProblem(t, call(t, s, "GET", "/api/v1/checks?limit=0", "", bearer(k.check)...), http.StatusBadRequest, "invalid-query")
			wantProblem(t, call(t, s, "GET", "/api/v1/checks?colour=red", "", bearer(k.check)...), http.StatusBadRequest, "invalid-query")
			wantProblem(t, call(t, s, "GET", "/api/v1/checks?from=yesterday", "", bearer(k.check)...), http.StatusBadRequest, "invalid-date")
		})
	}
}

// TestAuditKeyless: without --require-key, a keyless caller reads the
// checks filed without a key, never one filed with a key.
func TestAuditKeyless(t *testing.T) {
	s, k := keyedServer(t, nil)
	read := func(rec *httptest.ResponseRecorder) string {
		var resp struct {
			CheckID string `json:"check_id"`
		}
		json.Unmarshal(rec.Body.Bytes(), &resp)
		return resp.CheckID
	}
	open := read(call(t, s, "POST", "/api/v1/checks", riverCheck))
	keyed := read(call(t, s, "POST", "/api/v1/checks", riverCheck, bearer(k.check)...))
	if rec := call(t, s, "GET", "/api/v1/checks/"+open, ""); rec.Code != 200 {
		t.Errorf("keyless check, read keyless: %d", rec.Code)
	}
	wantProblem(t, call(t, s, "GET", "/api/v1/checks/"+keyed, ""), http.StatusNotFound, "not-found")
	wantProblem(t, call(t, s, "GET", "/api/v1/checks/"+open, "", bearer(k.check)...), http.StatusNotFound, "not-found")
}
