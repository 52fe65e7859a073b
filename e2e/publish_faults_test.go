package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// publishRequest is one kind of request a publish makes.
type publishRequest struct {
	name  string
	match func(r *http.Request) bool
}

// publishRequests are the writes pkg-push, pkg-push patch and pkg-tap index add make:
// an upload session is started (POST) and completed (PUT: oras uploads a blob in one
// PUT, never in PATCH chunks), a manifest is put by its digest, a tag by its name.
var publishRequests = []publishRequest{
	{"upload POST", func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/blobs/uploads/")
	}},
	{"upload PUT", isUploadPUT},
	{"manifest PUT", func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/sha256:")
	}},
	{"tag PUT", func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") && !strings.Contains(r.URL.Path, "/manifests/sha256:")
	}},
}

func isUploadPUT(r *http.Request) bool {
	return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/")
}

// publishFault says how the proxy fails the first requests of a kind.
type publishFault struct {
	name   string
	status int
	times  int32 // -1: every one
	// done: the registry did the request, and its answer was lost on the way back (a
	// gateway that gave up waiting): a retry finds the work done, or the session used.
	done       bool
	retryAfter string
}

var transientFaults = []publishFault{
	{name: "503 twice", status: http.StatusServiceUnavailable, times: 2},
	{name: "502 twice after the registry did it", status: http.StatusBadGateway, times: 2, done: true},
	{name: "429 with Retry-After", status: http.StatusTooManyRequests, times: 1, retryAfter: "1"},
}

// faultyProxy fails the requests of one kind as its fault says, and counts them.
type faultyProxy struct {
	*proxy
	failed  atomic.Int32
	matched atomic.Int32
}

func newFaultyProxy(t *testing.T, k publishRequest, f publishFault) *faultyProxy {
	t.Helper()
	p := &faultyProxy{}
	p.proxy = newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if !k.match(r) {
			next.ServeHTTP(w, r)
			return
		}
		if n := p.matched.Add(1); f.times >= 0 && n > f.times {
			next.ServeHTTP(w, r)
			return
		}
		p.failed.Add(1)
		if f.done {
			next.ServeHTTP(httptest.NewRecorder(), r)
		} else {
			io.Copy(io.Discard, r.Body)
		}
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		fmt.Fprintf(w, `{"errors":[{"code":"UNAVAILABLE","message":"injected %d"}]}`, f.status)
	})
	return p
}

// flakyPublisher is what the fault tests publish: a package of two platforms, whose
// layers upload from files, and a patch descriptor for it.
type flakyPublisher struct {
	dir, patches string
	published    pulled // an undisturbed push of dir
	patchDigest  string // an undisturbed publish of patches
}

func newFlakyPublisher(t *testing.T) *flakyPublisher {
	t.Helper()
	p := &flakyPublisher{dir: writePkg(t, "flakypub", "1.0.0", "  platforms:\n    linux/amd64: amd64\n    linux/arm64: arm64\n", map[string]string{
		"amd64/data.bin": noise(96 << 10), "arm64/data.bin": noise(80 << 10),
	})}
	p.published = pushPkg(t, p.dir, registryAddr+"/e2e/pubfaults/undisturbed")
	p.patches = filepath.Join(t.TempDir(), "flakypub-patches.yaml")
	rules := "apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\nrules:\n  - match: {name: flakypub}\n    companions: [{name: corp/ca-bundle}]\n"
	if err := os.WriteFile(p.patches, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	p.patchDigest = decodeDoc(t, runOK(t, runOpts{}, "pkg-push", "patch", p.patches, "--for", "flakypub", "--to", registryAddr+"/e2e/pubfaults/undisturbed").Stdout).Digest
	return p
}

// The three publishes a CI job makes, each to repo.
func (p *flakyPublisher) push(t *testing.T, repo string) result {
	return run(t, runOpts{}, "pkg-push", p.dir, "--to", repo, "--cascade", "-o", "yaml")
}

func (p *flakyPublisher) indexAdd(t *testing.T, repo string) result {
	return run(t, runOpts{Stdin: p.published.raw}, "pkg-tap", "index", "add", "-f", "-", "--to", repo, "-o", "yaml")
}

func (p *flakyPublisher) patch(t *testing.T, repo string) result {
	return run(t, runOpts{}, "pkg-push", "patch", p.patches, "--for", "flakypub", "--to", repo)
}

// TestPublishSurvivesTransientFaults publishes a package (pkg-push --cascade), its
// index entry (pkg-tap index add) and a patch descriptor (pkg-push patch) through a
// proxy that fails the first requests of one kind, as ghcr.io now and then does to a
// CI job: each publish succeeds with what an undisturbed one prints, and a second one
// finds everything there.
func TestPublishSurvivesTransientFaults(t *testing.T) {
	t.Parallel()
	p := newFlakyPublisher(t)
	for _, k := range publishRequests {
		for _, f := range transientFaults {
			t.Run(k.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				slug := strings.NewReplacer(" ", "-", "/", "-").Replace(strings.ToLower(k.name + "-" + f.name))

				px := newFaultyProxy(t, k, f)
				repo := px.addr + "/e2e/pubfaults/" + slug
				res := p.push(t, repo)
				if res.Code != 0 || decodeDoc(t, res.Stdout).Digest != p.published.Digest {
					t.Errorf("pkg-push through %d failed %ss: want exit 0 and %s\n%s", px.failed.Load(), k.name, p.published.Digest, res)
				} else if again := p.push(t, repo); again.Code != 0 || again.Stdout != res.Stdout || !strings.Contains(again.Stderr, "nothing to upload") {
					t.Errorf("pkg-push again: want nothing to upload\n%s", again)
				}
				checkFailed(t, px, f)

				px = newFaultyProxy(t, k, f)
				index := px.addr + "/e2e/pubfaults/" + slug + "-index"
				res = p.indexAdd(t, index)
				if d := decodeIndexPublished(t, res.Stdout); res.Code != 0 || strings.Join(d.Added, ",") != "flakypub@1.0.0" {
					t.Errorf("pkg-tap index add through %d failed %ss: want exit 0, flakypub@1.0.0 added\n%s", px.failed.Load(), k.name, res)
				} else if again := p.indexAdd(t, index); again.Code != 0 || !strings.Contains(again.Stderr, "Left flakypub@1.0.0 unchanged") {
					t.Errorf("pkg-tap index add again: want it unchanged\n%s", again)
				}
				if _, pkgs := readIndex(t, strings.Replace(index, px.addr, registryAddr, 1), "latest"); strings.Join(pkgs["flakypub"], ",") != "1.0.0" {
					t.Errorf("the index holds %v", pkgs)
				}
				checkFailed(t, px, f)

				px = newFaultyProxy(t, k, f)
				res = p.patch(t, px.addr+"/e2e/pubfaults/"+slug)
				if res.Code != 0 || decodeDoc(t, res.Stdout).Digest != p.patchDigest {
					t.Errorf("pkg-push patch through %d failed %ss: want exit 0 and %s\n%s", px.failed.Load(), k.name, p.patchDigest, res)
				} else if again := p.patch(t, px.addr+"/e2e/pubfaults/"+slug); again.Code != 0 || !strings.Contains(again.Stderr, "already holds these rules") {
					t.Errorf("pkg-push patch again: want the rules already there\n%s", again)
				}
				checkFailed(t, px, f)
			})
		}
	}
}

// checkFailed fails a test whose proxy failed none of the requests it was to: that
// test proved nothing.
func checkFailed(t *testing.T, px *faultyProxy, f publishFault) {
	t.Helper()
	if px.failed.Load() == 0 || f.times > 0 && px.failed.Load() != min(f.times, px.matched.Load()) {
		t.Errorf("the proxy failed %d of %d requests, want %d", px.failed.Load(), px.matched.Load(), f.times)
	}
}

// TestPublishGivesUpOnAFailingRegistry: a registry that fails every upload is tried
// a bounded number of times, then named with the retryable exit code (7); one that
// refuses the upload (403) is not tried again (exit 4).
func TestPublishGivesUpOnAFailingRegistry(t *testing.T) {
	t.Parallel()
	p := newFlakyPublisher(t)
	publishes := []struct {
		name string
		run  func(t *testing.T, repo string) result
		// blobs is how many blob uploads the publish may have under way at once: each
		// is tried up to three times.
		blobs int32
	}{
		{"pkg-push", p.push, 4},
		{"pkg-tap index add", p.indexAdd, 1},
		{"pkg-push patch", p.patch, 1},
	}
	for _, pub := range publishes {
		t.Run(pub.name, func(t *testing.T) {
			t.Parallel()
			down := newFaultyProxy(t, publishRequest{"upload PUT", isUploadPUT}, publishFault{status: http.StatusServiceUnavailable, times: -1})
			res := pub.run(t, down.addr+"/e2e/pubfaults/down")
			if res.Code != 7 || res.Stdout != "" || !strings.Contains(res.Stderr, "Error: ") ||
				!strings.Contains(res.Stderr, down.addr+"/e2e/pubfaults/down") || !strings.Contains(res.Stderr, "(tried 3 times)") ||
				!strings.Contains(res.Stderr, "failed the upload of sha256:") || !strings.Contains(res.Stderr, "(HTTP 503 Service Unavailable): trying again in 500ms (2 of 3)") {
				t.Errorf("a registry that fails every upload: want exit 7 naming it, after 3 tries\n%s", res)
			}
			if n := down.matched.Load(); n < 3 || n > 3*pub.blobs {
				t.Errorf("%d upload PUTs, want 3 to %d", n, 3*pub.blobs)
			}

			denied := newFaultyProxy(t, publishRequest{"upload PUT", isUploadPUT}, publishFault{status: http.StatusForbidden, times: -1})
			res = pub.run(t, denied.addr+"/e2e/pubfaults/denied")
			if res.Code != 4 || !strings.Contains(res.Stderr, denied.addr+" refused access (HTTP 403)") || strings.Contains(res.Stderr, "trying again") {
				t.Errorf("a registry that refuses the upload: want exit 4, at once\n%s", res)
			}
			if n := denied.matched.Load(); n < 1 || n > pub.blobs {
				t.Errorf("%d upload PUTs, want 1 to %d: a refusal is not tried again", n, pub.blobs)
			}
		})
	}
}
