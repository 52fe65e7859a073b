package index

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/ref"
)

func pkgVersion(name, version string) Package {
	return Package{
		Name: name, Repository: "registry.example.com/tools/" + name,
		Versions: []Version{{Version: version, Digest: digest.FromString(name + version).String(),
			Platforms: []api.Platform{{Platform: "any", Digest: digest.FromString(name + version + "m").String()}}}},
	}
}

// readAll fetches the index at tgt:tag into a fresh cache and returns its packages.
func readAll(t *testing.T, tgt *oci.Target, tag string) (map[string]Package, *Snapshot) {
	t.Helper()
	cache := t.TempDir()
	if _, err := Fetch(context.Background(), tgt, tag, cache); err != nil {
		t.Fatal(err)
	}
	snap, err := Open(cache)
	if err != nil {
		t.Fatal(err)
	}
	all, err := snap.All()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Package{}
	for _, p := range all {
		out[p.Name] = p
	}
	return out, snap
}

func openLayout(t *testing.T, dir string) *oci.Target {
	t.Helper()
	tgt, err := oci.Open(context.Background(), ref.Ref{Kind: ref.Layout, Path: dir}, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return tgt
}

func TestAddKeepsEarlierEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tgt := openLayout(t, filepath.Join(t.TempDir(), "index"))
	res, err := Add(ctx, tgt, "", []Package{pkgVersion("hello", "1.0.0"), pkgVersion("world", "0.1.0")}, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packages != 2 || res.Versions != 2 || res.Tag != "latest" || len(res.Entries) != 1 || res.Rounds != 2 {
		t.Errorf("first add: %+v", res)
	}
	if strings.Join(res.Added, ",") != "hello@1.0.0,world@0.1.0" {
		t.Errorf("added %v", res.Added)
	}
	res, err = Add(ctx, tgt, "latest", []Package{pkgVersion("hello", "1.1.0")}, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packages != 2 || res.Versions != 3 {
		t.Errorf("second add: %+v", res)
	}
	all, snap := readAll(t, tgt, "latest")
	if snap.Digest() != res.Digest {
		t.Errorf("tag at %s, result says %s", snap.Digest(), res.Digest)
	}
	if h := all["hello"]; len(h.Versions) != 2 || h.Versions[0].Version != "1.0.0" || h.Versions[1].Version != "1.1.0" {
		t.Errorf("hello: %+v", h)
	}
	if _, ok := all["world"]; !ok {
		t.Error("world is gone")
	}
	if n, v := snap.Stats(); n != 2 || v != 3 {
		t.Errorf("stats %d %d", n, v)
	}
}

// Add says which of its versions are new, which replaced what the index had, and
// which the index had byte for byte.
func TestAddSaysWhatChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tgt := openLayout(t, filepath.Join(t.TempDir(), "index"))
	hello := func(versions ...string) Package {
		p := pkgVersion("hello", versions[0])
		for _, v := range versions[1:] {
			p.Versions = append(p.Versions, pkgVersion("hello", v).Versions...)
		}
		return p
	}
	yanked := hello("1.0.0", "1.1.0")
	yanked.Versions[1].Yanked = true
	yankAndAdd := hello("1.0.0", "1.1.0", "2.0.0")
	yankAndAdd.Versions[1].Yanked = true
	moved := hello("1.0.0")
	moved.Versions[0].Digest = digest.FromString("rebuilt").String()
	tests := []struct {
		name                     string
		change                   []Package
		added, replaced, unmoved string
	}{
		{"first", []Package{hello("1.0.0", "1.1.0")}, "hello@1.0.0,hello@1.1.0", "", ""},
		{"yank one, add one", []Package{yankAndAdd, pkgVersion("world", "0.1.0")}, "hello@2.0.0,world@0.1.0", "hello@1.1.0", "hello@1.0.0"},
		{"again", []Package{yanked}, "", "", "hello@1.0.0,hello@1.1.0"},
		{"another digest", []Package{moved}, "", "hello@1.0.0", ""},
	}
	for _, tt := range tests {
		res, err := Add(ctx, tgt, "", tt.change, PublishOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := [3]string{strings.Join(res.New, ","), strings.Join(res.Replaced, ","), strings.Join(res.Unchanged, ",")}
		if want := [3]string{tt.added, tt.replaced, tt.unmoved}; got != want {
			t.Errorf("%s: new, replaced, unchanged = %q, want %q", tt.name, got, want)
		}
	}
}

func TestAddRefusesAPackageTag(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "org/hello")
	m := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.longshore.package.v1","config":{"mediaType":"application/vnd.longshore.package.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`
	desc := emptyBlob.Desc
	desc.MediaType, desc.Digest, desc.Size = "application/vnd.oci.image.manifest.v1+json", digest.FromString(m), int64(len(m))
	desc.Data = nil
	if _, err := tgt.Push(ctx, desc, strings.NewReader(m)); err != nil {
		t.Fatal(err)
	}
	if err := tgt.Tag(ctx, desc, "latest"); err != nil {
		t.Fatal(err)
	}
	reg.reset()
	_, err := Add(ctx, tgt, "latest", []Package{pkgVersion("x", "1.0.0")}, PublishOptions{})
	if err == nil || !strings.Contains(err.Error(), "this is not a longshore index") {
		t.Fatalf("err = %v", err)
	}
	reqs, _ := reg.log()
	for _, r := range reqs {
		if strings.HasPrefix(r, "PUT") || strings.HasPrefix(r, "POST") {
			t.Errorf("wrote next to a package before refusing: %v", reqs)
		}
	}
	if _, err := Publish(ctx, tgt, "latest", []Package{pkgVersion("x", "1.0.0")}, PublishOptions{}); err == nil || !strings.Contains(err.Error(), "this is not a longshore index") {
		t.Fatalf("publish over a package: %v", err)
	}
}

func TestAddConcurrentFakeRegistry(t *testing.T) {
	t.Parallel()
	reg := newFakeRegistry(t)
	const writers, rounds = 6, 3
	for round := range rounds {
		tag := fmt.Sprintf("round%d", round)
		var wg sync.WaitGroup
		errs := make([]error, writers)
		start := make(chan struct{})
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tgt := reg.open(t, "tap/index")
				<-start
				_, errs[w] = Add(context.Background(), tgt, tag, []Package{pkgVersion(fmt.Sprintf("p%d", w), "1.0.0")}, PublishOptions{})
			}()
		}
		close(start)
		wg.Wait()
		for w, err := range errs {
			if err != nil {
				t.Fatalf("round %d writer %d: %v", round, w, err)
			}
		}
		all, _ := readAll(t, reg.open(t, "tap/index"), tag)
		for w := range writers {
			if _, ok := all[fmt.Sprintf("p%d", w)]; !ok {
				t.Errorf("round %d: p%d was lost (index holds %d packages)", round, w, len(all))
			}
		}
	}
}

func TestAddConcurrentLayout(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "index")
	const writers = 6
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tgt, err := oci.Open(context.Background(), ref.Ref{Kind: ref.Layout, Path: dir}, oci.Options{Create: true})
			if err != nil {
				errs[w] = err
				return
			}
			defer tgt.Close()
			_, errs[w] = Add(context.Background(), tgt, "", []Package{pkgVersion(fmt.Sprintf("p%d", w), "1.0.0")}, PublishOptions{})
		}()
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", w, err)
		}
	}
	all, _ := readAll(t, openLayout(t, dir), "latest")
	if len(all) != writers {
		t.Errorf("index holds %d packages, want %d", len(all), writers)
	}
}

func TestAddMergesAbandonedEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "tap/index")
	if _, err := Add(ctx, tgt, "", []Package{pkgVersion("a", "1.0.0")}, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	// A publisher that pushed its entry and died before merging it.
	if _, err := pushEntry(ctx, tgt, mustEntryTag(t, time.Now()), []Package{pkgVersion("orphan", "2.0.0")}); err != nil {
		t.Fatal(err)
	}
	// And an entry that is not valid: skipped, never blocking.
	bad := pkgVersion("bad", "1.0.0")
	bad.Versions[0].Version = "not-semver"
	if _, err := pushEntry(ctx, tgt, mustEntryTag(t, time.Now()), []Package{bad}); err != nil {
		t.Fatal(err)
	}
	var logs []string
	res, err := Add(ctx, tgt, "", []Package{pkgVersion("b", "1.0.0")}, PublishOptions{Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := readAll(t, tgt, "latest")
	for _, n := range []string{"a", "b", "orphan"} {
		if _, ok := all[n]; !ok {
			t.Errorf("%s missing", n)
		}
	}
	if _, ok := all["bad"]; ok || res.Packages != 3 {
		t.Errorf("the invalid entry was merged: %+v", res)
	}
	if !strings.Contains(strings.Join(logs, "\n"), "skipping entry") {
		t.Errorf("no message about the skipped entry: %v", logs)
	}
}

// TestAddLeavesAnEntryBeingTagged: distribution lists a tag as soon as its PUT has
// created the tag's directory, a moment before the tag resolves. A publisher that
// lists the entry log in that moment must not count the entry as merged: the next
// publisher (or the entry's own) merges it once it resolves.
func TestAddLeavesAnEntryBeingTagged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newFakeRegistry(t)
	tgt, other := reg.open(t, "tap/index"), reg.open(t, "tap/index")
	if _, err := Add(ctx, tgt, "", []Package{pkgVersion("a", "1.0.0")}, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	slow := mustEntryTag(t, time.Now())
	var during error
	var logs []string
	reg.mu.Lock()
	reg.whileTagging = func(_, tag string) {
		if tag == slow {
			_, during = Add(ctx, other, "", []Package{pkgVersion("b", "1.0.0")}, PublishOptions{Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }})
		}
	}
	reg.mu.Unlock()
	if _, err := pushEntry(ctx, tgt, slow, []Package{pkgVersion("slow", "1.0.0")}); err != nil {
		t.Fatal(err)
	}
	if during != nil {
		t.Fatalf("the add while the entry was tagged: %v", during)
	}
	cur, err := readIndex(ctx, tgt, "latest")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cur.config.Merged {
		if m.Tag == slow {
			t.Errorf("the entry that did not resolve yet is recorded as merged: %+v\n%s", m, strings.Join(logs, "\n"))
		}
	}
	if _, err := Add(ctx, tgt, "", []Package{pkgVersion("c", "1.0.0")}, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	all, _ := readAll(t, tgt, "latest")
	for _, n := range []string{"a", "b", "c", "slow"} {
		if _, ok := all[n]; !ok {
			t.Errorf("%s is not in the index", n)
		}
	}
}

// TestAddConfirmsItsOwnVersions: a publisher stops only when the index it reports holds
// its versions, not merely when the index records its entry as merged. After its first
// tag, another publisher's tag may land that records the entry as merged without its
// versions (one that listed the entry in the moment it did not resolve, and skipped it,
// as publishers did before), or an index build may replace the index and count every
// entry it lists as merged.
func TestAddConfirmsItsOwnVersions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// meanwhile runs after the adding publisher's first tag of the index; entry is
		// the publisher's entry tag.
		meanwhile func(ctx context.Context, tgt *oci.Target, entry string) error
		want      []string
	}{
		{"recorded as merged without its versions", func(ctx context.Context, tgt *oci.Target, entry string) error {
			b, err := Build([]Package{pkgVersion("a", "1.0.0"), pkgVersion("b", "1.0.0")}, entry, []MergedEntry{{Tag: entry}})
			if err != nil {
				return err
			}
			if _, err := pushIndex(ctx, tgt, b.Shards, b.Config, b.Manifest); err != nil {
				return err
			}
			return tgt.Tag(ctx, b.Manifest.Desc, "latest")
		}, []string{"a", "b", "mine"}},
		{"an index build", func(ctx context.Context, tgt *oci.Target, _ string) error {
			_, err := Publish(ctx, tgt, "", []Package{pkgVersion("built", "1.0.0")}, PublishOptions{})
			return err
		}, []string{"built", "mine"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			reg := newFakeRegistry(t)
			tgt, other := reg.open(t, "tap/index"), reg.open(t, "tap/index")
			if _, err := Add(ctx, tgt, "", []Package{pkgVersion("a", "1.0.0")}, PublishOptions{}); err != nil {
				t.Fatal(err)
			}
			var fired atomic.Bool // the meanwhile tags the index too: once only
			var entry string
			var during error
			reg.mu.Lock()
			reg.tagged = func(_, tag string) {
				if strings.HasPrefix(tag, entryPrefix) {
					entry = tag
				} else if entry != "" && fired.CompareAndSwap(false, true) {
					during = tt.meanwhile(ctx, other, entry)
				}
			}
			reg.mu.Unlock()
			res, err := Add(ctx, tgt, "", []Package{pkgVersion("mine", "1.0.0")}, PublishOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if during != nil {
				t.Fatalf("meanwhile: %v", during)
			}
			all, snap := readAll(t, tgt, "latest")
			if snap.Digest() != res.Digest {
				t.Errorf("the add reports %s, the tag is at %s", res.Digest, snap.Digest())
			}
			if got := slices.Sorted(maps.Keys(all)); !slices.Equal(got, tt.want) {
				t.Errorf("the index holds %v, want %v (the add reported %d packages)", got, tt.want, res.Packages)
			}
		})
	}
}

func mustEntryTag(t *testing.T, now time.Time) string {
	t.Helper()
	tag, err := newEntryTag(now, defaultRand())
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

func TestLaterEntryWins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "tap/index")
	t0 := time.Now()
	newer := pkgVersion("hello", "1.0.0")
	newer.Description = "newer"
	if _, err := Add(ctx, tgt, "", []Package{newer}, PublishOptions{Now: func() time.Time { return t0.Add(time.Minute) }}); err != nil {
		t.Fatal(err)
	}
	// An entry stamped earlier (a slow clock) shows up after the newer one was merged.
	older := pkgVersion("hello", "1.0.0")
	older.Description = "older"
	older.Versions[0].Digest = digest.FromString("older").String()
	older.Versions = append(older.Versions, pkgVersion("hello", "0.9.0").Versions...)
	if _, err := pushEntry(ctx, tgt, mustEntryTag(t, t0), []Package{older}); err != nil {
		t.Fatal(err)
	}
	if _, err := Add(ctx, tgt, "", []Package{pkgVersion("other", "1.0.0")}, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	all, _ := readAll(t, tgt, "latest")
	h := all["hello"]
	if h.Description != "newer" {
		t.Errorf("description %q: the older entry overwrote the newer one", h.Description)
	}
	v, _ := h.Find("1.0.0")
	if v.Digest != newer.Versions[0].Digest {
		t.Errorf("hello@1.0.0 digest %s: the older entry overwrote the newer one", v.Digest)
	}
	if _, ok := h.Find("0.9.0"); !ok {
		t.Error("the older entry's other version was dropped")
	}
}

func TestPublishReplacesAndAbsorbsTheLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "tap/index")
	if _, err := Add(ctx, tgt, "", []Package{pkgVersion("old", "1.0.0")}, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pushEntry(ctx, tgt, mustEntryTag(t, time.Now()), []Package{pkgVersion("pending", "1.0.0")}); err != nil {
		t.Fatal(err)
	}
	pkgs := genPackages(30, 2)
	res, err := Publish(ctx, tgt, "", pkgs, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packages != 30 || res.Versions != 60 {
		t.Errorf("%+v", res)
	}
	// The next add neither resurrects "old" nor merges "pending": the build is the truth.
	if _, err := Add(ctx, tgt, "", []Package{pkgVersion("new", "1.0.0")}, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	all, _ := readAll(t, tgt, "latest")
	if len(all) != 31 {
		t.Errorf("index holds %d packages, want 31", len(all))
	}
	for _, n := range []string{"old", "pending"} {
		if _, ok := all[n]; ok {
			t.Errorf("%s came back after index build", n)
		}
	}
	// The same entries give the same shards, whatever the entry log holds.
	if _, err := Publish(ctx, tgt, "", pkgs, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	cur, err := readIndex(ctx, tgt, "latest")
	if err != nil {
		t.Fatal(err)
	}
	b := mustBuild(t, pkgs)
	if len(cur.layers) != len(b.Shards) {
		t.Fatalf("%d layers, want %d", len(cur.layers), len(b.Shards))
	}
	for i, l := range cur.layers {
		if l.Digest != b.Shards[i].Desc.Digest {
			t.Errorf("shard %s: %s, a fresh build gives %s", l.Annotations[ShardAnnotation], l.Digest, b.Shards[i].Desc.Digest)
		}
	}
}

func TestAddValidates(t *testing.T) {
	t.Parallel()
	tgt := openLayout(t, filepath.Join(t.TempDir(), "index"))
	bad := pkgVersion("hello", "1.0")
	_, err := Add(context.Background(), tgt, "", []Package{bad}, PublishOptions{})
	if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), `version "1.0"`) {
		t.Fatalf("err = %v", err)
	}
	_, err = Add(context.Background(), tgt, "", nil, PublishOptions{})
	if fault.KindOf(err) != fault.Usage {
		t.Fatalf("no changes: %v", err)
	}
}

// TestRegistryIndexRefusesLayouts: an index in a registry is read by other machines,
// so an entry whose repository (or a dependency's ref) is a local layout is refused
// before anything is pushed; an index in a layout may point at layouts.
func TestRegistryIndexRefusesLayouts(t *testing.T) {
	t.Parallel()
	reg := newFakeRegistry(t)
	local := pkgVersion("hello", "1.0.0")
	local.Repository = "ocidir:///tmp/registry/hello"
	dependsOnLocal := pkgVersion("world", "1.0.0")
	dependsOnLocal.Versions[0].Dependencies = []pkgspec.Dependency{{Ref: "ocidir:///tmp/registry/hello", Version: "^1"}}
	tests := []struct {
		pkg  Package
		want string
	}{
		{local, "package hello: repository is the local OCI layout ocidir:///tmp/registry/hello, and the index "},
		{dependsOnLocal, "package world@1.0.0: dependencies[0].ref is the local OCI layout ocidir:///tmp/registry/hello"},
	}
	for _, tc := range tests {
		for name, publish := range map[string]func(*oci.Target, []Package) (*PublishResult, error){
			"add": func(t *oci.Target, p []Package) (*PublishResult, error) {
				return Add(context.Background(), t, "", p, PublishOptions{})
			},
			"publish": func(t *oci.Target, p []Package) (*PublishResult, error) {
				return Publish(context.Background(), t, "", p, PublishOptions{})
			},
		} {
			reg.reset()
			_, err := publish(reg.open(t, "tap/index"), []Package{pkgVersion("other", "1.0.0"), tc.pkg})
			if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), tc.want) || !strings.Contains(fault.HintOf(err), "push the package to a registry") {
				t.Errorf("%s %s: %v (hint %q)", name, tc.pkg.Name, err, fault.HintOf(err))
			}
			if requests, _ := reg.log(); slices.ContainsFunc(requests, func(r string) bool { return !strings.HasPrefix(r, "GET") && !strings.HasPrefix(r, "HEAD") }) {
				t.Errorf("%s %s: a refused change wrote to the registry: %v", name, tc.pkg.Name, requests)
			}
			// The same packages into an index in a layout.
			if _, err := publish(openLayout(t, filepath.Join(t.TempDir(), "index")), []Package{tc.pkg}); err != nil {
				t.Errorf("%s %s into a layout: %v", name, tc.pkg.Name, err)
			}
		}
	}
}

func TestEntryTags(t *testing.T) {
	t.Parallel()
	tag := mustEntryTag(t, time.Unix(1700000000, 5))
	if !strings.HasPrefix(tag, "entry-1700000000000000005-") || len(tag) != len("entry-")+19+1+8 {
		t.Errorf("tag %q", tag)
	}
	if _, ok := entryTime(tag); !ok {
		t.Error("entryTime refuses its own tag")
	}
	for _, bad := range []string{"latest", "entry-1", "entry-1700000000000000005-zzzzzzzz", "entry-1700000000000000005_0000abcd"} {
		if _, ok := entryTime(bad); ok {
			t.Errorf("entryTime(%q) ok", bad)
		}
	}
	if got := windowStart(tag); got != "entry-1699996400000000005" {
		t.Errorf("windowStart = %q", got)
	}
	if windowStart("") != "" {
		t.Error("windowStart of no watermark")
	}
}

// TestOldEntriesStayMerged: entries that fell out of the look-back window are never
// merged again, also on a registry that ignores `last` and lists every tag.
func TestOldEntriesStayMerged(t *testing.T) {
	t.Parallel()
	for _, ignoreLast := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignoreLast=%v", ignoreLast), func(t *testing.T) {
			ctx := context.Background()
			reg := newFakeRegistry(t)
			reg.ignoreLast = ignoreLast
			tgt := reg.open(t, "tap/index")
			t0 := time.Now().Add(-5 * time.Hour)
			at := func(d time.Duration) PublishOptions {
				return PublishOptions{Now: func() time.Time { return t0.Add(d) }}
			}
			if _, err := Add(ctx, tgt, "", []Package{pkgVersion("old", "1.0.0")}, at(0)); err != nil {
				t.Fatal(err)
			}
			// index build drops "old"; its entry counts as merged.
			if _, err := Publish(ctx, tgt, "", []Package{pkgVersion("x", "1.0.0")}, PublishOptions{}); err != nil {
				t.Fatal(err)
			}
			// Two hours on, the old entry is outside the window of the new watermark.
			if _, err := Add(ctx, tgt, "", []Package{pkgVersion("new", "1.0.0")}, at(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			res, err := Add(ctx, tgt, "", []Package{pkgVersion("newer", "1.0.0")}, at(4*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			all, _ := readAll(t, tgt, "latest")
			if _, ok := all["old"]; ok || res.Packages != 3 {
				t.Errorf("index holds %d packages (old came back: %v)", res.Packages, ok)
			}
		})
	}
}

// TestAddWithASlowClock: a publisher whose clock is hours behind still gets its entry
// merged and checked (its entry is stamped after the watermark).
func TestAddWithASlowClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "tap/index")
	if _, err := Add(ctx, tgt, "", []Package{pkgVersion("a", "1.0.0")}, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	slow := PublishOptions{Now: func() time.Time { return time.Now().Add(-3 * time.Hour) }}
	res, err := Add(ctx, tgt, "", []Package{pkgVersion("b", "1.0.0")}, slow)
	if err != nil {
		t.Fatal(err)
	}
	if res.Packages != 2 || res.Rounds != 2 {
		t.Errorf("%+v", res)
	}
	// Even an entry stamped before the window (pushed as such) is merged by its own Add.
	cur, err := readIndex(ctx, tgt, "latest")
	if err != nil {
		t.Fatal(err)
	}
	wm, _ := entryTime(cur.config.Watermark)
	own := mustEntryTag(t, time.Unix(0, wm).Add(-2*time.Hour))
	c := []Package{pkgVersion("c", "1.0.0")}
	if _, err := pushEntry(ctx, tgt, own, c); err != nil {
		t.Fatal(err)
	}
	next, _, err := mergeRound(ctx, tgt, "latest", cur, []string{own}, map[string][]Package{own: c}, nil, nil, PublishOptions{Logf: func(string, ...any) {}})
	if err != nil {
		t.Fatal(err)
	}
	if got := pendingEntries(next, nil, own); len(got) != 0 {
		t.Errorf("after merging, its own old entry is still pending: %v", got)
	}
}

// TestAddKeepsVersionsAtTheirRepository: an index has one repository per package, so
// adding a version published to another repository would send every older version
// there too. Add refuses that, naming the versions, unless told they were copied over
// (MoveRepository), and then says what moved; it never calls a version it now reads
// from elsewhere unchanged.
func TestAddKeepsVersionsAtTheirRepository(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := newFakeRegistry(t)
	tgt := reg.open(t, "demo/index")
	at := func(repo string, versions ...string) Package {
		p := pkgVersion("hello", versions[0])
		for _, v := range versions[1:] {
			p.Versions = append(p.Versions, pkgVersion("hello", v).Versions...)
		}
		p.Repository = "registry.example.com/" + repo
		return p
	}
	if _, err := Add(ctx, tgt, "", []Package{at("demo/hello", "0.1.0", "0.2.0"), pkgVersion("world", "1.0.0")}, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	before, _ := readAll(t, tgt, "latest")

	// Refused before anything is written: no entry in the log that a later add would merge.
	reg.reset()
	_, err := Add(ctx, tgt, "", []Package{at("other/hello", "0.9.0")}, PublishOptions{})
	wantErr := "package hello: the index " + tgt.Where() + ":latest lists it at registry.example.com/demo/hello with versions 0.1.0, 0.2.0, and this adds 0.9.0 at registry.example.com/other/hello: an index has one repository per package, so 0.1.0, 0.2.0 would be installed from registry.example.com/other/hello too"
	if fault.KindOf(err) != fault.Conflict || err == nil || err.Error() != wantErr {
		t.Fatalf("moving hello's older versions: %v\nwant a conflict: %s", err, wantErr)
	}
	if hint := fault.HintOf(err); !strings.Contains(hint, "publish hello to registry.example.com/demo/hello instead (pkg-push DIR --to registry.example.com/demo/hello -o yaml | pkg-tap index add -f - --to ") ||
		!strings.Contains(hint, "if registry.example.com/other/hello holds 0.1.0, 0.2.0 too (copied with crane copy or pkg-pull mirror), add again with --move-repository") {
		t.Errorf("hint %q", hint)
	}
	if requests, _ := reg.log(); slices.ContainsFunc(requests, func(r string) bool { return !strings.HasPrefix(r, "GET") && !strings.HasPrefix(r, "HEAD") }) {
		t.Errorf("a refused move wrote to the registry: %v", requests)
	}
	if after, _ := readAll(t, tgt, "latest"); after["hello"].Repository != before["hello"].Repository {
		t.Errorf("hello moved to %s", after["hello"].Repository)
	}

	// The same repository written another way is not a move.
	if _, err := Add(ctx, tgt, "", []Package{at("demo/hello", "0.3.0")}, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	sameRepo := at("demo/hello", "0.3.1")
	sameRepo.Repository = "oci://" + sameRepo.Repository
	if _, err := Add(ctx, tgt, "", []Package{sameRepo}, PublishOptions{}); err != nil {
		t.Errorf("oci://REPO for REPO: %v", err)
	}

	// Told the versions were copied, it moves them and says so; the description changes too.
	moved := at("other/hello", "0.9.0")
	moved.Description = "moved"
	res, err := Add(ctx, tgt, "", []Package{moved}, PublishOptions{MoveRepository: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []PackageUpdate{{
		Name: "hello", Fields: []string{"repository", "description"},
		From: sameRepo.Repository, To: "registry.example.com/other/hello",
		Moved: []string{"hello@0.1.0", "hello@0.2.0", "hello@0.3.0", "hello@0.3.1"},
	}}
	if fmt.Sprint(res.Updated) != fmt.Sprint(want) || strings.Join(res.New, ",") != "hello@0.9.0" {
		t.Errorf("moved: updated %+v, new %v\nwant %+v", res.Updated, res.New, want)
	}
	if all, _ := readAll(t, tgt, "latest"); all["hello"].Repository != "registry.example.com/other/hello" || len(all["hello"].Versions) != 5 {
		t.Errorf("after the move: %+v", all["hello"])
	}

	// A version re-added at the old repository, the same bytes: moving back is refused
	// too, and with MoveRepository the version is replaced, not unchanged.
	back := at("demo/hello", "0.1.0")
	if _, err := Add(ctx, tgt, "", []Package{back}, PublishOptions{}); fault.KindOf(err) != fault.Conflict ||
		!strings.Contains(err.Error(), "with versions 0.2.0, 0.3.0, 0.3.1, 0.9.0, and this adds 0.1.0 at registry.example.com/demo/hello") {
		t.Errorf("moving back: %v", err)
	}
	res, err = Add(ctx, tgt, "", []Package{back}, PublishOptions{MoveRepository: true})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Replaced, ",") != "hello@0.1.0" || len(res.Unchanged) != 0 || len(res.Updated) != 1 || res.Updated[0].From != "registry.example.com/other/hello" {
		t.Errorf("moving back: replaced %v, unchanged %v, updated %+v", res.Replaced, res.Unchanged, res.Updated)
	}

	// A change that lists every version at the new repository leaves none behind: no
	// flag needed, and the update says the repository changed.
	all := at("new/hello", "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.9.0")
	res, err = Add(ctx, tgt, "", []Package{all}, PublishOptions{})
	if err != nil {
		t.Fatalf("every version at the new repository: %v", err)
	}
	if len(res.Updated) != 1 || res.Updated[0].To != all.Repository || len(res.Updated[0].Moved) != 0 || len(res.Replaced) != 5 {
		t.Errorf("every version moved: replaced %v, updated %+v", res.Replaced, res.Updated)
	}

	// Only metadata: the version is unchanged, the package is updated.
	desc := at("new/hello", "0.9.0")
	desc.Description = "new words"
	res, err = Add(ctx, tgt, "", []Package{desc}, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Unchanged, ",") != "hello@0.9.0" || fmt.Sprint(res.Updated) != fmt.Sprint([]PackageUpdate{{Name: "hello", Fields: []string{"description"}}}) {
		t.Errorf("a new description: unchanged %v, updated %+v", res.Unchanged, res.Updated)
	}
}
