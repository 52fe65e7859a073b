// Package benchdata generates the content the benchmarks pack, push and pull: the same
// bytes on every machine and Go version (math/rand/v2 specifies PCG), so results and
// layer digests can be compared across runs. The Go benchmarks import it; the bench
// scripts run it through the benchgen command beside it.
package benchdata

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// Content returns size bytes that compress like a real program: 64 KiB blocks, each
// with probability 1/4 random bytes (like embedded, already compressed assets) and
// otherwise log-like text lines.
func Content(size int, seed uint64) []byte {
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

// Random returns size random bytes: no compressor can shrink them.
func Random(size int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 0x72616e646f6d))
	out := make([]byte, 0, size+8)
	for len(out) < size {
		out = binary.LittleEndian.AppendUint64(out, rng.Uint64())
	}
	return out[:size]
}

// WriteBig writes dir/payload.bin: size bytes of Content.
func WriteBig(dir string, size int) error {
	return writeOne(dir, Content(size, 1))
}

// WriteRandom writes dir/payload.bin: size bytes of Random.
func WriteRandom(dir string, size int) error {
	return writeOne(dir, Random(size, 3))
}

func writeOne(dir string, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "payload.bin"), data, 0o644)
}

// WriteSmall writes n files of 200–4,000 bytes, slices of Content, 100 to a directory.
func WriteSmall(dir string, n int) error {
	data := Content(n*4000, 2)
	rng := rand.New(rand.NewPCG(2, 0x736d616c6c))
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
		}
		size := 200 + rng.IntN(3801)
		off := rng.IntN(len(data) - size)
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%05d.txt", i)), data[off:off+size], 0o644); err != nil {
			return err
		}
	}
	return nil
}
