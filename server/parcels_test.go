package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/problem"
	"github.com/zhonglou/ecospace/server/servertest"
)

// The parcel register on both stores: loaded by upload with its 宗地号
// field named, looked up by number (as printed: spaces, lower case,
// full-width), never judged.
func TestParcelRegisterBothStores(t *testing.T) {
	sample, err := os.ReadFile("../data/demo/parcels-sample.geojson")
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string]string{}
	for name, app := range map[string]*servertest.App{"embedded": servertest.Demo(t), "postgis": servertest.DemoPG(t)} {
		t.Run(name, func(t *testing.T) {
			keys, err := data.OpenFileKeys(t.TempDir() + "/keys.json")
			if err != nil {
				t.Fatal(err)
			}
			secret, _, err := keys.CreateKey(t.Context(), "steward", []string{data.ScopeAdmin})
			if err != nil {
				t.Fatal(err)
			}
			s := New(Config{Store: app.Store, Rules: app.Rules, Manifest: app.Manifest, Log: discardLog(), Keys: keys})
			get := func(path string) (int, []byte) {
				rec := do(t, s, http.MethodGet, path, "", nil)
				return rec.Code, rec.Body.Bytes()
			}
			wantProblemOf := func(path string, status int, slug string) {
				t.Helper()
				code, body := get(path)
				var p problem.Problem
				if err := json.Unmarshal(body, &p); err != nil || code != status || p.Type != problem.TypePrefix+slug {
					t.Errorf("%s: %d %s; want %d %s", path, code, body, status, slug)
				}
			}
			wantProblemOf("/api/v1/parcels/320404001001GB00001", 404, "no-parcel-register")

			put := func(query string) *http.Response {
				req := httptest.NewRequest(http.MethodPut, "/api/v1/layers/parcels?valid_from=2026-01-01"+query, strings.NewReader(string(sample)))
				req.Header.Set("Content-Type", "application/geo+json")
				req.Header.Set("Authorization", "Bearer "+secret)
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				return rec.Result()
			}
			if r := put(""); r.StatusCode != 400 {
				t.Errorf("upload without parcel_field: %d", r.StatusCode)
			}
			if r := put("&parcel_field=" + url.QueryEscape("宗地号")); r.StatusCode != 201 {
				t.Fatalf("upload: %d", r.StatusCode)
			}
			for _, n := range []string{"320404001001GB00001", url.PathEscape("320404 001001 gb00001"), url.PathEscape("３２０４０４００１００１ＧＢ００００１")} {
				code, body := get("/api/v1/parcels/" + n + "?as_of=2026-06-01")
				if code != http.StatusOK {
					t.Fatalf("%s: %d %s", n, code, body)
				}
				var f ParcelFeature
				if err := json.Unmarshal(body, &f); err != nil {
					t.Fatal(err)
				}
				var props map[string]any
				json.Unmarshal(f.Properties, &props)
				if f.Type != "Feature" || f.ParcelNo != "320404001001GB00001" || props["宗地号"] != "320404001001GB00001" || props["parcel_no"] != "320404001001GB00001" ||
					f.AreaM2 < 29990 || f.AreaM2 > 30010 || f.Layer.ID != "parcels" || f.Layer.Status != "illustrative" || f.BBox[0] < 119.89 || f.BBox[2] > 119.91 {
					t.Errorf("%s: %s", n, body)
				}
				answers[name] = string(body)
			}
			wantProblemOf("/api/v1/parcels/320404001001GB99999?as_of=2026-06-01", 404, "parcel-not-found")
			wantProblemOf("/api/v1/parcels/320404001001GB00001?as_of=2025-06-01", 404, "no-parcel-register")
			wantProblemOf("/api/v1/parcels/320404001001GB00001?colour=red", 400, "invalid-query")

			// Never judged: a check on the parcel answers as without the register.
			rec := do(t, s, http.MethodPost, "/api/v1/checks", "application/json", strings.NewReader(
				`{"geometry":{"type":"Point","coordinates":[119.8997,31.7801]},"category":"residential","as_of":"2026-06-01"}`))
			var ans struct {
				Layers []geo.LayerVersion `json:"layers"`
				Hits   []geo.Hit          `json:"hits"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil || rec.Code != 200 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			for _, l := range ans.Layers {
				if l.ID == "parcels" {
					t.Error("the register was consulted by a check")
				}
			}
			for _, h := range ans.Hits {
				if h.Layer == "parcels" {
					t.Error("the register was judged")
				}
			}
		})
	}
	if answers["embedded"] != answers["postgis"] {
		t.Errorf("the stores answer differently:\nembedded %s\npostgis  %s", answers["embedded"], answers["postgis"])
	}
}
