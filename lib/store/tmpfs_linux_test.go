package store

import (
	"syscall"
	"testing"
)

// mountTmpfs mounts a tmpfs of size (mount(8)'s size=, "2m") on dir until the test
// ends: a disk that fills up. It needs root, and Linux.
func mountTmpfs(t *testing.T, dir, size string) error {
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		return err
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return nil
}
