package gc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/api"
	"longshore.dev/lib/archive"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
)

// Benchmark size (docs/BENCHMARKS.md, ## pkg-gc): 5,000 package trees and 50,000
// blobs, every other package installed, so half of both are garbage.
const (
	benchPackages = 5000
	benchLayers   = 8 // + manifest + config = 10 blobs a package
)

// genStore writes a store of n packages straight into the layout: for each, a
// manifest, a config and benchLayers layer blobs (valid, content addressed), and a
// read-only tree of four files; every even package is recorded in installed.yaml and
// links its entry point. Deterministic.
func genStore(tb testing.TB, home string, n int) {
	tb.Helper()
	s, err := store.Open(home)
	if err != nil {
		tb.Fatal(err)
	}
	putBlob := func(data []byte) ocispec.Descriptor {
		d := digest.FromBytes(data)
		if err := os.WriteFile(s.BlobPath(d), data, 0o444); err != nil {
			tb.Fatal(err)
		}
		return ocispec.Descriptor{Digest: d, Size: int64(len(data))}
	}
	var installed []any
	pad := bytes.Repeat([]byte("x"), 400)
	for i := range n {
		name := fmt.Sprintf("pkg%05d", i)
		var layers []ocispec.Descriptor
		for l := range benchLayers {
			desc := putBlob(append([]byte(fmt.Sprintf("%s layer %d\n", name, l)), pad...))
			desc.MediaType = artifact.LayerMediaType(archive.Zstd)
			layers = append(layers, desc)
		}
		config, _ := json.Marshal(artifact.Config{Name: name, Version: "1.0.0", Platform: "any", Bin: []string{"bin/" + name}})
		cdesc := putBlob(config)
		cdesc.MediaType = artifact.ConfigMediaType
		manifest, _ := json.Marshal(ocispec.Manifest{
			Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, ArtifactType: artifact.ArtifactType,
			Config: cdesc, Layers: layers,
		})
		mdesc := putBlob(manifest)
		tree := s.TreePath(mdesc.Digest)
		for _, f := range []string{"bin/" + name, "share/a.txt", "share/b.txt", "lib/x/y.txt"} {
			p := filepath.Join(tree, filepath.FromSlash(f))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(name+" "+f+"\n"), 0o444); err != nil {
				tb.Fatal(err)
			}
		}
		if i%2 != 0 {
			continue
		}
		inst := api.NewInstalled()
		inst.Name, inst.Version, inst.Platform = name, "1.0.0", "any"
		inst.Digest = mdesc.Digest.String()
		inst.Source = "localhost:5000/bench/" + name + ":1.0.0@" + inst.Digest
		inst.Path = "pkgs/sha256/" + mdesc.Digest.Encoded()
		inst.Reason = []string{api.ReasonExplicit, api.ReasonDependency}[i/2%2]
		installed = append(installed, inst)
		if err := os.Symlink("../"+inst.Path+"/bin/"+name, filepath.Join(s.BinDir(), name)); err != nil {
			tb.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, installed...); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "installed.yaml"), buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// TestBenchStore writes the benchmark store to $LONGSHORE_BENCH_STORE for
// scripts/bench-gc.sh, which measures the real binary on it.
func TestBenchStore(t *testing.T) {
	dir := os.Getenv("LONGSHORE_BENCH_STORE")
	if dir == "" {
		t.Skip("LONGSHORE_BENCH_STORE is not set (scripts/bench-gc.sh sets it)")
	}
	n := benchPackages
	if v := os.Getenv("LONGSHORE_BENCH_PACKAGES"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	genStore(t, dir, n)
}

func TestGenStoreShape(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "home")
	genStore(t, home, 20)
	s, _ := store.Open(home)
	r := collect(t, s, Options{DryRun: true})
	if r.Kept.Trees != 10 || r.Kept.Blobs != 100 || r.Kept.Links != 10 || countKind(r, api.GCTree) != 10 || countKind(r, api.GCBlob) != 100 || len(r.Warnings) != 0 {
		t.Errorf("the generated store is not half garbage: %+v, %d items", r.Kept, len(r.Items))
	}
}

func countKind(r *api.GCReport, kind string) int {
	n := 0
	for _, it := range r.Items {
		if it.Kind == kind {
			n++
		}
	}
	return n
}

func benchCollect(b *testing.B, dryRun bool) {
	template := filepath.Join(b.TempDir(), "template")
	if dryRun {
		genStore(b, template, benchPackages)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		home := template
		if !dryRun {
			home = filepath.Join(b.TempDir(), strconv.Itoa(i))
			genStore(b, home, benchPackages)
		}
		s, err := store.Open(home)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.StartTimer()
		r, err := Collect(context.Background(), s, Options{DryRun: dryRun})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Items) != benchPackages/2*(benchLayers+3) {
			b.Fatalf("%d items", len(r.Items))
		}
	}
}

func BenchmarkCollect(b *testing.B)       { benchCollect(b, false) }
func BenchmarkCollectDryRun(b *testing.B) { benchCollect(b, true) }
