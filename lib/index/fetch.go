package index

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/filelock"
	"longshore.dev/lib/internal/atomicfile"
	"longshore.dev/lib/oci"
)

// MaxShardBytes bounds one shard or config blob read from anywhere.
const MaxShardBytes = 64 << 20

// MaxIndexBytes bounds the config and shards of one index together. 256 shards of
// MaxShardBytes would be 16 GiB to download and cache, and an update holds every
// package in memory to write the tap's search file. (A tap of a million packages, one
// version each, has a search file of 124 MB, and one search of it allocates 626 MB.)
const MaxIndexBytes = 512 << 20

// The cache Fetch keeps in a caller's directory. Other files in that directory are the
// caller's: Fetch touches only these names.
const (
	stateFile   = "index-state.json"
	blobsDir    = "blobs"
	lockName    = ".index.lock"
	stagePrefix = ".index-stage-"
)

// cacheState is stateFile: which manifest the cache holds, and the one before it,
// whose blobs are kept so that a Snapshot opened before a Fetch can still read them.
type cacheState struct {
	Digest   string `json:"digest"`
	Previous string `json:"previous,omitempty"`
}

// FetchResult says what Fetch did.
type FetchResult struct {
	Digest        string // the index manifest's digest now cached
	Changed       bool   // the cache moved to a new digest
	BytesFetched  int64  // manifest, config and shard bytes downloaded
	ShardsFetched int    // shards downloaded (the others were cached)
	Shards        int    // shards in the index
}

// Fetch refreshes cacheDir (a directory owned by the caller) from the index at
// t:reference ("" means DefaultTag). One request (resolve) when the digest equals the
// cached one; otherwise it fetches the manifest and only the shards whose digests are
// not cached, verifies every byte, and switches the cache atomically: a failure leaves
// the old cache intact. Fetch owns the names index-state.json, blobs/ and .index-* in
// cacheDir; concurrent Fetches into one directory take turns.
func Fetch(ctx context.Context, t *oci.Target, reference, cacheDir string) (FetchResult, error) {
	if reference == "" {
		reference = DefaultTag
	}
	unlock, err := lockCache(cacheDir)
	if err != nil {
		return FetchResult{}, err
	}
	defer unlock()
	old, _ := readState(cacheDir) // an unreadable state is an empty cache
	where := t.Where() + ":" + reference
	_, digestErr := digest.Parse(reference)
	pinned := digestErr == nil
	if pinned {
		where = t.Where() + "@" + reference
	}
	desc, err := t.Resolve(ctx, reference)
	if fault.KindOf(err) == fault.NotFound && fault.HintOf(err) == "" {
		if pinned {
			// Publishing cannot bring a digest back: only a tag moves to a new index.
			return FetchResult{}, fault.New(fault.NotFound, err, fmt.Sprintf(
				"%s holds no manifest %s: it was deleted, or never pushed there; a digest never moves, so follow a tag instead (e.g. %s:%s)",
				t.Where(), reference, t.Where(), DefaultTag))
		}
		return FetchResult{}, fault.New(fault.NotFound, err, fmt.Sprintf(
			"no index is published at %s: check the reference, or publish one there with `pkg-tap index add -f PUBLISHED --to %s` (or index build)",
			where, t.Where()))
	}
	if err != nil {
		return FetchResult{}, err
	}
	if old.Digest == desc.Digest.String() {
		if m, err := readManifest(cacheDir, desc.Digest, where); err == nil && haveBlobs(cacheDir, m) {
			return FetchResult{Digest: old.Digest, Shards: len(m.Layers)}, nil
		}
		// The cached manifest, its config or a shard is gone or damaged (a reader's
		// error says to update again): fetch what is missing below. Only sizes are
		// checked here, so that an unchanged update stays one request and no hashing.
	}
	if err := checkManifestDesc(desc, where); err != nil {
		return FetchResult{}, err
	}
	mdata, err := t.FetchManifest(ctx, desc)
	if err != nil {
		return FetchResult{}, err
	}
	m, err := DecodeManifest(mdata, where)
	if err != nil {
		return FetchResult{}, err
	}
	res := FetchResult{Digest: desc.Digest.String(), Changed: true, BytesFetched: int64(len(mdata)), Shards: len(m.Layers)}

	stage, err := os.MkdirTemp(cacheDir, stagePrefix)
	if err != nil {
		return FetchResult{}, fmt.Errorf("index cache: %w", err)
	}
	defer os.RemoveAll(stage)
	var missing []ocispec.Descriptor
	for _, d := range append([]ocispec.Descriptor{m.Config}, m.Layers...) {
		if !haveBlob(cacheDir, d) {
			missing = append(missing, d)
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for _, d := range missing {
		g.Go(func() error {
			data, err := fetchSmallBlob(gctx, t, d)
			if err != nil {
				return err
			}
			if err := checkBlob(d, data, where); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(stage, d.Digest.Encoded()), data, 0o644); err != nil {
				return fmt.Errorf("index cache: %w", err)
			}
			mu.Lock()
			res.BytesFetched += int64(len(data))
			if d.MediaType == ShardMediaType {
				res.ShardsFetched++
			}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return FetchResult{}, err
	}
	// Everything is verified: move it in, then switch the state in one rename.
	if err := os.WriteFile(filepath.Join(stage, desc.Digest.Encoded()), mdata, 0o644); err != nil {
		return FetchResult{}, fmt.Errorf("index cache: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(cacheDir, blobsDir, "sha256"), 0o755); err != nil {
		return FetchResult{}, fmt.Errorf("index cache: %w", err)
	}
	for _, d := range append(missing, desc) {
		if err := os.Rename(filepath.Join(stage, d.Digest.Encoded()), blobPath(cacheDir, d.Digest)); err != nil {
			return FetchResult{}, fmt.Errorf("index cache: %w", err)
		}
	}
	if err := switchState(cacheDir, cacheState{Digest: res.Digest, Previous: old.Digest}); err != nil {
		return FetchResult{}, err
	}
	return res, nil
}

// checkManifestDesc refuses what cannot be an index before fetching it: an image index
// (a multi-platform package) or any other media type.
func checkManifestDesc(desc ocispec.Descriptor, where string) error {
	if desc.MediaType == ocispec.MediaTypeImageManifest || desc.MediaType == "" {
		return nil
	}
	kind := desc.ArtifactType
	if kind == "" {
		kind = desc.MediaType
	}
	return notAnIndex(where, kind)
}

func notAnIndex(where, kind string) error {
	return fault.New(fault.Verify,
		fmt.Errorf("this is not a longshore index: %s has artifact type %q, expected %q", where, kind, ArtifactType),
		"point at an index built by `pkg-tap index build` or `pkg-tap index add`, not at a package")
}

// DecodeManifest parses an index manifest and checks its shape: artifact type, config
// and shard media types, shard keys present, valid, sorted and unique.
func DecodeManifest(data []byte, where string) (ocispec.Manifest, error) {
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fault.Errorf(fault.Verify, "%s: manifest is not valid JSON: %v", where, err)
	}
	if m.ArtifactType != ArtifactType {
		kind := m.ArtifactType
		if kind == "" {
			kind = m.Config.MediaType
		}
		if kind == "" {
			kind = m.MediaType
		}
		return m, notAnIndex(where, kind)
	}
	if m.Config.MediaType != ConfigMediaType {
		return m, fault.Errorf(fault.Verify, "%s: index config media type %q, expected %q", where, m.Config.MediaType, ConfigMediaType)
	}
	if err := checkDescriptor(m.Config, where); err != nil {
		return m, err
	}
	prev := ""
	total := m.Config.Size
	for _, l := range m.Layers {
		if l.MediaType != ShardMediaType {
			return m, fault.Errorf(fault.Verify, "%s: layer %s has media type %q; this version reads only %q", where, l.Digest, l.MediaType, ShardMediaType)
		}
		if err := checkDescriptor(l, where); err != nil {
			return m, err
		}
		key := l.Annotations[ShardAnnotation]
		if !validKey(key) {
			return m, fault.Errorf(fault.Verify, "%s: shard %s has no valid %s annotation (two lowercase hex digits): %q", where, l.Digest, ShardAnnotation, key)
		}
		if key <= prev {
			return m, fault.Errorf(fault.Verify, "%s: shard keys are not sorted and unique (%q after %q)", where, key, prev)
		}
		prev = key
		if total += l.Size; total > MaxIndexBytes {
			return m, fault.New(fault.Verify,
				fmt.Errorf("%s: the index's shards add up to more than %d bytes (the limit)", where, MaxIndexBytes),
				"nothing was downloaded; an index this big is not one a tap can hold: check the reference")
		}
	}
	return m, nil
}

func checkDescriptor(d ocispec.Descriptor, where string) error {
	if err := d.Digest.Validate(); err != nil || d.Digest.Algorithm() != digest.SHA256 {
		return fault.Errorf(fault.Verify, "%s: blob digest %q is not a sha256 digest", where, d.Digest)
	}
	if d.Size < 0 || d.Size > MaxShardBytes {
		return fault.Errorf(fault.Verify, "%s: blob %s is %d bytes, over the %d-byte limit", where, d.Digest, d.Size, MaxShardBytes)
	}
	return nil
}

func validKey(k string) bool {
	if len(k) != 2 {
		return false
	}
	for _, c := range []byte(k) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// fetchSmallBlob reads a whole blob, verified against d (size bounded by d.Size, which
// DecodeManifest bounded).
func fetchSmallBlob(ctx context.Context, t *oci.Target, d ocispec.Descriptor) ([]byte, error) {
	rc, err := t.FetchBlob(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, d.Size+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != d.Size || digest.FromBytes(data) != d.Digest {
		return nil, fault.New(fault.Verify, fmt.Errorf("blob %s from %s: content does not match its digest", d.Digest, t.Where()),
			"the registry served bytes that do not match their digest; the content was refused")
	}
	return data, nil
}

// checkBlob checks what a shard or config must hold beyond its digest: that it decodes,
// and for a shard that every package in it hashes to its key, sorted by name.
func checkBlob(d ocispec.Descriptor, data []byte, where string) error {
	switch d.MediaType {
	case ConfigMediaType:
		var c Config
		if err := strictJSON(data, &c); err != nil {
			return fault.Errorf(fault.Verify, "%s: index config %s: %v", where, d.Digest, err)
		}
	case ShardMediaType:
		_, err := decodeShard(data, d.Annotations[ShardAnnotation], where)
		return err
	}
	return nil
}

func decodeShard(data []byte, key, where string) ([]Package, error) {
	var s shard
	if err := strictJSON(data, &s); err != nil {
		return nil, fault.Errorf(fault.Verify, "%s: shard %s: %v", where, key, err)
	}
	prev := ""
	for i, p := range s.Packages {
		if ShardKey(p.Name) != key {
			return nil, fault.Errorf(fault.Verify, "%s: shard %s holds package %q, which belongs in shard %s", where, key, p.Name, ShardKey(p.Name))
		}
		if i > 0 && p.Name <= prev {
			return nil, fault.Errorf(fault.Verify, "%s: shard %s: packages are not sorted and unique (%q after %q)", where, key, p.Name, prev)
		}
		prev = p.Name
	}
	return s.Packages, nil
}

// strictJSON decodes one JSON value and refuses trailing data. Unknown fields are
// ignored so that a later format version with more fields stays readable.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// WriteCache stores b in cacheDir as if Fetch had fetched it, for taps whose source is
// a local directory or file of entry files (Build them, then WriteCache).
func WriteCache(cacheDir string, b *Built) (FetchResult, error) {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return FetchResult{}, fmt.Errorf("index cache: %w", err)
	}
	unlock, err := lockCache(cacheDir)
	if err != nil {
		return FetchResult{}, err
	}
	defer unlock()
	old, _ := readState(cacheDir)
	res := FetchResult{Digest: b.Manifest.Desc.Digest.String(), Shards: len(b.Shards)}
	if old.Digest == res.Digest && haveBlob(cacheDir, b.Manifest.Desc) && haveBlob(cacheDir, b.Config.Desc) &&
		!slices.ContainsFunc(b.Shards, func(s Blob) bool { return !haveBlob(cacheDir, s.Desc) }) {
		return res, nil
	}
	res.Changed = true
	if err := os.MkdirAll(filepath.Join(cacheDir, blobsDir, "sha256"), 0o755); err != nil {
		return FetchResult{}, fmt.Errorf("index cache: %w", err)
	}
	for _, blob := range append(append([]Blob{b.Config}, b.Shards...), b.Manifest) {
		if haveBlob(cacheDir, blob.Desc) {
			continue
		}
		if err := atomicfile.WriteCache(blobPath(cacheDir, blob.Desc.Digest), blob.Data, 0o644); err != nil {
			return FetchResult{}, err
		}
		res.BytesFetched += blob.Desc.Size
		if blob.Desc.MediaType == ShardMediaType {
			res.ShardsFetched++
		}
	}
	return res, switchState(cacheDir, cacheState{Digest: res.Digest, Previous: old.Digest})
}

func blobPath(cacheDir string, d digest.Digest) string {
	return filepath.Join(cacheDir, blobsDir, "sha256", d.Encoded())
}

// haveBlob trusts a cached blob of the right size: every blob was verified before it
// was moved in, and Open verifies again what it reads.
func haveBlob(cacheDir string, d ocispec.Descriptor) bool {
	if d.Digest.Validate() != nil {
		return false
	}
	st, err := os.Stat(blobPath(cacheDir, d.Digest))
	return err == nil && st.Size() == d.Size
}

// haveBlobs reports whether the config and every shard of m are cached (by size, as
// haveBlob).
func haveBlobs(cacheDir string, m ocispec.Manifest) bool {
	if !haveBlob(cacheDir, m.Config) {
		return false
	}
	for _, l := range m.Layers {
		if !haveBlob(cacheDir, l) {
			return false
		}
	}
	return true
}

func readState(cacheDir string) (cacheState, error) {
	var s cacheState
	data, err := os.ReadFile(filepath.Join(cacheDir, stateFile))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return cacheState{}, fmt.Errorf("%s: %w", filepath.Join(cacheDir, stateFile), err)
	}
	if _, err := digest.Parse(s.Digest); err != nil {
		return cacheState{}, fmt.Errorf("%s: bad digest %q", filepath.Join(cacheDir, stateFile), s.Digest)
	}
	return s, nil
}

// readManifest reads and verifies the cached manifest dgst.
func readManifest(cacheDir string, dgst digest.Digest, where string) (ocispec.Manifest, error) {
	data, err := os.ReadFile(blobPath(cacheDir, dgst))
	if err != nil {
		return ocispec.Manifest{}, err
	}
	if digest.FromBytes(data) != dgst {
		return ocispec.Manifest{}, fault.Errorf(fault.Verify, "index cache %s: manifest %s does not match its digest", cacheDir, dgst)
	}
	return DecodeManifest(data, where)
}

// switchState points the cache at s in one rename, then removes blobs that neither s's
// manifest nor the previous one use.
func switchState(cacheDir string, s cacheState) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteCache(filepath.Join(cacheDir, stateFile), data, 0o644); err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, dg := range []string{s.Digest, s.Previous} {
		d, err := digest.Parse(dg)
		if err != nil {
			continue
		}
		m, err := readManifest(cacheDir, d, cacheDir)
		if err != nil {
			if dg == s.Digest {
				return err
			}
			continue
		}
		keep[d.Encoded()] = true
		keep[m.Config.Digest.Encoded()] = true
		for _, l := range m.Layers {
			keep[l.Digest.Encoded()] = true
		}
	}
	dir := filepath.Join(cacheDir, blobsDir, "sha256")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // nothing to collect
	}
	for _, e := range entries {
		if !keep[e.Name()] {
			_ = os.Remove(filepath.Join(dir, e.Name())) // a leftover only costs space
		}
	}
	return nil
}

// lockCache holds an exclusive lock on cacheDir for the time of a Fetch or WriteCache.
func lockCache(cacheDir string) (func(), error) {
	return filelock.Exclusive(filepath.Join(cacheDir, lockName))
}
