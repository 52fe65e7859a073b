package oci

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
)

// shortWatch makes the clients opened by the calling test notice a wait after 50ms and
// give a silent body up after 300ms. The tests that use it are not parallel, so no
// other test opens a client meanwhile.
func shortWatch(t *testing.T) {
	notice, stall := WaitNotice, StallTimeout
	WaitNotice, StallTimeout = 50*time.Millisecond, 300*time.Millisecond
	t.Cleanup(func() { WaitNotice, StallTimeout = notice, stall })
}

// blobServer serves one blob of the demo/hello repository through handle, which gets
// the blob's bytes; it returns the blob's descriptor and the repository.
func blobServer(t *testing.T, blob []byte, handle func(w http.ResponseWriter, r *http.Request, blob []byte)) (ocispec.Descriptor, ref.Ref) {
	t.Helper()
	desc := ocispec.Descriptor{MediaType: "application/octet-stream", Digest: digest.FromBytes(blob), Size: int64(len(blob))}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/demo/hello/blobs/"+desc.Digest.String() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(blob)))
		w.Header().Set("Docker-Content-Digest", desc.Digest.String())
		handle(w, r, blob)
	}))
	// Handlers that hang wait for their request's end; closing the client's
	// connections ends the requests before srv.Close waits for them.
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	r, err := ref.ParseArtifact(strings.TrimPrefix(srv.URL, "http://") + "/demo/hello:1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	return desc, r
}

// waits records what Options.Waiting was told.
type waits struct {
	mu    sync.Mutex
	hosts []string
}

func (w *waits) add(host string, _ time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hosts = append(w.hosts, host)
}

func (w *waits) got() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.hosts...)
}

// A registry that sends the headers and part of a blob, then nothing, is given up
// after StallTimeout with a network fault naming it, and the user is told about the
// wait before that.
func TestSilentBodyIsGivenUp(t *testing.T) {
	shortWatch(t)
	blob := []byte(strings.Repeat("longshore ", 1000))
	desc, r := blobServer(t, blob, func(w http.ResponseWriter, req *http.Request, blob []byte) {
		w.Write(blob[:100])
		w.(http.Flusher).Flush()
		<-req.Context().Done()
	})
	var told waits
	target := open(t, r, Options{Waiting: told.add})
	rc, err := target.FetchBlob(context.Background(), desc)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	start := time.Now()
	_, err = io.ReadAll(rc)
	if err == nil {
		t.Fatal("a blob whose registry went silent read to the end")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("giving up took %s, want about StallTimeout", took)
	}
	if fault.KindOf(err) != fault.Network || !strings.Contains(err.Error(), "stopped sending") || !strings.Contains(err.Error(), r.Registry) {
		t.Errorf("err = %v (kind %v), want a network fault saying %s stopped sending", err, fault.KindOf(err), r.Registry)
	}
	if got := told.got(); len(got) != 1 || got[0] != r.Registry {
		t.Errorf("Waiting was told %q, want %s once", got, r.Registry)
	}
}

// A registry slow to answer is announced once, and its answer still counts.
func TestSlowAnswerIsAnnounced(t *testing.T) {
	shortWatch(t)
	blob := []byte("hello")
	desc, r := blobServer(t, blob, func(w http.ResponseWriter, _ *http.Request, blob []byte) {
		time.Sleep(150 * time.Millisecond)
		w.Write(blob)
	})
	var told waits
	target := open(t, r, Options{Waiting: told.add})
	for range 2 {
		rc, err := target.FetchBlob(context.Background(), desc)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(data) != "hello" {
			t.Fatalf("read %q, %v", data, err)
		}
	}
	if got := told.got(); len(got) != 1 || got[0] != r.Registry {
		t.Errorf("Waiting was told %q, want %s once for two slow answers", got, r.Registry)
	}
}

// Time the reader spends between reads is not the registry's silence: a reader slower
// than StallTimeout still gets every byte.
func TestSlowReaderIsNotAStall(t *testing.T) {
	shortWatch(t)
	blob := []byte(strings.Repeat("x", 3<<10))
	desc, r := blobServer(t, blob, func(w http.ResponseWriter, _ *http.Request, blob []byte) {
		w.Write(blob)
	})
	var told waits
	target := open(t, r, Options{Waiting: told.add})
	rc, err := target.FetchBlob(context.Background(), desc)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, 1<<10)
	total := 0
	for {
		n, err := rc.Read(buf)
		total += n
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", total, err)
		}
		time.Sleep(400 * time.Millisecond) // longer than StallTimeout
	}
	if total != len(blob) {
		t.Errorf("read %d bytes, want %d", total, len(blob))
	}
	if got := told.got(); len(got) != 0 {
		t.Errorf("Waiting was told %q about a registry that answered at once", got)
	}
}

// A registry that takes the start of an upload and then reads no more (the transport's
// write blocks, where no timeout reaches) has the request cancelled after StallTimeout,
// with a network fault saying so.
func TestStalledUploadIsGivenUp(t *testing.T) {
	shortWatch(t)
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodHead:
			http.NotFound(w, r)
		case r.Method == http.MethodPost:
			w.Header().Set("Location", "/v2/demo/hello/blobs/uploads/1")
			w.WriteHeader(http.StatusAccepted)
		default: // the PUT with the blob: read a little, then nothing
			io.CopyN(io.Discard, r.Body, 1<<10)
			<-done // the request's context ends only once its body is read
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	r, err := ref.ParseArtifact(strings.TrimPrefix(srv.URL, "http://") + "/demo/hello:1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	// Bigger than what the loopback's socket buffers take without a reader.
	blob := make([]byte, 64<<20)
	desc := ocispec.Descriptor{MediaType: "application/octet-stream", Digest: digest.FromBytes(blob), Size: int64(len(blob))}
	var told waits
	target := open(t, r, Options{Waiting: told.add})
	start := time.Now()
	_, err = target.Push(context.Background(), desc, bytes.NewReader(blob))
	if err == nil {
		t.Fatal("an upload the registry stopped reading succeeded")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("giving up took %s, want about StallTimeout (tried twice at most)", took)
	}
	if fault.KindOf(err) != fault.Network || !strings.Contains(err.Error(), "stopped taking the upload") {
		t.Errorf("err = %v (kind %v), want a network fault saying the registry stopped taking the upload", err, fault.KindOf(err))
	}
	if got := told.got(); len(got) != 1 || got[0] != r.Registry {
		t.Errorf("Waiting was told %q, want %s once", got, r.Registry)
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// An upload that keeps going for longer than WaitNotice is no wait: the transport takes
// a piece every 20ms for half a second (a big push on a slow link), and nobody is told
// that the registry does not answer. Once the body is sent, a registry slow to answer
// is announced.
func TestSteadyUploadIsNotAWait(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer time.Duration // how long the registry takes once the body is sent
		told   int
	}{
		{"answered at once", 0, 0},
		{"slow to answer", 300 * time.Millisecond, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A host of its own each run: a host is announced once per process.
			host := fmt.Sprintf("%s-%d.upload.test", strings.ReplaceAll(tc.name, " ", "-"), time.Now().UnixNano())
			base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				buf := make([]byte, 1<<10)
				for {
					_, err := r.Body.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						return nil, err
					}
					time.Sleep(20 * time.Millisecond) // writing the piece to a slow link
				}
				time.Sleep(tc.answer)
				return &http.Response{StatusCode: http.StatusCreated, Body: http.NoBody, Request: r}, nil
			})
			var told waits
			tr := &watchTransport{base: base, waiting: told.add, noticeAfter: 100 * time.Millisecond, stallAfter: 5 * time.Second}
			req, err := http.NewRequest(http.MethodPut, "http://"+host+"/v2/demo/hello/blobs/uploads/1", bytes.NewReader(make([]byte, 25<<10)))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := told.got(); len(got) != tc.told {
				t.Errorf("Waiting was told %q, want %d notice(s)", got, tc.told)
			}
		})
	}
}
