//go:build !linux

package diskio

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// errInvalid is never returned: without O_DIRECT every write goes through the cache.
var errInvalid = errors.New("diskio: no direct writes here")

func create(path string, perm os.FileMode) (*os.File, bool, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	return f, false, err
}

func setDirect(*os.File, bool) error { return nil }

// Sync makes every file and directory under dir durable, one fsync each: without
// Linux's syncfs there is no single call that covers only one filesystem.
func Sync(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() && !d.IsDir() {
			return nil
		}
		return syncPath(path)
	})
}

// SyncRenames makes durable what was renamed into dirs: one fsync of each directory.
// Files written under them are not synced again here (they were synced, as a tree in
// staging, or are verified whenever read).
func SyncRenames(dirs ...string) error {
	for _, dir := range dirs {
		if err := syncPath(dir); err != nil {
			return err
		}
	}
	return nil
}
