//go:build !linux

package e2e

import (
	"errors"
	"syscall"
	"testing"
)

// mountTmpfs is Linux's: elsewhere the tests of a full disk skip.
func mountTmpfs(t *testing.T, dir, size string) error {
	return errors.New("mounting a tmpfs is Linux's")
}

// growTmpfs is never called where mountTmpfs fails.
func growTmpfs(dir, size string) error {
	return errors.New("mounting a tmpfs is Linux's")
}

// registryProcAttr starts the registry in its own process group; without Pdeathsig,
// a test run killed outright leaves it running.
func registryProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
