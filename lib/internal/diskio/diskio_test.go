package diskio

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"unsafe"

	"longshore.dev/lib/internal/benchdata"
)

func TestAlignedBuffer(t *testing.T) {
	for _, size := range []int{Align, 64 << 10, 1 << 20} {
		b := AlignedBuffer(size)
		if len(b) != size || cap(b) != size {
			t.Errorf("AlignedBuffer(%d): len %d cap %d", size, len(b), cap(b))
		}
		if addr := uintptr(unsafe.Pointer(unsafe.SliceData(b))); addr%Align != 0 {
			t.Errorf("AlignedBuffer(%d) starts at %#x", size, addr)
		}
	}
}

// write writes data through a Writer the way its callers do: whole buffers, then the
// rest.
func write(t *testing.T, path string, data []byte, bufs [][]byte) error {
	t.Helper()
	w, err := Create(path, 0o600, bufs)
	if err != nil {
		return err
	}
	for len(data) > 0 {
		b, err := w.Next()
		if err != nil {
			w.Close()
			return err
		}
		n := copy(b, data)
		data = data[n:]
		w.Submit(b[:n])
	}
	return w.Close()
}

// TestWriterWritesExactly writes sizes around the block and buffer sizes, on the test's
// temporary directory (direct writes on most Linux filesystems) and on /dev/shm
// (tmpfs: direct since Linux 6.6, else through the cache).
func TestWriterWritesExactly(t *testing.T) {
	t.Parallel()
	dirs := []string{t.TempDir()}
	if shm, err := os.MkdirTemp("/dev/shm", "diskio-"); err == nil {
		t.Cleanup(func() { os.RemoveAll(shm) })
		dirs = append(dirs, shm)
	}
	const bufSize = 64 << 10
	data := benchdata.Random(4*bufSize+3*Align+17, 1)
	for _, dir := range dirs {
		for i, size := range []int{0, 1, Align - 1, Align, Align + 1, bufSize - 1, bufSize, bufSize + Align, 3*bufSize + 5, len(data)} {
			path := filepath.Join(dir, "f"+string(rune('a'+i)))
			if err := write(t, path, data[:size], Buffers(3, bufSize)); err != nil {
				t.Fatalf("%s, %d bytes: %v", dir, size, err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data[:size]) {
				t.Errorf("%s, %d bytes: read back %d bytes, not what was written", dir, size, len(got))
			}
			if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
				t.Errorf("mode %v", info.Mode())
			}
		}
	}
}

func TestCreateRefusesAnExistingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, []byte("keep"), 0o600)
	if _, err := Create(path, 0o600, Buffers(2, Align)); !os.IsExist(err) {
		t.Errorf("Create over a file: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "keep" {
		t.Errorf("the file became %q", got)
	}
}

// TestWriterReportsAFailedWrite: a write that fails (here, to a file open for reading)
// is what Next and Close return, and Close still returns.
func TestWriterReportsAFailedWrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, nil, 0o600)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	w := newWriter(f, false, Buffers(2, Align))
	var nextErr error
	for range 4 {
		b, err := w.Next()
		if err != nil {
			nextErr = err
			break
		}
		w.Submit(b)
	}
	if nextErr == nil {
		t.Error("Next went on after a failed write")
	}
	if err := w.Close(); err == nil || err != nextErr {
		t.Errorf("Close: %v, want %v", err, nextErr)
	}
}

func TestSync(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(dir, "a", "b", "f"), []byte("x"), 0o444)
	if err := Sync(dir); err != nil {
		t.Errorf("Sync: %v", err)
	}
	if err := SyncRenames(dir, filepath.Join(dir, "a")); err != nil {
		t.Errorf("SyncRenames: %v", err)
	}
	if err := Sync(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Errorf("Sync of a missing directory: %v", err)
	}
}

// TestWriterWritesDirectly: on Linux, a file on the test's temporary directory is
// written around the page cache, and its last partial block through it.
func TestWriterWritesDirectly(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("O_DIRECT is Linux's")
	}
	t.Parallel()
	w, err := Create(filepath.Join(t.TempDir(), "f"), 0o600, Buffers(2, Align))
	if err != nil {
		t.Fatal(err)
	}
	if !w.direct {
		w.Close()
		t.Skip("this filesystem refuses O_DIRECT")
	}
	b, _ := w.Next()
	w.Submit(b)
	b, _ = w.Next()
	w.Submit(b[:10])
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.direct {
		t.Error("the last partial block was written with O_DIRECT on")
	}
}

// TestWriterFallsBackWhenADirectWriteIsRefused: a filesystem may take O_DIRECT at open
// and refuse a write (EINVAL: a buffer not aligned as it needs). Buffers off by one
// byte from the alignment provoke that here; the bytes must still all arrive.
func TestWriterFallsBackWhenADirectWriteIsRefused(t *testing.T) {
	t.Parallel()
	const size = 4 * Align
	bufs := make([][]byte, 2)
	for i := range bufs {
		bufs[i] = AlignedBuffer(size + Align)[1 : size+1]
	}
	data := benchdata.Random(3*size+100, 2)
	path := filepath.Join(t.TempDir(), "f")
	w, err := Create(path, 0o600, bufs)
	if err != nil {
		t.Fatal(err)
	}
	direct := w.direct
	for rest := data; len(rest) > 0; {
		b, err := w.Next()
		if err != nil {
			t.Fatal(err)
		}
		n := copy(b, rest)
		rest = rest[n:]
		w.Submit(b[:n])
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Errorf("read back %d bytes, not what was written", len(got))
	}
	if direct && w.direct {
		t.Error("direct writes of unaligned buffers went on")
	}
}
