package publish

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"longshore.dev/lib/fault"
)

// layoutInContent finds the path, relative to content and slash-separated, that the
// push must leave out because it holds the ocidir:// layout being pushed to ("" when
// the layout is not inside content, or .pkgignore already leaves it out). Packing it
// would put each push's blobs into the next push's layer, so no re-push of unchanged
// content could ever give the same digest.
//
// The path is the layout itself, or its highest ancestor inside content that holds
// nothing else the content would pack (nothing, or only the way down to the layout):
// the first push creates those directories after packing, so packing them from the
// second push on would change the digest too. The layout need not exist yet.
func layoutInContent(content, layout string, skip func(rel string, isDir bool) bool) (string, error) {
	c, err := realPath(content)
	if err != nil {
		return "", err
	}
	l, err := realPath(layout)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(c, l)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", nil
	}
	if rel == "." {
		return "", fault.Errorf(fault.Usage, "the layout %s is the content directory %s itself: its files would mix with the package's; push to a directory inside or outside it", layout, content)
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	for i := 1; i < len(parts); i++ {
		dir := strings.Join(parts[:i], "/")
		if skip(dir, true) {
			return "", nil
		}
		entries, err := os.ReadDir(filepath.Join(content, filepath.FromSlash(dir)))
		if errors.Is(err, fs.ErrNotExist) {
			return dir, nil // the push creates it, holding only the layout
		}
		if err != nil {
			return "", err
		}
		only := true
		for _, e := range entries {
			if e.Name() != parts[i] && !skip(dir+"/"+e.Name(), e.IsDir()) {
				only = false
				break
			}
		}
		if only {
			return dir, nil
		}
	}
	rel = filepath.ToSlash(rel)
	if skip(rel, true) {
		return "", nil
	}
	return rel, nil
}

// realPath is p made absolute with symlinks resolved, as far as p exists: a layout
// named through a symlinked directory (or /tmp on macOS) is still found inside the
// package directory it really is in.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(real, rest), nil
		}
		if filepath.Dir(dir) == dir {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}

// under reports whether rel is path or inside it (both slash-separated).
func under(rel, path string) bool {
	return rel == path || strings.HasPrefix(rel, path+"/")
}
