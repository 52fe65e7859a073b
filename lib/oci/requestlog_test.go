package oci

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/ref"
)

// Secrets that pass through the transport and must never reach a log line.
const (
	logPassword = "pa55-never-logged"
	logToken    = "tok3n-never-logged"
	logState    = "st4te-never-logged"
	logSig      = "s1gnature-never-logged"
)

// tokenRegistry is a registry behind a Bearer challenge, as ghcr.io and Harbor are:
// every /v2/ request without its token gets a 401 naming the token endpoint, which
// takes alice's password and answers the token. Uploads are monolithic (POST, then
// PUT), and the session's Location carries a query with a state and a signature.
type tokenRegistry struct {
	url   string
	mu    sync.Mutex
	blobs map[string][]byte
}

func (g *tokenRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.URL.Path == "/token" {
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != logPassword {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"token": logToken, "access_token": logToken})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+logToken {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="test",scope="repository:demo/hello:pull,push"`, g.url))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	const blobs = "/v2/demo/hello/blobs/"
	switch {
	case r.Method == http.MethodHead && strings.HasPrefix(r.URL.Path, blobs):
		w.WriteHeader(http.StatusNotFound)
	case r.Method == http.MethodPost && r.URL.Path == blobs+"uploads/":
		w.Header().Set("Location", blobs+"uploads/session-1?_state="+logState+"&X-Amz-Signature="+logSig)
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPut && r.URL.Path == blobs+"uploads/session-1":
		if r.URL.Query().Get("_state") != logState {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		data, _ := io.ReadAll(r.Body)
		d := r.URL.Query().Get("digest")
		g.blobs[d] = data
		w.Header().Set("Docker-Content-Digest", d)
		w.WriteHeader(http.StatusCreated)
	default:
		http.NotFound(w, r)
	}
}

// lines collects what Options.Debugf and Options.Requested hear.
type lines struct {
	mu   sync.Mutex
	list []string
}

func (l *lines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, s)
}

func (l *lines) debugf(format string, args ...any) { l.add(fmt.Sprintf(format, args...)) }
func (l *lines) requested(r RequestLog)            { l.add(r.String()) }

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.list, "\n")
}

// -vv shows each request to the registry, the challenge and the token fetch each on a
// line of their own, and no secret that passed: not the password sent to the token
// endpoint, the token it answered, the Authorization headers, nor the upload URL's
// query. -v says where the credentials came from, as whom.
func TestRequestLogShowsRequestsAndNoSecret(t *testing.T) {
	t.Parallel()
	g := &tokenRegistry{blobs: map[string][]byte{}}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	g.url = srv.URL
	host := strings.TrimPrefix(srv.URL, "http://")
	r, err := ref.ParseArtifact(host + "/demo/hello:1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	var log lines
	target := open(t, r, Options{
		Credentials: staticCreds{host: {Username: "alice", Password: logPassword}},
		Debugf:      log.debugf,
		Requested:   log.requested,
	})
	defer target.Close()
	blob := []byte("a layer's bytes")
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digest.FromBytes(blob), Size: int64(len(blob))}
	if _, err := target.PushBlob(context.Background(), desc, BytesSource(blob)); err != nil {
		t.Fatal(err)
	}
	got := log.String()
	t.Logf("the log:\n%s", got)
	for _, want := range []string{
		"opening " + host + "/demo/hello: a registry, over plain HTTP",
		"HEAD " + srv.URL + "/v2/demo/hello/blobs/" + desc.Digest.String() + " -> 401 Unauthorized (Bearer challenge)",
		fmt.Sprintf("credentials for %s: user %q from the credential store given", host, "alice"),
		"GET " + srv.URL + "/token -> 200 OK, ",
		"HEAD " + srv.URL + "/v2/demo/hello/blobs/" + desc.Digest.String() + " -> 404 Not Found in ",
		"POST " + srv.URL + "/v2/demo/hello/blobs/uploads/ -> 202 Accepted in ",
		"PUT " + srv.URL + "/v2/demo/hello/blobs/uploads/session-1 -> 201 Created, sent 15 B in ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the log lacks %q:\n%s", want, got)
		}
	}
	basic := base64.StdEncoding.EncodeToString([]byte("alice:" + logPassword))
	for _, secret := range []string{logPassword, logToken, logState, logSig, basic, "_state", "Signature", "Authorization", "?"} {
		if strings.Contains(got, secret) {
			t.Errorf("the log shows %q:\n%s", secret, got)
		}
	}
	if len(g.blobs) != 1 {
		t.Errorf("the registry holds %d blobs, want 1: the log must not change what is sent", len(g.blobs))
	}
}

// A request the transport sends again is said at -v, with why; each try is a line of
// its own at -vv.
func TestRetriesAreAnnounced(t *testing.T) {
	t.Parallel()
	f := &fakeRegistry{failFirst: 1}
	r := serve(t, f)
	var debug, requests lines
	target := open(t, r, Options{Debugf: debug.debugf, Requested: requests.requested})
	defer target.Close()
	if _, err := target.Resolve(context.Background(), "1.0.0"); err != nil {
		t.Fatal(err)
	}
	manifest := "http://" + r.Registry + "/v2/demo/hello/manifests/1.0.0"
	if want := "HEAD " + manifest + " failed (HTTP 503 Service Unavailable): trying again in "; !strings.Contains(debug.String(), want) {
		t.Errorf("-v lacks %q:\n%s", want, debug.String())
	}
	for _, want := range []string{"HEAD " + manifest + " -> 503 Service Unavailable in ", "HEAD " + manifest + " -> 200 OK in "} {
		if !strings.Contains(requests.String(), want) {
			t.Errorf("-vv lacks %q:\n%s", want, requests.String())
		}
	}
}

// Where the credentials came from, for a store that names its file: the docker config's
// path, or that it does not exist.
func TestCredentialsSourceIsNamed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		store fileCreds
		want  string
	}{
		{"user", fileCreds{path: "/nonexistent/config.json", cred: authCredential{Username: "bob", Password: logPassword}},
			`credentials for reg.example: user "bob" from /nonexistent/config.json (no such file)`},
		{"identity token", fileCreds{path: "/nonexistent/config.json", cred: authCredential{RefreshToken: logToken}},
			"credentials for reg.example: an identity token from /nonexistent/config.json (no such file)"},
		{"none", fileCreds{path: "/nonexistent/config.json"},
			"credentials for reg.example: none from /nonexistent/config.json (no such file); asking without"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var log lines
			get := toldCredentials(func(ctx context.Context, host string) (authCredential, error) { return tc.store.Get(ctx, host) }, tc.store, log.debugf)
			for range 2 {
				if _, err := get(context.Background(), "reg.example"); err != nil {
					t.Fatal(err)
				}
			}
			if got := log.String(); got != tc.want {
				t.Errorf("got %q, want %q (once)", got, tc.want)
			}
		})
	}
}

// fileCreds is a credential store that names its docker config file, as oras-go's does.
type fileCreds struct {
	path string
	cred authCredential
}

func (f fileCreds) Get(context.Context, string) (authCredential, error) { return f.cred, nil }
func (fileCreds) Put(context.Context, string, authCredential) error     { return nil }
func (fileCreds) Delete(context.Context, string) error                  { return nil }
func (f fileCreds) ConfigPath() string                                  { return f.path }
