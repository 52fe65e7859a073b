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
	opts := PackOptions{ModTime: time.Unix(1700000000, 0)}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var want []byte
	for _, procs := range []int{1, 2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		var buf bytes.Buffer
		if _, err := Pack(root, &buf, opts); err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = buf.Bytes()
			continue
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("GOMAXPROCS=%d packed %d bytes (sha256 %x), GOMAXPROCS=1 packed %d (sha256 %x)",
				procs, buf.Len(), sha256.Sum256(buf.Bytes()), len(want), sha256.Sum256(want))
		}
	}
}

// Nor on how the tar stream reaches the compressor: blocks are cut at fixed offsets.
func TestCompressIgnoresWriteSizes(t *testing.T) {
	t.Parallel()
	data := benchContent(3<<20+5, 7)
	compress := func(chunk int) []byte {
		var buf bytes.Buffer
		z := NewCompressor(&buf)
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
	// Any gzip reader reads it back.
	zr, err := gzip.NewReader(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("compress/gzip read back %d bytes (err %v), want the %d written", len(got), err, len(data))
	}
}

// The digest a tree packs to is part of the format: anyone who packs the same tree with
// the same go.mod gets it, on any OS or architecture (GOARCH=386 and -tags purego,nounsafe
// take other code paths in the compressor and must agree). A change here changes every
// package's digest: if it is deliberate, update the digest and archive.Compressor.
func TestPackDigestIsStable(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeMixedTree(t, root)
	opts := PackOptions{ModTime: time.Unix(1700000000, 0)}
	var packed, plain bytes.Buffer
	if _, err := Pack(root, &packed, opts); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(packed.Bytes())
	const want = "a632149e3db608af264800df6f3e263a33e66586943559664e1588a3a451dc4d"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("packed to sha256:%s (%d bytes), want sha256:%s", got, packed.Len(), want)
	}
	// Pack is Tar through NewCompressor.
	if _, err := Tar(root, &plain, opts); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&packed)
	if err != nil {
		t.Fatal(err)
	}
	unpacked, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unpacked, plain.Bytes()) {
		t.Fatalf("Pack's layer decompresses to %d bytes (err %v), not Tar's %d", len(unpacked), err, plain.Len())
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
	for _, part := range []string{fmt.Sprintf("level=%d", compressLevel), fmt.Sprintf("block=%dMiB", compressBlockSize>>20)} {
		if !strings.Contains(Compressor, part) {
			t.Errorf("Compressor %q does not say %s", Compressor, part)
		}
	}
}
