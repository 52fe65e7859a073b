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
			script, ok := completionScripts[args[0]]
			if !ok {
				return Usagef("no completion for shell %q: bash, zsh and fish are supported", args[0])
			}
			fn := "_" + strings.NewReplacer("-", "_", ".", "_").Replace(binary) + "_complete"
			_, err := fmt.Fprint(env.Stdout, strings.NewReplacer("{binary}", binary, "{fn}", fn).Replace(script))
			return err
		},
	}
}

// completionScripts call `{binary} __complete ARGS... WORD` and read its answer:
// candidates ("VALUE<TAB>DESCRIPTION"), then ":DIRECTIVE" (complete.go).
var completionScripts = map[string]string{
	"bash": `# bash completion for {binary}; load with: source <({binary} completion bash)
{fn}() {
    local cur=${COMP_WORDS[COMP_CWORD]} out directive line
    out=$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null) || return
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
complete -o default -F {fn} {binary}
`,
	"zsh": `#compdef {binary}
# zsh completion for {binary}; load with: source <({binary} completion zsh)
{fn}() {
    local out directive line
    local -a lines described
    out=$(${words[1]} __complete "${(@)words[2,CURRENT-1]}" "${words[CURRENT]}" 2>/dev/null) || return 1
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
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    {fn} "$@"
else
    compdef {fn} {binary}
fi
`,
	"fish": `# fish completion for {binary}; load with: {binary} completion fish | source
function {fn}
    set -l args (commandline -opc)
    set -e args[1]
    set -l out ({binary} __complete $args (commandline -ct) 2>/dev/null)
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
complete -c {binary} -f -a '({fn})'
`,
}
