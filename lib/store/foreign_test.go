package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/fault"
)

// A file in bin/ that the store did not make is the user's: an install whose entry
// point would go there is refused, naming it, and records and links nothing (as a clash
// between two packages does), unless OverwriteBin (pkg-pull --force) says to replace
// it. A directory is refused either way: no rename replaces it.
func TestInstallRefusesWhatItDidNotMakeInBin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		make      func(t *testing.T, path string)
		what      string
		overwrite bool // OverwriteBin then installs
	}{
		{"file", func(t *testing.T, path string) { writeFile(t, path, "#!/bin/sh\necho mine\n") }, "is a file", true},
		{"absolute symlink", func(t *testing.T, path string) { symlink(t, "/opt/mine/bin/app", path) }, "is a symlink to /opt/mine/bin/app", true},
		// Relative, but not into pkgs/: ../../ leaves the home.
		{"relative symlink", func(t *testing.T, path string) {
			symlink(t, filepath.Join("..", "..", "mine", "app"), path)
		}, "is a symlink to " + filepath.Join("..", "..", "mine", "app"), true},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "is a directory", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target, root := published(t, "app", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\necho app\n"})
			s := openStore(t)
			entry := filepath.Join(s.BinDir(), "app")
			tc.make(t, entry)
			before := describe(t, entry)
			ctx := context.Background()
			// A dry run learns of it as the install will: the same error.
			dry := s.CheckEntryPoints("app", "1.0.0", []string{"bin/other", "bin/app"}, false)
			_, err := s.Install(ctx, target, root, InstallOptions{})
			if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), entry+" "+tc.what) || !strings.Contains(err.Error(), "app 1.0.0") {
				t.Fatalf("installing over the user's %s: %v, want a conflict naming %s", tc.name, err, entry)
			}
			if dry == nil || dry.Error() != err.Error() || fault.HintOf(dry) != fault.HintOf(err) {
				t.Errorf("CheckEntryPoints over the user's %s: %v, want the install's %v", tc.name, dry, err)
			}
			if dry := s.CheckEntryPoints("app", "1.0.0", []string{"bin/app"}, true); (dry == nil) != tc.overwrite {
				t.Errorf("CheckEntryPoints with overwrite over the user's %s: %v", tc.name, dry)
			}
			if hint := fault.HintOf(err); !strings.Contains(hint, "move it") && !strings.Contains(hint, "move the directory") {
				t.Errorf("hint %q does not say to move it away", hint)
			}
			if got := describe(t, entry); got != before {
				t.Errorf("bin/app was %s, is %s after the refused install", before, got)
			}
			if list, err := s.List(); err != nil || len(list) != 0 {
				t.Errorf("recorded %v (%v) despite the refusal", names(list), err)
			}

			_, err = s.Install(ctx, target, root, InstallOptions{OverwriteBin: true})
			if !tc.overwrite {
				if fault.KindOf(err) != fault.Conflict || describe(t, entry) != before {
					t.Fatalf("OverwriteBin over a %s: %v, bin/app %s", tc.name, err, describe(t, entry))
				}
				return
			}
			if err != nil {
				t.Fatalf("OverwriteBin: %v", err)
			}
			linkLeadsInto(t, s, "app", root.Digest, "after OverwriteBin")
		})
	}
}

// What the store made is replaced without asking: its own link into the version an
// upgrade replaces, and a dangling link into a tree that is gone (a command killed, a
// tree removed by hand), relative as the store writes them or absolute.
func TestInstallReplacesItsOwnLinks(t *testing.T) {
	t.Parallel()
	gone := filepath.Join("pkgs", "sha256", strings.Repeat("ab", 32), "bin", "app")
	for _, tc := range []struct {
		name   string
		target func(s *Store) string
	}{
		{"dangling relative", func(*Store) string { return filepath.Join("..", gone) }},
		{"dangling absolute", func(s *Store) string { return filepath.Join(s.Home, gone) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target, root := published(t, "app", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\necho app\n"})
			s := openStore(t)
			symlink(t, tc.target(s), filepath.Join(s.BinDir(), "app"))
			if _, err := s.Install(context.Background(), target, root, InstallOptions{}); err != nil {
				t.Fatal(err)
			}
			linkLeadsInto(t, s, "app", root.Digest, "after the install")
		})
	}
	t.Run("upgrade", func(t *testing.T) {
		t.Parallel()
		ta, ra := published(t, "app", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\necho one\n"})
		tb, rb := published(t, "app", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\necho two\n"})
		s := openStore(t)
		if _, err := s.Install(context.Background(), ta, ra, InstallOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Install(context.Background(), tb, rb, InstallOptions{}); err != nil {
			t.Fatal(err)
		}
		linkLeadsInto(t, s, "app", rb.Digest, "after the upgrade")
	})
}

// The repair every install and remove makes (relink) links a recorded entry point
// again only where the store's own link is missing or stale: a user who put their own
// symlink in its place keeps it, as they keep a file there.
func TestRepairLeavesTheUsersSymlink(t *testing.T) {
	t.Parallel()
	ta, ra := published(t, "app", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\n"})
	to, ro := published(t, "other", "  bin: [bin/other]\n", map[string]string{"bin/other": "#!/bin/sh\n"})
	s := openStore(t)
	ctx := context.Background()
	if _, err := s.Install(ctx, ta, ra, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	entry := filepath.Join(s.BinDir(), "app")
	if err := os.Remove(entry); err != nil {
		t.Fatal(err)
	}
	symlink(t, "/opt/mine/bin/app", entry)
	if _, err := s.Install(ctx, to, ro, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := describe(t, entry); got != "symlink to /opt/mine/bin/app" {
		t.Errorf("after installing another package, bin/app is a %s", got)
	}
	if _, err := s.Remove(ctx, []string{"other"}, false, nil); err != nil {
		t.Fatal(err)
	}
	if got := describe(t, entry); got != "symlink to /opt/mine/bin/app" {
		t.Errorf("after removing another package, bin/app is a %s", got)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

// describe is what path is, to compare before and after: its kind and content or target.
func describe(t *testing.T, path string) string {
	t.Helper()
	st, err := os.Lstat(path)
	switch {
	case err != nil:
		return err.Error()
	case st.Mode()&os.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		return "symlink to " + target
	case st.IsDir():
		return "directory"
	}
	data, _ := os.ReadFile(path)
	return "file holding " + string(data)
}

// A package installed again as it is (re-added, or held by an upgrade of others) links
// nothing anew: a user's file put in place of its link stays, as the repair leaves it.
// A new version of it would replace the link, and is refused; OverwriteBin replaces.
func TestUsersFileInPlaceOfAnInstalledLink(t *testing.T) {
	t.Parallel()
	ta, ra := published(t, "app", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\necho one\n"})
	tb, rb := published(t, "app", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\necho two\n"})
	s := openStore(t)
	ctx := context.Background()
	if _, err := s.Install(ctx, ta, ra, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	entry := filepath.Join(s.BinDir(), "app")
	if err := os.Remove(entry); err != nil {
		t.Fatal(err)
	}
	writeFile(t, entry, "#!/bin/sh\necho mine\n")
	if _, err := s.Install(ctx, ta, ra, InstallOptions{}); err != nil {
		t.Fatalf("installing app again as it is: %v", err)
	}
	if got := describe(t, entry); got != "file holding #!/bin/sh\necho mine\n" {
		t.Errorf("after installing app again, bin/app is a %s", got)
	}
	if _, err := s.Install(ctx, tb, rb, InstallOptions{}); fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), entry+" is a file") {
		t.Fatalf("another version of app over the user's bin/app: %v", err)
	}
	if list, _ := s.List(); len(list) != 1 || list[0].Digest != ra.Digest.String() {
		t.Errorf("the refused version was recorded: %+v", list)
	}
	if _, err := s.Install(ctx, tb, rb, InstallOptions{OverwriteBin: true}); err != nil {
		t.Fatal(err)
	}
	linkLeadsInto(t, s, "app", rb.Digest, "after OverwriteBin")

	// A directory in place of the link of a version installed again as it is: left,
	// with OverwriteBin (--force) as without it.
	if err := os.Remove(entry); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(entry, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, overwrite := range []bool{false, true} {
		if _, err := s.Install(ctx, tb, rb, InstallOptions{OverwriteBin: overwrite}); err != nil {
			t.Errorf("installing app again as it is over a directory (overwrite %v): %v", overwrite, err)
		}
		if st, err := os.Lstat(entry); err != nil || !st.IsDir() {
			t.Errorf("the directory in bin/ (overwrite %v): %v %v", overwrite, st, err)
		}
	}
}
