package filelock

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
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
