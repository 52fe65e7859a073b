//go:build !linux

package store

import (
	"errors"
	"testing"
)

// mountTmpfs is Linux's: elsewhere the tests of a full disk skip.
func mountTmpfs(t *testing.T, dir, size string) error {
	return errors.New("mounting a tmpfs is Linux's")
}
