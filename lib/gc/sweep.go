package gc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"longshore.dev/lib/api"
	"longshore.dev/lib/store"
)

// beforeStep runs before every change the sweep makes to the disk; the crash tests
// stop a collection there at every step, as a kill would.
var beforeStep = func(step string, item *api.GCItem) error { return nil }

// sweepWorkers removes items of one phase side by side: removal is mostly waiting for
// the filesystem, and a few removals in flight finish sooner than one at a time
// (docs/BENCHMARKS.md, ## pkg-gc).
const sweepWorkers = 8

// sweeper runs the steps of one sweep. Once a step fails it is stopped: every later
// step fails the same way, as nothing runs after a kill.
type sweeper struct {
	mu      sync.Mutex
	stopped error
	freed   atomic.Int64
}

func (sw *sweeper) step(name string, item *api.GCItem) error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.stopped == nil {
		sw.stopped = beforeStep(name, item)
	}
	return sw.stopped
}

func (sw *sweeper) stop(err error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.stopped == nil {
		sw.stopped = err
	}
}

// sweep removes items phase by phase (they come sorted by phase) and returns the bytes
// freed. A phase starts only when the one before it is done, so links are gone before
// the trees they lead into, and trees before their blobs. It stops at the first
// failure (or cancellation): what is left is garbage the next collection finds again.
func sweep(ctx context.Context, s *store.Store, items []api.GCItem, held map[string]*contents) (int64, error) {
	sw := &sweeper{}
	var gcDir string
	for start := 0; start < len(items); {
		end := start + 1
		for end < len(items) && phase[items[end].Kind] == phase[items[start].Kind] {
			end++
		}
		batch := items[start:end]
		start = end
		if batch[0].Kind == api.GCTree {
			if err := sw.step("mkdir", &batch[0]); err != nil {
				return sw.freed.Load(), err
			}
			var err error
			if gcDir, err = os.MkdirTemp(s.TmpDir(), gcPrefix); err != nil {
				return sw.freed.Load(), fmt.Errorf("removing package trees: %w", err)
			}
		}
		err := parallel(ctx, len(batch), sweepWorkers, func(i int) error {
			item := &batch[i]
			path := filepath.Join(s.Home, filepath.FromSlash(item.Path))
			var err error
			if item.Kind == api.GCTree {
				err = sw.removeTree(path, filepath.Join(gcDir, filepath.Base(path)), item, held[item.Path])
			} else if err = sw.step("remove", item); err == nil {
				if err = removeListed(path, held[item.Path]); err != nil {
					err = fmt.Errorf("removing %s: %w", item.Path, err)
				}
			}
			if err != nil {
				sw.stop(err)
				return err
			}
			sw.freed.Add(item.Bytes)
			return nil
		})
		if err != nil {
			return sw.freed.Load(), err
		}
	}
	if gcDir != "" {
		if err := sw.step("cleanup", nil); err != nil {
			return sw.freed.Load(), err
		}
		if err := removeAll(gcDir); err != nil {
			return sw.freed.Load(), fmt.Errorf("removing %s: %w", gcDir, err)
		}
	}
	return sw.freed.Load(), nil
}

// parallel calls fn(0) … fn(n-1) on up to workers goroutines and returns the first
// error; after an error (or cancellation) no further call starts.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	var (
		mu       sync.Mutex
		next     int
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if firstErr == nil {
					firstErr = ctx.Err()
				}
				if firstErr != nil || next >= n {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				if err := fn(i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// removeTree moves a tree out of pkgs/ in one rename, so it is either whole there or
// gone, then removes it from tmp/.
func (sw *sweeper) removeTree(path, moved string, item *api.GCItem, held *contents) error {
	if err := sw.step("rename", item); err != nil {
		return err
	}
	err := os.Rename(path, moved)
	if errors.Is(err, fs.ErrPermission) {
		// Moving a directory rewrites its "..": it must be writable. planTrees saw a
		// real directory here, not a link, so the chmod stays inside the home.
		if info, lerr := os.Lstat(path); lerr == nil && info.IsDir() {
			os.Chmod(path, 0o755)
			err = os.Rename(path, moved)
		}
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("moving %s out of pkgs/: %w", item.Path, err)
	}
	if err := sw.step("remove", item); err != nil {
		return err
	}
	if err := removeListed(moved, held); err != nil {
		return fmt.Errorf("removing %s (moved to %s): %w", item.Path, moved, err)
	}
	return nil
}

// removeListed removes path and what the plan's walk found in it, with one system call
// for each entry and no second walk. Anything unexpected (an entry gone or added, a
// directory that denies writing) falls back to removeAll.
func removeListed(path string, held *contents) error {
	if held == nil {
		return removeAll(path)
	}
	for _, f := range held.files {
		if err := syscall.Unlink(filepath.Join(path, f)); err != nil {
			return removeAll(path)
		}
	}
	for i := len(held.dirs) - 1; i >= 0; i-- {
		if err := syscall.Rmdir(filepath.Join(path, held.dirs[i])); err != nil {
			return removeAll(path)
		}
	}
	if err := syscall.Rmdir(path); err != nil {
		return removeAll(path)
	}
	return nil
}

// removeAll removes path and what it holds without following any link: a link is
// removed, never what it leads to. Package trees are read-only: directories that
// deny writing are made writable first (files need no change to be unlinked).
func removeAll(path string) error {
	err := os.RemoveAll(path)
	if err == nil || !errors.Is(err, fs.ErrPermission) {
		return err
	}
	filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		// WalkDir reports a directory before reading it and never descends into a
		// link, so d is a real directory of the tree here.
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	return os.RemoveAll(path)
}
