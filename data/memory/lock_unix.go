//go:build unix

package memory

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on f, held until f is closed (or the
// process ends, however it ends: a kill -9 leaves no stale lock).
func lockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}
