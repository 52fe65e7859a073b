package oci

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
)

// TestLayoutPushOfBadBytes: bytes that do not match their digest, copied into a
// layout, are refused as what they are: a source that served other bytes (said by the
// source, naming it), or bytes given that are not the digest's. Not as a damaged copy
// in the layout, which holds none, and whose hint (mirror into it again) cannot mend.
func TestLayoutPushOfBadBytes(t *testing.T) {
	t.Parallel()
	good := []byte(strings.Repeat("layer ", 100))
	bad := append([]byte("L"), good[1:]...)
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digest.FromBytes(good), Size: int64(len(good))}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/demo/hello/blobs/"+desc.Digest.String() {
			http.NotFound(w, r)
			return
		}
		// In two chunks, as a big blob streams.
		w.Write(bad[:len(bad)/2])
		w.(http.Flusher).Flush()
		w.Write(bad[len(bad)/2:])
		w.(http.Flusher).Flush()
	}))
	t.Cleanup(srv.Close)
	r, _ := ref.ParseArtifact(strings.TrimPrefix(srv.URL, "http://") + "/demo/hello")
	src := open(t, r, Options{Credentials: emptyCreds{}})
	defer src.Close()
	lr, blob, _ := damagedLayout(t, "blob")
	// Changed rather than cut short: read whole, its bytes are other than its digest's.
	path := layoutBlob(lr.Path, blob.Digest)
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, make([]byte, blob.Size), 0o644); err != nil {
		t.Fatal(err)
	}
	damaged, err := Open(context.Background(), lr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Closed once the parallel subtests, which read it, are done.
	t.Cleanup(func() { damaged.Close() })

	for _, tc := range []struct {
		name   string
		source BlobSource
		want   string // in the error
		hint   string // the hint starts so
	}{
		{"from a registry", func() (io.Reader, func(), error) {
			rc, err := src.FetchBlob(context.Background(), desc)
			if err != nil {
				return nil, nil, err
			}
			return rc, func() { rc.Close() }, nil
		}, src.Where(), "the registry served bytes that do not match their digest"},
		{"from a damaged layout", func() (io.Reader, func(), error) {
			rc, err := damaged.FetchBlob(context.Background(), blob)
			if err != nil {
				return nil, nil, err
			}
			return rc, func() { rc.Close() }, nil
		}, damaged.Where(), "the layout's copy is damaged"},
		{"given", BytesSource(bad), "do not match", "the bytes given for"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
			dst, err := Open(context.Background(), l, Options{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			d := desc
			if strings.Contains(tc.name, "layout") {
				d = blob
			}
			_, err = dst.PushBlob(context.Background(), d, tc.source)
			if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(fault.HintOf(err), tc.hint) {
				t.Errorf("err %v (kind %v, hint %q), want a verification failure saying %q, hint %q…", err, fault.KindOf(err), fault.HintOf(err), tc.want, tc.hint)
			}
			if ok, _ := dst.Exists(context.Background(), d); ok {
				t.Error("the bad bytes were written")
			}
		})
	}
}
