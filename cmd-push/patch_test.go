package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPatchNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "hello-patches.yaml")
	to := "ocidir://" + filepath.Join(t.TempDir(), "patches")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"both", nil, "--for and --to are required"},
		{"--for", []string{"--to", to}, "--for is required: which package the rules patch"},
		{"--to", []string{"--for", "hello"}, "--to is required: the patch registry"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := pkgPush(t, nil, append([]string{"patch", file}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, "Error: "+tc.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
			}
		})
	}
}

func TestPatchCountsRules(t *testing.T) {
	t.Parallel()
	rule := "  - match: {name: hello}\n    companions: [{name: ca-bundle}]\n"
	for _, tc := range []struct {
		rules int
		want  string
	}{{0, "Published no rules for hello"}, {1, "Published 1 rule for hello"}, {2, "Published 2 rules for hello"}} {
		file := filepath.Join(t.TempDir(), "hello-patches.yaml")
		doc := "apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n" + strings.Repeat(rule, tc.rules)
		if tc.rules == 0 {
			doc += "  []\n" // withdraws the rules
		}
		if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		to := "ocidir://" + filepath.Join(t.TempDir(), "patches")
		code, _, stderr := pkgPush(t, nil, "patch", file, "--for", "hello", "--to", to)
		if code != 0 || !strings.Contains(stderr, tc.want+" to ") {
			t.Errorf("%d rules: exit %d, stderr:\n%s", tc.rules, code, stderr)
		}
	}
}

// TestToNeverEchoesCredentials: credentials typed into --to are refused without being
// repeated, whatever the form (with a scheme, without).
func TestToNeverEchoesCredentials(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "global.yaml")
	doc := "apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n  - match: {name: \"*\"}\n    companions: [{name: ca}]\n"
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	pkgDir := filepath.Join(dir, "hello")
	os.MkdirAll(pkgDir, 0o755)
	os.WriteFile(filepath.Join(pkgDir, "package.yaml"), []byte("apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: hello\n  version: 1.0.0\n"), 0o644)
	for _, to := range []string{
		"https://user:s3cret@H/patches",
		"user:s3cret@H/patches",
		"oci://user:s3cret@registry.example:5000/patches",
		"user:s3cret@registry.example:5000",
	} {
		for _, args := range [][]string{
			{"patch", file, "--for", "_global", "--to", to},
			{"patch", file, "--for", "hello", "--to", to + ":patches"},
			{pkgDir, "--to", to + "/hello"},
			{pkgDir, "--to", to + "/hello:1.0.0"},
		} {
			code, stdout, stderr := pkgPush(t, nil, args...)
			if code != 2 || stdout != "" || strings.Contains(stderr, "s3cret") || !strings.Contains(stderr, "***@") {
				t.Errorf("pkg-push %s: exit %d, want 2 with the credentials masked:\n%s", strings.Join(args, " "), code, stderr)
			}
		}
	}
}

// TestPatchToAFile: --to ocidir://FILE says a file is in the way, not "no OCI layout
// there… push to it first".
func TestPatchToAFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "global.yaml")
	doc := "apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n  - match: {name: \"*\"}\n    companions: [{name: ca}]\n"
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"patch", file, "--for", "_global", "--to", "ocidir://" + file},
		{"patch", file, "--for", "hello", "--to", "ocidir://" + file},
	} {
		code, stdout, stderr := pkgPush(t, nil, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, file+" is a file, not a directory") || strings.Contains(stderr, "push to it first") {
			t.Errorf("pkg-push %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
	}
	if data, _ := os.ReadFile(file); string(data) != doc {
		t.Errorf("the descriptor was changed: %q", data)
	}
}

// TestPatchFileMissing: a FILE that is not there, or is a directory, is named in the
// user's words, not os.ReadFile's ("open x.yaml: no such file or directory").
func TestPatchFileMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	to := "ocidir://" + filepath.Join(t.TempDir(), "patches")
	for _, tc := range []struct {
		file string
		code int
		want string
	}{
		{filepath.Join(dir, "nosuch.yaml"), 3, "Error: " + filepath.Join(dir, "nosuch.yaml") + ": no such file\nHint: give the file of the PatchDescriptor"},
		{dir, 2, "Error: " + dir + " is a directory, not a PatchDescriptor file\nHint: give the file of the PatchDescriptor"},
	} {
		code, stdout, stderr := pkgPush(t, nil, "patch", tc.file, "--for", "hello", "--to", to)
		if code != tc.code || stdout != "" || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "open ") {
			t.Errorf("%s: exit %d (want %d), stdout %q, stderr:\n%s", tc.file, code, tc.code, stdout, stderr)
		}
	}
}
