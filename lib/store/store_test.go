package store

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/api"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/ref"
)

// published pushes a package with the given package.yaml spec lines and files to a new
// layout and returns the target and the root descriptor.
func published(t *testing.T, name, spec string, files map[string]string) (*oci.Target, ocispec.Descriptor) {
	t.Helper()
	dir := t.TempDir()
	yaml := "apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: " + name + "\n  version: 1.0.0\nspec:\n" + spec
	os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(yaml), 0o644)
	for f, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o755)
	}
	p, err := pkgspec.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := publish.Build(dir, p, publish.Options{Getenv: func(string) string { return "0" }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), name))
	ctx := context.Background()
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Close() })
	if _, err := publish.Push(ctx, target, a, publish.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	return target, a.Root.Desc
}

func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "home"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("%s should be empty, holds %d entries (%s…)", dir, len(ents), ents[0].Name())
	}
}

func TestInstallLinksAndRecords(t *testing.T) {
	t.Parallel()
	target, root := published(t, "hello", "  bin: [bin/hello]\n", map[string]string{"bin/hello": "#!/bin/sh\necho hi\n"})
	s := openStore(t)
	inst, err := s.Install(context.Background(), target, root, InstallOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if inst.Name != "hello" || inst.Version != "1.0.0" || inst.Reason != api.ReasonExplicit || inst.Digest != root.Digest.String() {
		t.Errorf("installed: %+v", inst)
	}
	if data, err := os.ReadFile(filepath.Join(s.Home, "bin", "hello")); err != nil || !strings.Contains(string(data), "echo hi") {
		t.Fatalf("bin/hello does not lead to the package: %q %v", data, err)
	}
	link, _ := os.Readlink(filepath.Join(s.Home, "bin", "hello"))
	if filepath.IsAbs(link) {
		t.Errorf("bin link %q is absolute: the home could not move", link)
	}
	// Every blob of the package is in the store's layout, content addressed.
	manifestPath := s.BlobPath(root.Digest)
	if data, err := os.ReadFile(manifestPath); err != nil || digest.FromBytes(data) != root.Digest {
		t.Errorf("manifest blob missing or wrong in store: %v", err)
	}
	list, err := s.List()
	if err != nil || len(list) != 1 || list[0].Path != s.TreePath(root.Digest) {
		t.Fatalf("List: %+v %v", list, err)
	}
	// Installing again is a no-op that still succeeds.
	if _, err := s.Install(context.Background(), target, root, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	assertEmpty(t, filepath.Join(s.Home, "tmp"))
}

func TestInstallRefusesTamperedBlob(t *testing.T) {
	t.Parallel()
	target, root := published(t, "tampered", "", map[string]string{"data.txt": strings.Repeat("payload ", 1000)})
	// Corrupt the layer inside the source layout: the bytes no longer match the digest.
	blobs := filepath.Join(target.Ref.Path, "blobs", "sha256")
	ents, _ := os.ReadDir(blobs)
	var biggest string
	var size int64
	for _, e := range ents {
		if info, _ := e.Info(); info.Size() > size {
			biggest, size = e.Name(), info.Size()
		}
	}
	p := filepath.Join(blobs, biggest)
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0xff
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	_, err := s.Install(context.Background(), target, root, InstallOptions{})
	if fault.KindOf(err) != fault.Verify {
		t.Fatalf("want a verification failure, got %v", err)
	}
	assertEmpty(t, filepath.Join(s.Home, "pkgs", "sha256"))
	assertEmpty(t, filepath.Join(s.Home, "tmp"))
	if list, _ := s.List(); len(list) != 0 {
		t.Errorf("a refused package was recorded: %+v", list)
	}
}

// multiPlatformLock publishes a package for linux/amd64 and linux/arm64 and describes
// it as a Lock does, each platform's digest chosen by digestOf from the index's entries.
func multiPlatformLock(t *testing.T, digestOf func(m ocispec.Descriptor, all []ocispec.Descriptor) digest.Digest) (*oci.Target, ocispec.Descriptor, Package) {
	t.Helper()
	spec := "  platforms:\n    linux/amd64: amd\n    linux/arm64: arm\n"
	target, root := published(t, "multi", spec, map[string]string{"amd/f": "amd", "arm/f": "arm"})
	idx, err := target.FetchManifest(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	index, err := artifact.DecodeIndex(idx, "test")
	if err != nil {
		t.Fatal(err)
	}
	p := lockPackage("multi", target, root, api.ReasonExplicit, nil, nil)
	p.Platforms = nil
	for _, m := range index.Manifests {
		p.Platforms = append(p.Platforms, api.Platform{Platform: artifact.PlatformString(m.Platform), Digest: digestOf(m, index.Manifests).String()})
	}
	return target, root, p
}

// A Lock names the platform manifest; the install keeps the index anyway, so that the
// package can be installed again by its index digest with no network.
func TestLockInstallKeepsTheIndex(t *testing.T) {
	t.Parallel()
	target, root, p := multiPlatformLock(t, func(m ocispec.Descriptor, _ []ocispec.Descriptor) digest.Digest { return m.Digest })
	s := openStore(t)
	if _, err := s.InstallSet(context.Background(), []Package{p}, InstallOptions{Platform: "linux/arm64"}); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(s.BlobPath(root.Digest)); err != nil || digest.FromBytes(data) != root.Digest {
		t.Fatalf("the store lacks the index %s after a lock install: %v", root.Digest, err)
	}
	// By index digest, offline, with the source gone: found in the store.
	os.RemoveAll(target.Ref.Path)
	byRoot := p
	byRoot.Platforms, byRoot.Target = nil, nil
	out, err := s.InstallSet(context.Background(), []Package{byRoot}, InstallOptions{Platform: "linux/arm64", Offline: true})
	if err != nil {
		t.Fatalf("offline install by index digest: %v", err)
	}
	if out[0].Platform != "linux/arm64" {
		t.Errorf("installed %s", out[0].Platform)
	}
}

// A Lock whose platform digest its root index does not list for that platform (edited,
// or hostile: the arm64 entry naming the amd64 build) is refused, and nothing recorded:
// the manifest installed must be the one the root names.
func TestLockPlatformNotInItsIndex(t *testing.T) {
	t.Parallel()
	// Each platform names the other's build.
	_, root, p := multiPlatformLock(t, func(m ocispec.Descriptor, all []ocispec.Descriptor) digest.Digest {
		if m.Digest == all[0].Digest {
			return all[1].Digest
		}
		return all[0].Digest
	})
	s := openStore(t)
	_, err := s.InstallSet(context.Background(), []Package{p}, InstallOptions{Platform: "linux/arm64"})
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), "which its root index "+root.Digest.String()+" does not list for that platform") {
		t.Fatalf("a lock naming another platform's build: %v", err)
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Errorf("recorded %+v", list)
	}
}

func TestInstallPlatformSelection(t *testing.T) {
	t.Parallel()
	spec := "  platforms:\n    linux/amd64: amd\n    linux/arm64/v8: arm\n"
	target, root := published(t, "multi", spec, map[string]string{"amd/f": "amd", "arm/f": "arm"})
	s := openStore(t)
	inst, err := s.Install(context.Background(), target, root, InstallOptions{Platform: "linux/arm64"})
	if err != nil {
		t.Fatal(err)
	}
	if inst.Platform != "linux/arm64/v8" {
		t.Errorf("linux/arm64 picked %s, want the v8 variant", inst.Platform)
	}
	if data, _ := os.ReadFile(filepath.Join(inst.Path, "f")); string(data) != "arm" {
		t.Errorf("wrong platform's content: %q", data)
	}
	_, err = s.Install(context.Background(), target, root, InstallOptions{Platform: "windows/amd64"})
	if fault.KindOf(err) != fault.NotFound || !strings.Contains(err.Error(), "it has: linux/amd64, linux/arm64/v8") {
		t.Errorf("missing platform: %v", err)
	}
}

func TestBinClashIsRefused(t *testing.T) {
	t.Parallel()
	t1, r1 := published(t, "one", "  bin: [bin/tool]\n", map[string]string{"bin/tool": "1"})
	t2, r2 := published(t, "two", "  bin: [bin/tool]\n", map[string]string{"bin/tool": "2"})
	s := openStore(t)
	if _, err := s.Install(context.Background(), t1, r1, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Install(context.Background(), t2, r2, InstallOptions{})
	if fault.KindOf(err) != fault.Conflict || !strings.Contains(err.Error(), "bin/tool is already provided by one 1.0.0") {
		t.Fatalf("clash: %v", err)
	}
}

func TestCorruptInstalledFile(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	os.WriteFile(filepath.Join(s.Home, "installed.yaml"), []byte("apiVersion: longshore.dev/v1alpha1\nkind: Installed\nname: x\nbogus: 1\n"), 0o644)
	_, err := s.List()
	if err == nil || !strings.Contains(err.Error(), "installed.yaml is corrupt") || !strings.Contains(err.Error(), ":4") {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(fault.HintOf(err), "reinstall") {
		t.Errorf("hint does not say how to repair: %q", fault.HintOf(err))
	}
}

// A record the store did not write is refused, never trusted: gc would delete what it
// fails to name, and exec would run what its path and entry points say.
func TestTamperedInstalledRecords(t *testing.T) {
	t.Parallel()
	target, root := published(t, "tool", "  bin: [bin/tool]\n", map[string]string{"bin/tool": "x"})
	s := openStore(t)
	if _, err := s.Install(context.Background(), target, root, InstallOptions{}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(s.Home, "installed.yaml")
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pathLine := regexp.MustCompile(`(?m)^path: .*$`).Find(good)
	for _, tc := range []struct{ name, from, to, want string }{
		{"cut short in the path", string(pathLine), "path: pkgs/", `path "pkgs/" is not its tree`},
		{"path outside the store", string(pathLine), "path: ../../../etc/sha256/x", "is not its tree"},
		{"unknown reason", "reason: explicit", "reason: bogus", `reason "bogus" is not explicit, dependency or patch`},
		{"malformed digest", "digest: sha256:", "digest: sha256:zz", "is not a sha256 digest"},
		{"no version", "version: 1.0.0", "version: \"\"", "a record needs a name, a version"},
		{"not a version", "version: 1.0.0", "version: banana", `version "banana" is not a semantic version`},
		{"not a source", "source: ", "source: not a ref at all #", "is not a reference"},
		{"entry point outside the tree", "- bin/tool", "- ../../../../usr/bin/tool", `entry point "../../../../usr/bin/tool" is not a path inside its tree`},
		{"a constraint that is none", "reason: explicit", "reason: explicit\nconstraint: \"^^1\"", `constraint "^^1"`},
		{"a dependency's constraint", "reason: explicit", "reason: dependency\nconstraint: ^1", `a constraint ("^1") is recorded only for an explicit install`},
		{"a name that is a path", "name: tool", "name: ../../tool", `name "../../tool" is not a package name`},
		{"a platform with an escape", "platform: any", "platform: \"linux/amd64/\\e]0;x\\a\"", `platform "linux/amd64/\x1b]0;x\a" is not os/arch[/variant]`},
		{"a tap that is a path", "reason: explicit", "reason: explicit\ntap: ../x", `tool: tap "../x" is not a tap name`},
		{"an index that is no digest", "reason: explicit", "reason: explicit\nindex: latest", `tool: index "latest" is not a sha256 digest`},
		{"a dependency that is a path", "reason: explicit", "reason: explicit\ndependencies: [../x]", `tool: "../x" is neither a package name nor a repository`},
	} {
		bad := strings.Replace(string(good), tc.from, tc.to, 1)
		if bad == string(good) {
			t.Fatalf("%s: %q is not in installed.yaml:\n%s", tc.name, tc.from, good)
		}
		if err := os.WriteFile(file, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := s.List()
		if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), "installed.yaml is corrupt") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	os.WriteFile(file, good, 0o644)
	list, err := s.List()
	if err != nil || len(list) != 1 {
		t.Fatalf("the untouched file: %v, %d records", err, len(list))
	}
	// What pkg-pull list prints, with its path into this home, is a record that
	// pkg-pull -f takes from another home: CheckRecord leaves the path alone.
	if err := CheckRecord(list[0]); err != nil {
		t.Errorf("CheckRecord of a listed record (path %s): %v", list[0].Path, err)
	}
	exported := *list[0]
	exported.Path = ""
	if err := CheckRecord(&exported); err != nil {
		t.Errorf("CheckRecord of a record without a path: %v", err)
	}
	exported.Reason = "bogus"
	if err := CheckRecord(&exported); err == nil || !strings.Contains(err.Error(), `reason "bogus" is not explicit, dependency or patch`) {
		t.Errorf("CheckRecord of a bogus reason: %v", err)
	}
}

func TestConcurrentInstallsOfOnePackage(t *testing.T) {
	t.Parallel()
	target, root := published(t, "shared", "  bin: [bin/shared]\n", map[string]string{"bin/shared": "x", "lib/a": "a"})
	s := openStore(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Separate Store values, as separate processes would have.
			_, errs[i] = (&Store{Home: s.Home}).Install(context.Background(), target, root, InstallOptions{})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(s.Home, "pkgs", "sha256"))
	if len(ents) != 1 {
		t.Errorf("%d trees, want one copy", len(ents))
	}
	assertEmpty(t, filepath.Join(s.Home, "tmp"))
	if list, _ := s.List(); len(list) != 1 {
		t.Errorf("installed.yaml holds %d records, want 1", len(list))
	}
}

// TestDeletedVersionHint: a Lock's package whose manifest (or a layer) its layout no
// longer has — a mirror copied in part, or the version deleted — fails as not found
// with a hint saying so and how to get a version that exists (the registry's hint,
// "the registry no longer has this version", is e2e/gc_test.go's). Installed by
// reference (no Lock), the same failure gets no such hint.
func TestDeletedVersionHint(t *testing.T) {
	t.Parallel()
	const hint = "the layout lacks it (a mirror copied in part, or the version deleted from it): copy the mirror again, whole, from where it was made, or resolve a version the layout has"
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		delete func(t *testing.T, target *oci.Target, root ocispec.Descriptor)
		want   string
	}{
		{"manifest", func(t *testing.T, target *oci.Target, root ocispec.Descriptor) {
			if err := target.Delete(ctx, root); err != nil {
				t.Fatal(err)
			}
		}, "@sha256:"},
		{"layer", func(t *testing.T, target *oci.Target, root ocispec.Descriptor) {
			data, err := target.FetchManifest(ctx, root)
			if err != nil {
				t.Fatal(err)
			}
			m, err := artifact.DecodeManifest(data, "test")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(target.Ref.Path, "blobs", "sha256", m.Layers[0].Digest.Encoded())); err != nil {
				t.Fatal(err)
			}
		}, "fetching blob sha256:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target, root := published(t, "hello", "", map[string]string{"f": "hello"})
			tt.delete(t, target, root)

			_, err := openStore(t).InstallSet(ctx, []Package{lockPackage("hello", target, root, api.ReasonExplicit, nil, nil)}, InstallOptions{})
			if fault.KindOf(err) != fault.NotFound || !strings.Contains(err.Error(), tt.want) || !strings.HasSuffix(err.Error(), ": not found") {
				t.Fatalf("a Lock's deleted %s: %v", tt.name, err)
			}
			if got := fault.HintOf(err); got != hint {
				t.Errorf("a Lock's deleted %s: hint %q, want %q", tt.name, got, hint)
			}

			_, err = openStore(t).Install(ctx, target, root, InstallOptions{})
			if fault.KindOf(err) != fault.NotFound || fault.HintOf(err) != "" {
				t.Errorf("installed by reference, deleted %s: %v (hint %q)", tt.name, err, fault.HintOf(err))
			}
		})
	}
}

// A home that is a file, or under one, is refused up front with the fix, not on the
// first file every command opens ("not a directory"); one that does not exist is fine.
func TestDefaultHomeIsADirectory(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{file, filepath.Join(file, "sub")} {
		_, err := DefaultHome(func(string) string { return h })
		if err == nil || fault.KindOf(err) != fault.Unknown || !strings.Contains(err.Error(), "LONGSHORE_HOME="+h) || !strings.Contains(fault.HintOf(err), "set LONGSHORE_HOME to a directory") {
			t.Errorf("LONGSHORE_HOME=%s: %v (hint %q)", h, err, fault.HintOf(err))
		}
	}
	missing := filepath.Join(t.TempDir(), "new")
	if got, err := DefaultHome(func(string) string { return missing }); err != nil || got != missing {
		t.Errorf("a home not made yet: %q, %v", got, err)
	}
}
