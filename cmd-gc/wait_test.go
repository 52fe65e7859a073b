package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"longshore.dev/lib/cli"
	"longshore.dev/lib/filelock"
)

// TestInterruptedWhileWaiting: pkg-gc behind a running install says what it waits for,
// and Ctrl-C (SIGINT/SIGTERM cancel the context cli.Main passes) stops it at once with
// exit 130 and no report, instead of collecting when the install ends.
func TestInterruptedWhileWaiting(t *testing.T) {
	t.Parallel()
	home := installVersions(t, "1.0.0", "1.1.0")
	lock := filepath.Join(home, "locks", "store.lock")
	install, err := filelock.Shared(lock) // as a running pkg-pull holds it
	if err != nil {
		t.Fatal(err)
	}
	defer install()
	for _, args := range [][]string{{"--dry-run"}, {"-o", "json"}} {
		var out, errb bytes.Buffer
		env := &cli.Env{
			Inv: cli.Invocation{Prog: "pkg-gc"}, Binary: "pkg-gc",
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Getenv: func(k string) string { return gcEnv(home)[k] },
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(filelock.NoticeAfter+300*time.Millisecond, cancel)
		start := time.Now()
		code := newApp().Main(ctx, env, args)
		took := time.Since(start)
		cancel()
		if code != cli.ExitInterrupted || out.Len() != 0 {
			t.Errorf("pkg-gc %s interrupted: exit %d, stdout %q, want 130 and nothing", strings.Join(args, " "), code, out.String())
		}
		if took > filelock.NoticeAfter+5*time.Second {
			t.Errorf("pkg-gc %s stopped %s after it started", strings.Join(args, " "), took)
		}
		if want := "Waiting for another pkg-pull or pkg-gc, which holds " + lock + ", to finish…\n"; !strings.HasPrefix(errb.String(), want) || strings.Count(errb.String(), "Waiting for") != 1 {
			t.Errorf("pkg-gc %s said:\n%q\nwant first, once: %q", strings.Join(args, " "), errb.String(), want)
		}
	}
	// Nothing was removed: the dry run's plan is still all there.
	if plan := decodeReport(t, mustGCAfter(t, install, home, "--dry-run", "-o", "yaml").Stdout); len(plan.Items) != 4 {
		t.Errorf("after the interrupted runs: %+v", plan)
	}
}

// mustGCAfter runs pkg-gc once release has been called.
func mustGCAfter(t *testing.T, release func(), home string, args ...string) run {
	t.Helper()
	release()
	return mustGC(t, home, args...)
}
