package index

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

// pushBuilt publishes b at tgt:tag directly (no entry log).
func pushBuilt(t *testing.T, tgt *oci.Target, b *Built, tag string) {
	t.Helper()
	ctx := context.Background()
	if _, err := pushIndex(ctx, tgt, b.Shards, b.Config, b.Manifest); err != nil {
		t.Fatal(err)
	}
	if err := tgt.Tag(ctx, b.Manifest.Desc, tag); err != nil {
		t.Fatal(err)
	}
}

func mustBuild(t *testing.T, pkgs []Package) *Built {
	t.Helper()
	b, err := Build(pkgs, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dirSnapshot maps every file under dir to its content.
func dirSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		out[strings.TrimPrefix(p, dir)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFetchUnchangedIsOneRequest(t *testing.T) {
	t.Parallel()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "tap/index")
	pkgs := genPackages(1000, 3)
	b := mustBuild(t, pkgs)
	pushBuilt(t, tgt, b, "latest")
	cache := t.TempDir()
	ctx := context.Background()

	reg.reset()
	res, err := Fetch(ctx, tgt, "", cache)
	if err != nil {
		t.Fatal(err)
	}
	n := len(b.Shards)
	if !res.Changed || res.Shards != n || res.ShardsFetched != n || res.Digest != b.Manifest.Desc.Digest.String() {
		t.Fatalf("first fetch: %+v", res)
	}
	reqs, sent := reg.log()
	if res.BytesFetched != sent {
		t.Errorf("BytesFetched = %d, the registry served %d", res.BytesFetched, sent)
	}
	if len(reqs) != 1+1+1+n {
		t.Errorf("first fetch made %d requests, want resolve, manifest, config and %d shards", len(reqs), n)
	}

	reg.reset()
	res, err = Fetch(ctx, tgt, "latest", cache)
	if err != nil {
		t.Fatal(err)
	}
	reqs, _ = reg.log()
	if res.Changed || res.BytesFetched != 0 || len(reqs) != 1 || reqs[0] != "HEAD manifest" {
		t.Fatalf("unchanged fetch: %+v, requests %v; want one HEAD", res, reqs)
	}

	snap, err := Open(cache)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Digest() != b.Manifest.Desc.Digest.String() {
		t.Errorf("snapshot digest %s", snap.Digest())
	}
	if n, v := snap.Stats(); n != 1000 || v != 3000 {
		t.Errorf("stats %d, %d", n, v)
	}
	p, ok, err := snap.Lookup("pkg-00777")
	if err != nil || !ok || p.Repository != "registry.example.com/tools/pkg-00777" || len(p.Versions) != 3 {
		t.Fatalf("lookup: %+v %v %v", p, ok, err)
	}
	if _, ok, err := snap.Lookup("nope"); ok || err != nil {
		t.Errorf("lookup of a missing name: %v %v", ok, err)
	}
	all, err := snap.All()
	if err != nil || len(all) != 1000 || all[0].Name != "pkg-00000" || all[999].Name != "pkg-00999" {
		t.Fatalf("all: %d packages, %v", len(all), err)
	}
}

func TestFetchChangedFetchesOnlyNewShards(t *testing.T) {
	t.Parallel()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "tap/index")
	pkgs := genPackages(2000, 5)
	b1 := mustBuild(t, pkgs)
	pushBuilt(t, tgt, b1, "latest")
	cache := t.TempDir()
	ctx := context.Background()
	if _, err := Fetch(ctx, tgt, "latest", cache); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, s := range b1.Shards {
		total += s.Desc.Size
	}

	pkgs[42].Description = "changed"
	b2 := mustBuild(t, pkgs)
	pushBuilt(t, tgt, b2, "latest")
	reg.reset()
	res, err := Fetch(ctx, tgt, "latest", cache)
	if err != nil {
		t.Fatal(err)
	}
	reqs, sent := reg.log()
	if !res.Changed || res.ShardsFetched != 1 || res.Digest != b2.Manifest.Desc.Digest.String() {
		t.Fatalf("fetch after one change: %+v", res)
	}
	// Resolve, manifest, one shard (the config's counts did not change, so it is cached).
	if want := []string{"HEAD manifest", "GET manifest", "GET blob"}; strings.Join(reqs, ",") != strings.Join(want, ",") {
		t.Errorf("requests: %v, want %v", reqs, want)
	}
	if res.BytesFetched != sent || float64(sent) > 0.05*float64(total) {
		t.Errorf("fetched %d bytes of a %d-byte index (served %d)", res.BytesFetched, total, sent)
	}
	snap, err := Open(cache)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := snap.Lookup(pkgs[42].Name)
	if err != nil || p.Description != "changed" {
		t.Fatalf("lookup after update: %+v %v", p, err)
	}
	// Old blobs of the previous index are kept one generation, then collected.
	pkgs[43].Description = "changed too"
	pushBuilt(t, tgt, mustBuild(t, pkgs), "latest")
	if _, err := Fetch(ctx, tgt, "latest", cache); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(blobPath(cache, b1.Manifest.Desc.Digest)); !os.IsNotExist(err) {
		t.Errorf("the manifest two generations back is still cached (%v)", err)
	}
	if _, err := os.Stat(blobPath(cache, b2.Manifest.Desc.Digest)); err != nil {
		t.Errorf("the previous manifest is gone: %v", err)
	}
}

func TestFetchCorruptShardLeavesCacheUntouched(t *testing.T) {
	t.Parallel()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "tap/index")
	pkgs := genPackages(500, 2)
	pushBuilt(t, tgt, mustBuild(t, pkgs), "latest")
	cache := t.TempDir()
	ctx := context.Background()
	if _, err := Fetch(ctx, tgt, "latest", cache); err != nil {
		t.Fatal(err)
	}
	before := dirSnapshot(t, cache)

	pkgs[7].Description = "new"
	b := mustBuild(t, pkgs)
	pushBuilt(t, tgt, b, "latest")
	key := ShardKey(pkgs[7].Name)
	for _, s := range b.Shards {
		if s.Desc.Annotations[ShardAnnotation] == key {
			reg.mu.Lock()
			bad := bytes.Clone(s.Data)
			bad[len(bad)/2] ^= 1
			reg.corrupt[s.Desc.Digest] = bad
			reg.mu.Unlock()
		}
	}
	for _, truncated := range []bool{false, true} {
		if truncated {
			reg.mu.Lock()
			for d, bad := range reg.corrupt {
				reg.corrupt[d] = bad[:len(bad)/2]
			}
			reg.mu.Unlock()
		}
		_, err := Fetch(ctx, tgt, "latest", cache)
		if err == nil {
			t.Fatal("a corrupt shard was accepted")
		}
		// Same-length corruption is a digest mismatch; a truncated body is refused by
		// the HTTP layer (Content-Length) before any digest is computed.
		if !truncated && fault.KindOf(err) != fault.Verify {
			t.Errorf("kind %v (%v), want verification failed", fault.KindOf(err), err)
		}
		after := dirSnapshot(t, cache)
		if len(after) != len(before) {
			t.Fatalf("cache has %d files, had %d", len(after), len(before))
		}
		for name, data := range before {
			if after[name] != data {
				t.Fatalf("cache file %s changed", name)
			}
		}
	}
	snap, err := Open(cache)
	if err != nil {
		t.Fatal(err)
	}
	if p, _, _ := snap.Lookup(pkgs[7].Name); p.Description == "new" {
		t.Error("the old cache reads the new content")
	}
}

// A cache that lost a shard, or holds a damaged one, is repaired by the next Fetch of
// the same digest: the hint of the reader's error ("update the tap again") holds.
func TestFetchRepairsADamagedCacheOfTheSameDigest(t *testing.T) {
	t.Parallel()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "tap/index")
	b := mustBuild(t, genPackages(50, 1))
	pushBuilt(t, tgt, b, "latest")
	ctx := context.Background()
	for _, damage := range []string{"truncated", "removed", "same size"} {
		t.Run(damage, func(t *testing.T) {
			cache := t.TempDir()
			if _, err := Fetch(ctx, tgt, "latest", cache); err != nil {
				t.Fatal(err)
			}
			shard := blobPath(cache, b.Shards[0].Desc.Digest)
			var err error
			switch damage {
			case "truncated":
				err = os.WriteFile(shard, []byte("{"), 0o644)
			case "removed":
				err = os.Remove(shard)
			default:
				bad := bytes.Clone(b.Shards[0].Data)
				bad[len(bad)/2] ^= 1
				err = os.WriteFile(shard, bad, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			snap, err := Open(cache)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := snap.All(); fault.KindOf(err) != fault.Verify {
				t.Fatalf("reading a damaged cache: %v", err)
			}
			if damage == "same size" {
				// Sizes are all an unchanged update looks at: the hint says to remove it.
				if _, err := snap.All(); !strings.Contains(fault.HintOf(err), "remove "+shard) {
					t.Fatalf("hint %q does not name the blob to remove", fault.HintOf(err))
				}
				if err := os.Remove(shard); err != nil {
					t.Fatal(err)
				}
			}
			res, err := Fetch(ctx, tgt, "latest", cache)
			if err != nil {
				t.Fatal(err)
			}
			if res.ShardsFetched != 1 || res.Digest != b.Manifest.Desc.Digest.String() {
				t.Errorf("repairing fetch: %+v, want the one shard refetched", res)
			}
			snap, err = Open(cache)
			if err != nil {
				t.Fatal(err)
			}
			if all, err := snap.All(); err != nil || len(all) != 50 {
				t.Fatalf("after the repair: %d packages, %v", len(all), err)
			}
		})
	}
}

func TestFetchRefusesWhatIsNotAnIndex(t *testing.T) {
	t.Parallel()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "tap/hello")
	ctx := context.Background()
	// A package-like artifact: right shape, wrong artifact type.
	b := mustBuild(t, genPackages(3, 1))
	m := strings.Replace(string(b.Manifest.Data), ArtifactType, "application/vnd.longshore.package.v1", 1)
	desc := b.Manifest.Desc
	desc.Digest, desc.Size = digest.FromString(m), int64(len(m))
	if _, err := tgt.Push(ctx, desc, strings.NewReader(m)); err != nil {
		t.Fatal(err)
	}
	if err := tgt.Tag(ctx, desc, "1.0.0"); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	_, err := Fetch(ctx, tgt, "1.0.0", cache)
	if err == nil || !strings.Contains(err.Error(), "this is not a longshore index") || !strings.Contains(err.Error(), "application/vnd.longshore.package.v1") {
		t.Fatalf("err = %v", err)
	}
	if fault.HintOf(err) == "" {
		t.Error("no hint")
	}
	if _, err := Open(cache); fault.KindOf(err) != fault.NotFound {
		t.Errorf("Open of an empty cache: %v", err)
	}
}

// An index whose shards add up to more than MaxIndexBytes is refused before any is
// downloaded, though each is within MaxShardBytes: 256 of them would be 16 GiB.
func TestFetchRefusesAnIndexOverTheLimit(t *testing.T) {
	t.Parallel()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "tap/huge")
	ctx := context.Background()
	var m ocispec.Manifest
	b := mustBuild(t, genPackages(3, 1))
	if err := json.Unmarshal(b.Manifest.Data, &m); err != nil {
		t.Fatal(err)
	}
	shard := m.Layers[0]
	m.Layers = nil
	for i := range 256 {
		l := shard
		l.Digest = digest.FromString(fmt.Sprint(i))
		l.Size = MaxShardBytes / 16 // 4 MiB each, 1 GiB in all
		l.Annotations = map[string]string{ShardAnnotation: fmt.Sprintf("%02x", i)}
		m.Layers = append(m.Layers, l)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(data), Size: int64(len(data))}
	if _, err := tgt.Push(ctx, desc, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if err := tgt.Tag(ctx, desc, "latest"); err != nil {
		t.Fatal(err)
	}
	_, err = Fetch(ctx, tgt, "latest", t.TempDir())
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), "add up to more than 536870912 bytes") {
		t.Fatalf("want the index refused for its size, got %v", err)
	}
}

// A reference where no index is published says so, and how to publish one.
func TestFetchOfNothingSaysHowToPublish(t *testing.T) {
	t.Parallel()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "tap/none")
	_, err := Fetch(context.Background(), tgt, "", t.TempDir())
	if fault.KindOf(err) != fault.NotFound || !strings.Contains(fault.HintOf(err), "no index is published at") || !strings.Contains(fault.HintOf(err), "pkg-tap index add") {
		t.Errorf("got %v (hint %q)", err, fault.HintOf(err))
	}
	// A digest that is gone cannot be published again: the hint says to follow a tag,
	// and writes the reference with '@'.
	gone := digest.FromString("deleted index").String()
	_, err = Fetch(context.Background(), tgt, gone, t.TempDir())
	hint := fault.HintOf(err)
	if fault.KindOf(err) != fault.NotFound || !strings.Contains(hint, "holds no manifest "+gone) || !strings.Contains(hint, "follow a tag") ||
		strings.Contains(hint, "pkg-tap index add") || strings.Contains(hint, ":"+gone) {
		t.Errorf("a missing digest: %v (hint %q)", err, hint)
	}
}

func TestFetchFromLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "index")
	tgt, err := oci.Open(ctx, ref.Ref{Kind: ref.Layout, Path: dir}, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	b := mustBuild(t, genPackages(50, 2))
	pushBuilt(t, tgt, b, "latest")
	cache := t.TempDir()
	res, err := Fetch(ctx, tgt, "", cache)
	if err != nil || res.Digest != b.Manifest.Desc.Digest.String() {
		t.Fatalf("%+v %v", res, err)
	}
	res, err = Fetch(ctx, tgt, "", cache)
	if err != nil || res.Changed {
		t.Fatalf("second fetch %+v %v", res, err)
	}
}

func TestWriteCache(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	pkgs := genPackages(40, 2)
	b := mustBuild(t, pkgs)
	res, err := WriteCache(cache, b)
	if err != nil || !res.Changed || res.Shards != len(b.Shards) {
		t.Fatalf("%+v %v", res, err)
	}
	if res, _ := WriteCache(cache, b); res.Changed {
		t.Error("writing the same index again changed the cache")
	}
	snap, err := Open(cache)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := snap.Stats(); n != 40 {
		t.Errorf("packages %d", n)
	}
	// A damaged cached shard is reported, not read.
	p := blobPath(cache, b.Shards[0].Desc.Digest)
	if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	snap, _ = Open(cache)
	if _, err := snap.All(); fault.KindOf(err) != fault.Verify {
		t.Errorf("damaged cache: %v", err)
	}
	// Writing the same index again (a local tap's update) repairs it.
	if res, err := WriteCache(cache, b); err != nil || res.ShardsFetched != 1 {
		t.Errorf("rewriting a damaged cache: %+v %v, want the one shard rewritten", res, err)
	}
	snap, _ = Open(cache)
	if all, err := snap.All(); err != nil || len(all) != 40 {
		t.Errorf("after the repair: %d packages, %v", len(all), err)
	}
}

// TestContaining finds versions by root or platform digest, and decodes only the
// shards that mention one.
func TestContaining(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	pkgs := genPackages(40, 3)
	if _, err := WriteCache(cache, mustBuild(t, pkgs)); err != nil {
		t.Fatal(err)
	}
	snap, err := Open(cache)
	if err != nil {
		t.Fatal(err)
	}
	root, platform := pkgs[3].Versions[0], pkgs[10].Versions[2]
	got, err := snap.Containing([]string{platform.Platforms[1].Digest, root.Digest, digest.FromString("nowhere").String()})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, p := range got {
		for _, v := range p.Versions {
			found = append(found, p.Name+"@"+v.Version)
		}
	}
	if want := []string{"pkg-00003@1.0.0", "pkg-00010@1.0.2"}; !slices.Equal(found, want) {
		t.Errorf("found %q, want %q", found, want)
	}
	if len(snap.loaded) != 2 || snap.loaded[ShardKey("pkg-00003")] == nil || snap.loaded[ShardKey("pkg-00010")] == nil {
		t.Errorf("decoded shards %d, want only the 2 that list a digest", len(snap.loaded))
	}
	// What Containing returns is a copy: the next lookup sees every version.
	if p, _, _ := snap.Lookup("pkg-00003"); len(p.Versions) != 3 {
		t.Errorf("Lookup after Containing: %d versions", len(p.Versions))
	}
	if got, err := snap.Containing(nil); err != nil || len(got) != 0 {
		t.Errorf("no digests: %v %v", got, err)
	}
}
