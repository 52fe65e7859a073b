package plan

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"oras.land/oras-go/v2/registry/remote/credentials"

	"longshore.dev/lib/oci"
)

// pagedRegistry serves one repository, fonts, from a layout over the distribution API,
// listing its tags 100 a page whatever n asks (as ghcr.io does), with a Link header to
// the next page.
func pagedRegistry(t *testing.T, layout string) (addr string, pages *atomic.Int32) {
	t.Helper()
	pages = new(atomic.Int32)
	target := openLayout(t, layout)
	t.Cleanup(func() { target.Close() })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		path := r.URL.Path
		switch {
		case path == "/v2/":
			w.WriteHeader(http.StatusOK)
		case path == "/v2/fonts/tags/list":
			pages.Add(1)
			tags, err := target.Tags(ctx)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			slices.Sort(tags)
			last := r.URL.Query().Get("last")
			i, _ := slices.BinarySearch(tags, last)
			if last != "" && i < len(tags) && tags[i] == last {
				i++
			}
			page := tags[i:min(i+100, len(tags))]
			if i+100 < len(tags) {
				w.Header().Set("Link", fmt.Sprintf(`</v2/fonts/tags/list?last=%s&n=100>; rel="next"`, page[len(page)-1]))
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"name":"fonts","tags":["%s"]}`, strings.Join(page, `","`))
		case strings.HasPrefix(path, "/v2/fonts/manifests/"):
			desc, err := target.Resolve(ctx, strings.TrimPrefix(path, "/v2/fonts/manifests/"))
			if err != nil {
				http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`, http.StatusNotFound)
				return
			}
			data, err := target.FetchManifest(ctx, desc)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", desc.MediaType)
			w.Header().Set("Docker-Content-Digest", desc.Digest.String())
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			if r.Method != http.MethodHead {
				w.Write(data)
			}
		case strings.HasPrefix(path, "/v2/fonts/blobs/"):
			desc, err := target.Resolve(ctx, strings.TrimPrefix(path, "/v2/fonts/blobs/"))
			if err != nil {
				http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN"}]}`, http.StatusNotFound)
				return
			}
			rc, err := target.FetchBlob(ctx, desc)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			defer rc.Close()
			w.Header().Set("Content-Length", fmt.Sprint(desc.Size))
			io.Copy(w, rc)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), pages
}

func TestRefDependencyPagedTags(t *testing.T) {
	t.Parallel()
	layout := "ocidir://" + t.TempDir() + "/fonts"
	digest := publishPackage(t, layout, "fonts", "2.1.0", nil)
	publishPackage(t, layout, "fonts", "1.0.0", nil)
	// 250 tags that sort before the versions and are not versions: the versions are on
	// the third page.
	target := openLayout(t, layout)
	desc, err := target.Resolve(context.Background(), "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 250; i++ {
		if err := target.Tag(context.Background(), desc, fmt.Sprintf("0-pad-%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	target.Close()
	addr, pages := pagedRegistry(t, layout)
	repo := addr + "/fonts"
	home := t.TempDir()
	addTap(t, home, "main", false, entry("hello", v("1.0.0", "ref:"+repo+"@^2")))
	opts := Options{OCI: oci.Options{Credentials: credentials.NewMemoryStore()}}
	lock, err := Resolve(context.Background(), home, reqs("hello"), opts)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := lock.Package(repo)
	if !ok || p.Version != "2.1.0" || p.Digest != digest || p.Repository != repo {
		t.Fatalf("lock: %+v", lock.Packages)
	}
	if n := pages.Load(); n != 3 {
		t.Errorf("%d tag pages read, want 3", n)
	}
}
