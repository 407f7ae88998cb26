package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The data directory: where ecospace keeps what it must not lose and what
// does not belong in a source tree: the API keys file (keys.json), the
// embedded store's audit of filed checks (checks.log) and caches. It is
// --data-dir, else $ECOSPACE_DATA_DIR, else $XDG_DATA_HOME/ecospace, else
// ~/.local/share/ecospace; it is created with mode 0700.

// Files in the data directory.
const (
	keysFileName  = "keys.json"
	auditFileName = "checks.log"
	// legacyKeysFile is where `ecospace keys create` wrote keys before the
	// data directory: the working directory.
	legacyKeysFile = "ecospace-keys.json"
)

// defaultDataDir is the data directory when --data-dir is not given.
func defaultDataDir() string {
	if v := os.Getenv("ECOSPACE_DATA_DIR"); v != "" {
		return v
	}
	if v := os.Getenv("XDG_DATA_HOME"); v != "" && filepath.IsAbs(v) {
		return filepath.Join(v, "ecospace")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".local", "share", "ecospace")
	}
	return ""
}

const dataDirHelp = "where ecospace keeps API keys (keys.json) and, on the embedded store, the audit of filed checks (checks.log) (ECOSPACE_DATA_DIR; default $XDG_DATA_HOME/ecospace or ~/.local/share/ecospace)"

// ensureDataDir makes the data directory (mode 0700) if it is missing and
// returns its absolute path.
func ensureDataDir(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("no data directory: set --data-dir or ECOSPACE_DATA_DIR (there is no home directory to default to)")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("data directory %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", fmt.Errorf("data directory: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("data directory: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("data directory %s is not a directory", abs)
	}
	return abs, nil
}

// keysFileIn is the keys file: $ECOSPACE_KEYS_FILE or --keys-file when
// set, else keys.json in the data directory.
func keysFileIn(dataDir, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := os.Getenv("ECOSPACE_KEYS_FILE"); v != "" {
		return v
	}
	return filepath.Join(dataDir, keysFileName)
}

// legacyKeysHint says what to do with an ecospace-keys.json left in the
// working directory by an older ecospace, when the keys file in use is not
// it and does not exist yet; "" when there is nothing to say.
func legacyKeysHint(keysFile string) string {
	if _, err := os.Stat(legacyKeysFile); err != nil {
		return ""
	}
	if abs, _ := filepath.Abs(legacyKeysFile); abs == keysFile {
		return ""
	}
	if _, err := os.Stat(keysFile); err == nil {
		return ""
	}
	return fmt.Sprintf("found %s in the working directory, written by an older ecospace; keys now live in %s: move it there (mv %s %s) or name it with --keys-file",
		legacyKeysFile, keysFile, legacyKeysFile, keysFile)
}
