package index

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/stream"
)

// Entry is a package read from an entry file, with where it came from.
type Entry struct {
	Package
	Source string // "entries/hello.yaml:1"
}

// entryKinds reads entry files.
var entryKinds = stream.Kinds{"IndexEntry": func() any { return new(api.IndexEntry) }}

// LoadEntries reads IndexEntry documents from path: a file (several documents allowed)
// or a directory tree (its *.yaml, *.yml and *.json files, in subdirectories too; names
// starting with '.' are skipped). Every entry is normalized and validated; a name
// defined twice is refused naming both places. Entries come back sorted by name.
func LoadEntries(path string) ([]Entry, error) {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fault.Errorf(fault.NotFound, "%s does not exist", path)
		}
		return nil, err
	}
	var files []string
	if !st.IsDir() {
		files = []string{path}
	} else {
		err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if p != path && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && isEntryFile(name) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
	}
	var entries []Entry
	seen := map[string]int{} // the index in entries of each name's entry
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		docs, err := stream.Decode(bytes.NewReader(data), file, entryKinds)
		if err != nil {
			return nil, fault.New(fault.Usage, err, "")
		}
		if err := stream.Unknown(docs, "IndexEntry"); err != nil {
			return nil, fault.New(fault.Usage, err, "an entry file holds kind: IndexEntry documents (docs/index-format.md)")
		}
		for _, d := range docs {
			p := FromEntry(d.Value.(*api.IndexEntry))
			if err := validateDoc(&p, d); err != nil {
				return nil, err
			}
			p.Normalize()
			if i, dup := seen[p.Name]; dup {
				first := entries[i]
				if !sameRepository(first.Repository, p.Repository) {
					// Not two halves of one entry: the package's versions are in two places.
					return nil, fault.New(fault.Usage,
						fmt.Errorf("package %s is defined twice, at two repositories: %s at %s and %s at %s", p.Name, first.Source, first.Repository, d.Source, p.Repository),
						"an index has one repository per package, where every version is installed from: list the versions in one entry at the repository that holds them all (copy them there first with crane copy or pkg-pull mirror)")
				}
				return nil, fault.New(fault.Usage,
					fmt.Errorf("package %s is defined twice: %s and %s", p.Name, first.Source, d.Source),
					"an index holds each package once: merge the two entries into one")
			}
			seen[p.Name] = len(entries)
			entries = append(entries, Entry{Package: p, Source: d.Source})
		}
	}
	if len(entries) == 0 {
		return nil, fault.New(fault.Usage, fmt.Errorf("%s holds no IndexEntry documents", path),
			"write one file per package with apiVersion: "+stream.APIVersion+", kind: IndexEntry (docs/index-format.md)")
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	return entries, nil
}

func isEntryFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// Packages returns the packages of entries.
func Packages(entries []Entry) []Package {
	out := make([]Package, len(entries))
	for i, e := range entries {
		out[i] = e.Package
	}
	return out
}

// FromEntry converts an IndexEntry document to a Package.
func FromEntry(e *api.IndexEntry) Package {
	p := Package{
		Name: e.Name, Repository: e.Repository, Description: e.Description,
		Homepage: e.Homepage, License: e.License, Keywords: slices.Clone(e.Keywords),
	}
	for _, v := range e.Versions {
		p.Versions = append(p.Versions, Version(v))
	}
	return p
}

// ToEntry converts p to an IndexEntry document (for printing, and for writing entry files).
func ToEntry(p Package) *api.IndexEntry {
	e := api.NewIndexEntry()
	e.Name, e.Repository, e.Description = p.Name, p.Repository, p.Description
	e.Homepage, e.License, e.Keywords = p.Homepage, p.License, slices.Clone(p.Keywords)
	for _, v := range p.Versions {
		e.Versions = append(e.Versions, api.IndexVersion(v))
	}
	return e
}
