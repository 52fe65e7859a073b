package main

import (
	"path/filepath"
	"strings"

	"longshore.dev/lib/api"
)

// A Lock may name a layout by a relative path (ocidir://./demo/hello): it is relative
// to the directory of the file the Lock was read from, as a path in a Cargo.toml is,
// so that a directory holding layouts and their lock (pkg-pull mirror --relative) can
// be carried anywhere. A Lock read from standard input is relative to the current
// directory.

// anchorLayouts makes the relative layout paths of lock absolute, against the
// directory of source (a stream.Doc's Source: "FILE:LINE", or "<stdin>:LINE").
func anchorLayouts(lock *api.Lock, source string) {
	file := source
	if i := strings.LastIndexByte(source, ':'); i > 0 {
		file = source[:i]
	}
	base := "."
	if file != "<stdin>" {
		base = filepath.Dir(file)
	}
	for i := range lock.Packages {
		p := &lock.Packages[i]
		if rel, ok := strings.CutPrefix(p.Repository, "ocidir://"); ok && !filepath.IsAbs(rel) {
			if abs, err := filepath.Abs(filepath.Join(base, rel)); err == nil {
				p.Repository = "ocidir://" + abs
			}
		}
	}
}

// relativeLayouts writes the layout repositories of lock under dir relative to dir
// (ocidir://./NAME), for a lock saved in dir.
func relativeLayouts(lock *api.Lock, dir string) {
	for i := range lock.Packages {
		p := &lock.Packages[i]
		abs, ok := strings.CutPrefix(p.Repository, "ocidir://")
		if !ok {
			continue
		}
		if rel, err := filepath.Rel(dir, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			p.Repository = "ocidir://./" + filepath.ToSlash(rel)
		}
	}
}
