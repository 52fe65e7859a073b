package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/opencontainers/go-digest"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/filelock"
)

// A running program's tree is never collected. pkg-pull exec holds a shared lock on
// locks/trees/HEX.lock for each tree it composes, on a descriptor the command it
// becomes inherits (and the command's children after it): the kernel releases the lock
// when the last process holding the descriptor exits. pkg-gc removes a tree only while
// it holds that lock exclusively, and keeps a tree whose lock it cannot take.

func (s *Store) treeLock(manifest digest.Digest) string {
	return filepath.Join(s.Home, "locks", "trees", manifest.Encoded()+".lock")
}

// UseTrees takes the shared locks of the records' trees and checks that each tree is
// still there (a collection may have removed it just before). The locks are open files
// without close-on-exec, so that they survive execve: keep them open until then.
func (s *Store) UseTrees(recs []*api.Installed) ([]*os.File, error) {
	var held []*os.File
	fail := func(err error) ([]*os.File, error) {
		for _, f := range held {
			f.Close()
		}
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(s.Home, "locks", "trees"), 0o755); err != nil {
		return fail(storageError("preparing locks/trees", err))
	}
	for _, r := range recs {
		d, err := digest.Parse(r.Digest)
		if err != nil {
			return fail(fault.Errorf(fault.Verify, "%s: digest %q: %v", r.Name, r.Digest, err))
		}
		f, err := filelock.Open(s.treeLock(d))
		if err != nil {
			return fail(storageError("opening the lock of "+r.Name+"'s tree", err))
		}
		held = append(held, f)
		if err := flock(f, syscall.LOCK_SH); err != nil {
			return fail(storageError("locking "+r.Name+"'s tree", err))
		}
		if _, err := os.Stat(s.TreePath(d)); err != nil {
			return fail(fault.New(fault.NotFound, fmt.Errorf("%s %s: its tree %s is gone", r.Name, r.Version, relTree(d)),
				"install it again: pkg-pull add "+r.Name))
		}
		if err := inheritable(f); err != nil {
			return fail(err)
		}
	}
	return held, nil
}

// inheritable clears f's close-on-exec flag (os.OpenFile sets it).
func inheritable(f *os.File) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), syscall.F_SETFD, 0); errno != 0 {
		return fmt.Errorf("keeping the lock of a tree across exec: %w", errno)
	}
	return nil
}

// LockTreeForRemoval takes the exclusive lock of a tree that nothing records, for the
// collector: inUse says a running program holds it (the tree must stay). Otherwise the
// lock is held until release. Say with removed whether the tree is gone: its lock file
// is then removed too, while still held, so that an exec that opened it meanwhile finds
// the tree gone once it gets the lock. A tree that stays keeps its lock file.
func (s *Store) LockTreeForRemoval(manifest digest.Digest) (release func(removed bool), inUse bool, err error) {
	path := s.treeLock(manifest)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, false, err
	}
	// Created if missing (never run), so that an exec starting now waits for it.
	f, err := filelock.Open(path)
	if err != nil {
		return nil, false, err
	}
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, true, nil
		}
		return nil, false, err
	}
	return func(removed bool) {
		if removed {
			os.Remove(path)
		}
		f.Close()
	}, false, nil
}

// TreeInUse reports whether a running program holds the tree's lock, without taking it
// (for a dry run, which removes nothing).
func (s *Store) TreeInUse(manifest digest.Digest) bool {
	// Not followed if a link, nor waited on if a fifo: not a lock pkg-pull exec holds.
	f, err := os.OpenFile(s.treeLock(manifest), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	flock(f, syscall.LOCK_UN)
	return false
}
