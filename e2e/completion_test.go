package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestKubectlCompletion runs the real kubectl's completion of `kubectl pkg …`, which
// calls the kubectl_complete-pkg* links scripts/install.sh makes (kubectl 1.26+), and
// the bash script `pkg-pull completion bash` prints, in a real bash: both offer the
// installed package, verbs and flag values.
func TestKubectlCompletion(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	opts := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	layout := "ocidir://" + filepath.Join(t.TempDir(), "reg", "comp-hello")
	runOK(t, opts, "pkg-push", newPackage(t, "comp-hello", "1.0.0"), "--to", layout)
	runOK(t, opts, "pkg-pull", layout+":1.0.0")

	for _, tc := range []struct {
		args []string
		want []string // lines of the answer
	}{
		{[]string{"pkg", "remove", ""}, []string{"comp-hello\t1.0.0 (explicit)", ":4"}},
		{[]string{"pkg", "env", "--shell", "fi"}, []string{"fish", ":4"}},
		{[]string{"pkg", "tap", "se"}, []string{"search\tsearch packages in taps", ":4"}},
		{[]string{"pkg", "pull", "exec", "comp"}, []string{"comp-hello\t1.0.0 (explicit)", ":4"}},
		{[]string{"pkg", "dep", "tree", "-o", ""}, []string{"tree", "dot", "yaml", "json", ":4"}},
	} {
		res := runOK(t, opts, "kubectl", append([]string{"__complete"}, tc.args...)...)
		for _, want := range tc.want {
			if !strings.Contains("\n"+res.Stdout, "\n"+want+"\n") {
				t.Errorf("kubectl __complete %q: want the line %q\n%s", tc.args, want, res)
			}
		}
	}

	script := `source <(pkg-pull completion bash)
COMP_WORDS=(pkg-pull remove c); COMP_CWORD=2
_pkg_pull_complete
printf '%s\n' "${COMPREPLY[@]}"`
	if res := runOK(t, opts, "bash", "--norc", "--noprofile", "-c", script); res.Stdout != "comp-hello\n" {
		t.Errorf("bash completion of pkg-pull remove c:\n%s", res)
	}
}
