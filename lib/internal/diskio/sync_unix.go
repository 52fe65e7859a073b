//go:build unix && !linux

package diskio

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncPath is fsync(2) of one path: on macOS a plain fsync, not os.File.Sync's
// F_FULLFSYNC, which flushes the whole drive's cache and would cost that per file.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Fsync(int(f.Fd()))
}
