package oci

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"longshore.dev/lib/progress"
)

// Someone debugging a private registry, a proxy or a slow pull needs to see the
// requests made (crane -v, oras --debug, helm --debug show them). What they may see is
// less than what is sent: an Authorization header holds a password or a token, a token
// endpoint answers with a token and may be posted a password, an upload's URL carries
// Distribution's _state and a signed URL its signature. So a RequestLog holds no header
// and no body, only their sizes, and the URL without its query.

// RequestLog is one HTTP request to a registry as -vv shows it, once it is over (its
// response body read or closed): Options.Requested hears one for each, retries and the
// token fetch of an auth challenge included.
type RequestLog struct {
	Method string
	// URL is the request's scheme, host and path: never its query.
	URL string
	// Status is the response's status code; 0 when none came (Err).
	Status int
	// Challenge is the scheme a 401 asks for ("Bearer", "Basic"); its parameters are
	// left out.
	Challenge string
	// Sent and Received count the request's and the response's body bytes.
	Sent, Received int64
	// Took is the time from the request to the end of its response body.
	Took time.Duration
	// Err says why no response came, or why its body was cut short; any query it
	// quotes is taken out.
	Err string
}

// String is the line -vv prints:
//
//	GET https://ghcr.io/v2/org/hello/manifests/1.0.0 -> 200 OK, 1.2 KiB in 41ms
//	PUT https://ghcr.io/v2/org/hello/blobs/uploads/5e1c… -> 201 Created, sent 3.4 MiB in 2.1s
//	GET https://ghcr.io/v2/ -> 401 Unauthorized (Bearer challenge), 73 B in 12ms
func (r RequestLog) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s -> ", r.Method, r.URL)
	if r.Status == 0 {
		fmt.Fprintf(&b, "%s, after %s", r.Err, roundTook(r.Took))
		return b.String()
	}
	b.WriteString(strings.TrimSpace(fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status))))
	if r.Challenge != "" {
		fmt.Fprintf(&b, " (%s challenge)", r.Challenge)
	}
	if r.Sent > 0 {
		fmt.Fprintf(&b, ", sent %s", progress.Bytes(r.Sent))
	}
	if r.Received > 0 {
		fmt.Fprintf(&b, ", %s", progress.Bytes(r.Received))
	}
	fmt.Fprintf(&b, " in %s", roundTook(r.Took))
	if r.Err != "" {
		fmt.Fprintf(&b, ", cut short: %s", r.Err)
	}
	return b.String()
}

func roundTook(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// withoutQuery is u's scheme, host and path.
func withoutQuery(u *url.URL) string {
	c := *u
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment, c.User = "", false, "", "", nil
	return c.String()
}

// logTransport tells requested about every request base makes. It sits next to the
// wire, below the retries and the move to TLS, so that each request sent is one line.
type logTransport struct {
	base      http.RoundTripper
	requested func(RequestLog)
}

func (t logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	entry := RequestLog{Method: req.Method, URL: withoutQuery(req.URL)}
	sent := new(atomic.Int64)
	if req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Body = countedBody{req.Body, sent}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		entry.Took, entry.Sent = time.Since(start), sent.Load()
		entry.Err = errorWithout(err, req.URL.RawQuery)
		t.requested(entry)
		return nil, err
	}
	entry.Status = resp.StatusCode
	if resp.StatusCode == http.StatusUnauthorized {
		scheme, _, _ := strings.Cut(strings.TrimSpace(resp.Header.Get("WWW-Authenticate")), " ")
		entry.Challenge = scheme
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		entry.Took, entry.Sent = time.Since(start), sent.Load()
		t.requested(entry)
		return resp, nil
	}
	resp.Body = &loggedBody{rc: resp.Body, entry: entry, query: req.URL.RawQuery, start: start, sent: sent, requested: t.requested}
	return resp, nil
}

// errorWithout is err's text without query, which it may quote.
func errorWithout(err error, query string) string {
	if query == "" {
		return err.Error()
	}
	return strings.ReplaceAll(err.Error(), query, "")
}

// countedBody counts a request body's bytes as the transport reads them, which it may
// go on doing after RoundTrip returned.
type countedBody struct {
	rc io.ReadCloser
	n  *atomic.Int64
}

func (c countedBody) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c countedBody) Close() error { return c.rc.Close() }

// loggedBody is a response body whose request is told about once it is over: read to
// its end, or closed.
type loggedBody struct {
	rc        io.ReadCloser
	entry     RequestLog
	query     string
	start     time.Time
	sent      *atomic.Int64
	requested func(RequestLog)
	received  atomic.Int64
	once      sync.Once
}

func (b *loggedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.received.Add(int64(n))
	if err != nil {
		b.over(err)
	}
	return n, err
}

func (b *loggedBody) Close() error {
	err := b.rc.Close()
	b.over(nil)
	return err
}

// over tells about the request, once: its body ended with err (io.EOF when whole;
// nil when closed).
func (b *loggedBody) over(err error) {
	b.once.Do(func() {
		e := b.entry
		e.Took, e.Sent, e.Received = time.Since(b.start), b.sent.Load(), b.received.Load()
		if err != nil && err != io.EOF {
			e.Err = errorWithout(err, b.query)
		}
		b.requested(e)
	})
}
