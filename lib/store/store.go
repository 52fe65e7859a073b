// Package store owns the local store under $LONGSHORE_HOME: verified blobs in an OCI
// layout (store/), extracted package trees keyed by manifest digest (pkgs/), the record
// of what is installed (installed.yaml), entrypoint links (bin/), and the staging (tmp/)
// and lock (locks/) directories that make every change atomic.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	"longshore.dev/lib/filelock"
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
		return filepath.Abs(h)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home directory for ~/.longshore (set %s): %w", EnvHome, err)
	}
	return filepath.Join(home, ".longshore"), nil
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
	return writeAtomic(path, data, 0o644)
}

// writeAtomic writes data to a sibling temp file and renames it over path, so readers
// see the old or the new content, never a part.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
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

// LockShared takes the store lock for a command that adds to the store.
func (s *Store) LockShared() (func(), error) {
	return filelock.Shared(filepath.Join(s.Home, "locks", storeLock+".lock"))
}

// LockExclusive takes the store lock for the garbage collector.
func (s *Store) LockExclusive() (func(), error) {
	return filelock.Exclusive(filepath.Join(s.Home, "locks", storeLock+".lock"))
}
