package oci

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/filelock"
)

// lockName is the file in a layout whose lock a command holds from open to close.
const lockName = ".longshore.lock"

// heldLayouts are the layout locks this process holds. flock(2) keeps an exclusive lock
// apart from any other even in one process, so a layout opened again by another path (a
// symlink, a bind mount) while this process holds it would wait for itself for good:
// pkg-pull mirror into a directory that is, by a symlink, the one it copies from. By
// the same path, a second open waits as another command's would: a library caller's
// goroutines may take turns.
var heldLayouts struct {
	sync.Mutex
	list []*heldLayout
}

type heldLayout struct {
	lock  os.FileInfo
	path  string // of the lock file
	where string
}

// lockMode is how a layout is locked: shared by the commands that only read it
// (Options.ReadOnly), which then read it side by side, and exclusive for one that may
// write it, beside which nothing reads or writes it.
type lockMode int

const (
	shared lockMode = iota
	exclusive
)

// lockLayout takes the lock of the layout at root, which where names, waiting as
// filelock.ExclusiveContext does; the function it returns releases it (once). An open
// that cannot create the layout (not create) goes without where it can make no lock
// file: a layout on read-only media, or another user's that no longshore command wrote
// (each makes one); it can write nothing there either.
func lockLayout(ctx context.Context, root, where string, mode lockMode, create bool, waiting func()) (func(), error) {
	path := filepath.Join(root, lockName)
	// Refused for a shared lock too: the one this process holds by the other path may
	// be exclusive, and then it would wait for itself as well.
	if other := heldAs(path); other != "" && other != where {
		return nil, fault.New(fault.Usage,
			fmt.Errorf("%s is %s by another path, and this command has it open already", where, other),
			"name the layout by one path: a symlink or a bind mount makes two of one directory")
	}
	take := filelock.SharedContext
	if mode == exclusive {
		take = filelock.ExclusiveContext
	}
	unlock, err := take(ctx, path, waiting)
	if err != nil && !create && (errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)) {
		return func() {}, nil
	}
	if err != nil {
		return nil, layoutFault("locking "+where, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		unlock()
		return nil, layoutFault("locking "+where, err)
	}
	h := &heldLayout{lock: info, path: path, where: where}
	heldLayouts.Lock()
	heldLayouts.list = append(heldLayouts.list, h)
	heldLayouts.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			heldLayouts.Lock()
			heldLayouts.list = slices.DeleteFunc(heldLayouts.list, func(x *heldLayout) bool { return x == h })
			heldLayouts.Unlock()
			unlock()
		})
	}, nil
}

// heldAs names the layout whose lock file is path when this process holds it, else "".
func heldAs(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	heldLayouts.Lock()
	defer heldLayouts.Unlock()
	for _, h := range heldLayouts.list {
		// The held file must still be at its path: a layout removed while held frees
		// its lock file's inode for an unrelated file to take.
		if cur, err := os.Stat(h.path); err == nil && os.SameFile(h.lock, info) && os.SameFile(cur, h.lock) {
			return h.where
		}
	}
	return ""
}
