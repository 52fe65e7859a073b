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
	"longshore.dev/lib/oci"
	"longshore.dev/lib/patch"
	"longshore.dev/lib/ref"
)

func newPatchCmd() *cli.Command {
	var forName, to string
	var registry cli.RegistryFlags
	output := cli.NewOutputFlags()
	return &cli.Command{
		Name:  "patch",
		Short: "publish a patch descriptor to a patch registry",
		Use:   "FILE --for NAME --to PATCH_REGISTRY",
		Long: `Publishes FILE, a PatchDescriptor, to PATCH_REGISTRY/NAME:patches, where
'pkg-dep patch sync' finds it for installed packages named NAME. --for _global publishes
rules that may match any package. Each rule matches packages by name glob, version
constraint and platform glob, and adds companion packages (a CA bundle, proxy settings)
that are installed and composed right after the package they patch. See docs/patches.md.

Prints what it published, a PatchPublished document: the package the rules patch, the
repository, the tag (patches), the digest and how many rules it holds; a table on a
terminal, yaml otherwise, -o name patchpublished/REPOSITORY:patches.`,
		Example: `# add the corporate CA bundle to every hello 1.x
{prog} hello-patches.yaml --for hello --to registry.corp.example/patches

# rules for any package, in a local layout
{prog} global.yaml --for _global --to ocidir://./patches

# the digest now tagged, for a change record
{prog} hello-patches.yaml --for hello --to registry.corp.example/patches -o json | jq -r .digest`,
		Flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&forName, "for", "", "the package the rules patch, or _global (required)")
			fs.StringVar(&to, "to", "", "the patch registry: REGISTRY[/PATH] or ocidir://PATH (required)")
			output.AddTo(fs)
			registry.AddTo(fs)
		},
		Args: cli.ExactArgs("FILE"),
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			if err := patchFlagsMissing(forName, to); err != nil {
				return err
			}
			format, err := output.Format(env)
			if err != nil {
				return err
			}
			data, err := readDescriptor(args[0])
			if err != nil {
				return err
			}
			d, err := patch.Parse(data, args[0], forName)
			if err != nil {
				return err
			}
			r, err := ref.ParseArtifact(patch.Repository(to, forName))
			if err != nil {
				return cli.Usagef("--to %s: %w", ref.Redact(to), err)
			}
			if r.Tag != "" || r.Digest != "" {
				return cli.Usagef("--to %s: give the registry (and path) only; descriptors are tagged %q", ref.Redact(to), patch.Tag)
			}
			opts := registry.Options(env)
			opts.Create = true
			t, err := oci.Open(ctx, r, opts)
			if err != nil {
				return err
			}
			defer t.Close()
			res, err := patch.Push(ctx, t, d)
			if err != nil {
				return err
			}
			if res.Unchanged {
				env.Infof("%s:%s already holds these rules (%s)", r.Locator(), patch.Tag, res.Digest)
			} else if len(d.Rules) == 0 {
				env.Infof("Published no rules for %s to %s:%s (%s): the rules published before are withdrawn once clients run `pkg-dep patch sync`", forName, r.Locator(), patch.Tag, res.Digest)
			} else {
				env.Infof("Published %s for %s to %s:%s (%s)", plural(len(d.Rules), "rule"), forName, r.Locator(), patch.Tag, res.Digest)
			}
			doc := api.NewPatchPublished()
			doc.Descriptor, doc.Repository, doc.Tag, doc.Digest, doc.Rules = forName, t.Ref.Locator(), patch.Tag, res.Digest, len(d.Rules)
			return cli.Print(env.Stdout, format, []any{doc}, patchPublishedColumns)
		},
	}
}

var patchPublishedColumns = cli.Columns{
	Headers: []string{"DESCRIPTOR", "REPOSITORY", "TAG", "RULES", "DIGEST"},
	Row: func(doc any) []string {
		p := doc.(*api.PatchPublished)
		return []string{p.Descriptor, p.Repository, p.Tag, strconv.Itoa(p.Rules), p.Digest}
	},
}

// readDescriptor reads the PatchDescriptor file, saying what is wrong with path in the
// user's words rather than os.ReadFile's ("open x.yaml: no such file or directory").
func readDescriptor(path string) ([]byte, error) {
	const hint = "give the file of the PatchDescriptor to publish (docs/patches.md describes it)"
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, fault.New(fault.NotFound, fmt.Errorf("%s: no such file", path), hint)
	}
	if st, statErr := os.Stat(path); statErr == nil && st.IsDir() {
		return nil, fault.New(fault.Usage, fmt.Errorf("%s is a directory, not a PatchDescriptor file", path), hint)
	}
	return nil, fmt.Errorf("reading %s: %w", path, err)
}

// patchFlagsMissing names exactly the required flags that are missing.
func patchFlagsMissing(forName, to string) error {
	switch {
	case forName == "" && to == "":
		return cli.Usagef("--for and --to are required: which package the rules patch, and the patch registry")
	case forName == "":
		return cli.Usagef("--for is required: which package the rules patch (a package name, or _global)")
	case to == "":
		return cli.Usagef("--to is required: the patch registry, REGISTRY[/PATH] or ocidir://PATH")
	}
	return nil
}
