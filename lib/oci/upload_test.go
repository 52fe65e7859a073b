package oci

import (
	"bytes"
	"context"
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

// uploadFault is how uploadRegistry answers the first `times` requests of a method to
// the upload endpoint (POST starts a session, PUT completes it).
type uploadFault struct {
	method     string
	times      int // -1: every one
	status     int
	code       string // an OCI error code for the body
	retryAfter string
	done       bool // store the blob first: the answer is lost, not the work
}

// uploadRegistry is an in-process registry of blobs: HEAD, and monolithic uploads
// (POST, then PUT with ?digest=) whose bytes it checks, as Distribution does; used
// sessions are forgotten. It fails requests as its fault says and counts them.
type uploadRegistry struct {
	fault uploadFault

	mu       sync.Mutex
	blobs    map[digest.Digest][]byte
	sessions map[string]bool
	next     int
	failed   int
	seen     map[string]int // by method
}

func (u *uploadRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.seen[r.Method]++
	body, _ := io.ReadAll(r.Body)
	upload := strings.Contains(r.URL.Path, "/blobs/uploads/")
	if f := u.fault; upload && r.Method == f.method && (f.times < 0 || u.failed < f.times) {
		u.failed++
		if f.done {
			u.serve(httptest.NewRecorder(), r, body)
		}
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		answer(w, f.status, f.code)
		return
	}
	u.serve(w, r, body)
}

func (u *uploadRegistry) serve(w http.ResponseWriter, r *http.Request, body []byte) {
	const prefix = "/v2/demo/hello/blobs/"
	switch {
	case r.URL.Path == "/v2/":
	case r.Method == http.MethodHead && strings.HasPrefix(r.URL.Path, prefix):
		data, ok := u.blobs[digest.Digest(strings.TrimPrefix(r.URL.Path, prefix))]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.Header().Set("Docker-Content-Digest", digest.FromBytes(data).String())
	case r.Method == http.MethodPost && r.URL.Path == prefix+"uploads/":
		u.next++
		session := fmt.Sprintf("%suploads/%d", prefix, u.next)
		u.sessions[session] = true
		// Distribution's state for the session, signed: not for error messages.
		w.Header().Set("Location", session+"?_state=SESSIONSTATE")
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPut && u.sessions[r.URL.Path]:
		delete(u.sessions, r.URL.Path)
		d := digest.Digest(r.URL.Query().Get("digest"))
		if digest.FromBytes(body) != d {
			answer(w, http.StatusBadRequest, "DIGEST_INVALID")
			return
		}
		u.blobs[d] = body
		w.Header().Set("Docker-Content-Digest", d.String())
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodPut:
		answer(w, http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN")
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func answer(w http.ResponseWriter, status int, code string) {
	if code == "" {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"injected"}]}`, code)
}

// stream is a reader the transport cannot read again, like a file read through a
// progress counter, or a blob streaming from another registry.
type stream struct{ io.Reader }

// TestPushBlobTriesAgain: an upload whose PUT failed for a moment (a 5xx or a 429, an
// answer lost after the registry stored the blob, a session it lost) is made again
// from a freshly opened source and succeeds, once for each failed PUT; one the
// registry keeps failing ends after UploadTries with a network fault naming the
// registry. What the transport retried already (the POST), a refusal, or bytes that do
// not match their digest are not tried again.
func TestPushBlobTriesAgain(t *testing.T) {
	t.Parallel()
	data := []byte(strings.Repeat("layer bytes ", 1000))
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: digest.FromBytes(data), Size: int64(len(data))}
	tests := []struct {
		name   string
		fault  uploadFault
		memory bool // the source is BytesSource's, not a stream
		// want: success, or the error's kind; the tries (sources opened) and the
		// requests of the faulty method.
		ok       bool
		kind     fault.Kind
		opens    int
		requests int
		waited   time.Duration // at least
	}{
		{name: "503 twice on a streamed PUT",
			fault: uploadFault{method: http.MethodPut, times: 2, status: http.StatusServiceUnavailable},
			ok:    true, opens: 3, requests: 3},
		{name: "503 twice on a PUT from memory",
			fault:  uploadFault{method: http.MethodPut, times: 2, status: http.StatusServiceUnavailable},
			memory: true, ok: true, opens: 3, requests: 3},
		{name: "502 twice after the registry stored the blob",
			fault: uploadFault{method: http.MethodPut, times: 2, status: http.StatusBadGateway, done: true},
			ok:    true, opens: 2, requests: 1},
		{name: "the same, from memory",
			fault:  uploadFault{method: http.MethodPut, times: 2, status: http.StatusBadGateway, done: true},
			memory: true, ok: true, opens: 2, requests: 1},
		{name: "an upload session the registry lost",
			fault: uploadFault{method: http.MethodPut, times: 1, status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"},
			ok:    true, opens: 2, requests: 2},
		{name: "429 with Retry-After on the PUT",
			fault: uploadFault{method: http.MethodPut, times: 1, status: http.StatusTooManyRequests, retryAfter: "1"},
			ok:    true, opens: 2, requests: 2, waited: time.Second},
		{name: "503 twice on the POST: the transport retries it",
			fault: uploadFault{method: http.MethodPost, times: 2, status: http.StatusServiceUnavailable},
			ok:    true, opens: 1, requests: 3},
		{name: "503 on every PUT",
			fault: uploadFault{method: http.MethodPut, times: -1, status: http.StatusServiceUnavailable},
			kind:  fault.Network, opens: UploadTries, requests: UploadTries},
		{name: "503 on every POST: the transport's retries are enough",
			fault: uploadFault{method: http.MethodPost, times: -1, status: http.StatusServiceUnavailable},
			kind:  fault.Network, opens: 1, requests: 6},
		{name: "403 on the PUT",
			fault: uploadFault{method: http.MethodPut, times: -1, status: http.StatusForbidden, code: "DENIED"},
			kind:  fault.Auth, opens: 1, requests: 1},
		{name: "401 on the POST",
			fault: uploadFault{method: http.MethodPost, times: -1, status: http.StatusUnauthorized, code: "UNAUTHORIZED"},
			kind:  fault.Auth, opens: 1, requests: 1},
		{name: "a digest the bytes do not match",
			fault: uploadFault{method: http.MethodPut, times: -1, status: http.StatusBadRequest, code: "DIGEST_INVALID"},
			kind:  fault.Unknown, opens: 1, requests: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reg := &uploadRegistry{fault: tc.fault, blobs: map[digest.Digest][]byte{}, sessions: map[string]bool{}, seen: map[string]int{}}
			srv := httptest.NewServer(reg)
			t.Cleanup(srv.Close)
			r, _ := ref.ParseArtifact(strings.TrimPrefix(srv.URL, "http://") + "/demo/hello")
			var told []UploadRetry
			target := open(t, r, Options{Credentials: emptyCreds{}, UploadBackoff: time.Millisecond,
				Retrying: func(u UploadRetry) { told = append(told, u) }})
			opens := 0
			source := func() (io.Reader, func(), error) {
				opens++
				if tc.memory {
					return BytesSource(data)()
				}
				return stream{bytes.NewReader(data)}, nil, nil
			}
			start := time.Now()
			_, err := target.PushBlob(context.Background(), desc, source)
			elapsed := time.Since(start)

			reg.mu.Lock()
			defer reg.mu.Unlock()
			if tc.ok {
				if err != nil {
					t.Fatalf("push: %v", err)
				}
				if !bytes.Equal(reg.blobs[desc.Digest], data) {
					t.Errorf("the registry holds %d bytes", len(reg.blobs[desc.Digest]))
				}
			} else if err == nil || fault.KindOf(err) != tc.kind || !strings.Contains(err.Error(), target.Where()) {
				t.Fatalf("got %v (kind %v), want a %v fault naming %s", err, fault.KindOf(err), tc.kind, target.Where())
			}
			if err != nil && (strings.Contains(err.Error(), "SESSIONSTATE") || strings.Contains(err.Error(), "?")) {
				t.Errorf("the error shows the upload URL's query: %v", err)
			}
			if opens != tc.opens || reg.seen[tc.fault.method] != tc.requests {
				t.Errorf("opened the source %d times, sent %d %ss; want %d and %d", opens, reg.seen[tc.fault.method], tc.fault.method, tc.opens, tc.requests)
			}
			if len(told) != tc.opens-1 {
				t.Errorf("told of %d retries: %+v", len(told), told)
			}
			if tc.kind == fault.Network && tc.opens == UploadTries && !strings.Contains(err.Error(), fmt.Sprintf("(tried %d times)", UploadTries)) {
				t.Errorf("the error does not say how often it was tried: %v", err)
			}
			if elapsed < tc.waited {
				t.Errorf("took %s: the registry's Retry-After asked for %s", elapsed, tc.waited)
			}
			if tc.waited > 0 && (len(told) != 1 || told[0].Wait != tc.waited || told[0].Why != "HTTP 429 Too Many Requests" || told[0].Try != 2) {
				t.Errorf("told %+v", told)
			}
		})
	}
}
