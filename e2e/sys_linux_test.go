package e2e

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

// growTmpfs makes the tmpfs mountTmpfs mounted on dir size big: space freed.
func growTmpfs(dir, size string) error {
	return syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, "size="+size)
}

// registryProcAttr starts the registry in its own process group, so a ^C to the test
// run reaches only us and we stop it in order, and has the kernel kill it if the thread
// that started it dies without cleaning up (Pdeathsig).
func registryProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
