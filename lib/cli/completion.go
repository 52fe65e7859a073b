package cli

import (
	"context"
	"fmt"
	"strings"
)

// completeVerb is the hidden verb the completion scripts call (cobra's name for it).
const completeVerb = "__complete"

// completionCommand is the `completion SHELL` verb every binary has.
func completionCommand(binary string) *Command {
	return &Command{
		Name:  "completion",
		Short: "print a shell completion script (bash, zsh, fish)",
		Use:   "bash|zsh|fish",
		Long: `Prints a script that makes the shell complete this program's commands, flags, flag
values (-o formats, --platform, --shell) and names: installed packages, taps, and the
packages the taps list. The script asks the program itself on each Tab
(` + binary + ` __complete), so it stays right as the program changes; nothing is read from the
network.

It also completes the git plugin form 'git ` + binary + ` …' (` + GitDispatcher + `'s also 'git pkg …')
through the hooks of git's own completion. scripts/install.sh installs the scripts
where bash-completion, zsh and fish look for them.

kubectl completes 'kubectl pkg …' through the kubectl_complete-pkg programs that
scripts/install.sh links (kubectl 1.26 and newer); nothing needs to be loaded for it.`,
		Example: `# for this shell only
source <({prog} bash)
# for every bash (the bash-completion package loads this directory)
{prog} bash > ~/.local/share/bash-completion/completions/` + binary + `
# zsh: a directory on $fpath
{prog} zsh > "${fpath[1]}/_` + binary + `"
# fish
{prog} fish > ~/.config/fish/completions/` + binary + `.fish`,
		Args: ExactArgs("SHELL"),
		Complete: func(context.Context, *Env, Completion) ([]string, Directive) {
			return []string{"bash", "zsh", "fish"}, CompleteNoFiles
		},
		Run: func(_ context.Context, env *Env, args []string) error {
			script, err := CompletionScript(binary, args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(env.Stdout, script)
			return err
		},
	}
}

// GitDispatcher is the binary scripts/install.sh links as git-pkg (and kubectl-pkg):
// its completion script also completes `git pkg …`.
const GitDispatcher = "pkg-pull"

// CompletionScript is binary's completion script for shell. Besides the binary itself
// it completes the git plugin forms, through the hooks of git's own completion: `git
// pkg-push …` (and the command git-pkg-push), and for GitDispatcher `git pkg …`.
func CompletionScript(binary, shell string) (string, error) {
	script, ok := completionScripts[shell]
	if !ok {
		return "", Usagef("no completion for shell %q: bash, zsh and fish are supported", shell)
	}
	dispatch := ""
	if binary == GitDispatcher {
		dispatch = gitDispatchScripts[shell]
	}
	ident := strings.NewReplacer("-", "_", ".", "_").Replace(binary)
	script = strings.Replace(script, "{dispatch}", dispatch, 1)
	return strings.NewReplacer(
		"{binary}", binary,
		"{fn}", "_"+ident+"_complete",
		"{gitfn}", "_git_"+ident,
	).Replace(script), nil
}

// completionScripts call `PROGRAM __complete ARGS... WORD` and read its answer:
// candidates ("VALUE<TAB>DESCRIPTION"), then ":DIRECTIVE" (complete.go). PROGRAM is
// the command as typed (pkg-push, git-pkg-push) or, from git's completion, the git-pkg…
// program the git command runs.
//
// git's completion hooks: bash's calls _git_NAME for `git NAME …` (words and cword
// from git on, the command at __git_cmd_idx); zsh's calls _git-NAME (words from NAME
// on); fish's completes `git NAME …` as the command git-NAME.
var completionScripts = map[string]string{
	"bash": `# bash completion for {binary} and git {binary}; load with: source <({binary} completion bash)
# {fn}_reply PROGRAM ARGS... WORD: PROGRAM's candidates for WORD, into COMPREPLY.
{fn}_reply() {
    local prog=$1 cur=${!#} out directive line
    shift
    out=$("$prog" __complete "$@" 2>/dev/null) || return
    directive=${out##*:}
    out=${out%:*}
    COMPREPLY=()
    while IFS= read -r line; do
        [[ -n $line ]] && COMPREPLY+=("${line%%$'\t'*}")
    done <<<"$out"
    if ((${#COMPREPLY[@]} == 0)); then
        if ((directive & 16)); then
            compopt -o dirnames 2>/dev/null
            COMPREPLY=($(compgen -d -- "$cur"))
        elif ((directive & 4)); then
            compopt +o default 2>/dev/null
        fi
    fi
    if ((directive & 2)); then
        compopt -o nospace 2>/dev/null
    fi
}
{fn}() {
    {fn}_reply "${COMP_WORDS[0]}" "${COMP_WORDS[@]:1:COMP_CWORD-1}" "${COMP_WORDS[COMP_CWORD]}"
}
complete -o default -F {fn} {binary} git-{binary}
# git {binary} …: git's completion calls this.
{gitfn}() {
    local i=$((${__git_cmd_idx:-1} + 1))
    {fn}_reply git-{binary} "${words[@]:i:cword-i}" "${words[cword]}"
}
{dispatch}`,
	"zsh": `#compdef {binary} git-{binary}
# zsh completion for {binary} and git {binary}; load with: source <({binary} completion zsh)
# {fn}_reply PROGRAM: PROGRAM's candidates for words[CURRENT], offered.
{fn}_reply() {
    local out directive line
    local -a lines described
    out=$($1 __complete "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null) || return 1
    lines=("${(@f)out}")
    directive=${lines[-1]#:}
    lines=("${(@)lines[1,-2]}")
    for line in $lines; do
        [[ -n $line ]] || continue
        if [[ $line == *$'\t'* ]]; then
            described+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}")
        else
            described+=("${line//:/\\:}")
        fi
    done
    if ((${#described})); then
        local -a suffix
        ((directive & 2)) && suffix=(-S '')
        _describe -t values '{binary}' described $suffix
    elif ((directive & 16)); then
        _path_files -/
    elif ! ((directive & 4)); then
        _files
    fi
}
{fn}() { {fn}_reply ${words[1]} }
# git {binary} …: git's completion calls this.
_git-{binary}() { {fn}_reply git-{binary} }
{dispatch}if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    # Autoloaded from a file on $fpath named after one of these functions.
    case $0 in
    (_git-*) $0 "$@" ;;
    (*) {fn} "$@" ;;
    esac
else
    compdef {fn} {binary} git-{binary}
fi
`,
	"fish": `# fish completion for {binary} and git {binary}; load with: {binary} completion fish | source
function {fn}
    set -l args (commandline -opc)
    set -l prog $args[1]
    set -e args[1]
    set -l out ($prog __complete $args (commandline -ct) 2>/dev/null)
    or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    set -e out[-1]
    if test (count $out) -gt 0
        printf '%s\n' $out
    else if test (math "bitand($directive, 16)") -ne 0
        __fish_complete_directories (commandline -ct)
    else if test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path (commandline -ct)
    end
end
# git {binary} … is completed as the command git-{binary}.
complete -c {binary} -f -a '({fn})'
complete -c git-{binary} -f -a '({fn})'
{dispatch}`,
}

// gitDispatchScripts complete `git pkg …` in GitDispatcher's script: git-pkg answers
// __complete as the dispatcher (lib/cli/dispatch.go).
var gitDispatchScripts = map[string]string{
	"bash": `# git pkg …
_git_pkg() {
    local i=$((${__git_cmd_idx:-1} + 1))
    {fn}_reply git-pkg "${words[@]:i:cword-i}" "${words[cword]}"
}
complete -o default -F {fn} git-pkg
`,
	"zsh": `# git pkg …
_git-pkg() { {fn}_reply git-pkg }
`,
	"fish": `# git pkg … is completed as the command git-pkg.
complete -c git-pkg -f -a '({fn})'
`,
}
