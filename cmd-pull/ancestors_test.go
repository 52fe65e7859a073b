package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
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

// A script run by its #! line is named by its file in the kernel's comm ("deploy.sh"),
// but it is its interpreter that runs pkg-pull: `eval "$(pkg-pull env hello)"` in
// ./deploy.sh, a bash script, must read as bash.
func TestProcessInfoOfAScript(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the /proc reading is Linux's")
	}
	script := filepath.Join(t.TempDir(), "deploy.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nread line\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	// Until the kernel has run the #! line, the child is this test binary's fork; in the
	// middle of the exec, its comm is already "deploy.sh" while its argv is not set up
	// yet. Only a child that stays "deploy.sh" fails.
	var name string
	for i := 0; i < 200; i++ {
		if name, _, _ = processInfo(cmd.Process.Pid); name == "sh" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if name != "sh" {
		t.Errorf("processInfo(./deploy.sh) = %q, want its interpreter, sh", name)
	}
}
