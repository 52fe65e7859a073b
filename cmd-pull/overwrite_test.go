package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The user's own program in $LONGSHORE_HOME/bin is not replaced by a package's entry
// point of the same name: the install is refused (exit 5) naming the file and both
// ways out, and nothing is recorded; --force replaces it.
func TestInstallKeepsTheUsersFileInBin(t *testing.T) {
	t.Parallel()
	pub := publishAll(t, pkg{"app", "0.1.0", "  bin: [bin/app]\n", map[string]string{"bin/app": "#!/bin/sh\necho app\n"}})
	app := pub["app"].Published.Repository + "@" + pub["app"].Published.Digest
	env := newEnv(t)
	bin := filepath.Join(env["LONGSHORE_HOME"], "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(bin, "app")
	if err := os.WriteFile(mine, []byte("#!/bin/sh\necho mine\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := pkgPull(t, env, "", app)
	if r.Code != 5 || !strings.Contains(r.Stderr, "Error: "+mine+" is a file, not a link pkg-pull made") ||
		!strings.Contains(r.Stderr, "Hint: move it out of "+bin+" and run the command again, or run it with --force") {
		t.Errorf("installing over the user's bin/app:\n%s", r)
	}
	if data, err := os.ReadFile(mine); err != nil || string(data) != "#!/bin/sh\necho mine\n" {
		t.Errorf("the user's bin/app is now %q (%v)", data, err)
	}
	if list := mustPull(t, env, "", "list", "-o", "name").Stdout; list != "" {
		t.Errorf("recorded despite the refusal:\n%s", list)
	}

	r = mustPull(t, env, "", app, "--force", "-o", "name")
	if r.Stdout != "installed/app@0.1.0\n" {
		t.Errorf("--force:\n%s", r)
	}
	if cur, err := os.Readlink(mine); err != nil || !strings.HasPrefix(cur, filepath.Join("..", "pkgs", "sha256")) {
		t.Errorf("after --force, bin/app -> %q (%v), want the package's link", cur, err)
	}
}
