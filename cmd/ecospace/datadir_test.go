package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysInDataDir: keys create writes keys.json in the data directory
// (made with mode 0700), never into the working directory; an old
// ecospace-keys.json left there is pointed out.
func TestKeysInDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	work := t.TempDir()
	t.Setenv("ECOSPACE_DATA_DIR", dir)
	t.Setenv("ECOSPACE_KEYS_FILE", "")
	t.Chdir(work)
	code, key, stderr := ecoRun(t, "keys", "create", "--name", "permit-system", "--scope", "check")
	if code != 0 || !strings.HasPrefix(key, "esk_") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory: %v, %v", err, fi)
	}
	if _, err := os.Stat(filepath.Join(dir, "keys.json")); err != nil {
		t.Errorf("keys.json is not in the data directory: %v", err)
	}
	if ents, _ := os.ReadDir(work); len(ents) != 0 {
		t.Errorf("keys create wrote into the working directory: %v", ents)
	}
	code, list, _ := ecoRun(t, "keys", "list", "--data-dir", dir)
	if code != 0 || !strings.Contains(list, "permit-system") {
		t.Errorf("keys list: %d %s", code, list)
	}
	// An audit key can be made.
	if code, _, stderr := ecoRun(t, "keys", "create", "--name", "inspector", "--scope", "audit"); code != 0 {
		t.Errorf("an audit key: %d %s", code, stderr)
	}
	// A keys file from an older ecospace in the working directory.
	os.WriteFile(filepath.Join(work, "ecospace-keys.json"), []byte(`{"version":1,"keys":[]}`), 0o600)
	other := filepath.Join(t.TempDir(), "fresh")
	_, _, stderr = ecoRun(t, "keys", "list", "--data-dir", other)
	if !strings.Contains(stderr, "ecospace-keys.json") || !strings.Contains(stderr, filepath.Join(other, "keys.json")) {
		t.Errorf("the old keys file was not pointed out: %s", stderr)
	}
}
