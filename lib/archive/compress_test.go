package archive

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// writeMixedTree writes a tree whose tar stream spans several compression blocks, with
// files that straddle block boundaries.
func writeMixedTree(t *testing.T, root string) {
	t.Helper()
	writeTree(t, root, map[string]string{"bin/tool": "#!/bin/sh\necho tool\n", "share/empty": ""})
	for i, size := range []int{3<<20 + 12345, 700 << 10, 1 << 20, 17} {
		p := filepath.Join(root, "data", fmt.Sprintf("part%d", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, benchContent(size, uint64(10+i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The parallel compressor must not make the layer depend on the machine: the same tree
// packs to the same bytes whatever the number of cores. Not parallel: it sets GOMAXPROCS.
func TestCompressIgnoresCores(t *testing.T) {
	root := t.TempDir()
	writeMixedTree(t, root)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(n int) { encoderConcurrency = n }(encoderConcurrency)
	for _, c := range Compressions {
		opts := PackOptions{ModTime: time.Unix(1700000000, 0), Compression: c}
		var want []byte
		for _, procs := range []int{1, 2, 3, 8} {
			runtime.GOMAXPROCS(procs)
			encoderConcurrency = procs // as a process started with that many cores sets it
			var buf bytes.Buffer
			if _, err := Pack(root, &buf, opts); err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = buf.Bytes()
				continue
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("%s: GOMAXPROCS=%d packed %d bytes (sha256 %x), GOMAXPROCS=1 packed %d (sha256 %x)",
					c, procs, buf.Len(), sha256.Sum256(buf.Bytes()), len(want), sha256.Sum256(want))
			}
		}
	}
}

// Nor on how the tar stream reaches the compressor: blocks are cut at fixed offsets.
func TestCompressIgnoresWriteSizes(t *testing.T) {
	t.Parallel()
	for _, c := range Compressions {
		t.Run(string(c), func(t *testing.T) { t.Parallel(); testCompressIgnoresWriteSizes(t, c) })
	}
}

func testCompressIgnoresWriteSizes(t *testing.T, c Compression) {
	data := benchContent(9<<20+5, 7)
	compress := func(chunk int) []byte {
		var buf bytes.Buffer
		z := NewCompressor(&buf, c)
		for off := 0; off < len(data); off += chunk {
			if _, err := z.Write(data[off:min(off+chunk, len(data))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	want := compress(len(data))
	for _, chunk := range []int{1000, 4097, 1<<20 + 3} {
		if got := compress(chunk); !bytes.Equal(got, want) {
			t.Errorf("writes of %d bytes compressed to %d bytes, one write to %d", chunk, len(got), len(want))
		}
	}
	// A plain reader of the format reads it back: compress/gzip, or the zstd library's
	// own streaming decoder (which reads the frames one after another).
	if got := plainDecompress(t, c, want); !bytes.Equal(got, data) {
		t.Fatalf("a plain %s reader read back %d bytes, want the %d written", c, len(got), len(data))
	}
}

// plainDecompress decompresses data with a reader that is not this package's.
func plainDecompress(t *testing.T, c Compression, data []byte) []byte {
	t.Helper()
	var r io.Reader
	var err error
	if c == Gzip {
		r, err = gzip.NewReader(bytes.NewReader(data))
	} else {
		r, err = zstd.NewReader(bytes.NewReader(data))
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("plain %s reader: %v", c, err)
	}
	return got
}

// The digest a tree packs to is part of the format: anyone who packs the same tree with
// the same go.mod gets it, on any OS or architecture (GOARCH=386 and -tags purego,nounsafe
// take other code paths in the compressor and must agree). A change here changes every
// package's digest: if it is deliberate, update the digest and archive.Compressor.
func TestPackDigestIsStable(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeMixedTree(t, root)
	var plain bytes.Buffer
	if _, err := Tar(root, &plain, PackOptions{ModTime: time.Unix(1700000000, 0)}); err != nil {
		t.Fatal(err)
	}
	for c, want := range map[Compression]string{
		Gzip: "a632149e3db608af264800df6f3e263a33e66586943559664e1588a3a451dc4d",
		Zstd: "7d55c2916fe895c44d6bf9b9ad638356cc6b48fbe56f64ce4a329c321387587f",
	} {
		var packed bytes.Buffer
		if _, err := Pack(root, &packed, PackOptions{ModTime: time.Unix(1700000000, 0), Compression: c}); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(packed.Bytes())
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: packed to sha256:%s (%d bytes), want sha256:%s", c, got, packed.Len(), want)
		}
		// Pack is Tar through NewCompressor.
		if unpacked := plainDecompress(t, c, packed.Bytes()); !bytes.Equal(unpacked, plain.Bytes()) {
			t.Fatalf("%s: Pack's layer decompresses to %d bytes, not Tar's %d", c, len(unpacked), plain.Len())
		}
	}
}

// Compressor names the library versions the build selects (with go.work, the highest
// any module in the workspace asks for), so a cache keyed by it never hands out a layer
// another version packed. Test binaries carry no dependency list, so ask go.
func TestCompressorMatchesBuild(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the build's modules")
	}
	want := map[string]string{"github.com/klauspost/pgzip": pgzipVersion, "github.com/klauspost/compress": compressVersion}
	out, err := exec.Command(goTool, "list", "-m", "-f", "{{.Path}} {{.Version}}{{with .Replace}} => {{.Version}}{{end}}",
		"github.com/klauspost/pgzip", "github.com/klauspost/compress").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		path, version := fields[0], fields[len(fields)-1]
		if version != want[path] {
			t.Errorf("the build selects %s %s, but archive.Compressor says %s: update compress.go (and TestPackDigestIsStable)", path, version, want[path])
		}
	}
	for c, parts := range map[Compression][]string{
		Gzip: {pgzipVersion, compressVersion, fmt.Sprintf("level=%d", gzipLevel), fmt.Sprintf("block=%dMiB", gzipBlockSize>>20)},
		Zstd: {compressVersion, fmt.Sprintf("level=%d", zstdLevel), fmt.Sprintf("frame=%dMiB", zstdFrameSize>>20)},
	} {
		for _, part := range parts {
			if !strings.Contains(Compressor(c), part) {
				t.Errorf("Compressor(%s) = %q does not say %s", c, Compressor(c), part)
			}
		}
	}
}

// The reference implementation reads what Pack writes, and Unpack reads what it writes:
// the zstd command decompresses a packed layer to Tar's stream, and a layer the zstd
// command compressed (with and without the content size known) unpacks.
func TestZstdInteroperatesWithTheZstdCommand(t *testing.T) {
	t.Parallel()
	zstdCmd, err := exec.LookPath("zstd")
	if err != nil {
		t.Skip("no zstd command")
	}
	root := t.TempDir()
	writeMixedTree(t, root)
	opts := PackOptions{ModTime: time.Unix(1700000000, 0)}
	var packed, plain bytes.Buffer
	if _, err := Pack(root, &packed, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := Tar(root, &plain, opts); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(zstdCmd, "-d", "-c", "-q")
	cmd.Stdin = bytes.NewReader(packed.Bytes())
	out, err := cmd.Output()
	if err != nil || !bytes.Equal(out, plain.Bytes()) {
		t.Fatalf("zstd -d: %d bytes (err %v), want Tar's %d", len(out), err, plain.Len())
	}

	tarFile := filepath.Join(t.TempDir(), "layer.tar")
	if err := os.WriteFile(tarFile, plain.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-c", "-q", tarFile}, {"-c", "-q"}} { // from a file (size known), from a pipe
		cmd := exec.Command(zstdCmd, args...)
		cmd.Stdin = bytes.NewReader(plain.Bytes())
		layer, err := cmd.Output()
		if err != nil {
			t.Fatalf("zstd %v: %v", args, err)
		}
		dest := t.TempDir()
		if err := Unpack(bytes.NewReader(layer), Zstd, dest, DefaultLimits); err != nil {
			t.Fatalf("unpacking what zstd %v wrote: %v", args, err)
		}
		got, err := os.ReadFile(filepath.Join(dest, "data", "part0"))
		if err != nil || !bytes.Equal(got, benchContent(3<<20+12345, 10)) {
			t.Fatalf("zstd %v: data/part0 unpacked wrong (err %v)", args, err)
		}
	}
}
