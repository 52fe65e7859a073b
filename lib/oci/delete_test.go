package oci

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
)

// TestDelete: a manifest delete is a DELETE by digest; a registry that refuses deletes
// (Distribution's 405 UNSUPPORTED) is named with the setting to change; a missing
// manifest is not found.
func TestDelete(t *testing.T) {
	t.Parallel()
	manifest := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}`)
	d := digest.FromBytes(manifest)
	tests := []struct {
		status int
		body   string
		kind   fault.Kind
		want   string
	}{
		{http.StatusAccepted, "", fault.Unknown, ""},
		{http.StatusMethodNotAllowed, `{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}`, fault.Unknown, "refuses deletes (HTTP 405, UNSUPPORTED)"},
		{http.StatusNotFound, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`, fault.NotFound, "not found"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Parallel()
			var got atomic.Value
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/v2/":
					return
				case r.Method == http.MethodGet:
					// oras-go reads the manifest first, for its subject (referrers).
					w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
					w.Header().Set("Docker-Content-Digest", d.String())
					w.Write(manifest)
					return
				}
				got.Store(r.Method + " " + r.URL.Path)
				if tt.status == http.StatusAccepted {
					w.Header().Set("Docker-Content-Digest", d.String())
				} else {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			r, _ := ref.ParseArtifact(strings.TrimPrefix(srv.URL, "http://") + "/demo/hello")
			err := open(t, r, Options{}).Delete(context.Background(), ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: d, Size: int64(len(manifest))})
			if got.Load() != "DELETE /v2/demo/hello/manifests/"+d.String() {
				t.Errorf("request: %v", got.Load())
			}
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if fault.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v (%v), want %v containing %q", err, fault.KindOf(err), tt.kind, tt.want)
			}
			if tt.status == http.StatusMethodNotAllowed && fault.HintOf(err) != DeletesRefusedHint {
				t.Errorf("hint: %q", fault.HintOf(err))
			}
		})
	}
}
