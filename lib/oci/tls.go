package oci

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	"longshore.dev/lib/ref"
)

// A registry on a loopback address gets plain HTTP unless told otherwise, as docker
// does. But a company's registry run on 127.0.0.1 for a test, or reached through an SSH
// tunnel, speaks HTTPS: a plain request to it comes back "400 Bad Request" and nothing
// says why. A TLS server says so in that answer's body ("Client sent an HTTP request to
// an HTTPS server": Go's, so Distribution, zot, Harbor's core; "The plain HTTP request
// was sent to HTTPS port": nginx). schemeTransport reads it: a loopback port that
// answers so is spoken to over TLS from then on, by this client (verified as any
// registry is), the request resent there; where the user chose plain HTTP (--plain-http), the answer
// becomes a PlainHTTPToTLSError that says what to do instead.
type schemeTransport struct {
	base http.RoundTripper
	// auto is set when the user chose neither plain HTTP nor TLS: loopback hosts may
	// then move to TLS.
	auto bool
	// tlsHosts holds the loopback host:ports that answered plain HTTP as a TLS server
	// does: later requests go over TLS at once. Per client, not per process: a port
	// may be a plain registry's again later (tests reuse ports), and one more request
	// per repository opened is cheap.
	tlsHosts sync.Map
}

// maxTLSComplaint bounds what is read of a 400's body to recognise a TLS server's.
const maxTLSComplaint = 1024

// PlainHTTPToTLSError is a registry that answered a plain HTTP request as a TLS server
// does: it speaks HTTPS.
type PlainHTTPToTLSError struct {
	Host string
	// Chosen is set when the user asked for plain HTTP (--plain-http), rather than
	// getting it as a loopback registry's default.
	Chosen bool
}

func (e *PlainHTTPToTLSError) Error() string {
	return fmt.Sprintf("%s speaks HTTPS, but was sent plain HTTP (it answered 400 Bad Request)", e.Host)
}

func (t *schemeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return t.base.RoundTrip(req)
	}
	host := req.URL.Host
	auto := t.auto && isLoopbackWithPort(host)
	if _, ok := t.tlsHosts.Load(host); ok && auto {
		return answerTo(req)(t.base.RoundTrip(overTLS(req, req.Body)))
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusBadRequest || !t.tlsComplaint(req, resp) {
		return resp, err
	}
	resp.Body.Close()
	if !auto {
		return nil, &PlainHTTPToTLSError{Host: host, Chosen: !t.auto}
	}
	t.tlsHosts.Store(host, true)
	body := req.Body
	if body != nil && body != http.NoBody {
		// The first request's body went to the plain attempt. Requests that carry one
		// (an upload) come after a HEAD or GET to the same host, so this is rare.
		if req.GetBody == nil {
			return nil, &PlainHTTPToTLSError{Host: host, Chosen: !t.auto}
		}
		if body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	return answerTo(req)(t.base.RoundTrip(overTLS(req, body)))
}

// answerTo makes a response to the request sent over TLS the answer to req, as the
// client sent it: oras-go sends credentials only to the origin it asked (a 401 from
// https://HOST is no challenge to http://HOST), and the upgrade is this transport's
// business.
func answerTo(req *http.Request) func(*http.Response, error) (*http.Response, error) {
	return func(resp *http.Response, err error) (*http.Response, error) {
		if resp != nil {
			resp.Request = req
		}
		return resp, err
	}
}

// overTLS is req sent to https://, with body.
func overTLS(req *http.Request, body io.ReadCloser) *http.Request {
	r := req.Clone(req.Context())
	r.URL.Scheme = "https"
	r.Body = body
	return r
}

// tlsComplaint reports whether resp, a 400 to req, is a TLS server's answer to plain
// HTTP. It reads at most maxTLSComplaint bytes of the body and puts them back. A HEAD's
// answer has no body to read, and a TLS server that answers a request with a body
// closes the connection while the body is still being sent, which may cut its answer
// short: then a GET of /v2/ asks again.
func (t *schemeTransport) tlsComplaint(req *http.Request, resp *http.Response) bool {
	if req.Method != http.MethodHead {
		head, err := io.ReadAll(io.LimitReader(resp.Body, maxTLSComplaint))
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
		if err == nil && isTLSComplaint(head) {
			return true
		}
	}
	probe, err := http.NewRequestWithContext(req.Context(), http.MethodGet, "http://"+req.URL.Host+"/v2/", nil)
	if err != nil {
		return false
	}
	probe.Header.Set("User-Agent", req.Header.Get("User-Agent"))
	again, err := t.base.RoundTrip(probe)
	if err != nil {
		return false
	}
	defer again.Body.Close()
	head, err := io.ReadAll(io.LimitReader(again.Body, maxTLSComplaint))
	return err == nil && again.StatusCode == http.StatusBadRequest && isTLSComplaint(head)
}

func isTLSComplaint(body []byte) bool {
	return bytes.Contains(body, []byte("HTTP request to an HTTPS server")) ||
		bytes.Contains(body, []byte("plain HTTP request was sent to HTTPS port"))
}

type readCloser struct {
	io.Reader
	io.Closer
}

// isLoopbackWithPort reports whether host is a loopback address or localhost with an
// explicit port: without one, plain HTTP means port 80 and TLS port 443, two servers.
func isLoopbackWithPort(host string) bool {
	if _, port, err := net.SplitHostPort(host); err != nil || port == "" {
		return false
	}
	return ref.Ref{Kind: ref.Remote, Registry: host}.IsLocalhost()
}
