package store

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/archive"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/ref"
)

// handMade pushes a package no publisher would build: the config as given and one
// layer per list of tar headers (a regular file's body is its Linkname field).
func handMade(t *testing.T, config artifact.Config, layers ...[]tar.Header) (*oci.Target, ocispec.Descriptor) {
	t.Helper()
	ctx := context.Background()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hostile"))
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Close() })
	push := func(mediaType string, data []byte) ocispec.Descriptor {
		d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
		if _, err := target.Push(ctx, d, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	var descs []ocispec.Descriptor
	for _, headers := range layers {
		var buf bytes.Buffer
		z := archive.NewCompressor(&buf, archive.Zstd)
		tw := tar.NewWriter(z)
		for _, h := range headers {
			var body string
			if h.Typeflag == tar.TypeReg {
				body, h.Linkname, h.Size = h.Linkname, "", int64(len(h.Linkname))
			}
			if err := tw.WriteHeader(&h); err != nil {
				t.Fatal(err)
			}
			tw.Write([]byte(body))
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		z.Close()
		descs = append(descs, push(artifact.LayerMediaType(archive.Zstd), buf.Bytes()))
	}
	cb, err := artifact.ConfigBlob(config)
	if err != nil {
		t.Fatal(err)
	}
	manifest, _ := artifact.Manifest(push(artifact.ConfigMediaType, cb.Data), descs, nil)
	return target, push(ocispec.MediaTypeImageManifest, manifest.Data)
}

// The tree is $LONGSHORE_HOME/tmp/install-*/tree while it unpacks: three levels
// below the home. x leads there through d/l (which is ..) to the filesystem, and stays
// inside to path.Join. A second layer that writes x/pwned must not reach the home:
// the layers are one archive, checked as one.
func TestLaterLayerCannotWriteThroughAnEarlierSymlink(t *testing.T) {
	t.Parallel()
	target, root := handMade(t, artifact.Config{Name: "layered", Version: "1.0.0", Platform: "any"},
		[]tar.Header{
			{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755},
			{Name: "d/l", Typeflag: tar.TypeSymlink, Linkname: ".."},
			{Name: "x", Typeflag: tar.TypeSymlink, Linkname: strings.Repeat("d/l/", 3) + "../../.."},
		},
		[]tar.Header{{Name: "x/pwned", Typeflag: tar.TypeReg, Mode: 0o644, Linkname: "pwned\n"}},
	)
	s := openStore(t)
	_, err := s.Install(context.Background(), target, root, InstallOptions{Jobs: 1})
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), `through the symlink "x"`) {
		t.Fatalf("want the second layer refused for writing through x, got %v", err)
	}
	if _, err := os.Lstat(filepath.Join(s.Home, "pwned")); err == nil {
		t.Fatal("the second layer wrote $LONGSHORE_HOME/pwned")
	}
	assertEmpty(t, filepath.Join(s.Home, "pkgs", "sha256"))
	if list, err := s.List(); err != nil || len(list) != 0 {
		t.Fatalf("recorded %v (%v)", list, err)
	}
}

// The security review's package (an ocidir layout made by hand): on macOS, where é
// spelt NFC and NFD is one name, the link x/é (NFD)/ü is made as x/é (NFC)/ü, inside
// the tree root, so it points six levels up, and the file below x/é (NFD)/ü (NFD) is
// written there: from $LONGSHORE_HOME/tmp/install-*/tree, ~/Library/LaunchAgents is in
// reach. Every system refuses it, at the first path through another spelling of a
// symlink, and writes nothing outside the tree.
func TestPathThroughAnotherSpellingOfASymlinkIsRefused(t *testing.T) {
	t.Parallel()
	const x, eNFC, eNFD, uNFC, uNFD = "a/b/c/d/x/", "\u00e9", "e\u0301", "\u00fc", "u\u0308"
	target, root := handMade(t, artifact.Config{Name: "nfd", Version: "1.0.0", Platform: "any", Bin: []string{"bin/nfd"}},
		[]tar.Header{
			{Name: "bin/nfd", Typeflag: tar.TypeReg, Mode: 0o755, Linkname: "#!/bin/sh\necho hi\n"},
			{Name: x, Typeflag: tar.TypeDir, Mode: 0o755},
			{Name: x + eNFC, Typeflag: tar.TypeSymlink, Linkname: "../../../../.."},
			{Name: x + eNFD + "/" + uNFC, Typeflag: tar.TypeSymlink, Linkname: "../../../../../.."},
			{Name: x + eNFD + "/" + uNFD + "/LONGSHORE_ESCAPED", Typeflag: tar.TypeReg, Mode: 0o644, Linkname: "pwned\n"},
		})
	s := openStore(t)
	_, err := s.Install(context.Background(), target, root, InstallOptions{Jobs: 1})
	want := fmt.Sprintf("refusing archive entry %q: path goes through the symlink %q", x+eNFD+"/"+uNFC, x+eNFC)
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), want) {
		t.Fatalf("want %s, got %v", want, err)
	}
	assertEmpty(t, filepath.Join(s.Home, "pkgs", "sha256"))
	if list, err := s.List(); err != nil || len(list) != 0 {
		t.Fatalf("recorded %v (%v)", list, err)
	}
	if _, err := os.Lstat(filepath.Join(s.Home, "bin", "nfd")); err == nil {
		t.Error("bin/nfd was linked")
	}
}

// A symlink that leads out of the tree through another is refused even in one layer:
// it would be kept in pkgs/ pointing at the home (or, deeper, anywhere).
func TestSymlinkOutThroughAnotherIsRefused(t *testing.T) {
	t.Parallel()
	target, root := handMade(t, artifact.Config{Name: "chain", Version: "1.0.0", Platform: "any"},
		[]tar.Header{
			{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755},
			{Name: "d/l", Typeflag: tar.TypeSymlink, Linkname: ".."},
			{Name: "x", Typeflag: tar.TypeSymlink, Linkname: strings.Repeat("d/l/", 3) + "../../.."},
		})
	s := openStore(t)
	_, err := s.Install(context.Background(), target, root, InstallOptions{Jobs: 1})
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), `"x"`) ||
		!strings.Contains(err.Error(), "leads outside the package") {
		t.Fatalf("want chain's symlink x refused, got %v", err)
	}
	assertEmpty(t, filepath.Join(s.Home, "pkgs", "sha256"))
}

// What the config says becomes links in bin/, records in installed.yaml and lines of
// pkg-pull env's output: a config lint would refuse is refused before anything is
// written. Before, an entry point ../../x was linked out of bin/ and recorded, and the
// record then made installed.yaml unreadable ("corrupt") for every later command.
func TestHostileConfigIsRefused(t *testing.T) {
	t.Parallel()
	exe := []tar.Header{{Name: "bin/x", Typeflag: tar.TypeReg, Mode: 0o755, Linkname: "#!/bin/sh\n"}}
	for _, tc := range []struct {
		name   string
		config artifact.Config
		want   string
	}{
		{"bin out of the tree", artifact.Config{Name: "p", Version: "1.0.0", Bin: []string{"../../../../escaped"}}, `bin[0] "../../../../escaped" is not a path inside the package`},
		{"bin that is the home", artifact.Config{Name: "p", Version: "1.0.0", Bin: []string{"bin/x", "bin/.."}}, `bin[1] "bin/.." is not a path inside the package`},
		{"absolute bin", artifact.Config{Name: "p", Version: "1.0.0", Bin: []string{"/bin/sh"}}, `bin[0] "/bin/sh" is not a path inside the package`},
		// bin/.longshore-link-* are the links the store stages and removes.
		{"bin under a name the store keeps", artifact.Config{Name: "p", Version: "1.0.0", Bin: []string{"bin/.longshore-link-x"}}, `bin[0] "bin/.longshore-link-x" would be linked as bin/.longshore-link-x, and names beginning .longshore- there are the store's own`},
		{"name that is a path", artifact.Config{Name: "../../nameesc", Version: "1.0.0"}, `config names the package "../../nameesc", which is not a package name`},
		{"version that is not one", artifact.Config{Name: "p", Version: "latest"}, `config's version "latest" is not a semantic version`},
		{"env name that is shell code", artifact.Config{Name: "p", Version: "1.0.0", Env: []pkgspec.EnvVar{{Name: "X=1; touch pwned; Y", Op: "set", Value: "v"}}}, `env[0].name "X=1; touch pwned; Y" is not an environment variable name`},
		// Composition could never expand these: refused now, not at every env and exec.
		{"env value with an unknown variable", artifact.Config{Name: "p", Version: "1.0.0", Env: []pkgspec.EnvVar{{Name: "X", Op: "set", Value: "${HOME}/x"}}}, `env[0] (X): value "${HOME}/x" uses the unknown variable ${HOME}`},
		{"env value with an unclosed ${", artifact.Config{Name: "p", Version: "1.0.0", Env: []pkgspec.EnvVar{{Name: "X", Op: "set", Value: "${installPath/x"}}}, `env[0] (X): value "${installPath/x" has a ${ without its closing }`},
		{"env value no environment can hold", artifact.Config{Name: "p", Version: "1.0.0", Env: []pkgspec.EnvVar{{Name: "X", Op: "set", Value: "a\x00b"}}}, `env[0] (X): the value holds a NUL byte`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target, root := handMade(t, tc.config, exe)
			s := openStore(t)
			_, err := s.Install(context.Background(), target, root, InstallOptions{Jobs: 1})
			if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want a Verify fault containing %q, got %v", tc.want, err)
			}
			if list, err := s.List(); err != nil || len(list) != 0 {
				t.Fatalf("after the refusal: records %v, %v", list, err)
			}
			assertEmpty(t, filepath.Join(s.Home, "bin"))
			assertEmpty(t, filepath.Join(s.Home, "pkgs", "sha256"))
			if ents, _ := os.ReadDir(filepath.Dir(s.Home)); len(ents) != 1 {
				t.Errorf("something was written beside the home: %v", ents)
			}
		})
	}
}

// Layers are downloaded before they unpack (all but the first), so a manifest whose
// layers declare more bytes than the package may unpack to is refused before any
// download: the size limit counted only what unpacked, one layer at a time.
func TestLayersBeyondTheLimitAreNotDownloaded(t *testing.T) {
	t.Parallel()
	big := []tar.Header{{Name: "a", Typeflag: tar.TypeReg, Mode: 0o644, Linkname: randomText(40 << 10)}}
	target, root := handMade(t, artifact.Config{Name: "big", Version: "1.0.0"}, big, big, big)
	s := openStore(t)
	_, err := s.Install(context.Background(), target, root, InstallOptions{Jobs: 1, Limits: archive.Limits{MaxBytes: 64 << 10, MaxFiles: 10}})
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), "its 3 layers add up to") || !strings.Contains(fault.HintOf(err), "--max-size") {
		t.Fatalf("want the layers refused for their size, got %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(s.Home, "store", "blobs", "sha256")); len(ents) != 0 {
		t.Errorf("%d blobs were kept", len(ents))
	}
}

// One layer over the limit is said to be one: "its 1 layers add up to" read wrong.
func TestOneLayerBeyondTheLimitIsOneLayer(t *testing.T) {
	t.Parallel()
	big := []tar.Header{{Name: "a", Typeflag: tar.TypeReg, Mode: 0o644, Linkname: randomText(40 << 10)}}
	target, root := handMade(t, artifact.Config{Name: "big", Version: "1.0.0"}, big)
	s := openStore(t)
	_, err := s.Install(context.Background(), target, root, InstallOptions{Jobs: 1, Limits: archive.Limits{MaxBytes: 1 << 10, MaxFiles: 10}})
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), ": its layer is ") {
		t.Fatalf("want the one layer refused for its size, got %v", err)
	}
}

// A config whose platform is this machine's with a hostile variant matches it, and was
// recorded as it came: installed.yaml, which refuses such a platform when read, would
// then have been refused as corrupt by every later command. It is refused at install.
func TestHostilePlatformVariantIsRefused(t *testing.T) {
	t.Parallel()
	file := []tar.Header{{Name: "a", Typeflag: tar.TypeReg, Mode: 0o644, Linkname: "x"}}
	target, root := handMade(t, artifact.Config{Name: "p", Version: "1.0.0", Platform: "linux/amd64/\x1b]0;x\a"}, file)
	s := openStore(t)
	_, err := s.Install(context.Background(), target, root, InstallOptions{Platform: "linux/amd64"})
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), `platform "linux/amd64/\x1b]0;x\a" is not os/arch[/variant]`) {
		t.Fatalf("want the platform refused, got %v", err)
	}
	if list, err := s.List(); err != nil || len(list) != 0 {
		t.Errorf("after the refusal: records %v, %v", list, err)
	}
}
