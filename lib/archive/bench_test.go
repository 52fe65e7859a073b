package archive

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"longshore.dev/lib/internal/benchdata"
)

// benchContent: the benchmarks' content (package benchdata), for the tests too.
func benchContent(size int, seed uint64) []byte { return benchdata.Content(size, seed) }

func writeBigTree(tb testing.TB, root string, size int) {
	tb.Helper()
	if err := benchdata.WriteBig(root, size); err != nil {
		tb.Fatal(err)
	}
}

func writeSmallTree(tb testing.TB, root string, n int) {
	tb.Helper()
	if err := benchdata.WriteSmall(root, n); err != nil {
		tb.Fatal(err)
	}
}

func BenchmarkPack(b *testing.B) {
	trees := []struct {
		name  string
		write func(testing.TB, string)
	}{
		{"100MiB-file", func(tb testing.TB, root string) { writeBigTree(tb, root, 100<<20) }},
		{"10000-small-files", func(tb testing.TB, root string) { writeSmallTree(tb, root, 10000) }},
	}
	for _, tree := range trees {
		root := b.TempDir()
		tree.write(b, root)
		opts := PackOptions{ModTime: time.Unix(1700000000, 0)}
		stats, err := Tar(root, io.Discard, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tree.name+"/pack", func(b *testing.B) {
			b.SetBytes(stats.Bytes)
			for b.Loop() {
				if _, err := Pack(root, io.Discard, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		// Hashing the tar stream is what an unchanged re-push pays before the layer cache
		// answers.
		b.Run(tree.name+"/tar-sha256", func(b *testing.B) {
			b.SetBytes(stats.Bytes)
			for b.Loop() {
				if _, err := Tar(root, sha256.New(), opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUnpack unpacks the 100 MiB file's layer, packed with each compression, from
// memory into a new directory: decompression, tar parsing and the file write, with no
// network and no digest.
func BenchmarkUnpack(b *testing.B) {
	src := b.TempDir()
	writeBigTree(b, src, 100<<20)
	for _, c := range Compressions {
		var layer bytes.Buffer
		stats, err := Pack(src, &layer, PackOptions{ModTime: time.Unix(1700000000, 0), Compression: c})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("100MiB-file/"+string(c), func(b *testing.B) {
			b.SetBytes(stats.Bytes)
			b.ReportMetric(float64(layer.Len())/(1<<20), "layer-MiB")
			parent := b.TempDir()
			i := 0
			for b.Loop() {
				dest := filepath.Join(parent, strconv.Itoa(i))
				i++
				if err := os.Mkdir(dest, 0o755); err != nil {
					b.Fatal(err)
				}
				if err := Unpack(bytes.NewReader(layer.Bytes()), c, dest, DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The parts of a pull that no implementation can skip, for the CPU budget in
		// docs/BENCHMARKS.md: inflating (on every core, to nowhere) and hashing the layer.
		b.Run("100MiB-file/"+string(c)+"/decompress-only", func(b *testing.B) {
			b.SetBytes(stats.Bytes)
			for b.Loop() {
				z, err := NewDecompressor(bytes.NewReader(layer.Bytes()), c)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, z); err != nil {
					b.Fatal(err)
				}
				z.Close()
			}
		})
		b.Run("100MiB-file/"+string(c)+"/sha256-of-layer", func(b *testing.B) {
			b.SetBytes(int64(layer.Len()))
			for b.Loop() {
				sha256.Sum256(layer.Bytes())
			}
		})
	}
}
