package cli

import (
	"errors"
	"io/fs"

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
