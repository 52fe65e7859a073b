package oci

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
)

// failingStorage fails every write as oras-go's layout store does when the disk does:
// "failed to ingest: copy failed: write …/ingest/…: no space left on device".
type failingStorage struct {
	storage
	errno  syscall.Errno
	pushes int
}

func (s *failingStorage) Push(_ context.Context, desc ocispec.Descriptor, _ io.Reader) error {
	s.pushes++
	path := filepath.Join("ingest", desc.Digest.Encoded()+"_123")
	return fmt.Errorf("failed to ingest: %w", fmt.Errorf("copy failed: %w", &fs.PathError{Op: "write", Path: path, Err: s.errno}))
}

// A layout's disk that fails a write is no network fault: a full disk was exit 7,
// "retry later", and had each upload made three times.
func TestLayoutWriteFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		errno syscall.Errno
		text  string
		hint  string
	}{
		{syscall.ENOSPC, "no space left on device", "the disk holding the layout is full: free space"},
		{syscall.EDQUOT, "quota exceeded", "the disk holding the layout is full: free space"},
		{syscall.EROFS, "read-only file system", "mounted read-only"},
		{syscall.EACCES, "permission denied", "check their owner and permissions"},
	} {
		t.Run(tc.errno.Error(), func(t *testing.T) {
			t.Parallel()
			r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
			target, err := Open(context.Background(), r, Options{Create: true, UploadBackoff: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer target.Close()
			failing := &failingStorage{storage: target.store, errno: tc.errno}
			target.store = failing
			data := []byte("a layer")
			desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digest.FromBytes(data), Size: int64(len(data))}
			_, err = target.PushBlob(context.Background(), desc, BytesSource(data))
			if err == nil || !strings.Contains(err.Error(), tc.text) || !strings.Contains(err.Error(), target.Where()) {
				t.Fatalf("err %v, want one naming %s and saying %q", err, target.Where(), tc.text)
			}
			if kind := fault.KindOf(err); kind != fault.Unknown {
				t.Errorf("kind %v, want Unknown (exit 1): no retry mends a disk", kind)
			}
			if !strings.Contains(fault.HintOf(err), tc.hint) {
				t.Errorf("hint %q, want %q", fault.HintOf(err), tc.hint)
			}
			if failing.pushes != 1 {
				t.Errorf("the write was tried %d times, want once", failing.pushes)
			}
		})
	}
}
