package oci

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"longshore.dev/lib/fault"
)

// Each request is retried at one level. The transport retries a request whose body it
// can read again (retryTransport), but not the PUT that completes a blob's upload: its
// body may stream from a file or from another registry, and resending it cannot mend
// an upload whose answer a gateway lost after the registry stored the blob (the
// session is used up; the PUT sent again meets BLOB_UPLOAD_UNKNOWN). Without more, one
// 503 or 429 on that PUT, or a connection cut half-way, ended a whole push. So the
// transport sends an upload's PUT once (uploadTransport), and PushBlob makes the whole
// upload again when it fails: it asks whether the registry holds the blob, starts a
// new session and sends the bytes again from a freshly opened source.
const (
	// UploadTries bounds the tries of one blob upload.
	UploadTries = 3
	// uploadBackoff is the wait before an upload's second try, doubled before its third
	// (Options.UploadBackoff).
	uploadBackoff = 500 * time.Millisecond
	// maxRetryAfter bounds the wait a registry's Retry-After asks for: a CI job may
	// wait a little for a rate limit to pass, not for minutes.
	maxRetryAfter = 10 * time.Second
)

// A BlobSource opens a blob's bytes for one try of its upload. done, which may be nil,
// is called when that try is over, whatever became of it.
type BlobSource func() (r io.Reader, done func(), err error)

// BytesSource is the source of a blob held in memory.
func BytesSource(data []byte) BlobSource {
	return func() (io.Reader, func(), error) { return bytes.NewReader(data), nil, nil }
}

// An UploadRetry is a blob upload PushBlob is about to try again, for Options.Retrying.
type UploadRetry struct {
	Blob  digest.Digest
	Where string // the target, as Where says
	Try   int    // the try about to start: 2 or 3
	Tries int    // UploadTries
	Wait  time.Duration
	Why   string // what failed the last try: "HTTP 503 Service Unavailable", "connection reset by peer"
}

// PushBlob uploads a config or layer unless t holds it, as Push does, reading its bytes
// from open. When the upload's PUT fails for a reason another try may not meet
// (fault.Network: a 5xx or a 429, a connection cut half-way, an upload session the
// registry lost), the whole upload is made again, up to UploadTries, after a backoff
// or the wait a 429's or 503's Retry-After asks for (at most 10 s). A refusal (401,
// 403), bytes that do not match the digest, a source that cannot be opened, or a HEAD
// or POST the transport has retried already end it at once.
func (t *Target) PushBlob(ctx context.Context, desc ocispec.Descriptor, open BlobSource) (uploaded bool, err error) {
	// Before the source is opened: it may be a download.
	if err := t.refuseWrite(fmt.Sprintf("pushing %s to %s", desc.Digest, t.where)); err != nil {
		return false, err
	}
	for try := 1; ; try++ {
		retryAfter := new(atomic.Int64)
		uploaded, err = t.pushBlobOnce(context.WithValue(ctx, retryAfterKey{}, retryAfter), desc, open)
		if err == nil || fault.KindOf(err) != fault.Network || !uploadFailed(err) || ctx.Err() != nil {
			return uploaded, err
		}
		if try == UploadTries {
			return false, fmt.Errorf("%w (tried %d times)", err, UploadTries)
		}
		wait := t.uploadBackoff << (try - 1)
		if asked := time.Duration(retryAfter.Load()); asked > wait {
			wait = min(asked, maxRetryAfter)
		}
		if t.retrying != nil {
			t.retrying(UploadRetry{Blob: desc.Digest, Where: t.where, Try: try + 1, Tries: UploadTries, Wait: wait, Why: why(err)})
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return false, err
		case <-timer.C:
		}
	}
}

func (t *Target) pushBlobOnce(ctx context.Context, desc ocispec.Descriptor, open BlobSource) (bool, error) {
	r, done, err := open()
	if err != nil {
		return false, err
	}
	if done != nil {
		defer done()
	}
	return t.Push(ctx, desc, r)
}

// why says briefly what failed an upload, for the line that announces the next try:
// the error itself carries the upload's URL, long and of no use there.
func why(err error) string {
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) {
		return fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(err) {
		err = u
	}
	return err.Error()
}

// uploadFailed reports whether err is the failure of an upload's PUT (or PATCH), which
// the transport sent once.
func uploadFailed(err error) bool {
	var resp *errcode.ErrorResponse
	if errors.As(err, &resp) {
		return resp.URL != nil && isUpload(resp.Method, resp.URL.Path)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		u, perr := url.Parse(uerr.URL)
		return perr == nil && isUpload(strings.ToUpper(uerr.Op), u.Path)
	}
	return false
}

// isUpload reports whether a request sends a blob's bytes: a PUT or PATCH that is not a
// manifest's. Its URL is the one the registry gave (Location), so it is not matched by
// the spec's /blobs/uploads/ path, which a registry need not follow.
func isUpload(method, path string) bool {
	return (method == http.MethodPut || method == http.MethodPatch) && !strings.Contains(path, "/manifests/")
}

// retryAfterKey holds, in the context of an upload's requests, where uploadTransport
// puts the wait a registry's 429 or 503 asked for.
type retryAfterKey struct{}

// uploadTransport sends an upload's PUT (or PATCH) once, past the retrying transport,
// and notes the Retry-After of a 429 or 503 answer (in seconds; oras-go reads no other
// form either) for PushBlob to wait that long. Every other request it hands to the
// retrying transport.
type uploadTransport struct{ retrying, once http.RoundTripper }

func (t uploadTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !isUpload(req.Method, req.URL.Path) {
		return t.retrying.RoundTrip(req)
	}
	resp, err := t.once.RoundTrip(req)
	if err != nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return resp, err
	}
	if slot, ok := req.Context().Value(retryAfterKey{}).(*atomic.Int64); ok {
		if secs, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && secs > 0 {
			slot.Store(int64(time.Duration(secs) * time.Second))
		}
	}
	return resp, err
}
