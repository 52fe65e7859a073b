package envcomp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"longshore.dev/lib/pkgspec"
)

// Shells are the formats Write knows.
var Shells = []string{"sh", "bash", "zsh", "fish", "json", "yaml", "github"}

// posixShells are the login shells that read sh syntax.
var posixShells = []string{"sh", "dash", "ash", "ksh", "ksh93", "mksh", "lksh", "oksh", "loksh", "pdksh", "posh", "yash", "busybox"}

// otherShells are shells with a syntax of their own, which Write does not print.
var otherShells = []string{"csh", "tcsh", "nu", "elvish", "xonsh", "pwsh", "powershell", "rc", "es", "ion", "oil", "osh", "ysh"}

// runners are programs that run another without being a shell: `git pkg env` has git
// between the shell and pkg-pull.
var runners = []string{"git", "kubectl", "sudo", "doas", "env", "nohup", "nice", "time", "timeout", "stdbuf", "setsid", "command"}

// DefaultShell picks the format for the login shell $SHELL names: fish, zsh or bash by
// name, else sh. known is false for a shell that does not read sh syntax (tcsh, nu):
// it gets sh syntax all the same, and the caller says so.
func DefaultShell(shellPath string) (shell string, known bool) {
	base := path.Base(strings.TrimRight(shellPath, "/"))
	switch {
	case base == "fish" || base == "zsh" || base == "bash":
		return base, true
	case shellPath == "" || slices.Contains(posixShells, base):
		return "sh", true
	}
	return "sh", false
}

// DetectShell picks the format for the shell that runs pkg-pull, as brew shellenv does:
// the nearest of ancestors (the names of the parent process, its parent, …) that is a
// shell, passing over runners. `eval "$(pkg-pull env hello)"` in a bash script gets bash
// syntax whatever the user's login shell. When no ancestor is a shell (a program ran
// pkg-pull), or they are unknown, the login shell decides (DefaultShell). from names
// what decided: the shell's name, or "$SHELL".
func DetectShell(ancestors []string, login string) (shell string, known bool, from string) {
	for _, name := range ancestors {
		name = strings.TrimPrefix(path.Base(name), "-") // "-bash": a login shell
		switch {
		case slices.Contains(runners, name):
			continue
		case slices.Contains(otherShells, name):
			return "sh", false, name
		case name == "fish" || name == "zsh" || name == "bash":
			return name, true, name
		case slices.Contains(posixShells, name):
			return "sh", true, name
		}
		break
	}
	shell, known = DefaultShell(login)
	return shell, known, "$SHELL"
}

// Write prints vars in the given shell's syntax, one variable a line, so that
// `eval "$(pkg-pull env hello)"` (or `… | source` in fish) applies them. json and yaml
// print one object of NAME: value. Values are quoted (Quote) so that any of those
// shells reads them back, whichever format was asked for: any byte but NUL may appear
// in them. Names are printed as they are, so one that is not a name is refused.
// github is written with WriteGitHub instead.
func Write(w io.Writer, shell string, vars []Var) error {
	if err := checkNames(vars); err != nil {
		return err
	}
	switch shell {
	case "sh", "bash", "zsh":
		for _, v := range vars {
			if _, err := fmt.Fprintf(w, "export %s=%s\n", v.Name, Quote(v.Value)); err != nil {
				return err
			}
		}
		return nil
	case "fish":
		for _, v := range vars {
			words := []string{Quote(v.Value)}
			// fish keeps *PATH variables as lists: give it the entries.
			if strings.HasSuffix(v.Name, "PATH") {
				words = words[:0]
				for _, e := range strings.Split(v.Value, ListSeparator) {
					words = append(words, Quote(e))
				}
			}
			if _, err := fmt.Fprintf(w, "set -gx %s %s\n", v.Name, strings.Join(words, " ")); err != nil {
				return err
			}
		}
		return nil
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // a value as it is: & not \u0026
		return enc.Encode(asMap(vars))
	case "yaml":
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(asMap(vars)); err != nil {
			return err
		}
		return enc.Close()
	}
	return fmt.Errorf("unknown shell %q: use one of %s", shell, strings.Join(Shells, ", "))
}

// checkNames refuses a name that is not a name, which the formats would print as
// shell code or as another line of $GITHUB_ENV. Compose refuses them first, with a
// hint; this keeps Write safe for any caller.
func checkNames(vars []Var) error {
	for _, v := range vars {
		if !pkgspec.ValidEnvName(v.Name) {
			return fmt.Errorf("%q is not an environment variable name (letters, digits and '_', not starting with a digit)", v.Name)
		}
	}
	return nil
}

func asMap(vars []Var) map[string]string {
	m := make(map[string]string, len(vars))
	for _, v := range vars {
		m[v.Name] = v.Value
	}
	return m
}

// WriteGitHub writes vars in GitHub Actions' file-command formats: entries prepended
// to PATH go to path (the $GITHUB_PATH file, one directory a line; the runner puts the
// last line first, so they are written in reverse), everything else to env (the
// $GITHUB_ENV file) as NAME=value, or NAME<<DELIMITER … DELIMITER for a value with a
// newline.
func WriteGitHub(env, path io.Writer, vars []Var) error {
	if err := checkNames(vars); err != nil {
		return err
	}
	for _, v := range vars {
		if v.Name == "PATH" && !v.Set && len(v.Appended) == 0 {
			for _, e := range slices.Backward(v.Prepended) {
				if strings.ContainsAny(e, "\r\n") {
					return fmt.Errorf("PATH entry %q has a line break: $GITHUB_PATH cannot hold it", e)
				}
				if _, err := fmt.Fprintf(path, "%s\n", e); err != nil {
					return err
				}
			}
			continue
		}
		var err error
		if strings.ContainsAny(v.Value, "\r\n") {
			delim := githubDelimiter(v.Value)
			_, err = fmt.Fprintf(env, "%s<<%s\n%s\n%s\n", v.Name, delim, v.Value, delim)
		} else {
			_, err = fmt.Fprintf(env, "%s=%s\n", v.Name, v.Value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// githubDelimiter is a heredoc delimiter that cannot occur in value (it is derived
// from the value's hash, and checked).
func githubDelimiter(value string) string {
	sum := sha256.Sum256([]byte(value))
	delim := "ghadelimiter_" + hex.EncodeToString(sum[:12])
	for strings.Contains(value, delim) {
		delim += "_"
	}
	return delim
}

// Quote quotes s as one word that sh, bash, zsh and fish all read back as s, so that
// env's output means the same whichever of them evaluates it: the shell it was
// printed for, or another (a fish user's bash script runs `eval "$(python3 tool.py)"`,
// tool.py runs pkg-pull env, which sees no shell above it and prints for $SHELL).
// Their single quotes differ: nothing inside is special to a POSIX shell, \' and \\
// are escapes inside to fish, and zsh with RC_QUOTES reads two quotes in a row inside
// as one. So each run of s without ' or \ is single-quoted, literal in all four, and
// each ' and \ is written outside the quotes as \' or \\, which all four read alike.
// Quoted runs are never adjacent, so two quotes meet only in the empty value's. A
// value without ' or \ is simply '…'.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	var b strings.Builder
	for s != "" {
		i := strings.IndexAny(s, `'\`)
		if i < 0 {
			i = len(s)
		}
		if i > 0 {
			b.WriteString("'" + s[:i] + "'")
		}
		if i < len(s) {
			b.WriteString(`\` + s[i:i+1])
			i++
		}
		s = s[i:]
	}
	return b.String()
}
