package archive

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"longshore.dev/lib/fault"
)

// Limits bound what Unpack writes, so a decompression bomb stops at the limit.
type Limits struct {
	MaxBytes int64 // total bytes of file content
	MaxFiles int   // entries of any type
}

// DefaultLimits are generous for tools and small enough to stop a bomb early.
var DefaultLimits = Limits{MaxBytes: 4 << 30, MaxFiles: 1_000_000}

// Unpack extracts a gzip-compressed tar from r into dest, which must exist and be empty
// (a staging directory: the caller renames it into place once everything verified).
// Files are written read-only. Hostile entries are refused with a Verify fault.
func Unpack(r io.Reader, dest string, limits Limits) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fault.New(fault.Verify, fmt.Errorf("layer is not gzip: %w", err), "")
	}
	defer gz.Close()
	u := unpacker{dest: dest, limits: limits, links: map[string]bool{}, files: map[string]bool{}}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fault.New(fault.Verify, fmt.Errorf("reading layer: %w", err), "")
		}
		if err := u.entry(hdr, tr); err != nil {
			return err
		}
	}
	return nil
}

type unpacker struct {
	dest    string
	limits  Limits
	written int64
	count   int
	links   map[string]bool // symlinks created: nothing may be written through them
	files   map[string]bool // regular files created: hard link targets
}

func refuse(name, format string, args ...any) error {
	return fault.New(fault.Verify, fmt.Errorf("refusing archive entry %q: %s", name, fmt.Sprintf(format, args...)), "")
}

func (u *unpacker) entry(hdr *tar.Header, body io.Reader) error {
	u.count++
	if u.limits.MaxFiles > 0 && u.count > u.limits.MaxFiles {
		return fault.Errorf(fault.Verify, "archive holds more than %d entries (the limit)", u.limits.MaxFiles)
	}
	name, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if name == "." {
		return nil
	}
	if hdr.Mode&0o7000 != 0 {
		return refuse(hdr.Name, "setuid, setgid or sticky bit set")
	}
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if u.links[dir] {
			return refuse(hdr.Name, "path goes through the symlink %q", dir)
		}
	}
	if u.links[name] || u.files[name] {
		return refuse(hdr.Name, "duplicate entry")
	}
	target := filepath.Join(u.dest, filepath.FromSlash(name))
	switch hdr.Typeflag {
	case tar.TypeDir:
		return os.MkdirAll(target, 0o755)
	case tar.TypeReg:
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if u.limits.MaxBytes > 0 && hdr.Size > u.limits.MaxBytes-u.written {
			return fault.Errorf(fault.Verify, "archive expands beyond %d bytes (the limit) at %q", u.limits.MaxBytes, name)
		}
		if err := writeFile(target, body, hdr.Size, hdr.Mode&0o111 != 0); err != nil {
			return err
		}
		u.written += hdr.Size
		u.files[name] = true
		return nil
	case tar.TypeSymlink:
		if err := checkLink(name, hdr.Linkname); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		u.links[name] = true
		return os.Symlink(filepath.FromSlash(hdr.Linkname), target)
	case tar.TypeLink:
		linked, err := cleanName(hdr.Linkname)
		if err != nil {
			return err
		}
		if !u.files[linked] {
			return refuse(hdr.Name, "hard link to %q, which is not a file earlier in the archive", hdr.Linkname)
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		u.files[name] = true
		return os.Link(filepath.Join(u.dest, filepath.FromSlash(linked)), target)
	case tar.TypeXGlobalHeader:
		return nil
	}
	return refuse(hdr.Name, "entries of type %q (devices, fifos, …) are not allowed", string(hdr.Typeflag))
}

// cleanName refuses absolute paths and any path that climbs out of the root.
func cleanName(name string) (string, error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return "", refuse(name, "empty or invalid name")
	}
	if strings.HasPrefix(name, "/") || filepath.IsAbs(name) || strings.Contains(name, `\`) {
		return "", refuse(name, "absolute or non-portable path")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", refuse(name, "path escapes the package root")
		}
	}
	return path.Clean(name), nil
}

func writeFile(target string, body io.Reader, size int64, exec bool) error {
	mode := os.FileMode(0o444)
	if exec {
		mode = 0o555
	}
	f, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(body, size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n != size {
		return fault.Errorf(fault.Verify, "archive truncated in %q", target)
	}
	return os.Chmod(target, mode)
}
