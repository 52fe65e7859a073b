// Package filelock holds advisory locks on files (flock), the one way longshore
// processes coordinate: writers of a local layout, of installed.yaml, of config.yaml and
// of a tap cache, and installers (shared) against the garbage collector (exclusive).
// The kernel releases a lock when its process dies, so a killed command never leaves a
// lock behind.
package filelock

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// Exclusive blocks until it holds an exclusive lock on path (created if missing) and
// returns the function that releases it (safe to call more than once).
func Exclusive(path string) (func(), error) { return lock(path, syscall.LOCK_EX) }

// Shared blocks until it holds a shared lock on path: any number of shared holders, but
// none while an exclusive one holds it.
func Shared(path string) (func(), error) { return lock(path, syscall.LOCK_SH) }

func lock(path string, how int) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
		})
	}, nil
}
