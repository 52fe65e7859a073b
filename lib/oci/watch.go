package oci

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// A registry can accept a connection and then say nothing: an overloaded proxy, a
// half-dead load balancer, a firewall that drops packets mid-stream. Without a bound, a
// response body that stops arriving blocks a pull forever (TCP keepalive only notices a
// peer that is gone, not one that is silent), and a minute without response headers
// passes with nothing on the terminal. watchTransport bounds the first and announces
// both.
var (
	// WaitNotice is how long a request or a response body may be silent before
	// Options.Waiting is told.
	WaitNotice = 10 * time.Second
	// StallTimeout is how long a response body may send nothing before it is given up.
	StallTimeout = 60 * time.Second
)

// responseHeaderTimeout bounds the wait for response headers (http.Transport's
// ResponseHeaderTimeout); a var for tests.
var responseHeaderTimeout = 60 * time.Second

// watchTransport tells waiting (once per host and process) when a request has had no
// answer, or a response body no bytes, for WaitNotice, and ends a body that sends
// nothing for StallTimeout with a timeout error.
type watchTransport struct {
	base    http.RoundTripper
	waiting func(host string, waited time.Duration)
	// noticeAfter and stallAfter are WaitNotice and StallTimeout when the client was
	// made.
	noticeAfter, stallAfter time.Duration
}

func newWatchTransport(base http.RoundTripper, waiting func(host string, waited time.Duration)) *watchTransport {
	return &watchTransport{base: base, waiting: waiting, noticeAfter: WaitNotice, stallAfter: StallTimeout}
}

// announced holds the hosts the user has been told about: one line per host is enough,
// however many requests wait on it.
var announced sync.Map

func (t *watchTransport) notice(host string) func() {
	return func() {
		if t.waiting == nil {
			return
		}
		if _, seen := announced.LoadOrStore(host, true); !seen {
			t.waiting(host, t.noticeAfter)
		}
	}
}

func (t *watchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	timer := time.AfterFunc(t.noticeAfter, t.notice(req.URL.Host))
	resp, err := t.base.RoundTrip(req)
	timer.Stop()
	if err != nil || resp.Body == nil || resp.Body == http.NoBody {
		return resp, err
	}
	resp.Body = t.watchBody(resp.Body, req.URL.Host)
	return resp, nil
}

// watchedBody is a response body whose every Read must see bytes within StallTimeout.
// The clocks run only while a Read waits, so a slow reader (a busy disk, a paused
// terminal) is never taken for a silent registry.
type watchedBody struct {
	rc                      io.ReadCloser
	host                    string
	noticeAfter, stallAfter time.Duration
	notice                  *time.Timer
	stall                   *time.Timer
	stalled                 atomic.Bool
}

func (t *watchTransport) watchBody(rc io.ReadCloser, host string) *watchedBody {
	b := &watchedBody{rc: rc, host: host, noticeAfter: t.noticeAfter, stallAfter: t.stallAfter}
	b.notice = time.AfterFunc(t.noticeAfter, t.notice(host))
	b.notice.Stop()
	b.stall = time.AfterFunc(t.stallAfter, func() {
		b.stalled.Store(true)
		rc.Close() // unblocks the Read
	})
	b.stall.Stop()
	return b
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.notice.Reset(b.noticeAfter)
	b.stall.Reset(b.stallAfter)
	n, err := b.rc.Read(p)
	b.notice.Stop()
	b.stall.Stop()
	if err != nil && b.stalled.Load() {
		return n, stallError{host: b.host, after: b.stallAfter}
	}
	return n, err
}

func (b *watchedBody) Close() error {
	b.notice.Stop()
	b.stall.Stop()
	return b.rc.Close()
}

// stallError is a response body given up on. It is a net.Error that timed out, so
// classify reports it as a network fault worth retrying.
type stallError struct {
	host  string
	after time.Duration
}

func (e stallError) Error() string {
	return fmt.Sprintf("%s stopped sending in the middle of a response: nothing for %s", e.host, e.after)
}
func (stallError) Timeout() bool   { return true }
func (stallError) Temporary() bool { return true }
