//go:build !unix

package memory

import "os"

// lockFile: without flock, two servers on one data directory are not
// detected.
func lockFile(*os.File) error { return nil }
