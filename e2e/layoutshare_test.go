package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// layoutWaitNotice begins the line a command prints once another command has held an
// ocidir:// layout's lock for a second (lib/cli's LayoutWaiting).
const layoutWaitNotice = "Waiting for another command, which holds ocidir://"

// TestLayoutReadersShare: the commands that only read a layout (installs by reference
// and from a lock, a mirror's source, pkg-dep validate --remote, a dry run of a
// push) read it side by side; writers still keep them out, and they writers.
//
// That they overlap is shown without a clock: the test holds the layout's lock shared,
// as a reader in another process would, while they run. A command that took it
// exclusively, as every command did, would wait for the test, and print the notice
// of that wait after a second: the test then stops it and fails.
func TestLayoutReadersShare(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "reg", "shared")
	layout := "ocidir://" + dir
	pkg := newPackage(t, "shared", "1.0.0")
	published := runOK(t, runOpts{}, "pkg-push", pkg, "--to", layout, "-o", "yaml").Stdout
	pub := decodeStream(t, published)[0]
	lock := writeLock(t, "shared", lockEntry{pub: pub, reason: "requested"})

	reader := holdLayoutLock(t, dir, syscall.LOCK_SH)
	homes := []string{t.TempDir(), t.TempDir()}
	readers := []*started{
		startCommand(t, []string{"LONGSHORE_HOME=" + homes[0]}, "pkg-pull", layout+":1.0.0"),
		startCommand(t, []string{"LONGSHORE_HOME=" + homes[1]}, "pkg-pull", "-f", lock),
		startCommand(t, nil, "pkg-pull", "mirror", "-f", lock, "--to", "ocidir://"+filepath.Join(t.TempDir(), "mirror")),
		startCommand(t, nil, "pkg-dep", "validate", "-f", lock, "--remote"),
		startCommand(t, nil, "pkg-push", pkg, "--to", layout, "--cascade", "--dry-run"),
	}
	for _, r := range readers {
		select {
		case <-r.waiting():
			r.cmd.Process.Kill()
			<-r.done
			t.Errorf("%s waited for the layout another reader holds:\n%s", r, r.stderr)
		case err := <-r.done:
			if err != nil {
				t.Errorf("%s beside another reader: %v\n%s", r, err, r.stderr)
			}
		}
	}
	for _, home := range homes {
		list := runOK(t, runOpts{Env: []string{"LONGSHORE_HOME=" + home}}, "pkg-pull", "list", "-o", "name").Stdout
		if list != "installed/shared@1.0.0\n" {
			t.Errorf("installed in %s: %q", home, list)
		}
	}

	// A writer waits for the reader, and writes once it is gone.
	push := startCommand(t, nil, "pkg-push", newPackage(t, "shared", "1.1.0"), "--to", layout)
	awaitWait(t, push, "a push, while a reader holds the layout")
	reader()
	if err := <-push.done; err != nil {
		t.Errorf("%s, once the reader was gone: %v\n%s", push, err, push.stderr)
	}

	// A reader waits for a writer, and reads once it is gone.
	writer := holdLayoutLock(t, dir, syscall.LOCK_EX)
	pull := startCommand(t, []string{"LONGSHORE_HOME=" + t.TempDir()}, "pkg-pull", layout+":1.1.0")
	awaitWait(t, pull, "an install, while a writer holds the layout")
	writer()
	if err := <-pull.done; err != nil {
		t.Errorf("%s, once the writer was gone: %v\n%s", pull, err, pull.stderr)
	}
}

// holdLayoutLock takes the lock of the layout at dir as another command would (how:
// syscall.LOCK_SH or LOCK_EX), at once or not at all, until the function it returns
// is called or the test ends.
func holdLayoutLock(t *testing.T, dir string, how int) (release func()) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, ".longshore.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		t.Fatalf("locking %s: %v", f.Name(), err)
	}
	release = sync.OnceFunc(func() { f.Close() }) // closing the file releases its flock
	t.Cleanup(release)
	return release
}

// awaitWait waits until s says that it waits for a layout's lock; it fails the test
// when s ends first, having waited for nothing.
func awaitWait(t *testing.T, s *started, what string) {
	t.Helper()
	select {
	case <-s.waiting():
	case err := <-s.done:
		t.Fatalf("%s (%s) did not wait: %v\n%s", s, what, err, s.stderr)
	}
}

// started is a command running in a clean environment (baseEnv, then env), killed if
// it outlives runTimeout.
type started struct {
	cmd    *exec.Cmd
	stderr *stderrWatch
	done   chan error // the command's end, once
}

func startCommand(t *testing.T, env []string, name string, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(baseEnv(t), env...)
	s := &started{cmd: cmd, stderr: &stderrWatch{seen: make(chan struct{})}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	return s
}

func (s *started) String() string { return strings.Join(s.cmd.Args, " ") }

// waiting is closed once the command has printed layoutWaitNotice.
func (s *started) waiting() <-chan struct{} { return s.stderr.seen }

// stderrWatch keeps what a command prints on stderr, and closes seen when that holds
// layoutWaitNotice.
type stderrWatch struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen chan struct{}
	once sync.Once
}

func (w *stderrWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), layoutWaitNotice) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func (w *stderrWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
