package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the tests a data directory of their own: serve and keys
// default to one under the home directory, which a test must not touch.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ecospace-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("ECOSPACE_DATA_DIR", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
