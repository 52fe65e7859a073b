package index

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
)

// Snapshot is a cached index, read from disk on demand: Open reads the manifest and
// config, Lookup one shard, All every shard. Safe for concurrent use.
type Snapshot struct {
	dir    string
	digest string
	stats  Config
	shards map[string]ocispec.Descriptor // by key

	mu     sync.Mutex
	loaded map[string][]Package
}

// Open reads a cache written by Fetch or WriteCache (no network).
func Open(cacheDir string) (*Snapshot, error) {
	st, err := readState(cacheDir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fault.New(fault.NotFound, fmt.Errorf("no cached index in %s", cacheDir), "update the tap first")
		}
		return nil, fault.New(fault.Verify, fmt.Errorf("reading the cached index: %w", err), "update the tap again to refetch it")
	}
	d := digest.Digest(st.Digest)
	m, err := readManifest(cacheDir, d, "index cache "+cacheDir)
	if err != nil {
		return nil, fault.Hinted(fmt.Errorf("reading the cached index: %w", err), "update the tap again to refetch it")
	}
	cdata, err := readBlob(cacheDir, m.Config)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{dir: cacheDir, digest: st.Digest, shards: map[string]ocispec.Descriptor{}, loaded: map[string][]Package{}}
	if err := json.Unmarshal(cdata, &s.stats); err != nil {
		return nil, fault.Errorf(fault.Verify, "index cache %s: config: %v", cacheDir, err)
	}
	for _, l := range m.Layers {
		s.shards[l.Annotations[ShardAnnotation]] = l
	}
	return s, nil
}

// readBlob reads a cached blob and verifies it.
func readBlob(cacheDir string, d ocispec.Descriptor) ([]byte, error) {
	data, err := os.ReadFile(blobPath(cacheDir, d.Digest))
	if err != nil {
		return nil, fault.New(fault.Verify, fmt.Errorf("index cache %s: blob %s: %w", cacheDir, d.Digest, err), "update the tap again to refetch it")
	}
	if int64(len(data)) != d.Size || digest.FromBytes(data) != d.Digest {
		// An update refetches a blob that is missing or of the wrong size, but does not
		// hash what it has (an unchanged update stays cheap): same-size damage needs the
		// file gone first.
		hint := "update the tap again to refetch it"
		if int64(len(data)) == d.Size {
			hint = fmt.Sprintf("remove %s, then update the tap again to refetch it", blobPath(cacheDir, d.Digest))
		}
		return nil, fault.New(fault.Verify, fmt.Errorf("index cache %s: blob %s does not match its digest", cacheDir, d.Digest), hint)
	}
	return data, nil
}

// Digest is the cached index manifest's digest.
func (s *Snapshot) Digest() string { return s.digest }

// Stats are the index's package and version counts (from its config, no shard read).
func (s *Snapshot) Stats() (packages, versions int) { return s.stats.Packages, s.stats.Versions }

// Lookup returns the package called name, reading only its shard.
func (s *Snapshot) Lookup(name string) (*Package, bool, error) {
	pkgs, err := s.shard(ShardKey(name))
	if err != nil {
		return nil, false, err
	}
	i := sort.Search(len(pkgs), func(i int) bool { return pkgs[i].Name >= name })
	if i < len(pkgs) && pkgs[i].Name == name {
		p := pkgs[i]
		p.Versions = slices.Clone(p.Versions)
		return &p, true, nil
	}
	return nil, false, nil
}

// All returns every package, sorted by name (reads every shard).
func (s *Snapshot) All() ([]Package, error) {
	keys := make([]string, 0, len(s.shards))
	for k := range s.shards {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var all []Package
	for _, k := range keys {
		pkgs, err := s.shard(k)
		if err != nil {
			return nil, err
		}
		all = append(all, pkgs...)
	}
	slices.SortFunc(all, func(a, b Package) int { return strings.Compare(a.Name, b.Name) })
	return all, nil
}

// Containing returns the packages that list one of digests ("sha256:…") as a
// version's digest or a platform's, sorted by name, with only those versions. Like All
// it reads every shard, but it decodes only the shards whose bytes hold one of the
// digests: decoding is most of what reading a large index costs (every shard of a
// 10,000-package × 10-version index: 0.75 s decoded, 0.1 s read, verified and
// scanned), and a digest is lowercase ASCII that JSON encoders write as it is.
func (s *Snapshot) Containing(digests []string) ([]Package, error) {
	want := make(map[string]bool, len(digests))
	for _, d := range digests {
		want[d] = true
	}
	keys := make([]string, 0, len(s.shards))
	for k := range s.shards {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []Package
	for _, k := range keys {
		s.mu.Lock()
		pkgs, decoded := s.loaded[k]
		s.mu.Unlock()
		if !decoded {
			data, err := readBlob(s.dir, s.shards[k])
			if err != nil {
				return nil, err
			}
			if !holdsDigest(data, want) {
				continue
			}
			if pkgs, err = s.shard(k); err != nil {
				return nil, err
			}
		}
		for _, p := range pkgs {
			var versions []Version
			for _, v := range p.Versions {
				if listsDigest(v, want) {
					versions = append(versions, v)
				}
			}
			if len(versions) > 0 {
				p.Versions = versions
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(a, b Package) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// holdsDigest reports whether data holds the text of one of the sha256 digests in want.
func holdsDigest(data []byte, want map[string]bool) bool {
	const prefix, size = "sha256:", len("sha256:") + 64
	for {
		i := bytes.Index(data, []byte(prefix))
		if i < 0 {
			return false
		}
		if len(data)-i >= size && want[string(data[i:i+size])] {
			return true
		}
		data = data[i+len(prefix):]
	}
}

func listsDigest(v Version, want map[string]bool) bool {
	if want[v.Digest] {
		return true
	}
	for _, pl := range v.Platforms {
		if want[pl.Digest] {
			return true
		}
	}
	return false
}

func (s *Snapshot) shard(key string) ([]Package, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pkgs, ok := s.loaded[key]; ok {
		return pkgs, nil
	}
	d, ok := s.shards[key]
	if !ok {
		return nil, nil
	}
	data, err := readBlob(s.dir, d)
	if err != nil {
		return nil, err
	}
	pkgs, err := decodeShard(data, key, "index cache "+s.dir)
	if err != nil {
		return nil, err
	}
	s.loaded[key] = pkgs
	return pkgs, nil
}
