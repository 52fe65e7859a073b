package gc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/store"
)

func TestCollect(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.s
	treesBefore := len(names(s.TreesDir()))
	if treesBefore != 5 {
		t.Fatalf("fixture has %d trees, want 5", treesBefore)
	}

	plan := collect(t, s, Options{DryRun: true})
	if !plan.DryRun || plan.FreedBytes <= 0 {
		t.Errorf("dry run: %+v", plan)
	}
	if got := len(names(s.TreesDir())); got != 5 {
		t.Fatalf("a dry run removed trees: %d left", got)
	}
	var kinds []string
	for _, it := range plan.Items {
		kinds = append(kinds, it.Kind)
		if it.Reason == "" || it.Path == "" {
			t.Errorf("item without path or reason: %+v", it)
		}
	}
	// Links go first, then trees, blobs and staging: the order of deletion.
	if !slices.IsSortedFunc(kinds, func(a, b string) int { return phase[a] - phase[b] }) {
		t.Errorf("items not in deletion order: %v", kinds)
	}
	count := map[string]int{}
	for _, k := range kinds {
		count[k]++
	}
	// Two replaced trees; their layers and configs and manifests (2×3) plus the stray
	// blob and the partial write; the staging dir; the half-switched link.
	want := map[string]int{api.GCTree: 2, api.GCBlob: 8, api.GCTmp: 1, api.GCLink: 1}
	if !maps.Equal(count, want) {
		t.Errorf("plan holds %v, want %v:\n%s", count, want, strings.Join(itemPaths(plan), "\n"))
	}
	if plan.Kept.Roots != 3 || plan.Kept.Trees != 3 || plan.Kept.Blobs != 9 || plan.Kept.Links != 2 {
		t.Errorf("kept: %+v", plan.Kept)
	}

	done := collect(t, s, Options{})
	if done.DryRun || !slices.Equal(itemPaths(done), itemPaths(plan)) || done.FreedBytes != plan.FreedBytes {
		t.Errorf("the real run did not execute the plan:\nplan %v (%d bytes)\nrun  %v (%d bytes)", itemPaths(plan), plan.FreedBytes, itemPaths(done), done.FreedBytes)
	}
	f.checkConsistent(t)
	if got := names(s.TmpDir()); len(got) != 0 {
		t.Errorf("tmp/ holds %v after a collection", got)
	}
	if got := len(names(s.TreesDir())); got != 3 {
		t.Errorf("%d trees left, want 3", got)
	}
	if got := len(names(s.BlobsDir())); got != 9 {
		t.Errorf("%d blobs left, want 9", got)
	}
	// Nothing is left to collect, and a replaced version installs again.
	if again := collect(t, s, Options{DryRun: true}); len(again.Items) != 0 {
		t.Errorf("a second collection finds %v", itemPaths(again))
	}
	f.replaced[0].install(t, s, f.layouts)
	f.installed[1] = f.replaced[0]
	f.checkConsistent(t)
}

// TestNothingOutsideHome plants links in pkgs/, bin/, tmp/ and store/ that lead to a
// directory outside the home, with read-only content: it survives unchanged.
func TestNothingOutsideHome(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.s
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(outside, "sub", "bin"), 0o755)
	for _, name := range []string{"precious.txt", "sub/keep.txt", "sub/bin/x"} {
		os.WriteFile(filepath.Join(outside, filepath.FromSlash(name)), []byte("mine: "+name), 0o444)
	}
	os.Chmod(filepath.Join(outside, "sub"), 0o555)
	t.Cleanup(func() { os.Chmod(filepath.Join(outside, "sub"), 0o755) })
	before := files(t, outside)

	garbage := strings.Repeat("ef", 32)
	for _, link := range []string{
		filepath.Join(s.TreesDir(), garbage),                      // a tree name that is a link
		filepath.Join(s.TreesDir(), "not-a-digest"),               // a stray name
		filepath.Join(s.BinDir(), "evil"),                         // a link out of the home
		filepath.Join(s.BinDir(), "evil.tmp-link"),                // named as staged links once were
		filepath.Join(s.BinDir(), store.LinkStagingPrefix+"mine"), // named as staged links are
		filepath.Join(s.TmpDir(), "install-evil"),                 // staging that is a link
		filepath.Join(s.TmpDir(), "gc-evil"),                      // an interrupted gc's dir that is a link
		filepath.Join(s.BlobsDir(), strings.Repeat("12", 32)),     // a blob that is a link
	} {
		if err := os.Symlink(outside, link); err != nil {
			t.Fatal(err)
		}
	}
	// A link into the store that leads through a planted tree link to the outside.
	os.Symlink("../pkgs/sha256/"+garbage+"/sub/bin/x", filepath.Join(s.BinDir(), "x"))

	r := collect(t, s, Options{})
	if after := files(t, outside); !maps.Equal(before, after) {
		t.Fatalf("content outside the home changed:\nbefore %v\nafter  %v", before, after)
	}
	for _, it := range r.Items {
		if strings.Contains(it.Path, "..") || filepath.IsAbs(it.Path) {
			t.Errorf("item outside the home: %+v", it)
		}
	}
	// The planted links into the store are gone (the link only); the one out of the
	// home is not the store's to judge.
	for _, gone := range []string{"pkgs/sha256/" + garbage, "pkgs/sha256/not-a-digest", "tmp/install-evil", "tmp/gc-evil", "bin/x", "store/blobs/sha256/" + strings.Repeat("12", 32)} {
		if exists(filepath.Join(s.Home, gone)) {
			t.Errorf("%s is still there", gone)
		}
	}
	for _, name := range []string{"evil", "evil.tmp-link", store.LinkStagingPrefix + "mine"} {
		if !exists(filepath.Join(s.BinDir(), name)) {
			t.Errorf("bin/%s, a link out of the home, was removed", name)
		}
	}
	f.checkConsistent(t)
}

// TestHomeDirectoryLinkRefused: a store directory that is itself a link is refused.
func TestHomeDirectoryLinkRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "install-x"), []byte("mine"), 0o644)
	tmp := f.s.TmpDir()
	if err := removeAll(tmp); err != nil {
		t.Fatal(err)
	}
	os.Symlink(outside, tmp)
	_, err := Collect(context.Background(), f.s, Options{})
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("got %v", err)
	}
	if !exists(filepath.Join(outside, "install-x")) {
		t.Error("a file outside the home was removed")
	}
}

// TestCrashAtEveryStep stops a collection before each of its steps, as a kill would,
// then checks the store: every installed package intact, an install of a version it
// was collecting works, and a follow-up collection leaves exactly the kept set.
func TestCrashAtEveryStep(t *testing.T) {
	// beforeStep is a package variable: this test does not run in parallel with the
	// other collections.
	steps := 0
	{
		f := newFixture(t)
		beforeStep = func(string, *api.GCItem) error { steps++; return nil }
		collect(t, f.s, Options{})
		beforeStep = func(string, *api.GCItem) error { return nil }
	}
	if steps < 10 {
		t.Fatalf("a collection takes only %d steps", steps)
	}
	errKilled := errors.New("killed")
	for stop := range steps {
		t.Run(fmt.Sprintf("step%d", stop), func(t *testing.T) {
			f := newFixture(t)
			n := 0
			beforeStep = func(step string, item *api.GCItem) error {
				if n == stop {
					return errKilled
				}
				n++
				return nil
			}
			_, err := Collect(context.Background(), f.s, Options{})
			beforeStep = func(string, *api.GCItem) error { return nil }
			if !errors.Is(err, errKilled) {
				t.Fatalf("the collection was not stopped: %v", err)
			}
			f.checkConsistent(t)
			// No link of an installed package may lead nowhere.
			for _, name := range names(f.s.BinDir()) {
				if strings.HasPrefix(name, store.LinkStagingPrefix) {
					continue
				}
				if _, err := os.Stat(filepath.Join(f.s.BinDir(), name)); err != nil {
					t.Errorf("bin/%s leads nowhere after the crash", name)
				}
			}
			// An install right after the crash, of a version the collection was
			// removing, must not trust anything half removed.
			f.replaced[1].install(t, f.s, f.layouts)
			f.installed[2] = f.replaced[1]
			f.checkConsistent(t)
			collect(t, f.s, Options{})
			f.checkConsistent(t)
			if got := names(f.s.TmpDir()); len(got) != 0 {
				t.Errorf("tmp/ holds %v after the follow-up collection", got)
			}
			if got := len(names(f.s.TreesDir())); got != 3 {
				t.Errorf("%d trees after the follow-up collection, want 3", got)
			}
		})
	}
}

func TestKeepDocuments(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hello1, tool1 := f.replaced[0], f.replaced[1]
	// An Installed document of hello 1.0.0 (from another home) and a Lock naming tool
	// 1.0.0 keep their trees; a PackageRef of an installed package keeps it (it is kept
	// anyway); a PackageRef of nothing installed keeps nothing.
	instDoc := installedDoc(t, f, hello1)
	toolDoc := installedDoc(t, f, tool1)
	lock := api.NewLock()
	lock.Packages = []api.LockedPackage{{Name: "tool", Version: "1.0.0", Repository: "ocidir://x", Digest: toolDoc.Digest,
		Platforms: []api.Platform{{Platform: "any", Digest: toolDoc.Digest}}, Reason: api.ReasonRequested}}
	ref := api.NewPackageRef()
	ref.Name = "hello"
	docs := keepDocs(t, instDoc, lock, ref)

	r := collect(t, f.s, Options{Keep: docs})
	for _, it := range r.Items {
		if it.Kind == api.GCTree {
			t.Errorf("a kept tree was collected: %+v", it)
		}
	}
	if r.Kept.Trees != 5 || r.Kept.Roots != 6 {
		t.Errorf("kept %+v, want 5 trees and 6 roots", r.Kept)
	}
	chains, err := Why(f.s, Options{Keep: docs}, toolDoc.Digest)
	if err != nil || len(chains) != 1 || !strings.HasPrefix(chains[0].String(), "keep.yaml:") || !strings.Contains(chains[0].String(), "tool 1.0.0 (lock, requested) -> manifest "+toolDoc.Digest) {
		t.Errorf("why %s: %v %v", toolDoc.Digest, chains, err)
	}

	// Unknown kinds are refused, not ignored.
	pub := api.NewPublished()
	pub.Name = "x"
	if _, err := Collect(context.Background(), f.s, Options{Keep: keepDocs(t, pub)}); err == nil || !strings.Contains(err.Error(), `kind "Published" is not read here`) {
		t.Errorf("a Published document: %v", err)
	}
}

func TestRegisteredLock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	toolDoc := installedDoc(t, f, f.replaced[1])
	project := t.TempDir()
	lockFile := filepath.Join(project, "tools.lock.yaml")
	var buf strings.Builder
	buf.WriteString("apiVersion: longshore.dev/v1alpha1\nkind: Installed\nname: tool\nversion: 1.0.0\nplatform: any\n")
	buf.WriteString("digest: " + toolDoc.Digest + "\nsource: " + toolDoc.Source + "\npath: x\nreason: explicit\n")
	os.WriteFile(lockFile, []byte(buf.String()), 0o644)

	if _, err := Register(f.s, filepath.Join(project, "missing.yaml")); fault.KindOf(err) != fault.NotFound {
		t.Errorf("registering a missing file: %v", err)
	}
	bad := filepath.Join(project, "bad.yaml")
	os.WriteFile(bad, []byte("kind: Nope\n"), 0o644)
	if _, err := Register(f.s, bad); fault.KindOf(err) != fault.Usage {
		t.Errorf("registering a bad file: %v", err)
	}
	// A file that keeps nothing is refused: most often a failed `pkg-dep resolve … > FILE`.
	for name, content := range map[string]string{
		"empty.yaml":     "",
		"comments.yaml":  "# nothing yet\n---\n",
		"emptylock.yaml": "apiVersion: longshore.dev/v1alpha1\nkind: Lock\n",
	} {
		want := "it holds no Lock, Installed or PackageRef document, so it would keep nothing"
		if name == "emptylock.yaml" {
			want = "its Lock lists no package, so it would keep nothing"
		}
		file := filepath.Join(project, name)
		os.WriteFile(file, []byte(content), 0o644)
		if _, err := Register(f.s, file); fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), want) {
			t.Errorf("registering %s: %v, want a usage error saying %q", name, err, want)
		}
	}
	abs, err := Register(f.s, lockFile)
	if err != nil || abs != lockFile {
		t.Fatalf("register: %q %v", abs, err)
	}
	if _, err := Register(f.s, lockFile); err != nil { // twice is fine, one entry
		t.Fatal(err)
	}
	if reg, warnings, err := Registered(f.s); !slices.Equal(reg, []string{lockFile}) || len(warnings) != 0 || err != nil {
		t.Errorf("registered: %v, warnings %v, %v", reg, warnings, err)
	}
	r := collect(t, f.s, Options{DryRun: true})
	trees := 0
	for _, it := range r.Items {
		if it.Kind == api.GCTree {
			trees++
			if it.Digest == toolDoc.Digest {
				t.Errorf("the registered lock's tree is in the plan")
			}
		}
	}
	if trees != 1 || len(r.Warnings) != 0 {
		t.Errorf("plan removes %d trees (want 1), warnings %v", trees, r.Warnings)
	}
	chains, err := Why(f.s, Options{}, "tool")
	if err != nil || len(chains) != 2 || !strings.HasPrefix(chains[1].String(), "registered "+lockFile+":1: tool 1.0.0") {
		t.Errorf("why tool: %v %v", chains, err)
	}

	// A registered lock emptied since (a failed `pkg-dep resolve … > FILE`) keeps
	// nothing: a dry run says so, and a collection refuses, removing nothing, since it
	// would remove what the file was meant to keep.
	for name, tt := range map[string]struct{ content, why string }{
		"emptied":        {"", "it holds no Lock, Installed or PackageRef document"},
		"a lock of none": {"apiVersion: longshore.dev/v1alpha1\nkind: Lock\n", "its Lock lists no package"},
		"only a comment": {"# resolving…\n", "it holds no Lock, Installed or PackageRef document"},
	} {
		os.WriteFile(lockFile, []byte(tt.content), 0o644)
		r = collect(t, f.s, Options{DryRun: true})
		want := "registered lock " + lockFile + " keeps nothing: " + tt.why + "; a collection refuses to run until it is written again or forgotten with pkg-gc --unregister " + lockFile
		if !slices.Equal(r.Warnings, []string{want}) {
			t.Errorf("%s: a dry run warns %q, want %q", name, r.Warnings, want)
		}
		if reg, warnings, err := Registered(f.s); !slices.Equal(reg, []string{lockFile}) || !slices.Equal(warnings, []string{want}) || err != nil {
			t.Errorf("%s: registered %v, warnings %q, %v", name, reg, warnings, err)
		}
		_, err := Collect(context.Background(), f.s, Options{})
		if fault.KindOf(err) != fault.Verify || err.Error() != "registered lock "+lockFile+" keeps nothing: "+tt.why ||
			fault.HintOf(err) != "the collection would remove what the file was meant to keep: write it again (check that the command that wrote it succeeded; look with --dry-run), or forget it with pkg-gc --unregister "+lockFile {
			t.Errorf("%s: a collection: %v (hint %q)", name, err, fault.HintOf(err))
		}
		if !exists(f.s.TreePath(digest.Digest(toolDoc.Digest))) {
			t.Fatalf("%s: a refused collection removed the tree the lock kept", name)
		}
	}

	// A corrupt registered lock stops the collection: what it keeps is unknown.
	os.WriteFile(lockFile, []byte("apiVersion: longshore.dev/v1alpha1\nkind: Installed\nname: tool\nversoin: 1\n"), 0o644)
	if _, err := Collect(context.Background(), f.s, Options{}); fault.KindOf(err) != fault.Verify || !strings.Contains(fault.HintOf(err), "--unregister") {
		t.Errorf("a corrupt registered lock: %v", err)
	}
	// A registered lock that is gone (deleted, moved, on a disk not mounted) is refused
	// the same way; once forgotten, the collection removes what it kept.
	os.Remove(lockFile)
	r = collect(t, f.s, Options{DryRun: true})
	want := "registered lock " + lockFile + " is gone, so it keeps nothing; a collection refuses to run until it is back or forgotten with pkg-gc --unregister " + lockFile
	if !slices.Equal(r.Warnings, []string{want}) {
		t.Errorf("a gone lock: a dry run warns %q, want %q", r.Warnings, want)
	}
	if reg, warnings, err := Registered(f.s); !slices.Equal(reg, []string{lockFile}) || !slices.Equal(warnings, []string{want}) || err != nil {
		t.Errorf("a gone lock: registered %v, warnings %q, %v", reg, warnings, err)
	}
	if _, err := Collect(context.Background(), f.s, Options{}); fault.KindOf(err) != fault.NotFound || err.Error() != "registered lock "+lockFile+" is gone" ||
		fault.HintOf(err) != "the collection would remove what the file was meant to keep: put it back (moved: pkg-gc --register it where it is now), or forget it with pkg-gc --unregister "+lockFile {
		t.Errorf("a gone lock: a collection: %v (hint %q)", err, fault.HintOf(err))
	}
	if !exists(f.s.TreePath(digest.Digest(toolDoc.Digest))) {
		t.Fatal("a refused collection removed the tree the gone lock kept")
	}
	if _, err := Unregister(f.s, lockFile); err != nil {
		t.Fatal(err)
	}
	if r := collect(t, f.s, Options{}); len(r.Warnings) != 0 || exists(f.s.TreePath(digest.Digest(toolDoc.Digest))) {
		t.Errorf("after --unregister: warnings %q, the tree of the forgotten lock kept: %v", r.Warnings, exists(f.s.TreePath(digest.Digest(toolDoc.Digest))))
	}
	if _, err := Unregister(f.s, lockFile); fault.KindOf(err) != fault.NotFound {
		t.Errorf("unregistering twice: %v", err)
	}
}

func TestWhy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	list, _ := f.s.List()
	hello := list[1]
	m := digest.Digest(hello.Digest)
	refs := readManifest(f.s, m)
	if refs.missing != "" || len(refs.layers) != 1 {
		t.Fatalf("manifest refs: %+v", refs)
	}
	layer := refs.layers[0]
	root := "installed.yaml: hello 2.0.0 (explicit)"
	tests := []struct {
		what, want string
		kind       fault.Kind
	}{
		{"hello", root + " -> manifest " + m.String() + " (tree pkgs/sha256/" + m.Encoded() + ")", 0},
		{"core/hello", root + " -> manifest " + m.String() + " (tree pkgs/sha256/" + m.Encoded() + ")", 0},
		{m.String(), root + " -> manifest " + m.String() + " (tree pkgs/sha256/" + m.Encoded() + ")", 0},
		{layer.String(), root + " -> manifest " + m.String() + " -> layer " + layer.String(), 0},
		{"sha256:" + layer.Encoded()[:10], root + " -> manifest " + m.String() + " -> layer " + layer.String(), 0},
		{layer.Encoded()[:10], root + " -> manifest " + m.String() + " -> layer " + layer.String(), 0},
		{"sha256:" + strings.Repeat("cd", 32), "is not kept: no root reaches store/blobs/sha256/" + strings.Repeat("cd", 32), fault.NotFound},
		{"sha256:" + strings.Repeat("0", 64), "is not in the store", fault.NotFound},
		{"nosuchpackage", "no installed package, --keep document or registered lock names nosuchpackage", fault.NotFound},
		{"sha256:zz", "nothing in the store has a digest", fault.NotFound},
	}
	for _, tt := range tests {
		chains, err := Why(f.s, Options{}, tt.what)
		if tt.kind != 0 {
			if fault.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("why %s: %v, want %v containing %q", tt.what, err, tt.kind, tt.want)
			}
			continue
		}
		if err != nil || len(chains) != 1 || chains[0].String() != tt.want {
			t.Errorf("why %s:\n got %v %v\nwant %s", tt.what, chains, err, tt.want)
		}
	}
}

// TestMissingManifestBlob: an installed package whose manifest blob is gone keeps its
// tree, and the report says what happened.
func TestMissingManifestBlob(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	list, _ := f.s.List()
	d := digest.Digest(list[0].Digest)
	if err := os.Remove(f.s.BlobPath(d)); err != nil {
		t.Fatal(err)
	}
	r := collect(t, f.s, Options{})
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "manifest "+d.String()+" is not in store/blobs: its tree is kept") {
		t.Errorf("warnings: %v", r.Warnings)
	}
	f.checkConsistent(t)
}

// TestKeepNotInStore: a --keep Lock names every platform of its packages, and often
// packages never installed here. The store holds nothing of them, so there is nothing
// to keep: no warning (that the tree "is kept" would be false), only a line under -v.
// An installed record whose manifest and tree are both gone is a warning that says so.
func TestKeepNotInStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	elsewhere := digest.FromString("a manifest of a package never installed here")
	lock := api.NewLock()
	lock.Packages = []api.LockedPackage{{Name: "tool", Version: "1.0.0", Repository: "example.com/tool", Digest: elsewhere.String(),
		Platforms: []api.Platform{{Platform: "linux/riscv64", Digest: elsewhere.String()}}, Reason: api.ReasonRequested}}
	var debug []string
	r := collect(t, f.s, Options{DryRun: true, Keep: keepDocs(t, lock), Debugf: func(format string, args ...any) { debug = append(debug, fmt.Sprintf(format, args...)) }})
	if len(r.Warnings) != 0 {
		t.Errorf("a package the store does not hold: warnings %q", r.Warnings)
	}
	want := "gc: keep.yaml:2: tool 1.0.0 (lock, requested): the store does not hold manifest " + elsewhere.String() + " (not installed here): nothing to keep"
	if !slices.Contains(debug, want) {
		t.Errorf("-v says %q, want %q among it", debug, want)
	}

	list, _ := f.s.List()
	d := digest.Digest(list[0].Digest)
	if err := os.Remove(f.s.BlobPath(d)); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(f.s.TreePath(d)); err != nil {
		t.Fatal(err)
	}
	r = collect(t, f.s, Options{DryRun: true})
	want = fmt.Sprintf("installed.yaml: %s %s (%s): the store holds neither manifest %s nor its tree: it is recorded as installed but is not there (installing it again restores it)",
		list[0].Name, list[0].Version, list[0].Reason, d)
	if !slices.Equal(r.Warnings, []string{want}) {
		t.Errorf("an installed package gone from the store: warnings %q, want %q", r.Warnings, want)
	}
}

func TestMaxAge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.s
	now := time.Now()
	old := now.Add(-10 * 24 * time.Hour)
	mkOld := func(path string, dir bool) {
		t.Helper()
		os.MkdirAll(filepath.Dir(path), 0o755)
		if dir {
			os.MkdirAll(path, 0o755)
		} else {
			os.WriteFile(path, []byte("x"), 0o644)
		}
		if err := os.Chtimes(path, old, old); err != nil {
			t.Fatal(err)
		}
	}
	mkOld(filepath.Join(s.TmpDir(), "other-old"), false)
	os.WriteFile(filepath.Join(s.TmpDir(), "other-new"), []byte("x"), 0o644)
	tap := filepath.Join(s.Home, "taps", "core")
	mkOld(filepath.Join(tap, ".index-stage-1"), true)
	mkOld(filepath.Join(s.Home, "taps", ".add-x-1"), true)
	// The state names a manifest whose config and layer are in use; one blob is not.
	manifest := `{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:` + strings.Repeat("1", 64) + `","size":1},"layers":[{"mediaType":"x","digest":"sha256:` + strings.Repeat("2", 64) + `","size":1}]}`
	md := digest.FromString(manifest)
	blobs := filepath.Join(tap, "blobs", "sha256")
	os.MkdirAll(blobs, 0o755)
	os.WriteFile(filepath.Join(blobs, md.Encoded()), []byte(manifest), 0o644)
	os.WriteFile(filepath.Join(tap, "index-state.json"), []byte(`{"digest":"`+md.String()+`"}`), 0o644)
	for _, name := range []string{strings.Repeat("1", 64), strings.Repeat("2", 64), strings.Repeat("3", 64)} {
		mkOld(filepath.Join(blobs, name), false)
	}
	os.Chtimes(filepath.Join(blobs, md.Encoded()), old, old)
	os.WriteFile(filepath.Join(blobs, strings.Repeat("4", 64)), []byte("new"), 0o644)

	without := collect(t, s, Options{DryRun: true})
	for _, it := range without.Items {
		if it.Kind == api.GCIndexCache || strings.HasPrefix(it.Path, "tmp/other") {
			t.Errorf("collected without --max-age: %+v", it)
		}
	}
	r := collect(t, s, Options{MaxAge: 7 * 24 * time.Hour, Now: func() time.Time { return now }})
	var got []string
	for _, it := range r.Items {
		if it.Kind == api.GCIndexCache || strings.HasPrefix(it.Path, "tmp/other") {
			got = append(got, it.Path)
		}
	}
	want := []string{"tmp/other-old", "taps/.add-x-1", "taps/core/.index-stage-1", "taps/core/blobs/sha256/" + strings.Repeat("3", 64)}
	if !slices.Equal(got, want) {
		t.Errorf("collected %v, want %v", got, want)
	}
	for _, keep := range []string{"tmp/other-new", "taps/core/blobs/sha256/" + strings.Repeat("4", 64), "taps/core/blobs/sha256/" + md.Encoded()} {
		if !exists(filepath.Join(s.Home, keep)) {
			t.Errorf("%s was removed", keep)
		}
	}
}

func TestParseAge(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "36h": 36 * time.Hour, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := ParseAge(in); err != nil || got != want {
			t.Errorf("ParseAge(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "0d", "-1h", "xd", "7days", "d"} {
		if _, err := ParseAge(in); err == nil {
			t.Errorf("ParseAge(%q) accepted", in)
		}
	}
}

// A tree a running program uses (pkg-pull exec holds its lock, inherited across exec)
// is kept, with a warning, until the program exits; a dry run says the same. Its
// manifest, config and layers stay with it, so that installing its version again
// meanwhile finds them (offline too), and go with it afterwards.
func TestTreeInUseIsKept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.s
	old := f.replaced[0] // hello 1.0.0: replaced, so no root keeps its tree
	tree := s.TreePath(old.root.Digest)
	refs := readManifest(s, old.root.Digest)
	if refs.missing != "" || len(refs.layers) == 0 {
		t.Fatalf("the fixture's manifest of hello 1.0.0 %s", refs.missing)
	}
	blobs := append([]digest.Digest{old.root.Digest, refs.config}, refs.layers...)
	blobsPresent := func() (present []string) {
		for _, d := range blobs {
			if _, err := os.Stat(s.BlobPath(d)); err == nil {
				present = append(present, d.String())
			}
		}
		return present
	}
	held, err := s.UseTrees([]*api.Installed{{Name: "hello", Version: "1.0.0", Digest: old.root.Digest.String()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range held {
		if flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd.Fd(), syscall.F_GETFD, 0); errno != 0 || flags&syscall.FD_CLOEXEC != 0 {
			t.Errorf("the lock would not survive exec: flags %d, %v", flags, errno)
		}
	}
	inUse := func(r *api.GCReport) bool {
		return slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, "is in use by a running program") })
	}
	for _, dry := range []bool{true, false} {
		r := collect(t, s, Options{DryRun: dry})
		if !inUse(r) || slices.ContainsFunc(r.Items, func(it api.GCItem) bool { return it.Kind == api.GCTree && it.Digest == old.root.Digest.String() }) {
			t.Errorf("dry run %v: the tree in use is planned for removal, or not reported: %+v", dry, r)
		}
		for _, it := range r.Items {
			if it.Kind == api.GCBlob && slices.Contains(blobs, digest.Digest(it.Digest)) {
				t.Errorf("dry run %v: blob %s of the tree in use is planned for removal", dry, it.Digest)
			}
		}
	}
	if _, err := os.Stat(tree); err != nil {
		t.Fatalf("the tree in use was removed: %v", err)
	}
	if got := blobsPresent(); len(got) != len(blobs) {
		t.Fatalf("blobs of the tree in use left: %v, want all of %v", got, blobs)
	}
	for _, fd := range held {
		fd.Close() // the program exits
	}
	if r := collect(t, s, Options{}); inUse(r) {
		t.Errorf("still reported in use: %v", r.Warnings)
	}
	if _, err := os.Stat(tree); !os.IsNotExist(err) {
		t.Errorf("the tree stayed after its program exited: %v", err)
	}
	if got := blobsPresent(); len(got) != 0 {
		t.Errorf("blobs of the tree stayed after its program exited: %v", got)
	}
	if locks, _ := os.ReadDir(filepath.Join(s.Home, "locks", "trees")); len(locks) != 0 {
		t.Errorf("lock files of removed trees stayed: %v", locks)
	}
}

// TestNothingToCollectIsAnEmptyList: a report with no items says "items": [] in JSON,
// as in YAML and as the schema requires, not null.
func TestNothingToCollectIsAnEmptyList(t *testing.T) {
	t.Parallel()
	s, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, dryRun := range []bool{true, false} {
		r := collect(t, s, Options{DryRun: dryRun})
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if r.Items == nil || !strings.Contains(string(data), `"items":[]`) || strings.Contains(string(data), "warnings") {
			t.Errorf("dry run %v: %s", dryRun, data)
		}
	}
}

// TestRefuseStaleLocks: with several registered locks that keep nothing, the refusal
// names each, and its exit code is the first one's.
func TestRefuseStaleLocks(t *testing.T) {
	t.Parallel()
	err := refuseStaleLocks([]staleLock{{file: "/p/a.yaml"}, {file: "/p/b.yaml", why: "its Lock lists no package"}})
	if fault.KindOf(err) != fault.NotFound || err.Error() != "registered lock /p/a.yaml is gone; registered lock /p/b.yaml keeps nothing: its Lock lists no package" ||
		!strings.Contains(fault.HintOf(err), "forget it with pkg-gc --unregister FILE") {
		t.Errorf("%v (hint %q)", err, fault.HintOf(err))
	}
}
