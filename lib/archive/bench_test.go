package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// benchContent returns size pseudo-random bytes that compress like a real program:
// 64 KiB blocks, each with probability 1/4 random bytes (like embedded, already
// compressed assets) and otherwise log-like text lines. PCG is specified by math/rand/v2,
// so a seed gives the same bytes on every machine and Go version.
// scripts/bench-push.sh generates its content with the same algorithm.
func benchContent(size int, seed uint64) []byte {
	levels := []string{"DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR"}
	words := []string{"fetch", "resolve", "install", "manifest", "layer", "index", "digest", "verify",
		"unpack", "registry", "blob", "config", "platform", "version", "tag", "cache", "hit", "miss",
		"upload", "download", "retry", "timeout", "linux/amd64", "darwin/arm64", "sha256", "ok", "failed"}
	rng := rand.New(rand.NewPCG(seed, 0x6c6f6e6773686f72))
	out := make([]byte, 0, size)
	const block = 64 << 10
	for len(out) < size {
		end := min(len(out)+block, size)
		if rng.IntN(4) == 0 {
			for len(out) < end {
				out = binary.LittleEndian.AppendUint64(out, rng.Uint64())
			}
			out = out[:end]
			continue
		}
		for len(out) < end {
			line := make([]byte, 0, 128)
			line = append(line, "2026-11-21T"...)
			line = strconv.AppendInt(line, 1000000+rng.Int64N(86400000000), 10)
			line = append(line, ' ')
			line = append(line, levels[rng.IntN(len(levels))]...)
			for n := 2 + rng.IntN(6); n > 0; n-- {
				line = append(line, ' ')
				line = append(line, words[rng.IntN(len(words))]...)
			}
			line = append(line, " id="...)
			line = strconv.AppendUint(line, rng.Uint64()>>16, 16)
			line = append(line, " ms="...)
			line = strconv.AppendInt(line, rng.Int64N(5000), 10)
			line = append(line, '\n')
			out = append(out, line[:min(len(line), end-len(out))]...)
		}
	}
	return out
}

// writeBigTree writes one file of size bytes of benchContent.
func writeBigTree(tb testing.TB, root string, size int) {
	tb.Helper()
	if err := os.WriteFile(filepath.Join(root, "payload.bin"), benchContent(size, 1), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// writeSmallTree writes n files of 200–4,000 bytes of benchContent, 100 to a directory.
func writeSmallTree(tb testing.TB, root string, n int) {
	tb.Helper()
	data := benchContent(n*4000, 2)
	rng := rand.New(rand.NewPCG(2, 0x736d616c6c))
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("d%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				tb.Fatal(err)
			}
		}
		size := 200 + rng.IntN(3801)
		off := rng.IntN(len(data) - size)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d.txt", i)), data[off:off+size], 0o644); err != nil {
			tb.Fatal(err)
		}
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
