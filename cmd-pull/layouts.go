package main

import (
	"path/filepath"
	"strings"

	"longshore.dev/lib/api"
)

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
