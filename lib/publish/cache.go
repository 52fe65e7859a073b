package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"longshore.dev/lib/archive"
)

// The layer cache spares an unchanged re-push the compression, which is nearly all of a
// push's time: a 100 MiB package takes 0.5–1 s to compress on two cores, 0.08 s to tar
// and hash. Each entry maps the digest of a layer's uncompressed tar stream, and the exact
// compressor (archive.Compressor: format, library versions, level, block size), to the packed
// layer's digest and size, and keeps the packed bytes so that a registry lacking the
// blob can still be sent it. The tar stream is still produced and hashed on every push:
// that is the check that the content did not change, and nothing cheaper (mtimes,
// sizes) is trusted. The cached bytes are hashed again before use, and an entry that
// does not match what it claims is removed and the layer packed afresh, so a corrupt
// cache costs time, never a wrong digest.
//
// On disk, under the cache directory: NAME.json (the entry) and NAME.tar.gz (the
// layer, zstd or gzip: the name is older than zstd layers), where NAME is the hex SHA-256 of the compressor and the tar digest. Files are
// written under temporary names and renamed into place, the entry last, so concurrent
// pushes see whole entries or none. Using an entry refreshes its mtime; the least
// recently used entries go first when there are more than maxEntries or they hold more
// than maxBytes.
type layerCache struct {
	dir        string
	compressor string // archive.Compressor of what the pushes using it pack
	maxEntries int
	maxBytes   int64
}

const (
	cacheMaxEntries = 32
	cacheMaxBytes   = 2 << 30
	// A temporary file older than this was left by a push that died.
	cacheStaleTemp = time.Hour
)

// DefaultCacheDir is where pkg-push keeps packed layers: $XDG_CACHE_HOME/longshore/layers,
// else ~/.cache/longshore/layers; "" (no cache) when neither can be found.
func DefaultCacheDir(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	// The XDG spec says to ignore a relative XDG_CACHE_HOME.
	if x := getenv("XDG_CACHE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "longshore", "layers")
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if !filepath.IsAbs(home) {
		return ""
	}
	return filepath.Join(home, ".cache", "longshore", "layers")
}

func newLayerCache(dir string, c archive.Compression) *layerCache {
	if dir == "" {
		return nil
	}
	return &layerCache{dir: dir, compressor: archive.Compressor(c), maxEntries: cacheMaxEntries, maxBytes: cacheMaxBytes}
}

// cacheEntry is NAME.json.
type cacheEntry struct {
	Tar        digest.Digest `json:"tar"`
	Compressor string        `json:"compressor"`
	Layer      digest.Digest `json:"layer"`
	Size       int64         `json:"size"`
}

func (c *layerCache) name(tar digest.Digest) string {
	sum := sha256.Sum256([]byte(c.compressor + "\n" + tar.String()))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:]))
}

// get returns the layer packed from the tar stream with digest tar, linked (or copied)
// into dir under a new name, after checking its size and digest. ok is false when there
// is no usable entry; an entry that fails the check is removed.
func (c *layerCache) get(tar digest.Digest, dir string) (e cacheEntry, path string, ok bool) {
	name := c.name(tar)
	data, err := os.ReadFile(name + ".json")
	if err != nil {
		return e, "", false
	}
	if json.Unmarshal(data, &e) != nil || e.Tar != tar || e.Compressor != c.compressor || e.Layer.Validate() != nil {
		c.remove(name)
		return e, "", false
	}
	path, err = c.checkout(name+".tar.gz", dir, e)
	if err != nil {
		// A missing layer is a half-done eviction, or damage like a wrong one.
		if errors.Is(err, errDamaged) || errors.Is(err, fs.ErrNotExist) {
			c.remove(name)
		}
		return e, "", false
	}
	now := time.Now()
	_ = os.Chtimes(name+".json", now, now) // least recently used goes first
	return e, path, true
}

// errDamaged marks a cache entry whose layer is not what the entry says.
var errDamaged = errors.New("damaged layer cache entry")

// checkout links blob into dir (copying when it cannot be linked) and verifies the file
// it returns: the artifact uploads that file, so it is what must match e.
func (c *layerCache) checkout(blob, dir string, e cacheEntry) (string, error) {
	st, err := os.Stat(blob)
	if err != nil {
		return "", err
	}
	if st.Size() != e.Size {
		return "", fmt.Errorf("%w: %s has %d bytes, the entry says %d", errDamaged, blob, st.Size(), e.Size)
	}
	f, err := os.CreateTemp(dir, "layer-")
	if err != nil {
		return "", err
	}
	path := f.Name()
	f.Close()
	if err := os.Remove(path); err != nil {
		return "", err
	}
	if err := os.Link(blob, path); err != nil {
		if err := copyFile(blob, path); err != nil {
			os.Remove(path)
			return "", err
		}
	}
	if err := verifyFile(path, e.Layer, e.Size); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("%w: %w", errDamaged, err)
	}
	return path, nil
}

func verifyFile(path string, want digest.Digest, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	v := want.Verifier()
	n, err := io.Copy(v, f)
	if err != nil {
		return err
	}
	if n != size || !v.Verified() {
		return fmt.Errorf("%s does not match %s (%d bytes)", path, want, size)
	}
	return nil
}

// put records that the tar stream with digest tar packs to the layer at path. Errors
// leave the cache as it was (or without the entry); callers may ignore them, since the
// cache only saves time.
func (c *layerCache) put(tar digest.Digest, layer digest.Digest, size int64, path string) error {
	if size > c.maxBytes {
		return nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	name := c.name(tar)
	blob, err := c.tempName(filepath.Base(name) + ".tar.gz")
	if err != nil {
		return err
	}
	if err := os.Link(path, blob); err != nil {
		if err := copyFile(path, blob); err != nil {
			os.Remove(blob)
			return err
		}
	}
	if err := os.Rename(blob, name+".tar.gz"); err != nil {
		os.Remove(blob)
		return err
	}
	data, err := json.Marshal(cacheEntry{Tar: tar, Compressor: c.compressor, Layer: layer, Size: size})
	if err != nil {
		return err
	}
	if err := c.writeFile(name+".json", data); err != nil {
		return err
	}
	return c.evict()
}

// tempName returns an unused path in the cache directory for a file to be renamed to
// base, with a prefix evict recognizes.
func (c *layerCache) tempName(base string) (string, error) {
	f, err := os.CreateTemp(c.dir, ".tmp-"+base+"-")
	if err != nil {
		return "", err
	}
	path := f.Name()
	f.Close()
	return path, os.Remove(path)
}

func (c *layerCache) writeFile(path string, data []byte) error {
	tmp, err := c.tempName(filepath.Base(path))
	if err != nil {
		return err
	}
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// remove deletes an entry, the record first so that nobody finds it half gone.
func (c *layerCache) remove(name string) {
	os.Remove(name + ".json")
	os.Remove(name + ".tar.gz")
}

// evict removes the least recently used entries beyond the limits, layers with no entry
// (a push died between the two renames, or a remove was half done), and temporary files
// a dead push left behind.
func (c *layerCache) evict() error {
	dirents, err := os.ReadDir(c.dir)
	if err != nil {
		return err
	}
	type entry struct {
		name  string
		used  time.Time
		bytes int64
	}
	var entries []entry
	recorded := map[string]bool{}
	for _, d := range dirents {
		n := d.Name()
		info, err := d.Info()
		if err != nil {
			continue // removed meanwhile
		}
		switch {
		case strings.HasPrefix(n, ".tmp-"):
			if time.Since(info.ModTime()) > cacheStaleTemp {
				os.Remove(filepath.Join(c.dir, n))
			}
		case strings.HasSuffix(n, ".json"):
			name := strings.TrimSuffix(n, ".json")
			recorded[name] = true
			e := entry{name: name, used: info.ModTime()}
			if st, err := os.Stat(filepath.Join(c.dir, name+".tar.gz")); err == nil {
				e.bytes = st.Size()
			}
			entries = append(entries, e)
		}
	}
	for _, d := range dirents {
		// A layer younger than a stale temp file may be one whose record is being renamed
		// into place right now.
		if name, ok := strings.CutSuffix(d.Name(), ".tar.gz"); ok && !recorded[name] {
			if info, err := d.Info(); err == nil && time.Since(info.ModTime()) > cacheStaleTemp {
				os.Remove(filepath.Join(c.dir, d.Name()))
			}
		}
	}
	// Most recently used first; the name breaks ties so the order is stable.
	slices.SortFunc(entries, func(a, b entry) int {
		if c := b.used.Compare(a.used); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	var total int64
	for i, e := range entries {
		total += e.bytes
		if i >= c.maxEntries || total > c.maxBytes {
			c.remove(filepath.Join(c.dir, e.name))
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
