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
