package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/gc"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
)

// rootFlags are the extra roots collect and why share.
type rootFlags struct {
	keep  bool
	files cli.FileFlags
}

func (r *rootFlags) addTo(fs *pflag.FlagSet) {
	fs.BoolVar(&r.keep, "keep", false, "keep what the -f documents name: Lock, Installed or PackageRef documents")
	r.files.AddTo(fs)
}

// args is check, with a hint for what a user of --keep without -f meant: `--keep
// FILE`, the file taken for an argument.
func (r *rootFlags) args(check func([]string) error) func([]string) error {
	return func(args []string) error {
		err := check(args)
		if err != nil && r.keep && len(r.files.Paths) == 0 && len(args) > 0 {
			return fault.New(fault.Usage, err, "--keep takes its files with -f: --keep -f "+args[0])
		}
		return err
	}
}

// read returns the --keep documents. A file that keeps nothing is a warning, or with
// refuseEmpty (a collection that removes) an error: the empty file a failed
// `pkg-dep resolve … > keep.yaml` leaves would let it remove what it was meant to keep.
func (r *rootFlags) read(env *cli.Env, refuseEmpty bool) (gc.Options, error) {
	switch {
	case r.keep && len(r.files.Paths) == 0:
		return gc.Options{}, cli.Usagef("--keep needs -f FILE: the Lock, Installed or PackageRef documents to keep")
	case !r.keep && len(r.files.Paths) > 0:
		return gc.Options{}, cli.Usagef("-f documents are extra roots here: say so with --keep -f FILE")
	case !r.keep:
		return gc.Options{}, nil
	}
	if count(r.files.Paths, "-") > 1 {
		_, err := r.files.Read(env, api.Kinds) // the usage error for stdin read twice
		return gc.Options{}, err
	}
	// Each file on its own, to say which one keeps nothing: an empty keep.yaml left by a
	// failed `pkg-dep resolve … > keep.yaml` would otherwise let the collection remove
	// what it was meant to keep, without a word.
	var docs []stream.Doc
	for _, path := range r.files.Paths {
		one := cli.FileFlags{Paths: []string{path}}
		got, err := one.Read(env, api.Kinds)
		if err != nil {
			return gc.Options{}, err
		}
		if why := gc.KeepsNothing(got); why != "" {
			if refuseEmpty {
				return gc.Options{}, fault.New(fault.Usage, fmt.Errorf("--keep -f %s keeps nothing: %s", path, why),
					"the collection would remove what the file was meant to keep: write the file again (or look with --dry-run), or drop it from --keep")
			}
			env.Warnf("--keep -f %s keeps nothing: %s", path, why)
		}
		docs = append(docs, got...)
	}
	return gc.Options{Keep: docs}, nil
}

func count(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}

type collectOptions struct {
	roots          rootFlags
	dryRun         bool
	maxAge         string
	register       string
	unregister     string
	listRegistered bool
	output         *cli.OutputFlags
}

func newCollectCmd() *cli.Command {
	o := &collectOptions{output: cli.NewOutputFlags(cli.Table, cli.YAML, cli.JSON)}
	return &cli.Command{
		Short: "collect the local store",
		Use:   "[--dry-run] [--keep -f FILE] [--max-age AGE] | --register FILE | --unregister FILE | --list-registered",
		Long: `Marks what the roots reach and removes everything else from the local store
($LONGSHORE_HOME): package trees, blobs, links in bin/ that lead into removed trees, and
staging that interrupted commands left in tmp/. The roots are every package recorded in
installed.yaml (explicit, dependency and patch companion), the documents given with
--keep -f, and the lock files registered with --register (--list-registered lists
them). A --keep or --register file that keeps nothing, such as the empty file a failed
'pkg-dep resolve … > FILE' leaves, is refused, and so is a collection while a
registered file is gone or keeps nothing: write it again, or forget it with
--unregister (a --dry-run only warns).

It is safe at any time, from cron or CI: it waits for running installs to finish
(saying so after a second; Ctrl-C stops the wait at once), and installs started
meanwhile wait for it. A collection stopped at any point leaves a store that the next
collection and the next install handle. It never removes anything outside
$LONGSHORE_HOME, whatever a link inside it leads to.

--dry-run prints the plan a real run executes; -o yaml prints it as a GCReport.`,
		Example: `# what would go, and why
{prog} --dry-run -o yaml

# collect, keeping what a project's lock names although it is not installed
{prog} --keep -f tools.lock.yaml

# keep a project's lock in every later collection; list what is registered
{prog} --register ./tools.lock.yaml
{prog} --list-registered

# also remove old staging and unused tap-cache blobs
{prog} --max-age 7d`,
		Flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&o.dryRun, "dry-run", false, "print what would be removed; remove nothing")
			o.roots.addTo(fs)
			fs.StringVar(&o.maxAge, "max-age", "", "also remove other tmp/ entries and tap-cache leftovers older than `AGE` (7d, 36h, 1d12h)")
			fs.StringVar(&o.register, "register", "", "make `FILE` (a lock) a root of every later collection; collect nothing")
			fs.StringVar(&o.unregister, "unregister", "", "forget `FILE`, registered with --register; collect nothing")
			fs.BoolVar(&o.listRegistered, "list-registered", false, "print the files registered with --register, one per line, and warn of those that keep nothing; collect nothing")
			o.output.AddTo(fs)
		},
		Args: o.roots.args(cli.ExactArgs()),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			return runCollect(ctx, env, o)
		},
	}
}

// readStore is the store for what only reads it (why, --unregister, --list-registered):
// a home that does not exist is empty, and is not created.
func readStore(env *cli.Env) (*store.Store, error) {
	home, err := store.DefaultHome(env.Getenv)
	if err != nil {
		return nil, err
	}
	return &store.Store{Home: home}, nil
}

func openStore(env *cli.Env) (*store.Store, error) {
	home, err := store.DefaultHome(env.Getenv)
	if err != nil {
		return nil, err
	}
	return store.Open(home)
}

func runCollect(ctx context.Context, env *cli.Env, o *collectOptions) error {
	format, err := o.output.Format(env)
	if err != nil {
		return err
	}
	if o.register != "" || o.unregister != "" || o.listRegistered {
		return runRegister(env, o)
	}
	opts, err := o.roots.read(env, !o.dryRun)
	if err != nil {
		return err
	}
	opts.DryRun = o.dryRun
	opts.Debugf = env.Debugf
	opts.Logf = env.Infof
	if o.maxAge != "" {
		if opts.MaxAge, err = gc.ParseAge(o.maxAge); err != nil {
			return cli.Usagef("%v", err)
		}
	}
	report, err := collect(ctx, env, opts)
	if err != nil {
		return err
	}
	for _, w := range report.Warnings {
		env.Warnf("%s", w)
	}
	switch format {
	case cli.YAML:
		// What stream.WriteYAML prints, without yaml.v3's memory per item.
		return gc.WriteYAML(env.Stdout, report)
	case cli.JSON:
		return cli.Print(env.Stdout, format, []any{report}, cli.Columns{})
	}
	if err := cli.Print(env.Stdout, format, summaryRows(report), summaryColumns(report.DryRun)); err != nil {
		return err
	}
	if env.Verbose > 0 && len(report.Items) > 0 {
		fmt.Fprintln(env.Stdout)
		docs := make([]any, len(report.Items))
		for i := range report.Items {
			docs[i] = &report.Items[i]
		}
		return cli.Print(env.Stdout, format, docs, itemColumns)
	}
	return nil
}

// collect runs the collection; a home that does not exist holds nothing to collect,
// and is not created for it.
func collect(ctx context.Context, env *cli.Env, opts gc.Options) (*api.GCReport, error) {
	home, err := store.DefaultHome(env.Getenv)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(home); errors.Is(err, fs.ErrNotExist) {
		report := api.NewGCReport()
		report.DryRun = opts.DryRun
		report.Items = []api.GCItem{}
		env.Debugf("%s does not exist: nothing to collect", home)
		return report, nil
	}
	s, err := store.Open(home)
	if err != nil {
		return nil, err
	}
	return gc.Collect(ctx, s, opts)
}

func runRegister(env *cli.Env, o *collectOptions) error {
	given := 0
	for _, set := range []bool{o.register != "", o.unregister != "", o.listRegistered} {
		if set {
			given++
		}
	}
	if given > 1 {
		return cli.Usagef("--register, --unregister and --list-registered: give one of them")
	}
	if o.dryRun || o.roots.keep || o.maxAge != "" {
		return cli.Usagef("--register, --unregister and --list-registered only register or list: run the collection on its own")
	}
	if o.listRegistered {
		if o.output.Output != "" {
			return cli.Usagef("--list-registered prints one file per line: drop -o")
		}
		s, err := readStore(env)
		if err != nil {
			return err
		}
		return listRegistered(env, s)
	}
	if o.unregister != "" {
		s, err := readStore(env)
		if err != nil {
			return err
		}
		abs, err := gc.Unregister(s, o.unregister)
		if err != nil {
			return err
		}
		env.Infof("Unregistered %s", abs)
		return nil
	}
	s, err := openStore(env)
	if err != nil {
		return err
	}
	abs, err := gc.Register(s, o.register)
	if err != nil {
		return err
	}
	env.Infof("Registered %s: every collection keeps what it names while it exists", abs)
	return nil
}

// listRegistered prints the registered files on stdout, one per line, and on stderr
// what a collection would say of them; a file that would stop a collection is the
// error, after the list.
func listRegistered(env *cli.Env, s *store.Store) error {
	files, warnings, err := gc.Registered(s)
	for _, f := range files {
		fmt.Fprintln(env.Stdout, f)
	}
	for _, w := range warnings {
		env.Warnf("%s", w)
	}
	if err == nil && len(files) == 0 {
		env.Infof("No file is registered: pkg-gc --register FILE makes a lock a root of every collection")
	}
	return err
}

// summaryRow is one line of the table: a kind of item, how many went and how many
// stayed.
type summaryRow struct {
	kind    string
	removed int
	bytes   int64
	kept    string
}

var summaryKinds = []string{api.GCTree, api.GCBlob, api.GCLink, api.GCTmp, api.GCIndexCache}

func summaryRows(r *api.GCReport) []any {
	rows := map[string]*summaryRow{}
	for _, k := range summaryKinds {
		rows[k] = &summaryRow{kind: k}
	}
	rows[api.GCTree].kept = strconv.Itoa(r.Kept.Trees)
	rows[api.GCBlob].kept = strconv.Itoa(r.Kept.Blobs)
	rows[api.GCLink].kept = strconv.Itoa(r.Kept.Links)
	total := &summaryRow{kind: "total"}
	for _, it := range r.Items {
		if row := rows[it.Kind]; row != nil {
			row.removed++
			row.bytes += it.Bytes
		}
		total.removed++
		total.bytes += it.Bytes
	}
	var out []any
	for _, k := range summaryKinds {
		out = append(out, rows[k])
	}
	total.kept = fmt.Sprintf("%d roots", r.Kept.Roots)
	return append(out, total)
}

func summaryColumns(dryRun bool) cli.Columns {
	removed, freed := "REMOVED", "FREED"
	if dryRun {
		removed, freed = "WOULD REMOVE", "WOULD FREE"
	}
	return cli.Columns{
		Headers: []string{"KIND", removed, freed, "KEPT"},
		Row: func(doc any) []string {
			r := doc.(*summaryRow)
			return []string{r.kind, strconv.Itoa(r.removed), progress.Bytes(r.bytes), r.kept}
		},
	}
}

var itemColumns = cli.Columns{
	Headers: []string{"KIND", "PATH", "BYTES", "REASON"},
	Row: func(doc any) []string {
		it := doc.(*api.GCItem)
		return []string{it.Kind, it.Path, progress.Bytes(it.Bytes), it.Reason}
	},
}
