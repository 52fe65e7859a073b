package archive

import (
	"io"
	"runtime"

	"github.com/klauspost/pgzip"
)

// Layers are compressed by pgzip: deflate in fixed 1 MiB blocks, each block primed with
// the tail of the one before, compressed on every core and written in order. The bytes
// depend only on the input, the level, the block size and the library code — never on
// the core count or on how the tar writer sized its writes (TestCompressIgnoresCores,
// TestCompressIgnoresWriteSizes) — so a layer digest is the same on any machine built
// from the same go.mod (TestPackDigestIsStable). Compared with compress/gzip at its
// default level, the benchmark content packs 4.4× faster on one core, 7.6× on two, and
// comes out 3% larger (docs/BENCHMARKS.md).
//
// Changing any of these, or the version of github.com/klauspost/pgzip or
// github.com/klauspost/compress in lib/go.mod, changes the digest of every package
// pushed afterwards: do it on purpose, and update Compressor with it
// (TestCompressorMatchesBuild and TestPackDigestIsStable fail until you do).
const (
	compressLevel     = 6
	compressBlockSize = 1 << 20

	pgzipVersion    = "v1.3.0"
	compressVersion = "v1.20.3"
)

// Compressor names the exact compression Pack applies. Two layers packed from the same
// tar stream by the same Compressor are byte-identical, which is what lets a cache
// keyed by the tar stream's digest and Compressor hand back a packed layer.
const Compressor = "pgzip@" + pgzipVersion + "+compress@" + compressVersion + "/level=6/block=1MiB"

// NewCompressor returns a writer that gzip-compresses to w exactly as Pack does. Close
// it even after a failed write: it runs goroutines until closed.
func NewCompressor(w io.Writer) io.WriteCloser {
	z, err := pgzip.NewWriterLevel(w, compressLevel)
	if err != nil {
		panic(err) // compressLevel is a constant the library accepts
	}
	// One block in flight per core keeps them all busy (more measured no faster on two
	// cores); the cap bounds memory, 2 MiB a block, on big machines. The count never
	// changes the output.
	if err := z.SetConcurrency(compressBlockSize, min(runtime.GOMAXPROCS(0), 32)); err != nil {
		panic(err) // compressBlockSize is a constant the library accepts
	}
	return z
}
