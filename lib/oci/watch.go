package oci

import (
	"context"
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
// peer that is gone, not one that is silent), so does an upload the registry stops
// reading, and a minute without response headers passes with nothing on the terminal.
// watchTransport bounds the first two and announces all three.
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
	host := req.URL.Host
	timer := time.AfterFunc(t.noticeAfter, t.notice(host))
	var upload *watchedUpload
	cancel := func() {}
	if req.Body != nil && req.Body != http.NoBody {
		// A registry that stops reading an upload blocks the transport's write, where
		// no timeout reaches: the request is cancelled instead. The upload's progress
		// restarts the notice's clock: a big upload that keeps going is no wait.
		ctx, cancelCause := context.WithCancelCause(req.Context())
		upload = t.watchUpload(req.Body, host, cancelCause, timer)
		cancel = func() { cancelCause(context.Canceled) }
		req = req.Clone(ctx)
		req.Body = upload
	}
	resp, err := t.base.RoundTrip(req)
	if upload != nil {
		upload.done()
	}
	timer.Stop()
	if err != nil {
		cancel()
		if upload != nil && upload.stalled.Load() {
			return nil, stallError{host: host, after: t.stallAfter, upload: true}
		}
		return nil, err
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		cancel()
		return resp, nil
	}
	resp.Body = t.watchBody(resp.Body, host, cancel)
	return resp, nil
}

// watchedUpload is a request body that the transport must keep taking: between the
// transport's Reads (while it writes what it read) the clocks run, and a registry
// that takes nothing for StallTimeout has its request cancelled. The notice's clock is
// the request's own, restarted by each Read: it runs while the transport writes, and
// once the body is read, while the registry has yet to answer.
type watchedUpload struct {
	rc      io.ReadCloser
	notice  *time.Timer
	stall   *time.Timer
	after   time.Duration
	wait    time.Duration
	stalled atomic.Bool
	// mu orders the clocks' restarts after a Read with done: the transport may still
	// read the body after its RoundTrip returned.
	mu    sync.Mutex
	ended bool
}

func (t *watchTransport) watchUpload(rc io.ReadCloser, host string, cancel context.CancelCauseFunc, notice *time.Timer) *watchedUpload {
	u := &watchedUpload{rc: rc, after: t.stallAfter, wait: t.noticeAfter, notice: notice}
	u.stall = time.AfterFunc(t.stallAfter, func() {
		u.mu.Lock()
		ended := u.ended
		u.mu.Unlock()
		if ended {
			return
		}
		u.stalled.Store(true)
		cancel(stallError{host: host, after: t.stallAfter, upload: true})
	})
	u.stall.Stop()
	return u
}

func (u *watchedUpload) Read(p []byte) (int, error) {
	u.notice.Stop()
	u.stall.Stop()
	n, err := u.rc.Read(p)
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.ended {
		u.notice.Reset(u.wait)
		if err == nil {
			u.stall.Reset(u.after)
		}
	}
	return n, err
}

// done stops the clocks: the transport has finished with the body.
func (u *watchedUpload) done() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.ended = true
	u.notice.Stop()
	u.stall.Stop()
}

func (u *watchedUpload) Close() error {
	u.done()
	return u.rc.Close()
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
	cancel                  func() // the request's context, once the body is closed
}

func (t *watchTransport) watchBody(rc io.ReadCloser, host string, cancel func()) *watchedBody {
	b := &watchedBody{rc: rc, host: host, noticeAfter: t.noticeAfter, stallAfter: t.stallAfter, cancel: cancel}
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
	err := b.rc.Close()
	b.cancel()
	return err
}

// stallError is a response body given up on. It is a net.Error that timed out, so
// classify reports it as a network fault worth retrying.
type stallError struct {
	host   string
	after  time.Duration
	upload bool // the registry stopped taking an upload
}

func (e stallError) Error() string {
	if e.upload {
		return fmt.Sprintf("%s stopped taking the upload: nothing accepted for %s", e.host, e.after)
	}
	return fmt.Sprintf("%s stopped sending in the middle of a response: nothing for %s", e.host, e.after)
}
func (stallError) Timeout() bool   { return true }
func (stallError) Temporary() bool { return true }
