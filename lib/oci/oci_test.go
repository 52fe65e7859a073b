package oci

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/retry"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
)

// fakeRegistry serves one manifest under one tag, optionally behind basic auth and after
// a number of 503s, and records what it saw. It is a unit-test fake: the end-to-end tests
// use a real Distribution registry.
type fakeRegistry struct {
	mu         sync.Mutex
	manifest   []byte
	lie        bool // serve bytes that do not match the digest
	user, pass string
	failFirst  int
	status     int // answer every manifest request with this status
	agents     []string
	authHeader []string
}

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.agents = append(f.agents, r.UserAgent())
	if f.user != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != f.user || p != f.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		f.authHeader = append(f.authHeader, r.Header.Get("Authorization"))
	}
	if r.URL.Path == "/v2/" {
		return
	}
	if f.failFirst > 0 {
		f.failFirst--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if f.status != 0 {
		w.WriteHeader(f.status)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v2/demo/hello/manifests/") {
		http.NotFound(w, r)
		return
	}
	ref := strings.TrimPrefix(r.URL.Path, "/v2/demo/hello/manifests/")
	d := digest.FromBytes(f.manifest)
	if ref != "1.0.0" && ref != d.String() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`)
		return
	}
	body := f.manifest
	if f.lie && r.Method == http.MethodGet {
		body = append([]byte(nil), body...)
		body[len(body)-2] = ' '
	}
	w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
	w.Header().Set("Docker-Content-Digest", d.String())
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

func serve(t *testing.T, f *fakeRegistry) ref.Ref {
	t.Helper()
	if f.manifest == nil {
		f.manifest, _ = json.Marshal(ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: ocispec.DescriptorEmptyJSON})
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	r, err := ref.ParseArtifact(strings.TrimPrefix(srv.URL, "http://") + "/demo/hello:1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func open(t *testing.T, r ref.Ref, opts Options) *Target {
	t.Helper()
	if opts.UserAgent == "" {
		opts.UserAgent = "longshore-pkg-test/1.2.3"
	}
	// The default policy's backoff is right for users and slow for tests.
	opts.Retry = &retry.GenericPolicy{Retryable: retry.DefaultPredicate, Backoff: retry.DefaultBackoff, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, MaxRetry: 5}
	target, err := Open(context.Background(), r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return target
}

func TestResolveRetriesAndNamesItself(t *testing.T) {
	t.Parallel()
	f := &fakeRegistry{failFirst: 2}
	target := open(t, serve(t, f), Options{})
	desc, err := target.Resolve(context.Background(), "1.0.0")
	if err != nil {
		t.Fatalf("two 503s then success should be retried: %v", err)
	}
	if desc.Digest != digest.FromBytes(f.manifest) {
		t.Errorf("digest %s", desc.Digest)
	}
	for _, ua := range f.agents {
		if ua != "longshore-pkg-test/1.2.3" {
			t.Errorf("user agent %q", ua)
		}
	}
}

func TestFaultKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    *fakeRegistry
		ref  string
		kind fault.Kind
		text string
	}{
		{"missing tag", &fakeRegistry{}, "9.9.9", fault.NotFound, "not found"},
		{"stays down", &fakeRegistry{status: http.StatusServiceUnavailable}, "1.0.0", fault.Network, "503"},
		{"rate limited", &fakeRegistry{status: http.StatusTooManyRequests}, "1.0.0", fault.Network, "429"},
		{"unauthorized", &fakeRegistry{user: "u", pass: "p"}, "1.0.0", fault.Auth, "none are configured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target := open(t, serve(t, tc.f), Options{Credentials: emptyCreds{}})
			_, err := target.Resolve(context.Background(), tc.ref)
			if fault.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("got kind %v, err %v; want %v containing %q", fault.KindOf(err), err, tc.kind, tc.text)
			}
			if tc.kind == fault.Auth && !strings.Contains(fault.HintOf(err), "docker login") {
				t.Errorf("auth hint: %q", fault.HintOf(err))
			}
		})
	}
}

// A server that is not a registry (501 to HEAD) fails at once, saying so: no retry
// changes that answer.
func TestNotARegistryIsNotRetried(t *testing.T) {
	t.Parallel()
	f := &fakeRegistry{status: http.StatusNotImplemented}
	target := open(t, serve(t, f), Options{})
	_, err := target.Resolve(context.Background(), "1.0.0")
	if err == nil || fault.KindOf(err) == fault.Network || !strings.Contains(fault.HintOf(err), "does not act like an OCI registry") {
		t.Errorf("got %v (kind %v, hint %q)", err, fault.KindOf(err), fault.HintOf(err))
	}
	if n := len(f.agents); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestLyingRegistryIsRefused(t *testing.T) {
	t.Parallel()
	f := &fakeRegistry{lie: true}
	target := open(t, serve(t, f), Options{})
	desc, err := target.Resolve(context.Background(), "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = target.FetchManifest(context.Background(), desc)
	if fault.KindOf(err) != fault.Verify {
		t.Fatalf("bytes that do not match the digest must be refused, got %v", err)
	}
}

func TestManifestSizeBound(t *testing.T) {
	t.Parallel()
	target := open(t, serve(t, &fakeRegistry{}), Options{})
	_, err := target.FetchManifest(context.Background(), ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("x"), Size: MaxManifestBytes + 1})
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("got %v", err)
	}
}

func TestPlainHTTPOnlyForLocalhost(t *testing.T) {
	t.Parallel()
	f := &fakeRegistry{}
	r := serve(t, f) // 127.0.0.1: plain HTTP by default
	if _, err := open(t, r, Options{}).Resolve(context.Background(), "1.0.0"); err != nil {
		t.Fatalf("localhost should default to plain HTTP: %v", err)
	}
	tls := false
	_, err := open(t, r, Options{PlainHTTP: &tls}).Resolve(context.Background(), "1.0.0")
	if err == nil || !strings.Contains(fault.HintOf(err), "--plain-http") {
		t.Fatalf("TLS to a plain HTTP server should hint --plain-http, got %v (hint %q)", err, fault.HintOf(err))
	}
	remote := open(t, ref.Ref{Kind: ref.Remote, Registry: "registry.example.com", Repository: "x"}, Options{})
	if remote.remote.PlainHTTP {
		t.Error("a non-local registry must default to TLS")
	}
}

// Not parallel: it sets DOCKER_CONFIG for the process.
func TestCredentialsFromDockerConfig(t *testing.T) {
	f := &fakeRegistry{user: "alice", pass: "s3cret"}
	r := serve(t, f)
	dir := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, r.Registry, auth)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	_, err := open(t, r, Options{}).Resolve(context.Background(), "1.0.0")
	if err != nil {
		t.Fatalf("credentials from DOCKER_CONFIG were not used: %v", err)
	}
	if len(f.authHeader) == 0 {
		t.Fatal("no authenticated request reached the registry")
	}
	// A wrong password is an auth fault whose text never carries the secret.
	f.pass = "other"
	_, err = open(t, r, Options{}).Resolve(context.Background(), "1.0.0")
	if fault.KindOf(err) != fault.Auth {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), auth) {
		t.Fatalf("error leaks the credential: %v", err)
	}
}

// Options.RegistryConfig (pkg-pull mirror --from-registry-config) reads credentials
// from the file it names, not from DOCKER_CONFIG. Not parallel: it sets DOCKER_CONFIG.
func TestCredentialsFromRegistryConfig(t *testing.T) {
	f := &fakeRegistry{user: "bob", pass: "hunter2"}
	r := serve(t, f)
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // empty: no credentials there
	file := filepath.Join(t.TempDir(), "lab-auth.json")
	auth := base64.StdEncoding.EncodeToString([]byte("bob:hunter2"))
	if err := os.WriteFile(file, []byte(fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, r.Registry, auth)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := open(t, r, Options{}).Resolve(context.Background(), "1.0.0"); fault.KindOf(err) != fault.Auth {
		t.Fatalf("without the file: want an auth fault, got %v", err)
	}
	if _, err := open(t, r, Options{RegistryConfig: file}).Resolve(context.Background(), "1.0.0"); err != nil {
		t.Fatalf("credentials from %s were not used: %v", file, err)
	}
}

func TestLayoutNotFoundAndLocking(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "reg", "hello")
	r, _ := ref.ParseArtifact("ocidir://" + dir + ":1.0.0")
	_, err := Open(context.Background(), r, Options{})
	// Said in the user's words, not os.Stat's ("stat …/index.json: no such file or
	// directory"), for a missing directory and for one that holds no layout.
	if want := "ocidir://" + dir + ": no OCI layout there (no such directory)"; fault.KindOf(err) != fault.NotFound || err == nil || err.Error() != want ||
		!strings.Contains(fault.HintOf(err), "check the path") {
		t.Fatalf("missing layout: %v (hint %q), want %q", err, fault.HintOf(err), want)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), r, Options{})
	if want := "ocidir://" + dir + ": no OCI layout there (the directory has no index.json)"; fault.KindOf(err) != fault.NotFound || err == nil || err.Error() != want {
		t.Fatalf("directory without a layout: %v, want %q", err, want)
	}
	target, err := Open(context.Background(), r, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(target.Ref.Path) {
		t.Errorf("layout path %q should be absolute", target.Ref.Path)
	}
	target.Close()
	// Closed, as every Target must be: one left open holds its lock until the garbage
	// collector closes the file, and stays among the layouts this process holds, so
	// that another test's lock file given the same inode later read as this one.
	again, err := Open(context.Background(), r, Options{})
	if err != nil {
		t.Fatalf("reopening an existing layout: %v", err)
	}
	again.Close()
}

// A layout copied in from elsewhere may hold anything at .longshore.lock. Opening it
// locked a symlink there through its target, creating the file it names (empty)
// anywhere this user may write: pkg-pull ocidir://LAYOUT:1.0.0 made
// /some/path/created-by-lock. Every open refuses it, naming the lock file.
func TestLayoutLockThroughASymlinkIsRefused(t *testing.T) {
	t.Parallel()
	for _, opts := range []Options{{ReadOnly: true}, {}, {Create: true}} {
		t.Run(fmt.Sprintf("read-only=%v,create=%v", opts.ReadOnly, opts.Create), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(dir, "hello"))
			pushTagged(t, r, "1.0.0", "one")
			lock := filepath.Join(r.Path, lockName)
			os.Remove(lock)
			created := filepath.Join(dir, "created-by-lock")
			if err := os.Symlink(created, lock); err != nil {
				t.Fatal(err)
			}
			target, err := Open(context.Background(), r, opts)
			if err == nil {
				target.Close()
				t.Fatal("opened a layout whose lock file is a symlink")
			}
			if want := "lock file " + lock + " is a symlink to " + created; !strings.Contains(err.Error(), want) || fault.KindOf(err) != fault.Conflict {
				t.Errorf("got %v (%v), want a conflict saying %q", err, fault.KindOf(err), want)
			}
			if _, err := os.Lstat(created); err == nil {
				t.Errorf("opening the layout created %s", created)
			}
		})
	}
}

type authCredential = auth.Credential

type emptyCreds struct{}

func (emptyCreds) Get(context.Context, string) (authCredential, error) { return authCredential{}, nil }
func (emptyCreds) Put(context.Context, string, authCredential) error   { return nil }
func (emptyCreds) Delete(context.Context, string) error                { return nil }

func TestTruncatedContentIsRefused(t *testing.T) {
	t.Parallel()
	f := &fakeRegistry{}
	target := open(t, serve(t, f), Options{})
	desc, err := target.Resolve(context.Background(), "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	desc.Size += 5 // the registry now serves fewer bytes than the descriptor says
	if _, err := target.FetchManifest(context.Background(), desc); fault.KindOf(err) != fault.Verify {
		t.Fatalf("a size mismatch must be a verification failure, got %v", err)
	}
}

// A registry that has not yet linked a blob another writer just pushed answers the
// manifest PUT with MANIFEST_BLOB_UNKNOWN; the push tries again shortly.
func TestManifestPushRetriesBlobUnknown(t *testing.T) {
	t.Parallel()
	manifest := []byte(`{"schemaVersion":2}`)
	d := digest.FromBytes(manifest)
	var puts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/":
		case r.Method == http.MethodHead:
			http.NotFound(w, r)
		case r.Method == http.MethodPut:
			if puts.Add(1) == 1 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry"}]}`)
				return
			}
			w.Header().Set("Docker-Content-Digest", d.String())
			w.WriteHeader(http.StatusCreated)
		}
	}))
	t.Cleanup(srv.Close)
	r, _ := ref.ParseArtifact(strings.TrimPrefix(srv.URL, "http://") + "/demo/hello")
	target := open(t, r, Options{})
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: d, Size: int64(len(manifest))}
	up, err := target.Push(context.Background(), desc, bytes.NewReader(manifest))
	if err != nil || !up {
		t.Fatalf("push after a transient blob-unknown: %v", err)
	}
	if puts.Load() != 2 {
		t.Errorf("%d PUTs, want 2", puts.Load())
	}
}

// Putting a manifest by tag has the registry check its blobs again, and distribution
// 2.8 misses one while another writer links the same blob (it rewrites the link file
// in place): concurrent index publishers that built the same shard saw "tagging …:
// manifest blob unknown". Tag tries again shortly, as Push does.
func TestTagRetriesBlobUnknown(t *testing.T) {
	t.Parallel()
	manifest := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}`)
	d := digest.FromBytes(manifest)
	var puts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/":
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
			w.Header().Set("Docker-Content-Digest", d.String())
			w.Header().Set("Content-Length", fmt.Sprint(len(manifest)))
			if r.Method == http.MethodGet {
				w.Write(manifest)
			}
		case r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/manifests/latest"):
			if puts.Add(1) == 1 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"},{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":%q}]}`, d)
				return
			}
			w.Header().Set("Docker-Content-Digest", d.String())
			w.WriteHeader(http.StatusCreated)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	r, _ := ref.ParseArtifact(strings.TrimPrefix(srv.URL, "http://") + "/demo/index")
	target := open(t, r, Options{})
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: d, Size: int64(len(manifest))}
	if err := target.Tag(context.Background(), desc, "latest"); err != nil {
		t.Fatalf("tag after a transient blob-unknown: %v", err)
	}
	if puts.Load() != 2 {
		t.Errorf("%d PUTs, want 2", puts.Load())
	}
}

// FetchManifestDigest reads a manifest known by digest only in one GET, and refuses
// bytes that do not hash to the digest, whatever the headers say.
func TestFetchManifestDigest(t *testing.T) {
	t.Parallel()
	f := &fakeRegistry{}
	r := serve(t, f)
	target := open(t, r, Options{})
	d := digest.FromBytes(f.manifest)
	f.mu.Lock()
	before := len(f.agents)
	f.mu.Unlock()
	desc, data, err := target.FetchManifestDigest(context.Background(), d)
	if err != nil || desc.Digest != d || desc.Size != int64(len(f.manifest)) || string(data) != string(f.manifest) {
		t.Fatalf("got %+v %q %v", desc, data, err)
	}
	f.mu.Lock()
	requests := len(f.agents) - before
	f.mu.Unlock()
	if requests != 1 {
		t.Errorf("%d requests, want one GET", requests)
	}

	liar := &fakeRegistry{lie: true}
	target = open(t, serve(t, liar), Options{})
	_, _, err = target.FetchManifestDigest(context.Background(), digest.FromBytes(liar.manifest))
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), "hash to") {
		t.Errorf("a lying registry: want a verification failure, got %v", err)
	}
	_, _, err = target.FetchManifestDigest(context.Background(), digest.FromString("other"))
	if fault.KindOf(err) != fault.NotFound {
		t.Errorf("an unknown digest: want not found, got %v", err)
	}
}

// FetchManifestRef resolves a tag with the GET that fetches the manifest.
func TestFetchManifestRefByTag(t *testing.T) {
	t.Parallel()
	f := &fakeRegistry{}
	target := open(t, serve(t, f), Options{})
	desc, data, err := target.FetchManifestRef(context.Background(), "1.0.0")
	if err != nil || desc.Digest != digest.FromBytes(f.manifest) || string(data) != string(f.manifest) {
		t.Fatalf("got %+v %q %v", desc, data, err)
	}
	liar := &fakeRegistry{lie: true}
	target = open(t, serve(t, liar), Options{})
	if _, _, err := target.FetchManifestRef(context.Background(), "1.0.0"); fault.KindOf(err) != fault.Verify {
		t.Errorf("a registry whose digest header does not match its bytes: want a verification failure, got %v", err)
	}
}

// A manifest over the limit is refused by tag too, whatever the registry sends: oras-go
// cut a GET without a digest header at the limit and hashed what it kept, so a
// manifest of 5 MiB came back as its first 4 MiB, as if whole.
func TestFetchManifestRefRefusesOverTheLimit(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte(" "), MaxManifestBytes+1<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", ocispec.MediaTypeImageManifest)
		w.Header().Set("Content-Length", fmt.Sprint(len(big)))
		if r.Method == http.MethodGet {
			w.Write(big)
		}
	}))
	t.Cleanup(srv.Close)
	r, err := ref.ParseArtifact(strings.TrimPrefix(srv.URL, "http://") + "/demo/hello:1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	desc, data, err := open(t, r, Options{}).FetchManifestRef(context.Background(), "1.0.0")
	if fault.KindOf(err) != fault.Verify || !strings.Contains(err.Error(), "over the 4194304-byte manifest limit") {
		t.Fatalf("want the manifest refused as over the limit, got %v (%d bytes, %s)", err, len(data), desc.Digest)
	}
}

// TestLayoutThatIsAFile: an ocidir:// path that is a file, or lies below one, is a
// usage error that says so, whether the layout is to be created (a push) or read; it
// used to say "no OCI layout there… push to it first", even to a push.
func TestLayoutThatIsAFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "afile")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path   string
		create bool
		want   string
	}{
		{file, true, "ocidir://" + file + " is a file, not a directory: an OCI layout is a directory"},
		{file, false, "ocidir://" + file + " is a file, not a directory: an OCI layout is a directory"},
		{filepath.Join(file, "sub", "hello"), true, ": " + file + " is a file, not a directory, so no layout can be below it"},
	}
	for _, tc := range tests {
		r, err := ref.ParseArtifact("ocidir://" + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Open(context.Background(), r, Options{Create: tc.create})
		if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), tc.want) || !strings.Contains(fault.HintOf(err), "name a directory for the layout") {
			t.Errorf("%s (create %v): %v (hint %q)", tc.path, tc.create, err, fault.HintOf(err))
		}
	}
	if data, err := os.ReadFile(file); err != nil || string(data) != "x" {
		t.Errorf("the file was changed: %q, %v", data, err)
	}
}

// A host that does not resolve is named in the error (a DNS failure has no address).
func TestUnknownHostIsNamed(t *testing.T) {
	t.Parallel()
	r, err := ref.ParseArtifact("example.invalid/org/index:latest")
	if err != nil {
		t.Fatal(err)
	}
	target := open(t, r, Options{})
	_, err = target.Resolve(context.Background(), "latest")
	if fault.KindOf(err) != fault.Network || strings.Contains(err.Error(), "%!") || !strings.Contains(err.Error(), "cannot reach example.invalid") {
		t.Errorf("got %v", err)
	}
}

// A docker config naming a credential helper that is not installed is said as such,
// with the fix, not as a raw exec error.
func TestMissingCredentialHelper(t *testing.T) {
	t.Parallel()
	config := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(config, []byte(`{"credsStore":"longshore-test-nonexistent"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	target := open(t, serve(t, &fakeRegistry{user: "u", pass: "p"}), Options{RegistryConfig: config})
	_, err := target.Resolve(context.Background(), "1.0.0")
	if fault.KindOf(err) != fault.Auth || !strings.Contains(err.Error(), "credential helper docker-credential-longshore-test-nonexistent, which is not installed") ||
		!strings.Contains(fault.HintOf(err), "credsStore") {
		t.Errorf("got %v (kind %v, hint %q)", err, fault.KindOf(err), fault.HintOf(err))
	}
}

// A docker config that is not JSON is named, with the fix. (Not parallel: it sets
// DOCKER_CONFIG for the process.)
func TestBrokenDockerConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`not json`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	r := serve(t, &fakeRegistry{user: "u", pass: "p"})
	target, err := Open(context.Background(), r, Options{})
	if err == nil {
		_, err = target.Resolve(context.Background(), "1.0.0")
	}
	if err == nil || !strings.Contains(err.Error(), "config.json") || !strings.Contains(fault.HintOf(err), "move it away") {
		t.Errorf("got %v (hint %q)", err, fault.HintOf(err))
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// A request that waited out the timeout is tried once more, not five times; other
// failures keep the policy's retries.
func TestTimeoutsAreRetriedOnce(t *testing.T) {
	t.Parallel()
	p := permanentFailures{retry.DefaultPolicy}
	if d, _ := p.Retry(0, nil, timeoutErr{}); d < 0 {
		t.Errorf("the first timeout is not retried")
	}
	if d, _ := p.Retry(1, nil, timeoutErr{}); d >= 0 {
		t.Errorf("a second timeout is retried (after %s)", d)
	}
	if d, _ := p.Retry(2, &http.Response{StatusCode: http.StatusServiceUnavailable}, nil); d < 0 {
		t.Errorf("a 503 is no longer retried")
	}
}

// TestCAFileMissing: a --ca-file that is not there is named plainly, not as
// os.ReadFile says it ("reading --ca-file: open /x: no such file or directory").
func TestCAFileMissing(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "ca.pem")
	r, err := ref.ParseArtifact("localhost:5000/demo/hello:1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), r, Options{CAFile: missing})
	if want := "--ca-file " + missing + ": no such file"; fault.KindOf(err) != fault.NotFound || err == nil || err.Error() != want ||
		!strings.Contains(fault.HintOf(err), "PEM file") {
		t.Fatalf("got %v (hint %q), want %q", err, fault.HintOf(err), want)
	}
}

// A CA file the environment named is named as coming from there: the user typed no
// --ca-file to look for.
func TestCAFileFromNamesItsSource(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "ca.pem")
	r, err := ref.ParseArtifact("localhost:5000/demo/hello:1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), r, Options{CAFile: missing, CAFileFrom: "LONGSHORE_CA_FILE"})
	if want := "LONGSHORE_CA_FILE " + missing + ": no such file"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

// TestFailedPushLeavesNothing: a push of bytes that do not match their digest into a
// layout is refused, and once the target is closed no copy of them is left in it
// (oras-go leaves its ingest file behind), nor of a push a killed writer left.
func TestFailedPushLeavesNothing(t *testing.T) {
	t.Parallel()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
	// What a writer killed mid-push leaves.
	if err := os.MkdirAll(filepath.Join(r.Path, "ingest"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(r.Path, "ingest", strings.Repeat("a", 64)+"_123"), []byte("half a blob"), 0o644)
	target, err := Open(context.Background(), r, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	good := []byte(strings.Repeat("good ", 100))
	bad := append([]byte("B"), good[1:]...)
	desc := ocispec.Descriptor{MediaType: "application/octet-stream", Digest: digest.FromBytes(good), Size: int64(len(good))}
	if _, err := target.Push(context.Background(), desc, bytes.NewReader(bad)); err == nil {
		t.Fatal("bytes that do not match their digest were taken")
	}
	target.Close()
	filepath.WalkDir(r.Path, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if rel, _ := filepath.Rel(r.Path, path); rel != "index.json" && rel != "oci-layout" && rel != ".longshore.lock" {
				t.Errorf("left in the layout: %s", rel)
			}
		}
		return nil
	})
}
