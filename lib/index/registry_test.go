package index

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/registry/remote/credentials"

	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

// fakeRegistry is a small in-process OCI distribution server: enough of the API for
// oras-go (manifests, blobs, monolithic uploads, paginated tag lists honouring `last`),
// counting every request and able to serve corrupt bytes on demand.
type fakeRegistry struct {
	srv *httptest.Server

	mu        sync.Mutex
	blobs     map[digest.Digest][]byte
	manifests map[digest.Digest]fakeManifest
	tags      map[string]map[string]digest.Digest // repo → tag → digest
	corrupt   map[digest.Digest][]byte            // served instead of the real bytes
	requests  []string                            // "HEAD manifest", "GET blob", …
	bytesOut  int64                               // manifest and blob bytes served by GET
	// ignoreLast lists every tag, unsorted, whatever `last` and `n` say (distribution 2.8).
	ignoreLast bool
	// whileTagging, when set, runs during a manifest PUT by tag, while the tag is
	// listed but does not resolve yet: distribution creates a tag's directory (which
	// is what its tag list reads) before it writes the tag's current link.
	whileTagging func(repo, tag string)
	// tagged, when set, runs after a manifest PUT by tag has set the tag and before the
	// PUT is answered: what it does lands between the tag and the client's next request.
	tagged     func(repo, tag string)
	listedOnly map[string]map[string]bool // repo → tags listed that do not resolve yet
}

type fakeManifest struct {
	mediaType string
	data      []byte
}

func newFakeRegistry(t testing.TB) *fakeRegistry {
	t.Helper()
	r := &fakeRegistry{
		blobs:      map[digest.Digest][]byte{},
		manifests:  map[digest.Digest]fakeManifest{},
		tags:       map[string]map[string]digest.Digest{},
		corrupt:    map[digest.Digest][]byte{},
		listedOnly: map[string]map[string]bool{},
	}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// open returns a target for repo in the fake registry.
func (r *fakeRegistry) open(t *testing.T, repo string) *oci.Target {
	t.Helper()
	rf, err := ref.Parse(strings.TrimPrefix(r.srv.URL, "http://") + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := oci.Open(context.Background(), rf, oci.Options{Credentials: credentials.NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	return tgt
}

// reset forgets the request log and byte count.
func (r *fakeRegistry) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests, r.bytesOut = nil, 0
}

func (r *fakeRegistry) log() ([]string, int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests), r.bytesOut
}

func (r *fakeRegistry) serve(w http.ResponseWriter, req *http.Request) {
	path := req.URL.Path
	if path == "/v2/" || path == "/v2" {
		w.WriteHeader(http.StatusOK)
		return
	}
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		http.NotFound(w, req)
		return
	}
	switch {
	case strings.Contains(rest, "/manifests/"):
		i := strings.LastIndex(rest, "/manifests/")
		r.manifest(w, req, rest[:i], rest[i+len("/manifests/"):])
	case strings.Contains(rest, "/blobs/uploads"):
		i := strings.LastIndex(rest, "/blobs/uploads")
		r.upload(w, req, rest[:i])
	case strings.Contains(rest, "/blobs/"):
		i := strings.LastIndex(rest, "/blobs/")
		r.blob(w, req, rest[i+len("/blobs/"):])
	case strings.HasSuffix(rest, "/tags/list"):
		r.tagList(w, req, strings.TrimSuffix(rest, "/tags/list"))
	default:
		http.NotFound(w, req)
	}
}

func (r *fakeRegistry) record(s string) {
	r.mu.Lock()
	r.requests = append(r.requests, s)
	r.mu.Unlock()
}

func regError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"%s"}]}`, code, strings.ToLower(code))
}

func (r *fakeRegistry) manifest(w http.ResponseWriter, req *http.Request, repo, reference string) {
	r.record(req.Method + " manifest")
	r.mu.Lock()
	defer r.mu.Unlock()
	switch req.Method {
	case http.MethodHead, http.MethodGet:
		d, err := digest.Parse(reference)
		if err != nil {
			var ok bool
			if d, ok = r.tags[repo][reference]; !ok {
				regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN")
				return
			}
		}
		m, ok := r.manifests[d]
		if !ok {
			regError(w, http.StatusNotFound, "MANIFEST_UNKNOWN")
			return
		}
		w.Header().Set("Content-Type", m.mediaType)
		w.Header().Set("Docker-Content-Digest", d.String())
		w.Header().Set("Content-Length", strconv.Itoa(len(m.data)))
		if req.Method == http.MethodGet {
			r.bytesOut += int64(len(m.data))
			w.Write(m.data)
		}
	case http.MethodPut:
		data, _ := io.ReadAll(req.Body)
		d := digest.FromBytes(data)
		r.manifests[d] = fakeManifest{mediaType: req.Header.Get("Content-Type"), data: data}
		if _, err := digest.Parse(reference); err != nil {
			if hook := r.whileTagging; hook != nil {
				if r.listedOnly[repo] == nil {
					r.listedOnly[repo] = map[string]bool{}
				}
				r.listedOnly[repo][reference] = true
				r.mu.Unlock()
				hook(repo, reference)
				r.mu.Lock()
				delete(r.listedOnly[repo], reference)
			}
			if r.tags[repo] == nil {
				r.tags[repo] = map[string]digest.Digest{}
			}
			r.tags[repo][reference] = d
			if hook := r.tagged; hook != nil {
				r.mu.Unlock()
				hook(repo, reference)
				r.mu.Lock()
			}
		}
		w.Header().Set("Docker-Content-Digest", d.String())
		w.WriteHeader(http.StatusCreated)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (r *fakeRegistry) blob(w http.ResponseWriter, req *http.Request, reference string) {
	r.record(req.Method + " blob")
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := digest.Parse(reference)
	data, ok := r.blobs[d]
	if err != nil || !ok {
		regError(w, http.StatusNotFound, "BLOB_UNKNOWN")
		return
	}
	if bad, ok := r.corrupt[d]; ok && req.Method == http.MethodGet {
		data = bad
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Docker-Content-Digest", d.String())
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if req.Method == http.MethodGet {
		r.bytesOut += int64(len(data))
		w.Write(data)
	}
}

func (r *fakeRegistry) upload(w http.ResponseWriter, req *http.Request, repo string) {
	r.record(req.Method + " upload")
	switch req.Method {
	case http.MethodPost:
		w.Header().Set("Location", "/v2/"+repo+"/blobs/uploads/1")
		w.WriteHeader(http.StatusAccepted)
	case http.MethodPut:
		data, _ := io.ReadAll(req.Body)
		d, err := digest.Parse(req.URL.Query().Get("digest"))
		if err != nil || digest.FromBytes(data) != d {
			regError(w, http.StatusBadRequest, "DIGEST_INVALID")
			return
		}
		r.mu.Lock()
		r.blobs[d] = data
		r.mu.Unlock()
		w.Header().Set("Docker-Content-Digest", d.String())
		w.WriteHeader(http.StatusCreated)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (r *fakeRegistry) tagList(w http.ResponseWriter, req *http.Request, repo string) {
	r.record(req.Method + " tags")
	r.mu.Lock()
	var tags []string
	for tag := range r.tags[repo] {
		tags = append(tags, tag)
	}
	for tag := range r.listedOnly[repo] {
		if _, ok := r.tags[repo][tag]; !ok {
			tags = append(tags, tag)
		}
	}
	ignoreLast := r.ignoreLast
	r.mu.Unlock()
	if tags == nil {
		regError(w, http.StatusNotFound, "NAME_UNKNOWN")
		return
	}
	q := req.URL.Query()
	if ignoreLast {
		q = url.Values{}
	} else {
		slices.Sort(tags)
	}
	if last := q.Get("last"); last != "" {
		i, _ := slices.BinarySearch(tags, last)
		for i < len(tags) && tags[i] <= last {
			i++
		}
		tags = tags[i:]
	}
	n, err := strconv.Atoi(q.Get("n"))
	if err == nil && n > 0 && len(tags) > n {
		tags = tags[:n]
		w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?last=%s&n=%d>; rel="next"`, repo, tags[n-1], n))
	}
	w.Header().Set("Content-Type", "application/json")
	quoted := make([]string, len(tags))
	for i, tag := range tags {
		quoted[i] = strconv.Quote(tag)
	}
	fmt.Fprintf(w, `{"name":%q,"tags":[%s]}`, repo, strings.Join(quoted, ","))
}
