package store

import "path/filepath"

// The names below are the store's layout as the garbage collector (lib/gc) reads it.
// Only installs write under these names, and every install holds the store lock shared
// from its first write to its last, so a holder of LockExclusive sees none in progress.
const (
	// StagingPrefix begins the name of an install's staging directory in tmp/.
	StagingPrefix = "install-"
	// LinkStagingSuffix ends the name of a bin/ link being switched into place.
	LinkStagingSuffix = ".tmp-link"
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
