package stream

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"longshore.dev/lib/fault"
)

// fileHint tells the user what -f accepts.
const fileHint = "-f takes a file, a directory (its *.yaml, *.yml and *.json files are read), or - for standard input"

// ReadFiles decodes the documents named by -f flags, in order: "-" is stdin (at
// most once), a directory is every *.yaml, *.yml and *.json file directly in it
// (sorted by name; hidden files and subdirectories are skipped), anything else a
// file. No paths give no documents: defaulting to stdin is the caller's choice.
// A missing file is a fault.NotFound error that wraps fs.ErrNotExist.
func ReadFiles(paths []string, stdin io.Reader, kinds Kinds) ([]Doc, error) {
	seenStdin := false
	for _, p := range paths {
		switch p {
		case "":
			return nil, fault.New(fault.Usage, errors.New("-f: empty file name"), fileHint)
		case "-":
			if seenStdin {
				return nil, fault.New(fault.Usage,
					errors.New("-f -: standard input can be read only once"),
					"give -f - at most once")
			}
			seenStdin = true
		}
	}
	var docs []Doc
	for _, p := range paths {
		var got []Doc
		var err error
		switch p {
		case "-":
			if stdin == nil {
				return nil, errors.New("-f -: no standard input")
			}
			got, err = Decode(stdin, stdinName, kinds)
		default:
			got, err = readPath(p, kinds)
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, got...)
	}
	return docs, nil
}

func readPath(path string, kinds Kinds) ([]Doc, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if !info.IsDir() {
		return readFile(path, kinds)
	}
	entries, err := os.ReadDir(path) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("-f %s: %w", path, err)
	}
	var docs []Doc
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !isStreamFile(name) {
			continue
		}
		file := filepath.Join(path, name)
		if e.Type()&fs.ModeSymlink != 0 || !e.Type().IsRegular() {
			info, err := os.Stat(file) // follow a symlink; skip what is not a file
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
		}
		got, err := readFile(file, kinds)
		if err != nil {
			return nil, err
		}
		docs = append(docs, got...)
	}
	return docs, nil
}

func isStreamFile(name string) bool {
	switch filepath.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func readFile(path string, kinds Kinds) ([]Doc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	return Decode(f, path, kinds)
}

// openError phrases a failure to open a -f path.
func openError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fault.New(fault.NotFound, &pathError{msg: fmt.Sprintf("-f %s: file not found", path), err: err}, fileHint)
	}
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err // "-f x: permission denied", not "-f x: open x: permission denied"
	}
	return fmt.Errorf("-f %s: %w", path, err)
}

// pathError has a message of its own and wraps the *fs.PathError behind it.
type pathError struct {
	msg string
	err error
}

func (e *pathError) Error() string { return e.msg }
func (e *pathError) Unwrap() error { return e.err }
