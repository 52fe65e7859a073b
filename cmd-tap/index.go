package main

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/index"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

func newIndexCmd() *cli.Command {
	return &cli.Command{
		Name:  "index",
		Short: "build or update an index and publish it",
		Use:   "build|add ...",
		Long: `An index is the metadata-only OCI artifact a tap points at: for every package its
repository, description and keywords, and for every version its digest, platforms and
dependencies (docs/index-format.md).`,
		Example: `# publish a package and add it to an index
pkg-push ./hello --to localhost:5000/org/hello -o yaml | {prog} add -f - --to localhost:5000/org/index

# build an index from a directory of IndexEntry files (a reviewed community index)
{prog} build ./entries --to ghcr.io/org/index`,
		Subcommands: []*cli.Command{newIndexBuildCmd(), newIndexAddCmd()},
	}
}

// indexTarget is the --to flag and the registry flags of both subverbs.
type indexTarget struct {
	to       string
	registry cli.RegistryFlags
	output   *cli.OutputFlags
}

func (o *indexTarget) addTo(fs *pflag.FlagSet) {
	fs.StringVar(&o.to, "to", "", "the index: REGISTRY/REPO[:TAG] or ocidir://PATH[:TAG] (tag default \"latest\"; required)")
	o.output.AddTo(fs)
	o.registry.AddTo(fs)
}

// open parses --to and opens the index repository, creating a missing local layout.
func (o *indexTarget) open(ctx context.Context, env *cli.Env) (*oci.Target, string, error) {
	if o.to == "" {
		return nil, "", cli.Usagef("--to is required: the index to publish, e.g. --to localhost:5000/org/index or --to ocidir://./registry/index")
	}
	r, err := ref.ParseArtifact(o.to)
	if err != nil {
		return nil, "", cli.Usagef("--to: %w", err)
	}
	if r.Digest != "" {
		return nil, "", cli.Usagef("--to %s: an index is published to a tag, not a digest", o.to)
	}
	tag := r.Tag
	if tag == "" {
		tag = index.DefaultTag
	}
	opts := o.registry.Options(env)
	opts.Create = true
	t, err := oci.Open(ctx, r, opts)
	if err != nil {
		return nil, "", err
	}
	return t, tag, nil
}

func (o *indexTarget) print(env *cli.Env, t *oci.Target, res *index.PublishResult) error {
	format, err := o.output.Format(env)
	if err != nil {
		return err
	}
	doc := api.NewIndexPublished()
	doc.Repository, doc.Digest, doc.Tag = t.Ref.Locator(), res.Digest, res.Tag
	doc.Packages, doc.Versions, doc.Added = res.Packages, res.Versions, res.Added
	return cli.Print(env.Stdout, format, []any{doc}, cli.Columns{
		Headers: []string{"REPOSITORY", "TAG", "PACKAGES", "VERSIONS", "DIGEST"},
		Row: func(doc any) []string {
			p := doc.(*api.IndexPublished)
			return []string{p.Repository, p.Tag, strconv.Itoa(p.Packages), strconv.Itoa(p.Versions), p.Digest}
		},
	})
}

func newIndexBuildCmd() *cli.Command {
	o := &indexTarget{output: cli.NewOutputFlags()}
	return &cli.Command{
		Name:  "build",
		Short: "build an index from a directory of entry files and publish it",
		Use:   "DIR --to REF",
		Long: `Reads every IndexEntry document under DIR (*.yaml, *.yml and *.json files, in
subdirectories too), checks them (valid names, semantic versions, repositories that are
references, platforms with Go's names, dependencies written as in package.yaml, an
http(s) homepage, an SPDX licence, each package once; an index in a registry takes no
ocidir:// entries), and publishes exactly those packages as the index at REF,
replacing what was there: the directory is the whole truth, and entries "index add"
put in the index's entry log before the build do not come back. The same entries
always give the same shards.

A dependency by name that no entry defines is a warning, not an error: consumers
look a bare name up in their other taps too, so it may come from another index.
Whether a ref: dependency's repository or a TAP/NAME's tap exists is not checked.`,
		Example: `{prog} ./entries --to ghcr.io/org/index
{prog} ./entries --to ocidir://./registry/index:stable`,
		Flags: o.addTo,
		Args:  cli.ExactArgs("DIR"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			if _, err := o.output.Format(env); err != nil {
				return err
			}
			entries, err := index.LoadEntries(args[0])
			if err != nil {
				return err
			}
			t, tag, err := o.open(ctx, env)
			if err != nil {
				return err
			}
			defer t.Close()
			res, err := index.Publish(ctx, t, tag, index.Packages(entries), index.PublishOptions{Logf: env.Debugf})
			if err != nil {
				return err
			}
			env.Infof("Published index %s:%s (%s): %s, %s", t.Ref.Locator(), tag, res.Digest,
				plural(res.Packages, "package"), plural(res.Versions, "version"))
			warnUnlisted(env, res.Unlisted, "add an entry for it")
			return o.print(env, t, res)
		},
	}
}

func newIndexAddCmd() *cli.Command {
	o := &indexTarget{output: cli.NewOutputFlags()}
	var files cli.FileFlags
	var move bool
	return &cli.Command{
		Name:  "add",
		Short: "add or replace entries from Published documents and publish",
		Use:   "-f FILE --to REF",
		Long: `Reads Published documents (what "pkg-push … -o yaml" prints) and IndexEntry documents
and adds them to the index at REF: each version carried replaces the same version, other
versions stay, metadata the document sets replaces the old, and a yanked version stays
yanked. Every document is checked as "index build" checks entries, before anything is
pushed. Changes go through the index's append-only entry log, so two publishers adding
to the same index at once both keep their entries. A missing index is created.

A dependency by name that the index does not list is a warning, as for "index
build".

An index has one repository per package: an add that would change a package's
repository while the index lists versions it does not carry is refused (exit 5), as
those versions would be installed from the new repository. Publish to the package's
repository, or pass --move-repository once they are in the new one too (crane copy,
pkg-pull mirror).`,
		Example: `pkg-push ./hello --to localhost:5000/org/hello -o yaml | {prog} -f - --to localhost:5000/org/index
{prog} -f published/ --to ocidir://./registry/index`,
		Flags: func(fs *pflag.FlagSet) {
			files.AddTo(fs)
			o.addTo(fs)
			fs.BoolVar(&move, "move-repository", false, "let a package's repository change while the index lists versions of it that are not added: they were copied to the new repository too (crane copy, pkg-pull mirror), and are installed from there")
		},
		Args: cli.ExactArgs(),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			if _, err := o.output.Format(env); err != nil {
				return err
			}
			if len(files.Paths) == 0 {
				return cli.Usagef("-f is required: the Published documents to add (-f - reads standard input)")
			}
			if o.to == "" {
				_, _, err := o.open(ctx, env)
				return err
			}
			docs, err := files.Read(env, api.Kinds)
			if err != nil {
				return err
			}
			changes, err := index.Changes(docs)
			if err != nil {
				return err
			}
			t, tag, err := o.open(ctx, env)
			if err != nil {
				return err
			}
			defer t.Close()
			res, err := index.Add(ctx, t, tag, changes, index.PublishOptions{Logf: env.Debugf, MoveRepository: move})
			if err != nil {
				return err
			}
			env.Infof("%s index %s:%s (%s): %s, %s", addSummary(res), t.Ref.Locator(), tag,
				res.Digest, plural(res.Packages, "package"), plural(res.Versions, "version"))
			for _, u := range res.Updated {
				env.Infof("%s", updateSummary(u))
			}
			warnUnlisted(env, res.Unlisted, "publish it and add it (pkg-push DIR --to REPO -o yaml | pkg-tap index add -f - --to "+o.to+")")
			return o.print(env, t, res)
		},
	}
}

// addSummary says what index add did to each version it carried, up to the index it
// went into: "Added hello@2.0.0 to", or with versions the index had already "Added
// hello@2.0.0; replaced hello@1.1.0; left hello@1.0.0 unchanged in" (re-adding a
// version to yank it replaces it; re-adding it as it is leaves it unchanged).
func addSummary(res *index.PublishResult) string {
	var parts []string
	if len(res.New) > 0 {
		parts = append(parts, "added "+strings.Join(res.New, ", "))
	}
	if len(res.Replaced) > 0 {
		parts = append(parts, "replaced "+strings.Join(res.Replaced, ", "))
	}
	if len(res.Unchanged) > 0 {
		parts = append(parts, "left "+strings.Join(res.Unchanged, ", ")+" unchanged")
	}
	var unknown []string // merged by a concurrent add: no telling which
	for _, nv := range res.Added {
		if !slices.Contains(res.New, nv) && !slices.Contains(res.Replaced, nv) && !slices.Contains(res.Unchanged, nv) {
			unknown = append(unknown, nv)
		}
	}
	if len(unknown) > 0 {
		parts = append(parts, "added or replaced "+strings.Join(unknown, ", "))
	}
	to := " in"
	if len(res.Replaced)+len(res.Unchanged) == 0 {
		to = " to"
	}
	msg := strings.Join(parts, "; ") + to
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// updateSummary says what index add changed about a package besides its versions:
// "Moved hello from A to B, with hello@0.1.0, hello@0.2.0 (now installed from there
// too); updated its description", or "Updated hello's description, keywords".
func updateSummary(u index.PackageUpdate) string {
	fields := slices.DeleteFunc(slices.Clone(u.Fields), func(f string) bool { return f == "repository" })
	if u.From == "" {
		return "Updated " + u.Name + "'s " + strings.Join(fields, ", ")
	}
	msg := "Moved " + u.Name + " from " + u.From + " to " + u.To
	if len(u.Moved) > 0 {
		msg += ", with " + listSome(u.Moved) + " (now installed from there too)"
	}
	if len(fields) > 0 {
		msg += "; updated its " + strings.Join(fields, ", ")
	}
	return msg
}

// listSome joins items with commas: the first five of them, and how many more.
func listSome(items []string) string {
	const most = 5
	if len(items) <= most {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:most], ", ") + " and " + strconv.Itoa(len(items)-most) + " more"
}

// warnUnlisted warns about the dependencies by name the index does not list: consumers
// that have no other tap with them cannot install the versions that need them. fix is
// how to add one to the index.
func warnUnlisted(env *cli.Env, unlisted []index.Unlisted, fix string) {
	for _, u := range unlisted {
		verb, them := "depends", "it"
		if len(u.By) > 1 {
			verb, them = "depend", "them"
		}
		env.Warnf("%s %s on %s, which the index does not list: installing %s needs another tap that has %s; if %s belongs in this index, %s",
			listSome(u.By), verb, u.Name, them, u.Name, u.Name, fix)
	}
}
