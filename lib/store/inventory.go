package store

import (
	"os"
	"path/filepath"
	"strings"

	"longshore.dev/lib/pkgspec"
)

// The names below are the store's layout as the garbage collector (lib/gc) reads it.
// Only installs write under these names, and every install holds the store lock shared
// from its first write to its last, so a holder of LockExclusive sees none in progress.
const (
	// StagingPrefix begins the name of an install's staging directory in tmp/.
	StagingPrefix = "install-"
	// LinkStagingPrefix begins the name of a bin/ link being switched into place
	// (.longshore-link-RANDOM): hidden, and under a prefix no entry point may take
	// (pkgspec.ReservedBinPrefix), so that it never names an entry point or a file of
	// the user's. Only such a link that leads into pkgs/ is the store's (StagedLink).
	LinkStagingPrefix = pkgspec.ReservedBinPrefix + "link-"
)

// TreesDir holds the extracted package trees, one per sha256 manifest digest.
func (s *Store) TreesDir() string { return filepath.Join(s.Home, "pkgs", "sha256") }

// BlobsDir holds the layout's sha256 blobs: manifests, configs and layers.
func (s *Store) BlobsDir() string { return filepath.Join(s.Home, "store", "blobs", "sha256") }

// BinDir holds the entry-point links.
func (s *Store) BinDir() string { return filepath.Join(s.Home, "bin") }

// TmpDir holds staging for atomic renames.
func (s *Store) TmpDir() string { return filepath.Join(s.Home, "tmp") }

// LockRecords takes the lock that guards installed.yaml and the links in bin/, which
// installs take (inside the shared store lock) to record a package.
func (s *Store) LockRecords() (func(), error) { return s.lock("installed") }

// StagedLink reports whether bin/name is a link the store was switching into place
// when its command was killed: a symlink named with LinkStagingPrefix that leads into
// pkgs/sha256/. Every command that records (relink) and pkg-gc remove them; nothing
// else in bin/ is taken for one.
func (s *Store) StagedLink(name string) bool {
	if !strings.HasPrefix(name, LinkStagingPrefix) {
		return false
	}
	target, err := os.Readlink(filepath.Join(s.BinDir(), name))
	return err == nil && s.intoTrees(target)
}
