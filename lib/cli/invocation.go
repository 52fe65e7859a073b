package cli

import (
	"path/filepath"
	"strings"
)

// EnvProg is set by the dispatcher entry (kubectl-pkg, git-pkg) for the sibling binary it
// runs, so usage lines show the command as the user typed it ("kubectl pkg push").
const EnvProg = "LONGSHORE_PROG"

// Binaries are the five longshore binaries, keyed by the area word that selects them.
var Binaries = map[string]string{
	"tap":  "pkg-tap",
	"push": "pkg-push",
	"pull": "pkg-pull",
	"dep":  "pkg-dep",
	"gc":   "pkg-gc",
}

// VerbLinks are verbs reachable without their area word: `kubectl pkg add hello` runs
// pkg-pull's add. scripts/install.sh installs one kubectl-pkg-VERB link for each.
var VerbLinks = map[string]string{
	"add":     "pkg-pull",
	"upgrade": "pkg-pull",
	"remove":  "pkg-pull",
	"list":    "pkg-pull",
	"env":     "pkg-pull",
	"exec":    "pkg-pull",
	"init":    "pkg-push",
	"lint":    "pkg-push",
}

// VerbAliases are other names of shortcut verbs (VerbLinks), as brew, helm and krew
// users type them: `pkg-pull install hello` and `kubectl pkg install hello` run add,
// `uninstall` and `rm` run remove. The commands list them as their Aliases (pkg-pull's
// tests check that they agree); the dispatcher routes each as the verb it names. No
// kubectl-pkg-ALIAS link is installed: kubectl hands `kubectl pkg install` to
// kubectl-pkg, the dispatcher.
var VerbAliases = map[string]string{
	"install":   "add",
	"uninstall": "remove",
	"rm":        "remove",
}

// AreaVerb is a verb of an area that users type without the area word, where no
// shortcut serves it: `pkg-pull search hello` and `kubectl pkg search hello`, as brew
// search and helm search are typed. It is refused with the command that does it.
type AreaVerb struct {
	Area, Verb string
	// Why says what the command is for: "to search the taps for a package".
	Why string
}

// AreaVerbs are the AreaVerb words, refused by every binary that has no verb of the
// name (and by the dispatcher) rather than taken for an argument.
var AreaVerbs = map[string]AreaVerb{
	"search": {"tap", "search", "to search the taps for a package"},
	"show":   {"tap", "show", "to show a package the taps list, with its versions"},
	"info":   {"tap", "show", "to show a package the taps list, with its versions"},
}

// Invocation is how a binary was called, learned from argv[0].
type Invocation struct {
	// Prog is the command as the user typed it, up to the verb: "pkg-push",
	// "kubectl pkg push", "git pkg-push", or "kubectl pkg add" for a verb link.
	Prog string
	// Verb is the verb fixed by the invocation name (kubectl-pkg-add → "add"), or "".
	Verb string
	// Dispatch is "kubectl pkg" or "git pkg" when invoked as the dispatcher entry: the
	// first argument then selects the sibling binary.
	Dispatch string
	// Complete is set when invoked as kubectl's completion entry for the plugin,
	// kubectl_complete-pkg[-WORD]: the arguments are the words to complete (the last
	// one being typed), and the answer is what `__complete` prints.
	Complete bool
}

// ParseInvocation reads argv[0] (and the dispatcher's EnvProg) into an Invocation.
// binary is the program's own name ("pkg-push"), used when argv[0] says nothing more.
func ParseInvocation(argv0, binary string, getenv func(string) string) Invocation {
	if prog := strings.TrimSpace(getenv(EnvProg)); prog != "" {
		return Invocation{Prog: prog}
	}
	base := strings.TrimSuffix(filepath.Base(argv0), ".exe")
	if plugin, ok := strings.CutPrefix(base, "kubectl_complete-"); ok {
		inv := ParseInvocation("kubectl-"+plugin, binary, func(string) string { return "" })
		inv.Complete = true
		return inv
	}
	switch base {
	case "kubectl-pkg":
		return Invocation{Prog: "kubectl pkg", Dispatch: "kubectl pkg"}
	case "git-pkg":
		return Invocation{Prog: "git pkg", Dispatch: "git pkg"}
	}
	for _, host := range []struct{ file, typed string }{
		{"kubectl-pkg-", "kubectl pkg "},
		{"git-pkg-", "git pkg-"},
	} {
		word, ok := strings.CutPrefix(base, host.file)
		if !ok || word == "" {
			continue
		}
		if _, isVerb := VerbLinks[word]; isVerb {
			return Invocation{Prog: host.typed + word, Verb: word}
		}
		return Invocation{Prog: host.typed + word}
	}
	if strings.HasPrefix(base, "pkg-") {
		return Invocation{Prog: base}
	}
	return Invocation{Prog: binary}
}

// CommandPath is how the user types verb under this invocation: "kubectl pkg push init",
// or just Prog when the invocation name already fixes the verb.
func (inv Invocation) CommandPath(verb string) string {
	if verb == "" || verb == inv.Verb {
		return inv.Prog
	}
	return inv.Prog + " " + verb
}

// Sibling is how the user types the binary of area under this invocation: "pkg-tap",
// "kubectl pkg tap", "git pkg-tap" or "git pkg tap".
func (inv Invocation) Sibling(area string) string {
	switch {
	case inv.Prog == "kubectl pkg" || strings.HasPrefix(inv.Prog, "kubectl pkg "):
		return "kubectl pkg " + area
	case strings.HasPrefix(inv.Prog, "git pkg-"):
		return "git pkg-" + area
	case inv.Prog == "git pkg" || strings.HasPrefix(inv.Prog, "git pkg "):
		return "git pkg " + area
	}
	return Binaries[area]
}
