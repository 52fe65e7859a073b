package main

import (
	"os"
	"path/filepath"
	"testing"
)

// processInfo reads this very process: its own name and its parent, as ancestors reads
// the processes above a pkg-pull.
func TestProcessInfo(t *testing.T) {
	t.Parallel()
	name, ppid, ok := processInfo(os.Getpid())
	exe, _ := os.Executable()
	// The kernel keeps the first 15 bytes of the name.
	if want := filepath.Base(exe); !ok || ppid != os.Getppid() || len(want) > 15 && name != want[:15] || len(want) <= 15 && name != want {
		t.Errorf("processInfo(self) = %q, %d, %v; want %q, %d", name, ppid, ok, filepath.Base(exe), os.Getppid())
	}
	if _, _, ok := processInfo(1 << 30); ok {
		t.Error("processInfo of no process answered")
	}
}
