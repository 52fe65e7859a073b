package publish

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/archive"
	"longshore.dev/lib/artifact"
)

var cacheFiles = map[string]string{"bin/hello": "#!/bin/sh\necho hello\n", "share/data.txt": strings.Repeat("some data\n", 5000)}

// layerOf returns the artifact's single layer.
func layerOf(t *testing.T, a *Artifact) ocispec.Descriptor {
	t.Helper()
	for _, d := range a.Blobs {
		if _, ok := artifact.LayerCompression(d.MediaType); ok {
			return d
		}
	}
	t.Fatal("no layer")
	return ocispec.Descriptor{}
}

// entries returns the cache's entry names (without extension).
func entries(t *testing.T, dir string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(m, ".json"))
	}
	return names
}

// checkLayerFile fails unless the file the artifact would upload for d has d's digest.
func checkLayerFile(t *testing.T, a *Artifact, d ocispec.Descriptor) {
	t.Helper()
	if err := verifyFile(a.files[d.Digest], d.Digest, d.Size); err != nil {
		t.Fatalf("the artifact would upload a wrong layer: %v", err)
	}
}

func TestLayerCacheHitReusesThePackedLayer(t *testing.T) {
	t.Parallel()
	dir := writePackage(t, manifest, cacheFiles)
	cacheDir := filepath.Join(t.TempDir(), "layers")
	uncached := layerOf(t, build(t, dir, Options{}))
	if _, err := os.Stat(cacheDir); !os.IsNotExist(err) {
		t.Fatalf("a build without CacheDir touched the cache: %v", err)
	}

	first := build(t, dir, Options{CacheDir: cacheDir})
	if got := layerOf(t, first); got.Digest != uncached.Digest || got.Size != uncached.Size {
		t.Fatalf("with the cache the layer is %s (%d bytes), without %s (%d)", got.Digest, got.Size, uncached.Digest, uncached.Size)
	}
	names := entries(t, cacheDir)
	if len(names) != 1 {
		t.Fatalf("cache entries after one build: %v", names)
	}

	second := build(t, dir, Options{CacheDir: cacheDir})
	layer := layerOf(t, second)
	if layer.Digest != uncached.Digest || second.Root.Desc.Digest != first.Root.Desc.Digest {
		t.Fatalf("the second build packed %s (root %s), the first %s (root %s)", layer.Digest, second.Root.Desc.Digest, uncached.Digest, first.Root.Desc.Digest)
	}
	// The layer came from the cache, not from compressing again: it is the cached file.
	a, err := os.Stat(second.files[layer.Digest])
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.Stat(names[0] + ".tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(a, b) {
		t.Error("the second build's layer is not the cached one")
	}
	checkLayerFile(t, second, layer)
	// Removing the artifact's temp dir leaves the cache whole.
	second.Close()
	if _, err := os.Stat(names[0] + ".tar.gz"); err != nil {
		t.Errorf("closing the artifact removed the cached layer: %v", err)
	}
}

// pkg-push -v says whether each layer came from the cache or was packed: an unchanged
// re-push that takes as long as the first is a cache that is not working.
func TestLayerCacheSaysHitAndMiss(t *testing.T) {
	t.Parallel()
	dir := writePackage(t, manifest, cacheFiles)
	cacheDir := filepath.Join(t.TempDir(), "layers")
	said := func(opts Options) string {
		var lines []string
		opts.Debugf = func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
		build(t, dir, opts).Close()
		return strings.Join(lines, "\n")
	}
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"no cache", Options{}, "no layer cache: every layer is packed again"},
		{"miss", Options{CacheDir: cacheDir}, "packed (sha256:"},
		{"hit", Options{CacheDir: cacheDir}, "from the layer cache (sha256:"},
	} {
		got := said(tc.opts)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: said %q, want %q", tc.name, got, tc.want)
		}
		if tc.name == "miss" && !strings.Contains(got, "the layer cache ("+cacheDir+") had none") {
			t.Errorf("a miss does not name the cache: %q", got)
		}
	}
}

// The compression is part of the key: a gzip push of content the cache holds as zstd
// packs it again, as gzip, and each build gets the layer of its own media type.
func TestLayerCacheKeepsCompressionsApart(t *testing.T) {
	t.Parallel()
	dir := writePackage(t, manifest, cacheFiles)
	cacheDir := t.TempDir()
	want := map[archive.Compression]ocispec.Descriptor{}
	for _, c := range archive.Compressions {
		want[c] = layerOf(t, build(t, dir, Options{Compression: c}))
		if want[c].MediaType != artifact.LayerMediaType(c) {
			t.Fatalf("%s build: layer media type %q", c, want[c].MediaType)
		}
	}
	if want[archive.Zstd].Digest == want[archive.Gzip].Digest {
		t.Fatal("zstd and gzip packed the same bytes")
	}
	for range 2 {
		for _, c := range archive.Compressions {
			a := build(t, dir, Options{Compression: c, CacheDir: cacheDir})
			if got := layerOf(t, a); got.Digest != want[c].Digest || got.MediaType != want[c].MediaType {
				t.Fatalf("%s build with the cache: layer %s %s, want %s %s", c, got.MediaType, got.Digest, want[c].MediaType, want[c].Digest)
			}
			checkLayerFile(t, a, want[c])
		}
	}
	if names := entries(t, cacheDir); len(names) != 2 {
		t.Fatalf("cache entries: %v, want one per compression", names)
	}
}

func TestLayerCacheMissesWhenContentChanges(t *testing.T) {
	t.Parallel()
	dir := writePackage(t, manifest, cacheFiles)
	cacheDir := t.TempDir()
	before := layerOf(t, build(t, dir, Options{CacheDir: cacheDir}))
	// Same size, same mtime, one byte different: only the content tells.
	p := filepath.Join(dir, "share", "data.txt")
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	changed := []byte(cacheFiles["share/data.txt"])
	changed[100] = 'X'
	if err := os.WriteFile(p, changed, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	after := layerOf(t, build(t, dir, Options{CacheDir: cacheDir}))
	if after.Digest == before.Digest {
		t.Fatal("changed content reused the cached layer")
	}
	if want := layerOf(t, build(t, dir, Options{})); after.Digest != want.Digest {
		t.Fatalf("changed content packed to %s with the cache, %s without", after.Digest, want.Digest)
	}
	if n := len(entries(t, cacheDir)); n != 2 {
		t.Errorf("%d cache entries, want 2 (before and after the change)", n)
	}
}

// A damaged entry must never give a wrong digest or a layer that does not match it: it
// is dropped and the layer packed again.
func TestLayerCacheDetectsCorruptEntries(t *testing.T) {
	t.Parallel()
	other := writePackage(t, manifest, map[string]string{"bin/hello": "#!/bin/sh\necho other\n"})
	otherLayer := layerOf(t, build(t, other, Options{}))
	tests := []struct {
		name    string
		corrupt func(t *testing.T, name string)
	}{
		{"byte flipped", func(t *testing.T, name string) {
			data := readFile(t, name+".tar.gz")
			data[len(data)/2] ^= 0xff
			writeFile(t, name+".tar.gz", data)
		}},
		{"truncated", func(t *testing.T, name string) {
			if err := os.Truncate(name+".tar.gz", 10); err != nil {
				t.Fatal(err)
			}
		}},
		{"layer missing", func(t *testing.T, name string) {
			if err := os.Remove(name + ".tar.gz"); err != nil {
				t.Fatal(err)
			}
		}},
		{"entry not JSON", func(t *testing.T, name string) { writeFile(t, name+".json", []byte("{")) }},
		{"entry names another layer", func(t *testing.T, name string) {
			// The claim is consistent (digest and size of a real layer), the bytes are not it.
			var e cacheEntry
			if err := json.Unmarshal(readFile(t, name+".json"), &e); err != nil {
				t.Fatal(err)
			}
			e.Layer = otherLayer.Digest
			data, _ := json.Marshal(e)
			writeFile(t, name+".json", data)
		}},
		{"layer replaced by another", func(t *testing.T, name string) {
			var e cacheEntry
			if err := json.Unmarshal(readFile(t, name+".json"), &e); err != nil {
				t.Fatal(err)
			}
			data := make([]byte, e.Size) // right size, wrong bytes
			writeFile(t, name+".tar.gz", data)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writePackage(t, manifest, cacheFiles)
			cacheDir := t.TempDir()
			want := layerOf(t, build(t, dir, Options{CacheDir: cacheDir}))
			names := entries(t, cacheDir)
			if len(names) != 1 {
				t.Fatalf("cache entries: %v", names)
			}
			tt.corrupt(t, names[0])
			a := build(t, dir, Options{CacheDir: cacheDir})
			got := layerOf(t, a)
			if got.Digest != want.Digest || got.Size != want.Size {
				t.Fatalf("after the damage the layer is %s (%d bytes), want %s (%d)", got.Digest, got.Size, want.Digest, want.Size)
			}
			checkLayerFile(t, a, got)
			// The entry was replaced by a good one.
			if err := verifyFile(names[0]+".tar.gz", want.Digest, want.Size); err != nil {
				t.Errorf("the damaged entry is still there: %v", err)
			}
		})
	}
}

func TestLayerCacheEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "layer")
	writeFile(t, src, []byte(strings.Repeat("x", 100)))
	layer := digest.FromBytes(readFile(t, src))
	c := &layerCache{dir: t.TempDir(), compressor: archive.Compressor(archive.Zstd), maxEntries: 3, maxBytes: 350}
	tars := make([]digest.Digest, 5)
	for i := range tars {
		tars[i] = digest.FromString(string(rune('a' + i)))
	}
	// put stamps the entry with the current time; set ages explicitly so the test does
	// not depend on the file system's timestamp resolution.
	age := func(i int, ago time.Duration) {
		t.Helper()
		when := time.Now().Add(-ago)
		if err := os.Chtimes(c.name(tars[i])+".json", when, when); err != nil {
			t.Fatal(err)
		}
	}
	has := func(i int) bool {
		_, err := os.Stat(c.name(tars[i]) + ".json")
		return err == nil
	}
	for i := range 3 {
		if err := c.put(tars[i], layer, 100, src); err != nil {
			t.Fatal(err)
		}
		age(i, time.Duration(10-i)*time.Minute) // 0 is the oldest
	}
	// Using 0 makes 1 the least recently used.
	if _, path, ok := c.get(tars[0], t.TempDir()); !ok {
		t.Fatal("entry 0 missing")
	} else if err := verifyFile(path, layer, 100); err != nil {
		t.Fatal(err)
	}
	if err := c.put(tars[3], layer, 100, src); err != nil {
		t.Fatal(err)
	}
	if has(1) || !has(0) || !has(2) || !has(3) {
		t.Errorf("over maxEntries: have 0:%v 1:%v 2:%v 3:%v, want 1 evicted", has(0), has(1), has(2), has(3))
	}
	if _, err := os.Stat(c.name(tars[1]) + ".tar.gz"); !os.IsNotExist(err) {
		t.Errorf("the evicted entry's layer is still there: %v", err)
	}
	// A bigger layer pushes the total over maxBytes: the oldest entries go until it fits.
	big := filepath.Join(t.TempDir(), "big")
	writeFile(t, big, []byte(strings.Repeat("y", 200)))
	age(0, 3*time.Minute)
	age(2, 2*time.Minute)
	age(3, time.Minute)
	if err := c.put(tars[4], digest.FromBytes(readFile(t, big)), 200, big); err != nil {
		t.Fatal(err)
	}
	if has(0) || has(2) || !has(3) || !has(4) {
		t.Errorf("over maxBytes: have 0:%v 2:%v 3:%v 4:%v, want 3 and 4", has(0), has(2), has(3), has(4))
	}
	// A layer bigger than the whole cache is not kept at all.
	if err := c.put(tars[0], layer, 1000, src); err != nil {
		t.Fatal(err)
	}
	if has(0) {
		t.Error("a layer over maxBytes was cached")
	}
	// What a dead push left behind goes once it is old; a young file may be a live
	// push's, so it stays.
	old := time.Now().Add(-2 * cacheStaleTemp)
	leftovers := map[string]bool{".tmp-x.tar.gz-1": true, "dead.tar.gz": true, ".tmp-y.json-2": false, "young.tar.gz": false}
	for name, stale := range leftovers {
		p := filepath.Join(c.dir, name)
		writeFile(t, p, []byte("x"))
		if stale {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := c.evict(); err != nil {
		t.Fatal(err)
	}
	for name, stale := range leftovers {
		if _, err := os.Stat(filepath.Join(c.dir, name)); os.IsNotExist(err) != stale {
			t.Errorf("%s: removed %v, want %v", name, os.IsNotExist(err), stale)
		}
	}
	if !has(3) || !has(4) {
		t.Error("cleaning up leftovers removed an entry")
	}
}

func TestLayerCacheThatCannotBeWrittenOnlyCostsTime(t *testing.T) {
	t.Parallel()
	dir := writePackage(t, manifest, cacheFiles)
	notADir := filepath.Join(t.TempDir(), "file")
	writeFile(t, notADir, []byte("x"))
	a := build(t, dir, Options{CacheDir: filepath.Join(notADir, "layers")})
	if want := layerOf(t, build(t, dir, Options{})); layerOf(t, a).Digest != want.Digest {
		t.Fatalf("got %s, want %s", layerOf(t, a).Digest, want.Digest)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u"}, "/x/cache/longshore/layers"},
		{map[string]string{"XDG_CACHE_HOME": "relative", "HOME": "/home/u"}, "/home/u/.cache/longshore/layers"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.cache/longshore/layers"},
	}
	for _, tt := range tests {
		if got := DefaultCacheDir(func(k string) string { return tt.env[k] }); got != filepath.FromSlash(tt.want) {
			t.Errorf("DefaultCacheDir(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
