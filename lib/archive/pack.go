// Package archive turns a directory into a reproducible compressed tar layer (zstd or
// gzip) and back, and
// refuses hostile archives on the way back: paths escaping the root, links out of it,
// device files, setuid bits, and more bytes or files than the limits allow.
package archive

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"longshore.dev/lib/fault"
)

// PackOptions control Pack.
type PackOptions struct {
	// ModTime is written as every entry's mtime (SOURCE_DATE_EPOCH, the commit time, or
	// the Unix epoch): the host's clock never reaches the archive.
	ModTime time.Time
	// Skip excludes a path (slash-separated, relative to the root) and, for a directory,
	// everything below it.
	Skip func(rel string, isDir bool) bool
	// Compression is what Pack compresses with; empty means DefaultCompression.
	Compression Compression
}

// PackStats describes what Pack wrote.
type PackStats struct {
	Files int
	Dirs  int
	Links int
	Bytes int64 // uncompressed content bytes
}

// Pack writes root as a compressed tar to w: Tar's stream through NewCompressor. The
// same tree and options always give the same bytes.
func Pack(root string, w io.Writer, opts PackOptions) (PackStats, error) {
	z := NewCompressor(w, opts.Compression)
	stats, err := Tar(root, z, opts)
	if cerr := z.Close(); err == nil {
		err = cerr
	}
	return stats, err
}

// Tar writes root as an uncompressed tar to w, the stream Pack compresses: entries in
// lexical order, fixed mtimes, uid/gid 0 with no names, modes normalized to 0755/0644,
// no host metadata (atime, ctime, xattrs). Its digest identifies the content, so a
// caller can find out whether a tree changed without compressing it.
func Tar(root string, w io.Writer, opts PackOptions) (PackStats, error) {
	var stats PackStats
	folds := foldsCase(root)
	links, names := newSymlinks(folds), newSpellings(folds)
	tw := tar.NewWriter(w)
	mtime := opts.ModTime.UTC()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if opts.Skip != nil && opts.Skip(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		// What pkg-pull refuses (two spellings of one name) is refused here first.
		if mine, other, clash := names.add(rel); clash {
			return fault.Errorf(fault.Verify, "%+q and %+q %s; pkg-pull refuses a package that holds both: rename one, or leave it out (.pkgignore)", other, mine, names.what(mine, other))
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: rel, ModTime: mtime, Format: tar.FormatPAX}
		switch mode := info.Mode(); {
		case mode.IsDir():
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, rel+"/", 0o755
			stats.Dirs++
		case mode.IsRegular():
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o644, info.Size()
			if mode&0o111 != 0 {
				hdr.Mode = 0o755
			}
			stats.Files++
			stats.Bytes += info.Size()
		case mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := checkLink(rel, target); err != nil {
				return err
			}
			hdr.Typeflag, hdr.Linkname, hdr.Mode = tar.TypeSymlink, filepath.ToSlash(target), 0o777
			links.add(rel, hdr.Linkname)
			stats.Links++
		default:
			return fault.Errorf(fault.Verify, "%s: %s files cannot be packaged; remove it or list it in .pkgignore", rel, fileType(mode))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if hdr.Typeflag == tar.TypeReg {
			return copyFile(tw, p, info.Size())
		}
		return nil
	})
	if err != nil {
		return stats, err
	}
	// What pkg-pull refuses (Tree.Finish) is refused here first, naming the link.
	if name, why := links.leadsOut(); name != "" {
		l, _ := links.get(name)
		return stats, fault.Errorf(fault.Verify, "%s: symlink to %q %s", name, l.target, why)
	}
	return stats, tw.Close()
}

// copyBuffers hold the buffers copyFile reads into: 256 KiB reads make a tenth of the
// system calls of io.Copy's 32 KiB for big files, and a pool keeps small files from
// paying for the allocation.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

func copyFile(w io.Writer, p string, size int64) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	// The header promised size bytes: a file that grows or shrinks meanwhile is an error,
	// not a corrupt archive.
	n, err := io.CopyBuffer(w, io.LimitReader(f, size), *buf)
	if err != nil {
		return fmt.Errorf("reading %s: %w", p, err)
	}
	if n != size {
		return fmt.Errorf("%s changed size while being packed", p)
	}
	return nil
}

// checkLink refuses a symlink whose target is absolute or leaves the root.
func checkLink(name, target string) error {
	if target == "" {
		return fault.Errorf(fault.Verify, "%s: empty symlink target", name)
	}
	if path.IsAbs(filepath.ToSlash(target)) || filepath.IsAbs(target) {
		return fault.Errorf(fault.Verify, "%s: symlink to absolute path %q points outside the package", name, target)
	}
	resolved := path.Join(path.Dir(name), filepath.ToSlash(target))
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		return fault.Errorf(fault.Verify, "%s: symlink to %q points outside the package", name, target)
	}
	return nil
}

func fileType(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeDevice != 0 && mode&fs.ModeCharDevice != 0:
		return "character device"
	case mode&fs.ModeDevice != 0:
		return "block device"
	case mode&fs.ModeNamedPipe != 0:
		return "named pipe"
	case mode&fs.ModeSocket != 0:
		return "socket"
	}
	return "special"
}
