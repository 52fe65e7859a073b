// Package cli owns what every longshore binary shares at its edge: how it was invoked
// (argv[0], the kubectl and git plugin names, the dispatcher), verbs and their flags,
// printers, the error line with its hint, and the exit-code table.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/internal/textdist"
)

// Env is what a verb may touch of the outside world. Tests build one around buffers.
type Env struct {
	Inv       Invocation
	Binary    string // "pkg-push"
	Stdin     io.Reader
	Stdout    io.Writer
	Stderr    io.Writer
	StdoutTTY bool
	StderrTTY bool
	Getenv    func(string) string
	// ArgsLenAtDash is the number of positional arguments before "--", or -1.
	ArgsLenAtDash int
	// Verbose is the count of -v flags: 1 says the steps, where credentials come from
	// and timings (Debugf); 2 also every registry request (RegistryFlags.Options).
	Verbose int
	// mu keeps lines whole: -vv's come from every transfer at once.
	mu sync.Mutex
}

// Infof writes an informational line to stderr. Like every message, its control
// characters are escaped (PrintableLines): it may quote what a registry or an index said.
func (e *Env) Infof(format string, args ...any) {
	e.line(format, args...)
}

// Warnf writes a warning line to stderr.
func (e *Env) Warnf(format string, args ...any) {
	e.line("%s", "Warning: "+fmt.Sprintf(format, args...))
}

// Debugf writes to stderr only with -v.
func (e *Env) Debugf(format string, args ...any) {
	if e.Verbose > 0 {
		e.line(format, args...)
	}
}

func (e *Env) line(format string, args ...any) {
	text := PrintableLines(fmt.Sprintf(format, args...))
	e.mu.Lock()
	defer e.mu.Unlock()
	fmt.Fprintln(e.Stderr, text)
}

// Command is one verb of a binary.
type Command struct {
	Name    string // the verb; "" for an App's default command
	Short   string // one line, lower case, no period
	Use     string // what follows the verb in the usage line: "DIR --to REPO"
	Long    string // paragraphs shown by --help
	Example string // lines; "{prog}" becomes the command as the user typed it
	// Aliases are other names that run it (`install` for add), as brew, helm and krew
	// users type them. Help and completion name the verb by Name; its help lists them.
	Aliases []string
	// NotYet marks a verb that is planned but not built: it says so and exits 2.
	NotYet bool
	// Subcommands make this command a group (pkg-tap index build|add): the first
	// argument names the subcommand, which parses its own flags.
	Subcommands []*Command
	Flags       func(fs *pflag.FlagSet)
	// Args checks the positional arguments; nil accepts any.
	Args func(args []string) error
	Run  func(ctx context.Context, env *Env, args []string) error
	// Complete lists candidates for shell completion of an argument or a flag's value
	// (complete.go); nil lets the shell complete file names.
	Complete Completer
}

// App is one binary: its verbs, and optionally a default command that runs when the
// first argument is not a verb (`pkg-push DIR --to REPO`, `pkg-pull REF`).
type App struct {
	Binary   string // "pkg-push"
	Short    string // what the binary does, one line
	Commands []*Command
	Default  *Command
	// Example is shown by the binary's help when it has no Default (whose examples
	// are shown otherwise).
	Example string
	// BareRunsDefault runs Default when no argument is given (`pkg-gc` collects),
	// where other binaries print their help.
	BareRunsDefault bool
	// DefaultTakesPath marks a Default whose argument is a directory (`pkg-push DIR`):
	// a word near a verb that names something on disk is then the Default's argument
	// (a package directory called "int" is not a typo of init).
	DefaultTakesPath bool
	// TypoHint adds the App's own word to the hint for a word that names no verb, after
	// "did you mean" (pkg-pull: the user may have meant a package). "{prog}" in it
	// becomes the command as the user typed it.
	TypoHint func(word string) string
}

// names are the App's verbs, in the order of Commands, then completion.
func (a *App) names() []string {
	names := make([]string, 0, len(a.Commands)+1)
	for _, c := range a.all() {
		names = append(names, c.Name)
	}
	return names
}

// all is Commands and the completion verb every binary has.
func (a *App) all() []*Command {
	return append(slices.Clip(a.Commands), completionCommand(a.Binary))
}

func (a *App) lookup(name string) *Command {
	for _, c := range a.all() {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c
		}
	}
	return nil
}

// Main runs the app for args (without argv[0]) and returns the exit code.
func (a *App) Main(ctx context.Context, env *Env, args []string) int {
	err := a.run(ctx, env, args)
	if err == nil {
		return ExitOK
	}
	PrintError(env.Stderr, err)
	return ExitCode(err)
}

func (a *App) run(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == completeVerb {
		a.complete(ctx, env, args[1:])
		return nil
	}
	if env.Inv.Verb != "" {
		args = append([]string{env.Inv.Verb}, args...)
	}
	if len(args) == 0 {
		if a.BareRunsDefault && a.Default != nil {
			return a.runCommand(ctx, env, a.Default, nil)
		}
		a.printHelp(env.Stdout, env.Inv)
		return nil
	}
	args = a.hoistVerb(args)
	if len(args) > 0 {
		switch args[0] {
		case "-h", "--help", "help":
			if args[0] == "help" && len(args) > 1 {
				if c := a.lookup(args[1]); c != nil {
					// `help patch sync` is sync's help, as `help add` is add's.
					return a.runCommand(ctx, env, c, append(slices.Clip(args[2:]), "--help"))
				}
				return a.unknownCommand(env, args[1])
			}
			a.printHelp(env.Stdout, env.Inv)
			return nil
		case "--version", "version":
			fmt.Fprintf(env.Stdout, "%s version %s\n", a.Binary, VersionString())
			return nil
		}
		if c := a.lookup(args[0]); c != nil {
			return a.runCommand(ctx, env, c, args[1:])
		}
		if err := areaVerbError(env.Inv, env.Inv.Prog, args); err != nil && !(a.DefaultTakesPath && isPath(args[0])) {
			return err
		}
		if a.Default == nil {
			return a.mistyped(env, args[0])
		}
		if nearest(args[0], a.names()) != nil && !(a.DefaultTakesPath && isPath(args[0])) {
			return a.mistyped(env, args[0])
		}
	}
	return a.runCommand(ctx, env, a.Default, args)
}

// hoistVerb moves a verb typed after flags to the front, so that `pkg-pull -v list`
// and `pkg-tap -o yaml list` run list with those flags, as kubectl's global flags do.
// Only leading flags (and their values) may come before it; "--" stops the search.
// Without a Default, every flag before the verb is the verb's, so the first verb name is
// the verb even where it could be a flag's value: no flag of ours takes a verb's name.
func hoistVerb(args []string, isVerb func(string) bool) []string {
	if len(args) == 0 || !strings.HasPrefix(args[0], "-") {
		return args
	}
	for i, a := range args {
		if a == "--" {
			break
		}
		if isVerb(a) {
			return hoistAt(args, i)
		}
	}
	return args
}

func hoistAt(args []string, i int) []string {
	out := append([]string{args[i]}, args[:i]...)
	return append(out, args[i+1:]...)
}

// hoistVerb is hoistVerb for this App. With a Default, flags before the first word may
// be the Default's, so they are read with its flag set: a flag's value is never the verb
// (`pkg-pull -f list` reads the lock file list), and a word after a flag that only the
// Default takes is the Default's argument (`pkg-push --to ocidir://x init` pushes the
// directory init). A flag the Default does not know is a verb's: a word after it that
// names no verb is taken for its value.
func (a *App) hoistVerb(args []string) []string {
	isVerb := func(name string) bool { return a.lookup(name) != nil }
	if a.Default == nil {
		return hoistVerb(args, isVerb)
	}
	fs := newFlagSet("", a.Default)
	var defaultFlags []string // the leading flags the Default takes, as typed: "--to", "-f"
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" || arg == "-" || !strings.HasPrefix(arg, "-") {
			c := a.lookup(arg)
			if c == nil || slices.ContainsFunc(defaultFlags, func(flag string) bool { return !takesFlag(c, flag) }) {
				return args
			}
			return hoistAt(args, i)
		}
		flags, value, known := leadingFlag(fs, arg)
		defaultFlags = append(defaultFlags, flags...)
		if value || !known && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && !isVerb(args[i+1]) {
			i++ // its value
		}
	}
	return args
}

// leadingFlag reads one flag argument with fs: the flags it names as typed ("--to",
// "-f"; several for "-vf"), whether the next argument is its value, and whether fs knows
// every flag in it.
func leadingFlag(fs *pflag.FlagSet, arg string) (flags []string, value, known bool) {
	if long, ok := strings.CutPrefix(arg, "--"); ok {
		name, _, inline := strings.Cut(long, "=")
		f := fs.Lookup(name)
		if f == nil {
			return nil, false, false
		}
		return []string{"--" + name}, !inline && f.NoOptDefVal == "", true
	}
	for j := 1; j < len(arg); j++ {
		if arg[j] >= utf8.RuneSelf {
			return flags, false, false
		}
		f := fs.ShorthandLookup(arg[j : j+1])
		if f == nil {
			return flags, false, false
		}
		flags = append(flags, "-"+arg[j:j+1])
		if f.NoOptDefVal == "" {
			// The rest of the argument, if any, is the value: -fFILE, -f=FILE.
			return flags, j == len(arg)-1, true
		}
	}
	return flags, false, true
}

// takesFlag reports whether c (or, for a group, one of its subcommands) takes flag, as
// typed: "--to", "-f".
func takesFlag(c *Command, flag string) bool {
	if len(c.Subcommands) > 0 {
		return slices.ContainsFunc(c.Subcommands, func(sub *Command) bool { return takesFlag(sub, flag) })
	}
	fs := newFlagSet("", c)
	if name, ok := strings.CutPrefix(flag, "--"); ok {
		return fs.Lookup(name) != nil
	}
	return fs.ShorthandLookup(flag[1:]) != nil
}

// nearest is what a mistyped word probably meant among names (textdist.Nearest). Only
// a plain lower-case word qualifies: anything else is a default command's argument (a
// path, a reference).
func nearest(word string, names []string) []string {
	if strings.Trim(word, "abcdefghijklmnopqrstuvwxyz") != "" {
		return nil
	}
	return textdist.Nearest(word, names)
}

// unknownHint is the hint for a word that names none of names, which what calls
// "commands" or "subcommands": `did you mean "pkg-tap list"? (available commands: add,
// list, …)`, with path spelling a name as the user types it.
func unknownHint(word string, names []string, path func(string) string, what string) string {
	available := "available " + what + ": " + strings.Join(names, ", ")
	near := nearest(word, names)
	if len(near) == 0 {
		return available
	}
	quoted := make([]string, len(near))
	for i, name := range near {
		quoted[i] = strconv.Quote(path(name))
	}
	last := len(quoted) - 1
	suggestion := quoted[last]
	if last > 0 {
		suggestion = strings.Join(quoted[:last], ", ") + " or " + suggestion
	}
	return fmt.Sprintf("did you mean %s? (%s)", suggestion, available)
}

// isPath reports whether a default command's argument names something on disk.
func isPath(arg string) bool {
	_, err := os.Lstat(arg)
	return err == nil
}

func (a *App) unknownCommand(env *Env, word string) *UsageError {
	return &UsageError{
		Err:  fmt.Errorf("unknown command %q for %q", word, env.Inv.Prog),
		Prog: env.Inv.Prog,
		Hint: unknownHint(word, a.names(), env.Inv.CommandPath, "commands"),
	}
}

// areaVerbError refuses a verb of another area typed where prog's verb goes
// (`pkg-pull search hello`: AreaVerbs), with the command that does it as the user
// types it under inv, the arguments after it included when they need no quoting. It is
// nil for any other word.
func areaVerbError(inv Invocation, prog string, args []string) *UsageError {
	v, ok := AreaVerbs[args[0]]
	if !ok {
		return nil
	}
	command := inv.Sibling(v.Area) + " " + v.Verb
	if rest := args[1:]; len(rest) > 0 && !slices.ContainsFunc(rest, needsQuotes) {
		command += " " + strings.Join(rest, " ")
	} else if len(rest) > 0 {
		command += " ..."
	}
	return &UsageError{
		Err:  fmt.Errorf("unknown command %q for %q", args[0], prog),
		Prog: prog,
		Hint: v.Why + ": " + command,
	}
}

// needsQuotes reports whether a shell would read word as something else.
func needsQuotes(word string) bool {
	return word == "" || strings.Trim(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@^~=,+") != ""
}

// mistyped is unknownCommand for a word typed where the verb goes, with the App's own
// hint (`help WORD` does not get it: there the word was meant as a verb).
func (a *App) mistyped(env *Env, word string) error {
	err := a.unknownCommand(env, word)
	if a.TypoHint != nil {
		if hint := a.TypoHint(word); hint != "" {
			err.Hint += "; " + expand(hint, env.Inv.Prog)
		}
	}
	return err
}

func (a *App) runCommand(ctx context.Context, env *Env, c *Command, args []string) error {
	return a.runAt(ctx, env, c, env.Inv.CommandPath(c.Name), args)
}

// runAt runs c, typed by the user as path.
func (a *App) runAt(ctx context.Context, env *Env, c *Command, path string, args []string) error {
	if len(c.Subcommands) > 0 {
		return a.runGroup(ctx, env, c, path, args)
	}
	fs := newFlagSet(path, c)
	err := fs.Parse(args)
	help, _ := fs.GetBool("help")
	switch {
	case errors.Is(err, pflag.ErrHelp):
		help = true
	case err != nil:
		hint, err := flagError(err, fs)
		return &UsageError{Err: err, Prog: path, Usage: usageLine(path, c), Hint: hint}
	}
	if help {
		a.printCommandHelp(env.Stdout, path, c, fs)
		return nil
	}
	if c.NotYet {
		return &UsageError{
			Err:  fmt.Errorf("%q is not available yet in %s %s", path, a.Binary, ShortVersion()),
			Prog: path,
			Hint: "this verb is planned; see the project's open issues for its status",
		}
	}
	pos := fs.Args()
	if c.Args != nil {
		if err := c.Args(pos); err != nil {
			return &UsageError{Err: err, Prog: path, Usage: usageLine(path, c), Hint: fault.HintOf(err)}
		}
	}
	env.ArgsLenAtDash = fs.ArgsLenAtDash()
	env.Verbose, _ = fs.GetCount("verbose")
	start := time.Now()
	err = c.Run(ctx, env, pos)
	if err != nil {
		env.Debugf("%s failed after %s", path, time.Since(start).Round(time.Millisecond))
	} else {
		env.Debugf("%s done in %s", path, time.Since(start).Round(time.Millisecond))
	}
	var ue *UsageError
	var bad *badInput
	if err != nil && fault.KindOf(err) == fault.Usage && !errors.As(err, &ue) && !errors.As(err, &bad) {
		// A verb's own usage complaint (a missing --to) gets the usage line too.
		return &UsageError{Err: err, Prog: path, Usage: usageLine(path, c), Hint: fault.HintOf(err)}
	}
	return err
}

// verboseUsage is -v's help in every binary (docs/references.md#verbose-output).
const verboseUsage = "more detail on stderr: -v steps, timings and where credentials come from; -vv also every registry request"

// newFlagSet is c's flag set: its own flags and those every command takes (-h, -v).
func newFlagSet(path string, c *Command) *pflag.FlagSet {
	fs := pflag.NewFlagSet(path, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	if c.Flags != nil {
		c.Flags(fs)
	}
	fs.BoolP("help", "h", false, "show this help")
	fs.CountP("verbose", "v", verboseUsage)
	return fs
}

// runGroup dispatches to a subcommand, or prints the group's help.
func (a *App) runGroup(ctx context.Context, env *Env, c *Command, path string, args []string) error {
	names := make([]string, len(c.Subcommands))
	for i, sub := range c.Subcommands {
		names[i] = sub.Name
	}
	if len(args) == 0 {
		return &UsageError{
			Err:  fmt.Errorf("missing subcommand: %s", strings.Join(names, ", ")),
			Prog: path, Usage: path + " " + strings.Join(names, "|") + " ...",
		}
	}
	args = hoistVerb(args, func(name string) bool {
		return slices.ContainsFunc(c.Subcommands, func(sub *Command) bool { return sub.Name == name })
	})
	switch args[0] {
	case "-h", "--help", "help":
		a.printGroupHelp(env.Stdout, path, c)
		return nil
	}
	for _, sub := range c.Subcommands {
		if sub.Name == args[0] {
			return a.runAt(ctx, env, sub, path+" "+sub.Name, args[1:])
		}
	}
	return &UsageError{
		Err:  fmt.Errorf("unknown subcommand %q for %q", args[0], path),
		Prog: path,
		Hint: unknownHint(args[0], names, func(name string) string { return path + " " + name }, "subcommands"),
	}
}

func (a *App) printGroupHelp(w io.Writer, path string, c *Command) {
	if c.Short != "" {
		fmt.Fprintf(w, "%s: %s\n\n", path, c.Short)
	}
	if c.Long != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.Long))
	}
	names := make([]string, len(c.Subcommands))
	width := 0
	for i, sub := range c.Subcommands {
		names[i] = sub.Name
		width = max(width, len(sub.Name))
	}
	fmt.Fprintf(w, "Usage:\n  %s %s ... [flags]\n\nSubcommands:\n", path, strings.Join(names, "|"))
	for _, sub := range c.Subcommands {
		fmt.Fprintf(w, "  %-*s  %s\n", width, sub.Name, sub.Short)
	}
	if c.Example != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", indent(expand(c.Example, path)))
	}
	fmt.Fprintf(w, "\nUse \"%s SUBCOMMAND --help\" for the flags of each.\n", path)
}

func usageLine(path string, c *Command) string {
	use := path
	if c.Use != "" {
		use += " " + c.Use
	}
	return use + " [flags]"
}

func (a *App) printHelp(w io.Writer, inv Invocation) {
	fmt.Fprintf(w, "%s: %s\n\n", inv.Prog, a.Short)
	if a.Default != nil && a.Default.Long != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(a.Default.Long))
	}
	fmt.Fprintf(w, "Usage:\n")
	if a.Default != nil {
		fmt.Fprintf(w, "  %s\n", usageLine(inv.Prog, a.Default))
	}
	fmt.Fprintf(w, "  %s COMMAND [flags]\n\nCommands:\n", inv.Prog)
	width := 0
	for _, c := range a.all() {
		width = max(width, len(c.Name))
	}
	for _, c := range a.all() {
		short := c.Short
		if c.NotYet {
			short += " (not available yet)"
		}
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.Name, short)
	}
	example := a.Example
	if a.Default != nil && a.Default.Example != "" {
		example = a.Default.Example
	}
	if example != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", indent(expand(example, inv.Prog)))
	}
	// One flag set, so that the columns line up.
	fs := pflag.NewFlagSet(inv.Prog, pflag.ContinueOnError)
	fs.SortFlags = false
	if a.Default != nil && a.Default.Flags != nil {
		a.Default.Flags(fs)
	}
	fs.BoolP("help", "h", false, "show this help")
	fs.CountP("verbose", "v", verboseUsage+"; before or after the command")
	fs.Bool("version", false, "show the version")
	fmt.Fprintf(w, "\nFlags:\n%s", fs.FlagUsages())
	fmt.Fprintf(w, "\nUse \"%s COMMAND --help\" for more about a command.\n", inv.Prog)
}

func (a *App) printCommandHelp(w io.Writer, path string, c *Command, fs *pflag.FlagSet) {
	if c.Short != "" {
		fmt.Fprintf(w, "%s: %s\n\n", path, c.Short)
	}
	if c.NotYet {
		fmt.Fprintf(w, "This command is not available yet.\n\n")
	}
	if c.Long != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.Long))
	}
	fmt.Fprintf(w, "Usage:\n  %s\n", usageLine(path, c))
	if len(c.Aliases) > 0 {
		fmt.Fprintf(w, "\nAliases:\n  %s\n", strings.Join(append([]string{c.Name}, c.Aliases...), ", "))
	}
	if c.Example != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", indent(expand(c.Example, path)))
	}
	fmt.Fprintf(w, "\nFlags:\n%s", fs.FlagUsages())
}

func expand(example, prog string) string {
	return strings.ReplaceAll(strings.TrimSpace(example), "{prog}", prog)
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n")
}

// UsageError is a command-line mistake: it prints the usage line and exits 2.
type UsageError struct {
	Err   error
	Prog  string
	Usage string
	Hint  string
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error {
	return &fault.Error{Kind: fault.Usage, Err: e.Err, Hint: e.Hint}
}

// BadInput is a usage error (exit 2) about what the command read rather than how it
// was typed: a package.yaml that is not valid. It is printed with its hint and without
// the usage line, which would only distract from the file to fix.
func BadInput(err error, hint string) error {
	return &badInput{fault.New(fault.Usage, err, hint)}
}

type badInput struct{ err error }

func (b *badInput) Error() string { return b.err.Error() }
func (b *badInput) Unwrap() error { return b.err }

// Usagef is a usage error raised by a verb after flag parsing (a missing --to, say).
func Usagef(format string, args ...any) error {
	return fault.Errorf(fault.Usage, format, args...)
}

// PrintError writes "Error: …" once, then the usage line and a hint where they help.
// It never prints credentials: errors from lib/oci are built without them. Control
// characters are escaped (PrintableLines): an error quotes what registries, indexes
// and locks said, and a registry's error text may hold escape sequences.
func PrintError(w io.Writer, err error) {
	line := func(format string, args ...any) {
		fmt.Fprintln(w, PrintableLines(fmt.Sprintf(format, args...)))
	}
	line("Error: %s", err)
	var ue *UsageError
	if errors.As(err, &ue) {
		// The hint belongs to the error; the usage line is the general reminder.
		if ue.Hint != "" {
			line("Hint: %s", ue.Hint)
		}
		if ue.Usage != "" {
			line("Usage: %s", ue.Usage)
		}
		line("Run '%s --help' for usage.", ue.Prog)
		return
	}
	if hint := fault.HintOf(err); hint != "" {
		line("Hint: %s", hint)
	}
}

// ExactArgs requires n positional arguments, naming them in the error.
func ExactArgs(names ...string) func([]string) error {
	return func(args []string) error {
		if len(args) == len(names) {
			return nil
		}
		if len(names) == 0 {
			return fmt.Errorf("unexpected argument %q: this command takes no arguments", args[0])
		}
		if len(args) < len(names) {
			return fmt.Errorf("missing %s", strings.Join(names[len(args):], " and "))
		}
		return fmt.Errorf("unexpected argument %q: expected %s", args[len(names)], strings.Join(names, " "))
	}
}

// MinArgs requires at least n positional arguments, describing what is missing.
func MinArgs(n int, what string) func([]string) error {
	return func(args []string) error {
		if len(args) < n {
			return fmt.Errorf("missing %s", what)
		}
		return nil
	}
}

// Sorted returns the keys of m in order, for stable help text and errors.
func Sorted[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// isTerminal reports whether f is a character device (a TTY).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
