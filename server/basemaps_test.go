package server

import (
	"encoding/json"
	"testing"
)

// The map's configuration names the Tianditu key only when one is set.
func TestConfigTiandituKey(t *testing.T) {
	for _, tc := range []struct{ key, want string }{{"", ""}, {"0123abcd", "0123abcd"}} {
		cfg, _ := keyedConfig(t)
		cfg.TiandituKey = tc.key
		rec := call(t, New(cfg), "GET", "/api/v1/config", "")
		var got map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
			t.Fatalf("GET /api/v1/config: %d %s", rec.Code, rec.Body)
		}
		key, has := got["tianditu_key"]
		if (tc.want == "") == has || (has && key != tc.want) {
			t.Errorf("key %q: config %v", tc.key, got)
		}
		if _, ok := got["basemap"]; !ok {
			t.Errorf("config %v lacks basemap", got)
		}
	}
}
