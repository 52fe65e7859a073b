package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
)

// A tree's lock is taken as the regular file it is, as every lock file (filelock.Open):
// a symlink in locks/trees/ is not followed to create or lock what it names.
func TestTreeLockThroughASymlinkIsRefused(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	d := digest.FromString("tree")
	elsewhere := filepath.Join(t.TempDir(), "created-by-lock")
	if err := os.MkdirAll(filepath.Dir(s.treeLock(d)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, s.treeLock(d)); err != nil {
		t.Fatal(err)
	}
	want := "lock file " + s.treeLock(d) + " is a symlink to " + elsewhere
	held, err := s.UseTrees([]*api.Installed{{Name: "p", Version: "1.0.0", Digest: d.String()}})
	for _, f := range held {
		f.Close()
	}
	if err == nil || !strings.Contains(err.Error(), want) || fault.KindOf(err) != fault.Conflict {
		t.Errorf("UseTrees: got %v, want a conflict saying %q", err, want)
	}
	if release, _, err := s.LockTreeForRemoval(d); err == nil || !strings.Contains(err.Error(), want) {
		if release != nil {
			release(false)
		}
		t.Errorf("LockTreeForRemoval: got %v, want %q", err, want)
	}
	if s.TreeInUse(d) {
		t.Error("TreeInUse says a symlink's target is in use")
	}
	if _, err := os.Lstat(elsewhere); err == nil {
		t.Errorf("a tree lock created %s, where its symlink leads", elsewhere)
	}
}
