package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// Shell completion, as kubectl, helm and gh have it: `pkg-pull completion bash` prints
// a script that asks the binary itself what may come next, through the hidden verb
// `__complete ARGS... WORD` (WORD is the word being completed, "" for a new one). Its
// answer is cobra's, so that kubectl's plugin completion (kubectl_complete-pkg, kubectl
// 1.26+) reads it as it reads any cobra program's: one candidate per line, optionally
// "VALUE<TAB>DESCRIPTION", then ":DIRECTIVE".

// Directive tells the shell script what to do besides offering the candidates.
type Directive int

const (
	// CompleteDefault lets the shell complete file names when there is no candidate.
	CompleteDefault Directive = 0
	// CompleteNoSpace keeps the cursor after the candidate (a prefix such as "core/").
	CompleteNoSpace Directive = 2
	// CompleteNoFiles offers no file names, even when there is no candidate.
	CompleteNoFiles Directive = 4
	// CompleteDirs offers directory names only.
	CompleteDirs Directive = 16
)

// Completion is what a command's Complete is asked.
type Completion struct {
	// Args are the positional arguments before the word.
	Args []string
	// Flag is the long name of the flag whose value is being completed, or "".
	Flag string
	// Word is the word being completed, as typed so far.
	Word string
	// Flags are the values of the flags typed before the word, by long name
	// (-f tools.lock.yaml: Flags["filename"]), for a completer that reads what they name.
	Flags map[string][]string
}

// Completer lists the candidates for c.Word. It need not filter by the word (the caller
// does), and must be quick and quiet: it runs on every Tab, and errors are no answer.
type Completer func(ctx context.Context, env *Env, c Completion) ([]string, Directive)

// flag annotations read by completion.
const (
	annotationValues = "longshore_complete_values"
	annotationDirs   = "longshore_complete_dirs"
)

// CompleteValues makes completion offer values for flag name of fs.
func CompleteValues(fs *pflag.FlagSet, name string, values ...string) {
	_ = fs.SetAnnotation(name, annotationValues, values)
}

// CompleteDirFlag makes completion offer directories for flag name of fs.
func CompleteDirFlag(fs *pflag.FlagSet, name string) {
	_ = fs.SetAnnotation(name, annotationDirs, []string{"true"})
}

// Platforms are the platforms completion offers for --platform.
var Platforms = []string{"linux/amd64", "linux/arm64", "linux/arm/v7", "darwin/arm64", "darwin/amd64", "windows/amd64"}

// complete answers `__complete words...`: the last word is the one being completed.
func (a *App) complete(ctx context.Context, env *Env, words []string) {
	if len(words) == 0 {
		words = []string{""}
	}
	args, word := words[:len(words)-1], words[len(words)-1]
	if env.Inv.Verb != "" {
		args = append([]string{env.Inv.Verb}, args...)
	}
	cands, dir := a.candidates(ctx, env, args, word)
	writeCandidates(env.Stdout, cands, dir, word)
}

// candidates finds the command args select and asks it about word.
func (a *App) candidates(ctx context.Context, env *Env, args []string, word string) ([]string, Directive) {
	args = a.hoistVerb(args)
	var verbs []string
	c := a.Default
	switch {
	case len(args) > 0 && a.lookup(args[0]) != nil:
		c, args = a.lookup(args[0]), args[1:]
	case len(args) > 0 && a.Default == nil:
		return nil, CompleteNoFiles // an unknown verb: nothing fits after it
	case len(args) == 0:
		// The verb is being typed (or, with a Default, its first argument).
		verbs = a.described()
		if a.Default == nil || strings.HasPrefix(word, "-") {
			return flagsOrVerbs(a.Default, verbs, word)
		}
	}
	for c != nil && len(c.Subcommands) > 0 {
		if len(args) == 0 {
			if strings.HasPrefix(word, "-") {
				return nil, CompleteNoFiles
			}
			return subcommands(c), CompleteNoFiles
		}
		sub := findSub(c, args[0])
		if sub == nil {
			return nil, CompleteNoFiles
		}
		c, args = sub, args[1:]
	}
	if c == nil {
		return nil, CompleteDefault
	}
	cands, dir := completeCommand(ctx, env, c, args, word)
	if len(verbs) > 0 && !strings.HasPrefix(word, "-") {
		// A Default's argument or a verb: offer both.
		cands = append(verbs, cands...)
	}
	return cands, dir
}

// described is the App's verbs with their short help.
func (a *App) described() []string {
	var out []string
	for _, c := range a.all() {
		out = append(out, c.Name+"\t"+c.Short)
	}
	return out
}

func subcommands(c *Command) []string {
	out := make([]string, len(c.Subcommands))
	for i, sub := range c.Subcommands {
		out[i] = sub.Name + "\t" + sub.Short
	}
	return out
}

func findSub(c *Command, name string) *Command {
	for _, sub := range c.Subcommands {
		if sub.Name == name {
			return sub
		}
	}
	return nil
}

// flagsOrVerbs completes where only verbs (or, with a dash, the Default's flags) fit.
func flagsOrVerbs(def *Command, verbs []string, word string) ([]string, Directive) {
	if strings.HasPrefix(word, "-") {
		if def == nil {
			return []string{"--help\tshow this help", "--version\tshow the version"}, CompleteNoFiles
		}
		return flagNames(newFlagSet("", def)), CompleteNoFiles
	}
	return verbs, CompleteNoFiles
}

// completeCommand completes word for c after its arguments args (flags included).
func completeCommand(ctx context.Context, env *Env, c *Command, args []string, word string) ([]string, Directive) {
	fs := newFlagSet("", c)
	// Positional arguments so far, and whether the last argument waits for its value.
	var positional []string
	var pending *pflag.Flag
	flags := map[string][]string{}
	dash := false
	for _, arg := range args {
		switch {
		case pending != nil:
			flags[pending.Name] = append(flags[pending.Name], arg)
			pending = nil
		case dash || arg == "-" || !strings.HasPrefix(arg, "-"):
			positional = append(positional, arg)
		case arg == "--":
			dash = true
		default:
			pending = valueFlag(fs, arg)
			if name, value, ok := strings.Cut(strings.TrimPrefix(arg, "--"), "="); ok && strings.HasPrefix(arg, "--") && fs.Lookup(name) != nil {
				flags[name] = append(flags[name], value)
			}
		}
	}
	if dash {
		// After "--" comes a command line of its own (pkg-pull exec … -- CMD).
		return nil, CompleteDefault
	}
	if pending == nil && strings.HasPrefix(word, "--") && strings.Contains(word, "=") {
		name, value, _ := strings.Cut(strings.TrimPrefix(word, "--"), "=")
		if f := fs.Lookup(name); f != nil {
			cands, dir := flagValues(ctx, env, c, f, Completion{Args: positional, Flag: f.Name, Word: value, Flags: flags})
			for i := range cands {
				cands[i] = "--" + name + "=" + cands[i]
			}
			return cands, dir
		}
	}
	if pending != nil {
		return flagValues(ctx, env, c, pending, Completion{Args: positional, Flag: pending.Name, Word: word, Flags: flags})
	}
	if strings.HasPrefix(word, "-") {
		return flagNames(fs), CompleteNoFiles
	}
	if c.Complete == nil {
		return nil, CompleteDefault
	}
	return c.Complete(ctx, env, Completion{Args: positional, Word: word, Flags: flags})
}

// valueFlag is the flag arg names when its value is the next argument, else nil.
func valueFlag(fs *pflag.FlagSet, arg string) *pflag.Flag {
	if long, ok := strings.CutPrefix(arg, "--"); ok {
		if strings.Contains(long, "=") {
			return nil
		}
		if f := fs.Lookup(long); f != nil && f.NoOptDefVal == "" {
			return f
		}
		return nil
	}
	// -o, or -vo: the last shorthand takes the next argument; -oyaml holds its value.
	short := arg[1:]
	for i := 0; i < len(short); i++ {
		f := fs.ShorthandLookup(short[i : i+1])
		if f == nil {
			return nil
		}
		if f.NoOptDefVal == "" {
			if i == len(short)-1 {
				return f
			}
			return nil
		}
	}
	return nil
}

// flagValues completes the value of flag f (want.Flag).
func flagValues(ctx context.Context, env *Env, c *Command, f *pflag.Flag, want Completion) ([]string, Directive) {
	if values, ok := f.Annotations[annotationValues]; ok {
		return slices.Clone(values), CompleteNoFiles
	}
	if _, ok := f.Annotations[annotationDirs]; ok {
		return nil, CompleteDirs
	}
	if c.Complete != nil {
		return c.Complete(ctx, env, want)
	}
	return nil, CompleteDefault
}

// flagNames lists fs's flags, long form, with their usage.
func flagNames(fs *pflag.FlagSet) []string {
	var out []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		usage, _, _ := strings.Cut(f.Usage, "\n")
		out = append(out, "--"+f.Name+"\t"+usage)
	})
	return out
}

// writeCandidates prints the candidates that start with word, then the directive.
func writeCandidates(w io.Writer, cands []string, dir Directive, word string) {
	for _, c := range cands {
		value, desc, _ := strings.Cut(c, "\t")
		if !strings.HasPrefix(value, word) || strings.ContainsAny(value, "\n") {
			continue
		}
		desc = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return ' '
			}
			return r
		}, desc)
		if desc != "" {
			fmt.Fprintf(w, "%s\t%s\n", value, desc)
		} else {
			fmt.Fprintln(w, value)
		}
	}
	fmt.Fprintf(w, ":%d\n", dir)
}
