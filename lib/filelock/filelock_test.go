package filelock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"longshore.dev/lib/fault"
)

func TestSharedExcludesExclusive(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "locks", "store.lock")
	r1, err := Shared(path)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Shared(path) // shared holders coexist
	if err != nil {
		t.Fatal(err)
	}
	var got atomic.Bool
	done := make(chan struct{})
	go func() {
		release, err := Exclusive(path)
		if err == nil {
			got.Store(true)
			release()
		}
		close(done)
	}()
	time.Sleep(50 * time.Millisecond)
	if got.Load() {
		t.Fatal("exclusive lock granted while shared locks were held")
	}
	r1()
	r1() // idempotent
	r2()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("exclusive lock not granted after the shared ones were released")
	}
	if !got.Load() {
		t.Fatal("exclusive lock failed")
	}
}

// TestContextGivesUp: a lock held elsewhere is waited for until the context is done,
// and then given up at once with the context's error, after saying once that it waits.
func TestContextGivesUp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		held func(string) (func(), error)
		take func(context.Context, string, func()) (func(), error)
	}{
		{"exclusive behind shared", Shared, ExclusiveContext},
		{"shared behind exclusive", Exclusive, SharedContext},
		{"exclusive behind exclusive", Exclusive, ExclusiveContext},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "locks", "store.lock")
			release, err := tc.held(path)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			ctx, cancel := context.WithCancel(context.Background())
			var notices atomic.Int32
			type result struct {
				err   error
				after time.Duration
			}
			done := make(chan result, 1)
			var cancelled time.Time
			go func() {
				r, err := tc.take(ctx, path, func() { notices.Add(1) })
				if r != nil {
					r()
				}
				done <- result{err, time.Since(cancelled)}
			}()
			// The notice comes once, after NoticeAfter; on a loaded machine maybe later.
			for deadline := time.Now().Add(NoticeAfter + 5*time.Second); notices.Load() == 0 && time.Now().Before(deadline); {
				time.Sleep(pollInterval)
			}
			time.Sleep(3 * pollInterval)
			if notices.Load() != 1 {
				t.Errorf("waiting was called %d times while the lock was busy, want once", notices.Load())
			}
			cancelled = time.Now()
			cancel()
			select {
			case r := <-done:
				if !errors.Is(r.err, context.Canceled) || !strings.Contains(r.err.Error(), path) {
					t.Errorf("got %v, want context.Canceled naming %s", r.err, path)
				}
				if r.after > 3*time.Second {
					t.Errorf("gave up %s after the cancel", r.after)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("still waiting for the lock 5s after the context was cancelled")
			}
			if notices.Load() != 1 {
				t.Errorf("waiting was called %d times, want once", notices.Load())
			}
		})
	}
}

// TestContextTakesAFreedLock: a lock released while it is waited for is taken without
// a notice when that happens before NoticeAfter; a free one is taken at once.
func TestContextTakesAFreedLock(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "store.lock")
	held, err := Exclusive(path)
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(3*pollInterval, held)
	var notices atomic.Int32
	r1, err := SharedContext(context.Background(), path, func() { notices.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	r2, err := SharedContext(context.Background(), path, func() { notices.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if notices.Load() != 0 {
		t.Errorf("a lock freed within NoticeAfter was announced %d times", notices.Load())
	}
	// Both shared locks are held: an exclusive one cannot be taken meanwhile.
	if f, err := Open(path); err != nil {
		t.Fatal(err)
	} else {
		if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != syscall.EWOULDBLOCK {
			t.Errorf("exclusive lock while shared ones are held: %v", err)
		}
		f.Close()
	}
	r1()
	r2()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Interrupted before the lock was tried, with no one holding it: no "waiting".
	if _, err := ExclusiveContext(ctx, path, nil); !errors.Is(err, context.Canceled) || err.Error() != "interrupted" {
		t.Errorf("a cancelled context took the lock, or says it waited: %v", err)
	}
}

// A lock file this user may not write (another user's directory, read-only media) is
// locked through a read-only open: flock(2) asks for no write access. Readers of a
// layout someone else owns failed with "permission denied" opening it to write.
func TestLockFileNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may write any file: run as another user")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "layout.lock")
	if err := os.WriteFile(path, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	release, err := ExclusiveContext(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("locking a lock file this user may only read: %v", err)
	}
	// It still excludes others.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if other, err := ExclusiveContext(ctx, path, nil); err == nil {
		other()
		t.Error("a second holder was let in through a read-only open")
	}
	release()
}

// A lock file is taken only as the regular file it is. A layout copied in with
// .longshore.lock -> /some/path made every reader create /some/path (empty) and lock
// it, or lock a file it names (read-only when it may not write it); a fifo there hung
// the read-only open for good. Each is refused, naming the path, and left as it was.
func TestLockFileOnlyARegularFile(t *testing.T) {
	t.Parallel()
	takes := map[string]func(string) (func(), error){
		"Exclusive": Exclusive,
		"Shared":    Shared,
		"SharedContext": func(p string) (func(), error) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return SharedContext(ctx, p, nil)
		},
	}
	for _, tc := range []struct {
		name string
		make func(t *testing.T, lock, elsewhere string)
		want string
	}{
		{"symlink to nothing", func(t *testing.T, lock, elsewhere string) {
			symlink(t, elsewhere, lock)
		}, "is a symlink to "},
		{"symlink to a file", func(t *testing.T, lock, elsewhere string) {
			writeFile(t, elsewhere, 0o644)
			symlink(t, elsewhere, lock)
		}, "is a symlink to "},
		// Not writable: the read-only fallback must not follow it either.
		{"symlink to a read-only file", func(t *testing.T, lock, elsewhere string) {
			writeFile(t, elsewhere, 0o444)
			symlink(t, elsewhere, lock)
		}, "is a symlink to "},
		{"relative symlink", func(t *testing.T, lock, elsewhere string) {
			symlink(t, "../elsewhere", lock)
		}, "is a symlink to ../elsewhere"},
		{"directory", func(t *testing.T, lock, _ string) {
			if err := os.Mkdir(lock, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "is a directory"},
		{"fifo", func(t *testing.T, lock, _ string) {
			if err := syscall.Mkfifo(lock, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "is a named pipe"},
		{"read-only fifo", func(t *testing.T, lock, _ string) {
			if err := syscall.Mkfifo(lock, 0o444); err != nil {
				t.Fatal(err)
			}
		}, "is a named pipe"},
	} {
		for how, take := range takes {
			t.Run(tc.name+"/"+how, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				lock := filepath.Join(dir, "layout", ".longshore.lock")
				elsewhere := filepath.Join(dir, "elsewhere")
				if err := os.Mkdir(filepath.Dir(lock), 0o755); err != nil {
					t.Fatal(err)
				}
				tc.make(t, lock, elsewhere)
				before, _ := os.Lstat(elsewhere)
				type result struct {
					release func()
					err     error
				}
				done := make(chan result, 1)
				go func() { r, err := take(lock); done <- result{r, err} }()
				var r result
				select {
				case r = <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("opening the lock hangs")
				}
				if r.err == nil {
					r.release()
					t.Fatal("locked what is not a regular file")
				}
				if !strings.Contains(r.err.Error(), "lock file "+lock+" "+tc.want) || fault.KindOf(r.err) != fault.Conflict ||
					!strings.Contains(fault.HintOf(r.err), "remove it") {
					t.Errorf("got %v (%v, hint %q), want a conflict saying %q", r.err, fault.KindOf(r.err), fault.HintOf(r.err), tc.want)
				}
				after, err := os.Lstat(elsewhere)
				switch {
				case before == nil && err == nil:
					t.Errorf("the lock created %s, where its symlink leads", elsewhere)
				case before != nil && (err != nil || after.Size() != before.Size() || after.Mode() != before.Mode()):
					t.Errorf("%s changed: %v, %v", elsewhere, after, err)
				}
			})
		}
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte("keep"), mode); err != nil {
		t.Fatal(err)
	}
}
