package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/klauspost/pgzip"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/internal/diskio"
)

// Limits bound what Unpack writes, so a decompression bomb stops at the limit.
type Limits struct {
	MaxBytes int64 // total bytes of file content
	// MaxFiles bounds the files, directories and links made, the directories an entry
	// makes implicitly (the parents of a/b/c) included: lint counts them the same way.
	MaxFiles int
}

// DefaultLimits are generous for tools and small enough to stop a bomb early.
var DefaultLimits = Limits{MaxBytes: 4 << 30, MaxFiles: 1_000_000}

// Unpack extracts a tar compressed with c from r into dest, which must exist and be
// empty (a staging directory: the caller renames it into place once everything
// verified). Files are written read-only. Hostile entries are refused with a Verify
// fault. When Unpack returns, it no longer reads r: the caller may read on.
//
// Decompressing runs ahead on goroutines of its own (zstd frames on every core, pgzip's
// read-ahead for gzip), and small files are written by a few goroutines while the
// archive is read on: on most filesystems creating a file costs far more than its
// bytes, and creates proceed in parallel. Every check is made in archive order, before
// a file is handed on.
//
// A package of several layers is unpacked with a Tree instead: Unpack is a Tree of one.
func Unpack(r io.Reader, c Compression, dest string, limits Limits) error {
	t := NewTree(dest, limits)
	if err := t.Unpack(r, c); err != nil {
		return err
	}
	return t.Finish()
}

// Tree unpacks the layers of one package into dest, in order, as one archive: the
// limits count what every layer wrote, no layer may write through a symlink an
// earlier one made, and Finish checks the symlinks of all layers together. Layers
// unpacked one by one would let a second layer write through a symlink of the first,
// out of the tree, and each layer have the whole limit to itself.
type Tree struct {
	u unpacker
}

// NewTree returns a Tree that unpacks into dest, which must exist and be empty.
func NewTree(dest string, limits Limits) *Tree {
	folds := foldsCase(dest)
	return &Tree{unpacker{dest: dest, limits: limits, links: newSymlinks(folds), names: newSpellings(folds), files: map[string]bool{}, dirs: map[string]bool{dest: true}}}
}

// Unpack extracts one layer, compressed with c, from r, as the package-level Unpack
// does.
func (t *Tree) Unpack(r io.Reader, c Compression) error {
	z, err := NewDecompressor(r, c)
	if err != nil {
		return err
	}
	defer z.Close()
	u := &t.u
	u.writers = newFileWriters()
	err = u.read(tar.NewReader(z))
	if werr := u.writers.close(); err == nil {
		err = werr
	}
	return err
}

// Finish refuses a tree whose symlinks, followed through each other, lead outside it
// (see symlinks). Call it once every layer is unpacked, before the tree is trusted.
func (t *Tree) Finish() error {
	if name, why := t.u.links.leadsOut(); name != "" {
		l, _ := t.u.links.get(name)
		return refuse(name, "symlink to %q %s", l.target, why)
	}
	return nil
}

// NewDecompressor returns the tar stream of a layer compressed with c. Close it: it
// reads ahead on goroutines of its own until closed.
func NewDecompressor(r io.Reader, c Compression) (io.ReadCloser, error) {
	switch c {
	case Zstd:
		return newZstdReader(r), nil
	case Gzip:
		gz, err := pgzip.NewReader(r)
		if err != nil {
			return nil, fault.New(fault.Verify, fmt.Errorf("layer is not gzip: %w", err), "")
		}
		return gz, nil
	}
	return nil, fault.Errorf(fault.Verify, "unknown layer compression %q", c)
}

func (u *unpacker) read(tr *tar.Reader) error {
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fault.New(fault.Verify, fmt.Errorf("reading layer: %w", err), "")
		}
		if err := u.entry(hdr, tr); err != nil {
			return err
		}
		if err := u.writers.failed(); err != nil {
			return err
		}
	}
}

type unpacker struct {
	dest    string
	limits  Limits
	written int64
	count   int
	links   symlinks        // symlinks created: nothing may be written through them
	names   spellings       // every path made, parents included: one spelling per name
	files   map[string]bool // regular files created: hard link targets, never directories
	dirs    map[string]bool // directories known to exist
	writers *fileWriters
	bufs    [][]byte // a big file's buffers, for diskio.Writer
}

// smallFile is the size up to which a file's bytes are read into memory and written by
// one of the writer goroutines; bigger files are written in archive order.
const smallFile = 256 << 10

// fileWriters writes small files on a few goroutines. At most queueLen files wait, so
// memory stays under queueLen × smallFile.
type fileWriters struct {
	jobs    chan fileJob
	workers sync.WaitGroup
	pending sync.WaitGroup
	firstError
}

type fileJob struct {
	target string
	data   []byte
	exec   bool
}

const (
	writerCount = 4
	queueLen    = 64
)

func newFileWriters() *fileWriters {
	w := &fileWriters{jobs: make(chan fileJob, queueLen)}
	for range writerCount {
		w.workers.Go(func() {
			for job := range w.jobs {
				if w.failed() == nil {
					if err := writeFile(job.target, job.data, job.exec); err != nil {
						w.fail(err)
					}
				}
				w.pending.Done()
			}
		})
	}
	return w
}

func (w *fileWriters) add(job fileJob) {
	w.pending.Add(1)
	w.jobs <- job
}

// wait returns once every file handed on so far is written.
func (w *fileWriters) wait() error {
	w.pending.Wait()
	return w.failed()
}

// firstError keeps the first error any of several goroutines reports.
type firstError struct {
	mu  sync.Mutex
	err error
}

func (f *firstError) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *firstError) failed() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (w *fileWriters) close() error {
	close(w.jobs)
	w.workers.Wait()
	return w.failed()
}

// mkdirAll makes dir (under dest) once per archive. Every directory it makes counts
// against MaxFiles: an entry a/b/…/f makes all its parents, and an archive of a
// thousand entries 500 directories deep, each in a directory of its own, would
// otherwise make half a million directories under a limit of a thousand entries.
func (u *unpacker) mkdirAll(dir string) error {
	if u.dirs[dir] {
		return nil
	}
	made := 1
	for d := filepath.Dir(dir); !u.dirs[d]; d = filepath.Dir(d) {
		made++
	}
	if err := u.counted(made); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Its parents exist too: a file entry at one of them is a duplicate.
	u.dirs[dir] = true
	for d := filepath.Dir(dir); !u.dirs[d]; d = filepath.Dir(d) {
		u.dirs[d] = true
	}
	return nil
}

// counted counts n more files, directories or links against MaxFiles.
func (u *unpacker) counted(n int) error {
	u.count += n
	if u.limits.MaxFiles > 0 && u.count > u.limits.MaxFiles {
		return fault.Errorf(fault.Verify, "archive holds more than %d entries (the limit)", u.limits.MaxFiles)
	}
	return nil
}

const (
	// maxPath is the longest path, and symlink target, Linux takes (PATH_MAX less its
	// NUL); maxNameBytes the longest name of one file or directory any filesystem
	// takes (NAME_MAX). Longer ones are refused as such, not left to fail as a storage
	// error ("file name too long") that reads like a fault of the disk.
	maxPath      = 4095
	maxNameBytes = 255
	// maxShownName is how much of an entry's name a refusal quotes.
	maxShownName = 200
)

func refuse(name, format string, args ...any) error {
	shown := fmt.Sprintf("%q", name)
	if len(name) > maxShownName {
		shown = fmt.Sprintf("%q… (%d bytes)", name[:maxShownName], len(name))
	}
	return fault.New(fault.Verify, fmt.Errorf("refusing archive entry %s: %s", shown, fmt.Sprintf(format, args...)), "")
}

func (u *unpacker) entry(hdr *tar.Header, body io.Reader) error {
	// A directory counts when mkdirAll makes it: a repeated one makes nothing.
	if hdr.Typeflag != tar.TypeDir {
		if err := u.counted(1); err != nil {
			return err
		}
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
	if link, ok := u.links.through(path.Dir(name)); ok {
		return refuse(hdr.Name, "path goes through the symlink %q", link)
	}
	for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
		if u.files[dir] {
			return refuse(hdr.Name, "path goes through the file %q", dir)
		}
	}
	if mine, other, clash := u.names.add(name); clash {
		return refuse(hdr.Name, "%+q and the earlier %+q %s", mine, other, u.names.what(mine, other))
	}
	target := filepath.Join(u.dest, filepath.FromSlash(name))
	if len(target) > maxPath {
		return refuse(hdr.Name, "its path in the store is %d bytes long, more than the filesystem takes (%d)", len(target), maxPath)
	}
	if _, ok := u.links.get(name); ok || u.files[name] || (u.dirs[target] && hdr.Typeflag != tar.TypeDir) {
		return refuse(hdr.Name, "duplicate entry")
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		return u.mkdirAll(target)
	case tar.TypeReg:
		if err := u.mkdirAll(filepath.Dir(target)); err != nil {
			return err
		}
		if u.limits.MaxBytes > 0 && hdr.Size > u.limits.MaxBytes-u.written {
			return fault.Errorf(fault.Verify, "archive expands beyond %d bytes (the limit) at %q", u.limits.MaxBytes, name)
		}
		exec := hdr.Mode&0o111 != 0
		if hdr.Size <= smallFile {
			data := make([]byte, hdr.Size)
			if _, err := io.ReadFull(body, data); err != nil {
				return fault.Errorf(fault.Verify, "archive truncated in %q", name)
			}
			u.writers.add(fileJob{target: target, data: data, exec: exec})
		} else if err := u.writeBig(target, body, hdr.Size, exec); err != nil {
			return err
		}
		u.written += hdr.Size
		u.files[name] = true
		return nil
	case tar.TypeSymlink:
		if err := checkLink(name, hdr.Linkname); err != nil {
			return err
		}
		if len(hdr.Linkname) > maxPath {
			return refuse(hdr.Name, "symlink target of %d bytes: no filesystem holds more than %d", len(hdr.Linkname), maxPath)
		}
		if err := u.mkdirAll(filepath.Dir(target)); err != nil {
			return err
		}
		u.links.add(name, hdr.Linkname)
		return os.Symlink(filepath.FromSlash(hdr.Linkname), target)
	case tar.TypeLink:
		linked, err := cleanName(hdr.Linkname)
		if err != nil {
			return err
		}
		if !u.files[linked] {
			return refuse(hdr.Name, "hard link to %q, which is not a file earlier in the archive", hdr.Linkname)
		}
		if err := u.mkdirAll(filepath.Dir(target)); err != nil {
			return err
		}
		// The file linked to may still be with a writer.
		if err := u.writers.wait(); err != nil {
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
		if len(part) > maxNameBytes {
			return "", refuse(name, "a name of %d bytes in its path: no filesystem takes more than %d", len(part), maxNameBytes)
		}
	}
	return path.Clean(name), nil
}

func fileMode(exec bool) os.FileMode {
	if exec {
		return 0o555
	}
	return 0o444
}

// writeFile writes data to a new file at target and makes it read-only.
func writeFile(target string, data []byte, exec bool) error {
	f, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(fileMode(exec))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Big files are read in bigBuffer pieces: while one is written (straight to the disk,
// where the filesystem allows: lib/internal/diskio) the next is read from the archive.
const (
	bigBuffer  = 1 << 20
	bigBuffers = 4
)

// writeBig writes size bytes of body to a new file at target and makes it read-only.
func (u *unpacker) writeBig(target string, body io.Reader, size int64, exec bool) error {
	if u.bufs == nil {
		u.bufs = diskio.Buffers(bigBuffers, bigBuffer)
	}
	w, err := diskio.Create(target, 0o600, u.bufs)
	if err != nil {
		return err
	}
	for left := size; left > 0; {
		b, err := w.Next()
		if err != nil {
			w.Close()
			return err
		}
		n, err := io.ReadFull(body, b[:min(int64(len(b)), left)])
		w.Submit(b[:n])
		if err != nil {
			w.Close()
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return fault.Errorf(fault.Verify, "archive truncated in %q", target)
			}
			return err
		}
		left -= int64(n)
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.Chmod(target, fileMode(exec))
}
