package tap

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestListings finds the versions of a repository's manifests that the cached indexes
// list, under any name, by root or platform digest, and nothing of another repository
// that holds the same digest.
func TestListings(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	hello := pkg("hello", "", nil, "1.0.0", "2.0.0")
	hello.Versions[0].Yanked = true
	alias := pkg("alias", "", nil, "1.0.0")
	alias.Repository, alias.Versions[0] = hello.Repository, hello.Versions[1]
	elsewhere := pkg("elsewhere", "", nil, "1.0.0")
	elsewhere.Versions[0] = hello.Versions[1]
	entries := filepath.Join(t.TempDir(), "entries")
	writeEntries(t, entries, hello, alias, elsewhere)
	mustAdd(t, home, Spec{Name: "core", Source: entries})
	mustAdd(t, home, Spec{Name: "idx", Source: publishLayout(t, filepath.Join(t.TempDir(), "index"), hello)})
	mustAdd(t, home, Spec{Name: "gone", Source: entries})
	if err := os.RemoveAll(cacheDir(home, "gone")); err != nil {
		t.Fatal(err)
	}
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}

	digests := []string{hello.Versions[0].Digest, hello.Versions[1].Platforms[0].Digest}
	found, unread := c.Listings(hello.Repository, digests)
	var got []string
	for _, l := range found {
		s := l.Tap.Name + "/" + l.Package + "@" + l.Version.Version
		if l.Version.Yanked {
			s += " yanked"
		}
		got = append(got, s)
	}
	want := []string{"core/alias@2.0.0", "core/hello@1.0.0 yanked", "core/hello@2.0.0", "idx/hello@1.0.0 yanked", "idx/hello@2.0.0"}
	if !slices.Equal(got, want) {
		t.Errorf("listings:\n got %q\nwant %q", got, want)
	}
	if len(unread) != 1 || unread[0].Error() != "tap gone has no cache" {
		t.Errorf("unread: %v", unread)
	}
	if found, _ := c.Listings("localhost:5000/test/nothing", digests); len(found) != 0 {
		t.Errorf("another repository: %+v", found)
	}
	core, _ := c.Tap("core")
	idx, _ := c.Tap("idx")
	if !core.Local() || idx.Local() {
		t.Errorf("Local: core %v, idx %v", core.Local(), idx.Local())
	}
}
