package main

import (
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/cli"
)

// TestCredentialsNeverEchoed: every argument that takes a reference or a registry
// refuses one with credentials in it, without printing them.
func TestCredentialsNeverEchoed(t *testing.T) {
	t.Parallel()
	const pw = "s3cret"
	entries := entries(t, map[string]string{"hello": ""})
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"add", "core", "user:" + pw + "@HOST:5000/x"}, `tap source "***@HOST:5000/x": invalid reference "***@HOST:5000/x": credentials do not go in a reference`},
		{[]string{"add", "core", "oci://user:" + pw + "@HOST/x"}, "log in with `pkg-tap login HOST -u USER --password-stdin`"},
		{[]string{"index", "build", entries, "--to", "user:" + pw + "@HOST:5000/x"}, `--to: invalid reference "***@HOST:5000/x"`},
		{[]string{"index", "add", "-f", filepath.Join(entries, "hello.yaml"), "--to", "oci://user:" + pw + "@HOST/x"}, `--to: invalid reference "oci://***@HOST/x"`},
		{[]string{"login", "user:" + pw + "@ghcr.io", "-u", "alice", "--password-stdin"}, `registry "***@ghcr.io" has credentials in it: give the host alone (ghcr.io)`},
		{[]string{"logout", "https://user:" + pw + "@ghcr.io"}, `registry "https://***@ghcr.io" has credentials in it`},
		{[]string{"show", "user:" + pw + "@ghcr.io/org/hello"}, `"***@ghcr.io/org/hello" is not a package name`},
	}
	for _, tt := range tests {
		r := pkgTap(t, newEnv(t), "x\n", tt.args...)
		if r.Code != cli.ExitUsage || !strings.Contains(r.Stderr, tt.want) {
			t.Errorf("pkg-tap %s: want exit 2 and %q; got %s", tt.args[0], tt.want, strings.ReplaceAll(r.String(), pw, "<the password>"))
		}
		if strings.Contains(r.Stdout+r.Stderr, pw) {
			t.Errorf("pkg-tap %s printed the password", tt.args[0])
		}
	}
}
