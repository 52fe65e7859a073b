// Package e2e tests the installed binaries from the outside: built and installed by
// scripts/install.sh into a temporary prefix, run as a user runs them (pkg-push, kubectl
// pkg …, git pkg …), against a real CNCF Distribution registry process.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Set by TestMain for every test.
var (
	// registryAddr is the test registry, "127.0.0.1:PORT" (plain HTTP).
	registryAddr string
	// prefix is where scripts/install.sh installed the binaries; prefix/bin leads PATH.
	prefix string
	// repoRoot is the checkout's root directory.
	repoRoot string
	// basePath is PATH as the test process found it, without prefix/bin.
	basePath string
)

// e2eVersion is stamped into the installed binaries, so tests can tell them apart from
// any other longshore on the machine.
const e2eVersion = "v0.0.0-e2e"

const (
	runTimeout      = 2 * time.Minute
	registryTimeout = 15 * time.Second
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

// testMain holds the setup so its deferred cleanups run before os.Exit.
func testMain(m *testing.M) (code int) {
	tmp, err := os.MkdirTemp("", "longshore-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	var cleanups []func()
	var once sync.Once
	cleanup := func() {
		once.Do(func() {
			for i := len(cleanups) - 1; i >= 0; i-- {
				cleanups[i]()
			}
			os.RemoveAll(tmp)
		})
	}
	defer cleanup()
	defer func() {
		// A panic in setup or in m.Run's own goroutine: clean up, then fail the run. A
		// panicking test goroutine kills the process without running this; Pdeathsig then
		// still takes the registry down.
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "e2e: panic: %v\n%s", r, debug.Stack())
			code = 2
		}
	}()
	// ^C or a kill while the tests run: stop the registry and remove the temp dirs.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if s, ok := <-sigs; ok {
			fmt.Fprintf(os.Stderr, "e2e: %v: cleaning up\n", s)
			cleanup()
			os.Exit(130)
		}
	}()

	if repoRoot, err = findRepoRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	prefix = filepath.Join(tmp, "prefix")
	if err := install(prefix); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	basePath = os.Getenv("PATH")
	os.Setenv("PATH", filepath.Join(prefix, "bin")+string(os.PathListSeparator)+basePath)

	stop, addr, err := startRegistry(filepath.Join(tmp, "registry"))
	if stop != nil {
		cleanups = append(cleanups, stop)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	registryAddr = addr
	return m.Run()
}

// findRepoRoot walks up from the test's directory (e2e/) to the directory with go.work.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "scripts", "install.sh")); err == nil {
				return d, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.work with scripts/install.sh above %s", dir)
		}
	}
}

// install runs scripts/install.sh into prefix, as a user would.
func install(prefix string) error {
	start := time.Now()
	cmd := exec.Command("bash", filepath.Join(repoRoot, "scripts", "install.sh"))
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "PREFIX="+prefix, "LONGSHORE_VERSION="+e2eVersion)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("scripts/install.sh: %w\n%s", err, out)
	}
	fmt.Fprintf(os.Stderr, "e2e: installed into %s in %s\n", prefix, time.Since(start).Round(time.Second))
	return nil
}

// startRegistry runs a CNCF Distribution registry (from scripts/registry.sh ensure) on a
// free 127.0.0.1 port with its storage in dir, and waits until it answers /v2/. stop,
// when not nil, must be called even if err is not nil. extraConfig is appended to the
// registry's config.yml (top-level sections such as auth:).
func startRegistry(dir string, extraConfig ...string) (stop func(), addr string, err error) {
	ensure := exec.Command("bash", filepath.Join(repoRoot, "scripts", "registry.sh"), "ensure")
	var ensureErr bytes.Buffer
	ensure.Stderr = &ensureErr
	out, err := ensure.Output()
	if err != nil {
		return nil, "", fmt.Errorf("scripts/registry.sh ensure: %w\n%s", err, ensureErr.String())
	}
	bin := strings.TrimSpace(string(out))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	// A port picked here can be taken before the registry binds it: try again then.
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		stop, addr, err := startRegistryOnce(bin, dir, attempt, strings.Join(extraConfig, ""))
		if err == nil {
			fmt.Fprintf(os.Stderr, "e2e: registry %s at %s\n", bin, addr)
			return stop, addr, nil
		}
		if stop != nil {
			stop()
		}
		lastErr = err
	}
	return nil, "", lastErr
}

func startRegistryOnce(bin, dir string, attempt int, extraConfig string) (stop func(), addr string, err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr = l.Addr().String()
	l.Close()

	config := filepath.Join(dir, fmt.Sprintf("config-%d.yml", attempt))
	logPath := filepath.Join(dir, fmt.Sprintf("registry-%d.log", attempt))
	err = os.WriteFile(config, []byte(fmt.Sprintf(`version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %s
  secret: longshore-e2e
`, filepath.Join(dir, fmt.Sprintf("data-%d", attempt)), addr)+extraConfig), 0o644)
	if err != nil {
		return nil, "", err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, "", err
	}
	defer logFile.Close()

	cmd := exec.Command(bin, "serve", config)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// v3 exports OpenTelemetry traces unless told not to; nothing collects them here.
	cmd.Env = append(os.Environ(), "OTEL_TRACES_EXPORTER=none")
	cmd.SysProcAttr = registryProcAttr()
	// Pdeathsig fires when the thread that started the child exits, not the process. A
	// thread locked to a goroutine lives as long as that goroutine, and this one is
	// TestMain's: it stays locked (never unlocked) until the process exits.
	runtime.LockOSThread()
	err = cmd.Start()
	if err != nil {
		runtime.UnlockOSThread()
		return nil, "", fmt.Errorf("starting %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop = func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}

	readLog := func() string {
		b, _ := os.ReadFile(logPath)
		return string(b)
	}
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(registryTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return stop, "", fmt.Errorf("registry on %s exited early; its log:\n%s", addr, readLog())
		default:
		}
		resp, err := client.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			// 401: a registry with auth configured is up too.
			if resp.StatusCode == http.StatusOK || (extraConfig != "" && resp.StatusCode == http.StatusUnauthorized) {
				select {
				case <-exited: // someone else answered on that port
					return stop, "", fmt.Errorf("registry on %s exited; its log:\n%s", addr, readLog())
				default:
					return stop, addr, nil
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return stop, "", fmt.Errorf("registry on %s did not answer /v2/ with 200 within %s; its log:\n%s",
		addr, registryTimeout, readLog())
}

// runOpts adjusts one run of a command.
type runOpts struct {
	// Env is added to the base environment (PATH with prefix/bin first, HOME and
	// LONGSHORE_HOME in fresh temp dirs); a later entry overrides an earlier one.
	Env   []string
	Stdin string
	Dir   string
}

type result struct {
	Stdout, Stderr string
	Code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// baseEnv is a clean environment: nothing from the developer's shell reaches the binaries
// but PATH (and TMPDIR, so temp files go where the machine wants them).
func baseEnv(t *testing.T) []string {
	t.Helper()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"LONGSHORE_HOME=" + t.TempDir(),
		// kubectl reads no cluster config for plugins, but must not find a user's either.
		"KUBECONFIG=" + os.DevNull,
	}
	if v, ok := os.LookupEnv("TMPDIR"); ok {
		env = append(env, "TMPDIR="+v)
	}
	return env
}

// run runs name with args in a clean environment (see runOpts) and returns what it
// printed and its exit code. A command that cannot start, or runs longer than two
// minutes, fails the test. name is looked up on the test process's PATH, which has
// prefix/bin first.
func run(t *testing.T, opt runOpts, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(baseEnv(t), opt.Env...)
	cmd.Dir = opt.Dir
	cmd.Stdin = strings.NewReader(opt.Stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Kill the whole group on timeout: kubectl and git run the binaries as children.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	res := result{Stdout: stdout.String(), Stderr: stderr.String()}
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %s\n%s", name, strings.Join(args, " "), runTimeout, res)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.Code = exitErr.ExitCode()
	default:
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	t.Logf("$ %s %s: exit %d", name, strings.Join(args, " "), res.Code)
	return res
}

// runOK is run that also fails the test unless the command exits 0.
func runOK(t *testing.T, opt runOpts, name string, args ...string) result {
	t.Helper()
	res := run(t, opt, name, args...)
	if res.Code != 0 {
		t.Fatalf("%s %s: want exit 0\n%s", name, strings.Join(args, " "), res)
	}
	return res
}

// newPackage writes a minimal package directory: package.yaml and one entry point,
// bin/NAME, a script that prints "hello from NAME VERSION". It returns the directory.
func newPackage(t *testing.T, name, version string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := fmt.Sprintf(`apiVersion: longshore.dev/v1alpha1
kind: Package
metadata:
  name: %[1]s
  version: %[2]s
  description: %[1]s, a package made by the e2e tests
spec:
  bin: [bin/%[1]s]
`, name, version)
	if err := os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\necho \"hello from %s %s\"\n", name, version)
	if err := os.WriteFile(filepath.Join(dir, "bin", name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
