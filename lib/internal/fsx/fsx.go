// Package fsx holds the small file-system questions several packages ask.
package fsx

import (
	"os"
	"path/filepath"
)

// FileOnPath returns p, or the nearest of its parents that exists, when that is not a
// directory (a regular file, say); "" otherwise. A command about to create a directory
// at p says "that is a file" instead of a raw ENOTDIR.
func FileOnPath(p string) string {
	for ; ; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err == nil {
			if st.IsDir() {
				return ""
			}
			return p
		}
		if filepath.Dir(p) == p {
			return ""
		}
	}
}
