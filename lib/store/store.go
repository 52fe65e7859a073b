// Package store owns the local store under $LONGSHORE_HOME: verified blobs in an OCI
// layout (store/), extracted package trees keyed by manifest digest (pkgs/), the record
// of what is installed (installed.yaml), entrypoint links (bin/), and the staging (tmp/)
// and lock (locks/) directories that make every change atomic.
package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/opencontainers/go-digest"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/filelock"
	"longshore.dev/lib/internal/atomicfile"
)

// EnvHome overrides the store's location.
const EnvHome = "LONGSHORE_HOME"

// Store is a longshore home directory.
type Store struct {
	Home string
}

// DefaultHome is $LONGSHORE_HOME, else ~/.longshore.
func DefaultHome(getenv func(string) string) (string, error) {
	if h := getenv(EnvHome); h != "" {
		abs, err := filepath.Abs(h)
		if err != nil {
			return "", err
		}
		return abs, checkHome(abs, EnvHome+"="+h)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home directory for ~/.longshore (set %s): %w", EnvHome, err)
	}
	abs := filepath.Join(home, ".longshore")
	return abs, checkHome(abs, abs)
}

// checkHome refuses a home that is a file, or under one: every command would
// otherwise fail on its first file with "not a directory". A home that does not exist
// yet is fine: it is made on first use.
func checkHome(home, named string) error {
	st, err := os.Stat(home)
	if err == nil && !st.IsDir() || errors.Is(err, syscall.ENOTDIR) {
		what := "is a file"
		if err != nil {
			what = "is under a file"
		}
		return fault.New(fault.Unknown, fmt.Errorf("the longshore home %s %s, not a directory", named, what),
			fmt.Sprintf("set %s to a directory (made on first use), or unset it for ~/.longshore", EnvHome))
	}
	return nil
}

// Open prepares home's directories (creating them on first use).
func Open(home string) (*Store, error) {
	abs, err := filepath.Abs(home)
	if err != nil {
		return nil, err
	}
	s := &Store{Home: abs}
	for _, dir := range []string{"store/blobs/sha256", "pkgs/sha256", "bin", "tmp", "locks"} {
		if err := os.MkdirAll(filepath.Join(abs, dir), 0o755); err != nil {
			return nil, fmt.Errorf("preparing store %s: %w", abs, err)
		}
	}
	if err := writeIfMissing(filepath.Join(abs, "store", "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return nil, err
	}
	if err := writeIfMissing(filepath.Join(abs, "store", "index.json"), []byte(`{"schemaVersion":2,"manifests":[]}`)); err != nil {
		return nil, err
	}
	return s, nil
}

func writeIfMissing(path string, data []byte) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	return atomicfile.Write(path, data, 0o644)
}

// BlobPath is where the store keeps a blob.
func (s *Store) BlobPath(d digest.Digest) string {
	return filepath.Join(s.Home, "store", "blobs", d.Algorithm().String(), d.Encoded())
}

// TreePath is the extracted tree of a platform manifest.
func (s *Store) TreePath(manifest digest.Digest) string {
	return filepath.Join(s.Home, "pkgs", manifest.Algorithm().String(), manifest.Encoded())
}

// relTree is TreePath relative to the home, as recorded in installed.yaml.
func relTree(manifest digest.Digest) string {
	return filepath.ToSlash(filepath.Join("pkgs", manifest.Algorithm().String(), manifest.Encoded()))
}

// RecordsLockPath is the lock of installed.yaml and bin/ (locks/installed.lock).
func (s *Store) RecordsLockPath() string { return filepath.Join(s.Home, "locks", "installed.lock") }

// lock takes an exclusive lock on locks/NAME.lock.
func (s *Store) lock(name string) (func(), error) {
	return filelock.Exclusive(filepath.Join(s.Home, "locks", name+".lock"))
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil || !errors.Is(err, os.ErrNotExist)
}

// storeLock is held shared by every command that adds to the store and exclusive by the
// garbage collector: installs run side by side, gc never sweeps what an install is
// writing or has just recorded, and neither fails because of the other — one waits.
const storeLock = "store"

// StoreLockPath is the store lock's file, for messages that say who waits for what.
func (s *Store) StoreLockPath() string {
	return filepath.Join(s.Home, "locks", storeLock+".lock")
}

// LockShared takes the store lock for a command that adds to the store. A collection
// can hold it for a while, so the wait ends when ctx does (Ctrl-C), and waiting, if
// not nil, is called once when it lasts (filelock.NoticeAfter).
func (s *Store) LockShared(ctx context.Context, waiting func()) (func(), error) {
	return filelock.SharedContext(ctx, s.StoreLockPath(), waiting)
}

// LockExclusive takes the store lock for the garbage collector, which waits for every
// running install: the wait ends when ctx does, and waiting is called as for
// LockShared.
func (s *Store) LockExclusive(ctx context.Context, waiting func()) (func(), error) {
	return filelock.ExclusiveContext(ctx, s.StoreLockPath(), waiting)
}

// stagingPrefix names the staging directories of installs under tmp/.
const stagingPrefix = "install-"

// newStaging makes tmp/install-XXXX for one package and holds tmp/install-XXXX.lock
// while it lives. The lock file is created and locked before the directory exists, so
// a command that finds the directory and can take its lock knows the owner is gone (a
// killed process releases its locks) and may remove it. Call done to remove both.
func (s *Store) newStaging() (dir string, done func(), err error) {
	tmp := filepath.Join(s.Home, "tmp")
	f, err := os.CreateTemp(tmp, stagingPrefix+"*.lock")
	if err != nil {
		return "", nil, storageError("staging in "+tmp, err)
	}
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", nil, fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	dir = strings.TrimSuffix(f.Name(), ".lock")
	if err := os.Mkdir(dir, 0o755); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", nil, storageError("staging in "+tmp, err)
	}
	return dir, func() {
		removeTree(dir)
		os.Remove(f.Name())
		f.Close()
	}, nil
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}

// sweepStaging removes what killed installs left in tmp/: staging directories whose
// lock is free or gone. An owner makes its lock file before its directory and removes
// it after, and only a process holding the lock (or pkg-gc, when no install runs)
// removes it otherwise: a directory without one has no owner. That is what a pkg-gc
// killed between removing a staging's lock file and its directory leaves. Nothing
// there is ever trusted, so this is tidiness, not repair; pkg-gc sweeps the rest (a
// lock file alone, which a sweep cannot tell from one whose owner is about to lock
// it).
func (s *Store) sweepStaging() {
	tmp := filepath.Join(s.Home, "tmp")
	ents, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, stagingPrefix) || strings.HasSuffix(name, ".lock") {
			continue
		}
		path := filepath.Join(tmp, name)
		lockPath := path + ".lock"
		f, err := os.OpenFile(lockPath, os.O_RDWR, 0)
		if errors.Is(err, os.ErrNotExist) {
			removeTree(path)
			continue
		}
		if err != nil {
			continue
		}
		if flock(f, syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			removeTree(path)
			os.Remove(lockPath)
		}
		f.Close()
	}
}

// removeTree removes a staging tree, whose files and directories may be read-only.
func removeTree(dir string) {
	if err := os.RemoveAll(dir); err == nil {
		return
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	os.RemoveAll(dir)
}

// storageError adds a hint to failures of the disk under the store: a full disk is
// the common one, and the store is unchanged when it happens.
func storageError(doing string, err error) error {
	if err == nil {
		return nil
	}
	wrapped := fmt.Errorf("%s: %w", doing, err)
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fault.New(fault.Unknown, wrapped,
			"the disk holding $LONGSHORE_HOME is full: free space (pkg-gc removes what nothing uses) and retry; nothing was installed and the store is unchanged")
	case errors.Is(err, syscall.EROFS), errors.Is(err, os.ErrPermission):
		return fault.New(fault.Unknown, wrapped, "$LONGSHORE_HOME is not writable: check its permissions, or point LONGSHORE_HOME elsewhere")
	}
	return wrapped
}
