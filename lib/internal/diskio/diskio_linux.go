package diskio

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

var errInvalid = syscall.EINVAL

// create opens a new file with O_DIRECT, or without it on a filesystem that refuses it
// (tmpfs before Linux 6.6, some FUSE filesystems).
func create(path string, perm os.FileMode) (*os.File, bool, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_DIRECT, perm)
	if err == nil {
		return f, true, nil
	}
	if !errors.Is(err, syscall.EINVAL) {
		return nil, false, err
	}
	f, err = os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	return f, false, err
}

func setDirect(f *os.File, on bool) error {
	conn, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = conn.Control(func(fd uintptr) {
		var flags int
		if flags, serr = unix.FcntlInt(fd, unix.F_GETFL, 0); serr != nil {
			return
		}
		if on {
			flags |= unix.O_DIRECT
		} else {
			flags &^= unix.O_DIRECT
		}
		_, serr = unix.FcntlInt(fd, unix.F_SETFL, flags)
	})
	if err != nil {
		return err
	}
	return serr
}

// Sync makes everything written to the filesystem holding dir durable: one syncfs(2),
// which also writes out what other programs left in the page cache on that
// filesystem, but costs one call however many files dir holds.
func Sync(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	conn, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := conn.Control(func(fd uintptr) { serr = unix.Syncfs(int(fd)) }); err != nil {
		return err
	}
	return serr
}

// SyncRenames makes durable what was renamed into dirs and written under them. On
// Linux that is Sync of the first: one syncfs covers every directory of the
// filesystem.
func SyncRenames(dirs ...string) error {
	if len(dirs) == 0 {
		return nil
	}
	return Sync(dirs[0])
}
