package tap

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
)

// TestCredentialsNeverEchoed gives every place that reads a reference or a registry
// from the user one with a password in it, and checks that the error (and its hint)
// refuses it without repeating the password.
func TestCredentialsNeverEchoed(t *testing.T) {
	t.Parallel()
	const pw = "s3cret"
	home := t.TempDir()
	config := filepath.Join(t.TempDir(), "config.json")
	check := func(t *testing.T, err error, want string) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		if cli.ExitCode(err) != cli.ExitUsage {
			t.Errorf("exit %d, want %d: %v", cli.ExitCode(err), cli.ExitUsage, err)
		}
		msg := err.Error() + "\n" + fault.HintOf(err)
		if strings.Contains(msg, pw) {
			t.Errorf("the error repeats the password:\n%s", msg)
		}
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q:\n%s", want, msg)
		}
	}
	for _, source := range []string{"user:s3cret@localhost:5000/org/index", "oci://user:s3cret@HOST/index", "https://user:s3cret@ghcr.io/org/index"} {
		t.Run("add", func(t *testing.T) {
			_, err := Add(context.Background(), home, Spec{Name: "core", Source: source}, Options{})
			check(t, err, "credentials do not go in a reference")
		})
	}
	for _, registry := range []string{"user:s3cret@ghcr.io", "https://user:s3cret@ghcr.io", "oci://user:s3cret@ghcr.io/org/repo", "s3cret@localhost:5000/x"} {
		t.Run("login", func(t *testing.T) {
			_, err := Login(context.Background(), LoginOptions{Registry: registry, Username: "alice", Password: "x", DockerConfig: config})
			check(t, err, "has credentials in it")
			_, err = Logout(context.Background(), registry, config)
			check(t, err, "has credentials in it")
		})
	}
	for _, registry := range []string{"user:s3cret@ghcr.io/patches", "https://user:s3cret@ghcr.io/patches", "user:s3cret@ghcr.io/patches:v1"} {
		t.Run("patches", func(t *testing.T) {
			dir := t.TempDir()
			writeConfig(t, dir, "apiVersion: longshore.dev/v1alpha1\nkind: Config\npatches: {registry: \""+registry+"\"}\n")
			_, err := Load(dir)
			check(t, err, "has credentials in it")
			check(t, SetPatches(t.TempDir(), &Patches{Registry: registry}), "has credentials in it")
		})
	}
	t.Run("resolve", func(t *testing.T) {
		c, err := Load(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Resolve("user:s3cret@ghcr.io/org/hello")
		check(t, err, "is not a package name")
	})
}
