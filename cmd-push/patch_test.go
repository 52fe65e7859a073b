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
	}{{1, "Published 1 rule for hello"}, {2, "Published 2 rules for hello"}} {
		file := filepath.Join(t.TempDir(), "hello-patches.yaml")
		doc := "apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n" + strings.Repeat(rule, tc.rules)
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
