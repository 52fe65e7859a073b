package gc

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"longshore.dev/lib/filelock"
	"longshore.dev/lib/store"
)

// TestCollectWaitsForInstalls: a collection that finds the store lock held by an
// install says once that it waits, gives up with context.Canceled when interrupted
// (no report: a dry run prints nothing and exits 130), and runs once the install ends.
func TestCollectWaitsForInstalls(t *testing.T) {
	t.Parallel()
	s, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	install, err := filelock.Shared(s.StoreLockPath()) // as store.InstallSet holds it
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	opts := Options{DryRun: true, Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(filelock.NoticeAfter+200*time.Millisecond, cancel)
	start := time.Now()
	report, err := Collect(ctx, s, opts)
	if !errors.Is(err, context.Canceled) || report != nil {
		t.Fatalf("an interrupted wait: report %+v, error %v; want context.Canceled", report, err)
	}
	if took := time.Since(start); took > filelock.NoticeAfter+5*time.Second {
		t.Errorf("returned %s after it started, long after the cancel", took)
	}
	mu.Lock()
	want := "Waiting for another pkg-pull or pkg-gc, which holds " + filepath.Join(s.Home, "locks", "store.lock") + ", to finish…"
	if !slices.Equal(lines, []string{want}) {
		t.Errorf("said %q, want %q once", lines, want)
	}
	lines = nil
	mu.Unlock()

	time.AfterFunc(100*time.Millisecond, install)
	if report, err = Collect(context.Background(), s, opts); err != nil || report == nil {
		t.Fatalf("after the install: %+v, %v", report, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 0 {
		t.Errorf("a wait shorter than filelock.NoticeAfter was announced: %q", lines)
	}
}
