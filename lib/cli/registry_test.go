package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/spf13/pflag"

	"longshore.dev/lib/oci"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/ref"
)

// Every registry client a verb opens tells stderr when a registry keeps it waiting.
func TestRegistryOptionsAnnounceWaits(t *testing.T) {
	var stderr bytes.Buffer
	var flags RegistryFlags
	opts := flags.Options(&Env{Binary: "pkg-pull", Stderr: &stderr})
	if opts.Waiting == nil {
		t.Fatal("RegistryFlags.Options leaves Waiting unset: a silent registry would look like a hung command")
	}
	opts.Waiting("registry.example.com", 10*time.Second)
	want := "Still waiting for registry.example.com to answer (10s so far; Ctrl-C stops)...\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}

	// And when an upload the registry failed for a moment is made again: a CI log then
	// says why the push took longer.
	stderr.Reset()
	if opts.Retrying == nil {
		t.Fatal("RegistryFlags.Options leaves Retrying unset")
	}
	opts.Retrying(oci.UploadRetry{Blob: "sha256:abc", Where: "ghcr.io/org/hello", Try: 2, Tries: 3, Wait: time.Second, Why: "HTTP 503 Service Unavailable"})
	want = "ghcr.io/org/hello failed the upload of sha256:abc (HTTP 503 Service Unavailable): trying again in 1s (2 of 3)\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}

	// And when another command holds a local layout: a push behind a mirror into the
	// same layout waited in silence.
	stderr.Reset()
	if opts.LayoutWaiting == nil {
		t.Fatal("RegistryFlags.Options leaves LayoutWaiting unset")
	}
	opts.LayoutWaiting("ocidir:///srv/reg/hello")
	want = "Waiting for another command, which holds ocidir:///srv/reg/hello, to finish with it (Ctrl-C stops)...\n"
	if stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}

// syncBuffer is a bytes.Buffer a meter's goroutine and the test may write at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// On a terminal the wait is said on a line of its own, not onto the end of the
// progress line the meter is drawing ("Downloading … 23%Still waiting …").
func TestWaitingAboveTheProgressLine(t *testing.T) {
	var stderr syncBuffer
	var flags RegistryFlags
	env := &Env{Binary: "pkg-pull", Stderr: &stderr, Verbose: 2}
	meter := progress.New(&stderr, "Downloading", time.Millisecond)
	defer meter.Close()
	w, _ := meter.Item(100)
	w.Write(make([]byte, 23))
	for !strings.Contains(stderr.String(), "23%") {
		time.Sleep(time.Millisecond)
	}
	opts := WaitingAbove(flags.Options(env), meter)
	opts.Waiting("registry.example.com", 10*time.Second)
	out := stderr.String()
	before, _, ok := strings.Cut(out, "Still waiting for registry.example.com")
	if !ok || !strings.HasSuffix(before, "\r") {
		t.Errorf("the wait was not said on a cleared line:\n%q", out)
	}
	w.Write(make([]byte, 10))
	for !strings.Contains(stderr.String(), "33%") {
		time.Sleep(time.Millisecond)
	}
	opts.Retrying(oci.UploadRetry{Blob: "sha256:abc", Where: "registry.example.com/x", Try: 2, Tries: 3})
	out = stderr.String()
	before, _, ok = strings.Cut(out, "registry.example.com/x failed the upload")
	if !ok || !strings.HasSuffix(before, "\r") {
		t.Errorf("the retry was not said on a cleared line:\n%q", out)
	}
	w.Write(make([]byte, 10))
	for !strings.Contains(stderr.String(), "43%") {
		time.Sleep(time.Millisecond)
	}
	opts.LayoutWaiting("ocidir:///srv/reg/hello")
	out = stderr.String()
	before, _, ok = strings.Cut(out, "Waiting for another command, which holds ocidir:///srv/reg/hello")
	if !ok || !strings.HasSuffix(before, "\r") {
		t.Errorf("the wait for a layout was not said on a cleared line:\n%q", out)
	}
	// -vv's lines, which come while the meter draws, as many as there are requests.
	w.Write(make([]byte, 10))
	for !strings.Contains(stderr.String(), "53%") {
		time.Sleep(time.Millisecond)
	}
	opts.Requested(oci.RequestLog{Method: "GET", URL: "https://registry.example.com/v2/", Status: 200})
	out = stderr.String()
	before, _, ok = strings.Cut(out, "GET https://registry.example.com/v2/ -> 200 OK")
	if !ok || !strings.HasSuffix(before, "\r") {
		t.Errorf("a request was not said on a cleared line:\n%q", out)
	}
	w.Write(make([]byte, 10))
	for !strings.Contains(stderr.String(), "63%") {
		time.Sleep(time.Millisecond)
	}
	opts.Debugf("credentials for %s: none", "registry.example.com")
	out = stderr.String()
	before, _, ok = strings.Cut(out, "credentials for registry.example.com: none")
	if !ok || !strings.HasSuffix(before, "\r") {
		t.Errorf("a -v line was not said on a cleared line:\n%q", out)
	}
	if opts := WaitingAbove(flags.Options(env), nil); opts.Waiting == nil || opts.Retrying == nil || opts.LayoutWaiting == nil || opts.Debugf == nil || opts.Requested == nil {
		t.Error("without a meter the wait, the retry and -vv's lines are still to be said")
	}
}

// -v and -vv mean the same in every binary: each verb that reaches a registry gets its
// options from RegistryFlags, which hands the command's -v count to lib/oci. Without
// -v it says nothing more; -v says the steps (the registry opened, the command's
// time); -vv also each request.
func TestVerboseLevels(t *testing.T) {
	t.Parallel()
	manifest := []byte(`{"schemaVersion":2}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Header().Set("Docker-Content-Digest", digest.FromBytes(manifest).String())
		w.Header().Set("Content-Length", fmt.Sprint(len(manifest)))
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	var flags RegistryFlags
	app := &App{Binary: "pkg-test", Commands: []*Command{{
		Name:  "resolve",
		Flags: flags.AddTo,
		Run: func(ctx context.Context, env *Env, args []string) error {
			r, err := ref.ParseArtifact(host + "/demo/hello:1.0.0")
			if err != nil {
				return err
			}
			target, err := oci.Open(ctx, r, flags.Options(env))
			if err != nil {
				return err
			}
			defer target.Close()
			desc, err := target.Resolve(ctx, "1.0.0")
			fmt.Fprintln(env.Stdout, desc.Digest)
			return err
		},
	}}}
	opened := "opening " + host + "/demo/hello: a registry, over plain HTTP"
	request := "HEAD " + srv.URL + "/v2/demo/hello/manifests/1.0.0 -> 200 OK in "
	for _, tc := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"resolve"}, nil, []string{opened, request, "done in"}},
		{[]string{"resolve", "-v"}, []string{opened, "pkg-test resolve done in "}, []string{request}},
		{[]string{"-vv", "resolve"}, []string{opened, request, "pkg-test resolve done in "}, nil},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			env := &Env{Inv: Invocation{Prog: "pkg-test"}, Binary: "pkg-test", Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
			if code := app.Main(context.Background(), env, tc.args); code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr.String())
			}
			if stdout.String() != digest.FromBytes(manifest).String()+"\n" {
				t.Errorf("stdout %q: -v changes only stderr", stdout.String())
			}
			for _, want := range tc.want {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
			for _, not := range tc.not {
				if strings.Contains(stderr.String(), not) {
					t.Errorf("stderr has %q:\n%s", not, stderr.String())
				}
			}
		})
	}
}

// LONGSHORE_CA_FILE is --ca-file's default, so that an internal CA is set once, not on
// every command; --ca-file wins over it, and --ca-file= turns it off.
func TestCAFileFromTheEnvironment(t *testing.T) {
	t.Parallel()
	getenv := func(k string) string {
		if k == CAFileEnv {
			return "/etc/corp/ca.pem"
		}
		return ""
	}
	tests := []struct {
		args     []string
		file     string
		fileFrom string
	}{
		{nil, "/etc/corp/ca.pem", CAFileEnv},
		{[]string{"--ca-file", "./mine.pem"}, "./mine.pem", ""},
		{[]string{"--ca-file="}, "", ""},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			var flags RegistryFlags
			flags.AddTo(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			opts := flags.Options(&Env{Binary: "pkg-pull", Getenv: getenv})
			if opts.CAFile != tc.file || opts.CAFileFrom != tc.fileFrom {
				t.Errorf("CAFile %q from %q, want %q from %q", opts.CAFile, opts.CAFileFrom, tc.file, tc.fileFrom)
			}
		})
	}
}

// --insecure is said on stderr once per command, however many registries it opens.
func TestInsecureIsSaid(t *testing.T) {
	t.Parallel()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	var flags RegistryFlags
	flags.AddTo(fs)
	if err := fs.Parse([]string{"--insecure"}); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	env := &Env{Binary: "pkg-pull", Stderr: &errb, Getenv: func(string) string { return "" }}
	for range 2 {
		if !flags.Options(env).Insecure {
			t.Fatal("--insecure not passed on")
		}
	}
	if got := strings.Count(errb.String(), "Warning: --insecure: registry TLS certificates are not checked"); got != 1 {
		t.Errorf("said %d times:\n%s", got, errb.String())
	}
}
