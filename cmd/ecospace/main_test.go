package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the tests a data directory of their own: serve and keys
// default to one under the home directory, which a test must not touch.
// Run with ECOSPACE_TEST_MAIN=1 the test binary stands in for the ecospace
// command itself (TestREADMECommands puts it on the README shell's PATH as
// "ecospace").
func TestMain(m *testing.M) {
	if os.Getenv("ECOSPACE_TEST_MAIN") == "1" {
		main()
		return
	}
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
