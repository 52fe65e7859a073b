package e2e

import (
	"os"
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

// TestGitCompletion completes `git pkg …` and `git pkg-pull …` in a real bash through
// git's own completion script, with the completion files scripts/install.sh installed
// (loaded as bash-completion loads them, by the git command's name), against the real
// binaries.
func TestGitCompletion(t *testing.T) {
	t.Parallel()
	gitScript := ""
	for _, p := range []string{"/usr/share/bash-completion/completions/git", "/usr/share/git/completion/git-completion.bash", "/etc/bash_completion.d/git"} {
		if _, err := os.Stat(p); err == nil {
			gitScript = p
			break
		}
	}
	if gitScript == "" {
		t.Skip("git's bash completion is not installed")
	}
	home := t.TempDir()
	opts := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	layout := "ocidir://" + filepath.Join(t.TempDir(), "reg", "git-hello")
	runOK(t, opts, "pkg-push", newPackage(t, "git-hello", "1.0.0"), "--to", layout)
	runOK(t, opts, "pkg-pull", layout+":1.0.0")

	completions := filepath.Join(prefix, "share", "bash-completion", "completions")
	script := `source ` + gitScript + `
# bash-completion's loader, as git's completion calls it: the file named after the command.
_completion_loader() { source "` + completions + `/$1"; }
for line in "git pkg remove git-" "git pkg-pull exec git-" "git pkg ad"; do
    read -ra COMP_WORDS <<<"$line"
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
    COMPREPLY=()
    __git_wrap__git_main
    printf '%s|' "${COMPREPLY[@]}"
    echo
done`
	res := runOK(t, opts, "bash", "--norc", "--noprofile", "-c", script)
	if want := "git-hello|\ngit-hello|\nadd|\n"; res.Stdout != want {
		t.Errorf("git completion: want\n%s\n%s", want, res)
	}
}
