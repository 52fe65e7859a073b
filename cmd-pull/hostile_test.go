package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"longshore.dev/lib/cli"
)

// TestMirrorRefusesAnInvalidLock: mirror refuses what pkg-pull -f refuses, with
// validate's messages, before copying anything; it used to copy a non-semantic version
// into a lock no install takes, and to stop on a malformed digest as a usage error.
func TestMirrorRefusesAnInvalidLock(t *testing.T) {
	t.Parallel()
	lock := toolboxLock(t)
	libDigest := regexp.MustCompile(`(?m)^  - name: lib\n    version: 1.0.0\n    repository: .*\n    digest: (sha256:[0-9a-f]{64})`).FindStringSubmatch(lock)
	if libDigest == nil {
		t.Fatalf("no lib in the lock:\n%s", lock)
	}
	tests := []struct{ name, lock, want string }{
		{"a version that is not semantic", strings.Replace(lock, "name: lib\n    version: 1.0.0", "name: lib\n    version: v1", 1), `  - lib: version "v1" is not semantic`},
		{"a malformed digest", strings.ReplaceAll(lock, libDigest[1], libDigest[1][:20]), "  - lib 1.0.0: digest: \"" + libDigest[1][:20] + "\" is not a digest"},
		{"a package depending on itself", strings.Replace(lock, "    dependencies: [lib]\n", "    dependencies: [app, lib]\n", 1), "  - app depends on itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			to := filepath.Join(t.TempDir(), "mirror")
			r := pkgPull(t, newEnv(t), tt.lock, "mirror", "-f", "-", "--to", "ocidir://"+to)
			if r.Code != cli.ExitVerify || r.Stdout != "" || !strings.Contains(r.Stderr, tt.want) ||
				!strings.Contains(r.Stderr, "Error: <stdin>:1: the lock is not valid: ") || !strings.Contains(r.Stderr, "nothing was copied") {
				t.Errorf("mirror: %s", r)
			}
			if _, err := os.Stat(to); !os.IsNotExist(err) {
				t.Errorf("the mirror was written: %v", err)
			}
		})
	}
}
