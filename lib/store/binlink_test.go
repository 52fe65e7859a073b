package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bin/ names the store switches links in under are its own (LinkStagingPrefix, a
// random suffix) and collide with nothing. They were NAME.tmp-link: an entry point
// named tool.tmp-link was linked and then removed by the repair every install makes,
// which took every *.tmp-link symlink for a staged one, while the install said
// "Installed"; and an install of app removed the user's own bin/app.tmp-link.
func TestEntryPointsAndUsersFilesBesideStagedLinks(t *testing.T) {
	t.Parallel()
	tb, rb := published(t, "binb", "  bin: [bin/tool.tmp-link]\n", map[string]string{"bin/tool.tmp-link": "#!/bin/sh\necho B\n"})
	ta, ra := published(t, "app", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\necho app\n"})
	s := openStore(t)
	ctx := context.Background()
	mine := filepath.Join(s.BinDir(), "app.tmp-link")
	if err := os.MkdirAll(s.BinDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, mine, "#!/bin/sh\necho mine\n")
	if _, err := s.Install(ctx, tb, rb, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	tool := filepath.Join(s.BinDir(), "tool.tmp-link")
	leadsIntoTrees := func(when string) {
		t.Helper()
		if got := describe(t, tool); !strings.HasPrefix(got, "symlink to "+filepath.Join("..", "pkgs", "sha256")) {
			t.Errorf("%s, bin/tool.tmp-link is %s, want the link into binb's tree", when, got)
		}
	}
	leadsIntoTrees("after installing binb")
	if _, err := s.Install(ctx, ta, ra, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	leadsIntoTrees("after installing another package")
	if got := describe(t, mine); got != "file holding #!/bin/sh\necho mine\n" {
		t.Errorf("installing app left the user's bin/app.tmp-link a %s", got)
	}
	if _, err := s.Remove(ctx, []string{"app"}, false, nil); err != nil {
		t.Fatal(err)
	}
	leadsIntoTrees("after removing another package")
	if got := describe(t, mine); got != "file holding #!/bin/sh\necho mine\n" {
		t.Errorf("removing app left the user's bin/app.tmp-link a %s", got)
	}
	noneStaged(t, s)
}

// A command killed while it switched a link leaves bin/.longshore-link-RANDOM leading
// into pkgs/: the next command that records removes it. What only looks like one (a
// file, or a link elsewhere, under that name) is not the store's, and stays.
func TestRepairRemovesStagedLinksOnly(t *testing.T) {
	t.Parallel()
	ta, ra := published(t, "app", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\necho app\n"})
	to, ro := published(t, "other", "  bin: [bin/other]\n", map[string]string{"bin/other": "#!/bin/sh\n"})
	s := openStore(t)
	ctx := context.Background()
	if _, err := s.Install(ctx, ta, ra, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	app, err := os.Readlink(filepath.Join(s.BinDir(), "app"))
	if err != nil {
		t.Fatal(err)
	}
	staged := filepath.Join(s.BinDir(), LinkStagingPrefix+"killed")
	symlink(t, app, staged)
	notMine := map[string]string{
		LinkStagingPrefix + "file":      "file holding x",
		LinkStagingPrefix + "elsewhere": "symlink to /opt/mine/bin/x",
	}
	writeFile(t, filepath.Join(s.BinDir(), LinkStagingPrefix+"file"), "x")
	symlink(t, "/opt/mine/bin/x", filepath.Join(s.BinDir(), LinkStagingPrefix+"elsewhere"))
	if _, err := s.Install(ctx, to, ro, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(staged); err == nil {
		t.Error("the link a killed command staged is still in bin/")
	}
	for name, want := range notMine {
		if got := describe(t, filepath.Join(s.BinDir(), name)); got != want {
			t.Errorf("bin/%s is a %s, want the %s it was", name, got, want)
		}
	}
}

// noneStaged fails when a staged link is left in bin/ after a command that finished.
func noneStaged(t *testing.T, s *Store) {
	t.Helper()
	ents, _ := os.ReadDir(s.BinDir())
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), LinkStagingPrefix) {
			t.Errorf("bin/%s was left behind", e.Name())
		}
	}
}
