package cli

import (
	"errors"
	"io/fs"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/stream"
)

// FileFlags is the -f/--filename group: documents to read, in the YAML stream of
// docs/yaml-stream.md.
type FileFlags struct {
	Paths []string
}

// AddTo registers -f on fs.
func (f *FileFlags) AddTo(flags *pflag.FlagSet) {
	flags.StringArrayVarP(&f.Paths, "filename", "f", nil,
		"read documents from FILE (repeatable; - for stdin; a directory reads its *.yaml, *.yml and *.json)")
}

// Read decodes every document named by -f.
func (f *FileFlags) Read(env *Env, kinds stream.Kinds) ([]stream.Doc, error) {
	docs, err := stream.ReadFiles(f.Paths, env.Stdin, kinds)
	if err != nil && fault.KindOf(err) == fault.Unknown && !errors.Is(err, fs.ErrNotExist) {
		// Malformed input is the caller's to fix, like a bad flag.
		return nil, fault.New(fault.Usage, err, "")
	}
	return docs, err
}

// PlatformVar registers --platform, a platform os/arch[/variant] or "any", on fs. The
// value is checked as the flags are parsed, so that every verb refuses "linux" or
// "linux/amd64/v8/x" alike, with the usage line, before it reads or resolves anything.
func PlatformVar(fs *pflag.FlagSet, p *string, usage string) {
	fs.Var((*platformValue)(p), "platform", usage)
	CompleteValues(fs, "platform", Platforms...)
}

type platformValue string

func (v *platformValue) String() string { return string(*v) }

// Type is what help shows after the flag's name: a string, as for any other.
func (v *platformValue) Type() string { return "string" }

func (v *platformValue) Set(s string) error {
	parts := strings.Split(s, "/")
	if s != "" && s != "any" && (len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "")) {
		return errors.New("not os/arch[/variant]: write e.g. linux/amd64 or linux/arm64/v8, or any")
	}
	*v = platformValue(s)
	return nil
}
