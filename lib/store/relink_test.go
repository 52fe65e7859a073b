package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"longshore.dev/lib/internal/atomicfile"
)

// linkLeadsInto fails the test unless bin/name leads into the tree of manifest.
func linkLeadsInto(t *testing.T, s *Store, name string, manifest digest.Digest, when string) {
	t.Helper()
	cur, err := os.Readlink(filepath.Join(s.Home, "bin", name))
	if err != nil {
		t.Fatalf("%s: bin/%s: %v", when, name, err)
	}
	if want := filepath.Join("..", "pkgs", "sha256", manifest.Encoded()) + string(filepath.Separator); !strings.HasPrefix(cur, want) {
		t.Fatalf("%s: bin/%s -> %s, want a link into %s", when, name, cur, want)
	}
}

// A command that fails (or is killed) before installed.yaml is written must leave bin/
// as installed.yaml says: the links follow the records, never lead them. Not parallel:
// it replaces writeRecords.
func TestLinksChangeOnlyOnceRecorded(t *testing.T) {
	ta, ra := published(t, "hello", "  bin: [bin/hello]\n", map[string]string{"bin/hello": "#!/bin/sh\necho one\n"})
	tb, rb := published(t, "hello", "  bin: [bin/hello]\n", map[string]string{"bin/hello": "#!/bin/sh\necho two\n"})
	s := openStore(t)
	ctx := context.Background()
	if _, err := s.Install(ctx, ta, ra, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	full := errors.New("no space left on device")
	writeRecords = func(string, []byte, os.FileMode) error { return full }
	defer func() { writeRecords = atomicfile.Write }()

	if _, err := s.Install(ctx, tb, rb, InstallOptions{}); !errors.Is(err, full) {
		t.Fatalf("installing while installed.yaml cannot be written: %v", err)
	}
	linkLeadsInto(t, s, "hello", ra.Digest, "after an install that could not record")
	if _, err := s.Remove(ctx, []string{"hello"}, false, nil); !errors.Is(err, full) {
		t.Fatalf("removing while installed.yaml cannot be written: %v", err)
	}
	linkLeadsInto(t, s, "hello", ra.Digest, "after a remove that could not record")
	if list, _ := s.List(); len(list) != 1 || list[0].Digest != ra.Digest.String() {
		t.Fatalf("records changed: %+v", list)
	}
}

// A command killed after writing installed.yaml and before switching bin/ leaves links
// that lead into a tree no record names, or no link at all. The next install or remove
// puts bin/ in line with installed.yaml.
func TestNextCommandRepairsLinksAKillLeft(t *testing.T) {
	t.Parallel()
	ta, ra := published(t, "hello", "  bin: [bin/hello]\n", map[string]string{"bin/hello": "#!/bin/sh\necho one\n"})
	tb, rb := published(t, "hello", "  bin: [bin/hello]\n", map[string]string{"bin/hello": "#!/bin/sh\necho two\n"})
	tl, rl := published(t, "lib", "  bin: [bin/lib]\n", map[string]string{"bin/lib": "#!/bin/sh\n"})
	to, ro := published(t, "other", "  bin: [bin/other]\n", map[string]string{"bin/other": "#!/bin/sh\n"})
	s := openStore(t)
	ctx := context.Background()
	// hello's other content in the store, unrecorded: what an upgrade killed between
	// its link switch and its record would leave bin/hello leading into.
	if _, err := s.Install(ctx, tb, rb, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Install(ctx, ta, ra, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Install(ctx, tl, rl, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(s.Home, "bin")
	breakLinks := func() {
		t.Helper()
		os.Remove(filepath.Join(bin, "hello"))
		if err := os.Symlink(filepath.Join("..", "pkgs", "sha256", rb.Digest.Encoded(), "bin", "hello"), filepath.Join(bin, "hello")); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(bin, "lib")); err != nil {
			t.Fatal(err)
		}
		// A removed package's link, which a remove killed after its record left.
		if err := os.Symlink(filepath.Join("..", "pkgs", "sha256", rb.Digest.Encoded(), "bin", "hello"), filepath.Join(bin, "gone")); err != nil {
			t.Fatal(err)
		}
	}
	strayGone := func(when string) {
		t.Helper()
		if _, err := os.Lstat(filepath.Join(bin, "gone")); err == nil {
			t.Errorf("%s: bin/gone, a link into a tree no record names, stayed", when)
		}
	}
	breakLinks()
	if _, err := s.Install(ctx, to, ro, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	linkLeadsInto(t, s, "hello", ra.Digest, "after the next install")
	linkLeadsInto(t, s, "lib", rl.Digest, "after the next install")
	strayGone("after the next install")
	breakLinks()
	if _, err := s.Remove(ctx, []string{"other"}, false, nil); err != nil {
		t.Fatal(err)
	}
	linkLeadsInto(t, s, "hello", ra.Digest, "after the next remove")
	linkLeadsInto(t, s, "lib", rl.Digest, "after the next remove")
	strayGone("after the next remove")
}

// A command killed between writing installed.yaml's temporary file and renaming it
// leaves the temporary file; the next command that records removes it.
func TestNextRecordRemovesAKilledWritersTemporary(t *testing.T) {
	t.Parallel()
	target, root := published(t, "hello", "  bin: [bin/hello]\n", map[string]string{"bin/hello": "#!/bin/sh\n"})
	s := openStore(t)
	stale := filepath.Join(s.Home, ".installed.yaml.tmp-12345")
	if err := os.WriteFile(stale, []byte("half a record"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Install(context.Background(), target, root, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if exists(stale) {
		t.Errorf("%s stayed after the next install", stale)
	}
}
