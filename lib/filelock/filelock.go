// Package filelock holds advisory locks on files (flock), the one way longshore
// processes coordinate: readers (shared) and writers (exclusive) of a local layout,
// writers of installed.yaml, of config.yaml and of a tap cache, and installers
// (shared) against the garbage collector (exclusive).
// The kernel releases a lock when its process dies, so a killed command never leaves a
// lock behind.
package filelock

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"longshore.dev/lib/fault"
)

// Exclusive blocks until it holds an exclusive lock on path (created if missing) and
// returns the function that releases it (safe to call more than once).
func Exclusive(path string) (func(), error) { return lock(path, syscall.LOCK_EX) }

// Shared blocks until it holds a shared lock on path: any number of shared holders, but
// none while an exclusive one holds it.
func Shared(path string) (func(), error) { return lock(path, syscall.LOCK_SH) }

// ExclusiveContext is Exclusive for a lock that another command may hold for minutes
// (an install, a collection): it gives up with ctx's error when ctx is done (Ctrl-C),
// and calls waiting, if not nil, once the lock has been busy for NoticeAfter, so that
// the command can say what it waits for instead of hanging silently.
func ExclusiveContext(ctx context.Context, path string, waiting func()) (func(), error) {
	return lockContext(ctx, path, syscall.LOCK_EX, waiting)
}

// SharedContext is Shared as ExclusiveContext is Exclusive.
func SharedContext(ctx context.Context, path string, waiting func()) (func(), error) {
	return lockContext(ctx, path, syscall.LOCK_SH, waiting)
}

// NoticeAfter is how long ExclusiveContext and SharedContext wait before they call
// waiting: a lock released within it (an install finishing) is not worth a line.
const NoticeAfter = time.Second

// pollInterval is how often a waiting lock is tried again. flock(2) cannot be
// interrupted by a context, only by a signal to the thread, which Go does not offer;
// trying LOCK_NB this often costs nothing and answers Ctrl-C at once.
const pollInterval = 50 * time.Millisecond

// Open opens the lock file at path, making it (and its directory) when missing, for
// a caller that locks it itself. As every lock here, it is opened only as the regular
// file it is: a symlink there is not followed, a fifo does not block the open, and
// anything but a regular file is refused, naming the path (fault.Conflict). A lock
// file lies where others may have put things first: a layout copied from elsewhere
// whose .longshore.lock is a link to ~/.profile would otherwise have every reader
// create that file, or any file the link names, empty. A lock file this user may
// not write (in another user's directory, on read-only media) is opened read-only:
// flock(2) asks for no write access, and the lock still keeps out those who write it.
func Open(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	const only = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|only, 0o644)
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		if ro, rerr := os.OpenFile(path, os.O_RDONLY|only, 0); rerr == nil {
			f, err = ro, nil
		}
	}
	if err != nil {
		if st, lerr := os.Lstat(path); lerr == nil && !st.Mode().IsRegular() {
			return nil, notAFile(path, st)
		}
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	// O_NOFOLLOW refused a symlink, and an open of a directory for writing fails;
	// a fifo, a socket or a device opens, and is refused here.
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("opening lock %s: %w", path, err)
		}
		return nil, notAFile(path, st)
	}
	// A regular file: O_NONBLOCK did its part. The descriptor may outlive this
	// process (pkg-pull exec hands its tree locks on), so it goes as an ordinary one.
	if err := syscall.SetNonblock(int(f.Fd()), false); err != nil {
		f.Close()
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	return f, nil
}

// notAFile is the error of a lock path that holds what st describes, not a regular file.
func notAFile(path string, st fs.FileInfo) error {
	var what string
	switch mode := st.Mode(); {
	case mode&fs.ModeSymlink != 0:
		what = "a symlink"
		if target, err := os.Readlink(path); err == nil {
			what += " to " + target
		}
	case mode.IsDir():
		what = "a directory"
	case mode&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case mode&fs.ModeSocket != 0:
		what = "a socket"
	case mode&fs.ModeDevice != 0:
		what = "a device"
	default:
		what = "a special file"
	}
	return fault.New(fault.Conflict,
		fmt.Errorf("lock file %s is %s, not a file longshore made: a lock is taken on a regular file only, never through a link", path, what),
		"remove it and run the command again: longshore makes its lock files itself")
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}

func lock(path string, how int) (func(), error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	if err := flock(f, how); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return releaser(f), nil
}

func lockContext(ctx context.Context, path string, how int, waiting func()) (func(), error) {
	if err := ctx.Err(); err != nil {
		// Interrupted before the lock was tried: no one held it, and saying "while
		// waiting" would send the user looking for a command that is not there.
		return nil, &waitError{path: path, err: err, before: true}
	}
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	notice := time.Now().Add(NoticeAfter)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		err := flock(f, how|syscall.LOCK_NB)
		if err == nil {
			return releaser(f), nil
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if waiting != nil && !time.Now().Before(notice) {
			waiting()
			waiting = nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, &waitError{path: path, err: ctx.Err()}
		case <-tick.C:
		}
	}
}

// waitError ends a wait given up: it names the lock, and is the context's error for
// errors.Is (context.Canceled is exit 130, interrupted).
type waitError struct {
	path   string
	err    error
	before bool // ctx was done before the lock was tried
}

func (e *waitError) Error() string {
	if e.before {
		if errors.Is(e.err, context.Canceled) {
			return "interrupted"
		}
		return e.err.Error()
	}
	if errors.Is(e.err, context.Canceled) {
		return "interrupted while waiting for " + e.path
	}
	return "waiting for " + e.path + ": " + e.err.Error()
}

func (e *waitError) Unwrap() error { return e.err }

func releaser(f *os.File) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
		})
	}
}
