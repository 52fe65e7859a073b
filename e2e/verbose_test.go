package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPullVerbose: -v and -vv change stderr only. -v says what the pull opened and how
// long it took; -vv also each request to the registry, with its status and without its
// query; without -v, neither.
func TestPullVerbose(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, writePkg(t, "chatty", "1.0.0", "", map[string]string{"data.txt": "some data\n"}),
		registryAddr+"/e2e/verbose/chatty")
	ref := pub.Repository + ":1.0.0"
	// One home, emptied between runs: the Installed document names its path.
	home := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	pull := func(args ...string) result {
		t.Helper()
		if err := os.RemoveAll(home); err != nil {
			t.Fatal(err)
		}
		return runOK(t, opt, "pkg-pull", append([]string{ref, "-o", "yaml"}, args...)...)
	}
	quiet, v, vv := pull(), pull("-v"), pull("-vv")

	opened := "opening " + pub.Repository + ": a registry, over plain HTTP"
	manifest := "GET http://" + registryAddr + "/v2/e2e/verbose/chatty/manifests/1.0.0 -> 200 OK, "
	blob := "GET http://" + registryAddr + "/v2/e2e/verbose/chatty/blobs/sha256:"
	done := "pkg-pull done in "
	for _, tc := range []struct {
		name      string
		res       result
		want, not []string
	}{
		{"without -v", quiet, nil, []string{opened, manifest, blob, done}},
		{"-v", v, []string{opened, done}, []string{manifest, blob}},
		{"-vv", vv, []string{opened, manifest, blob, done}, nil},
	} {
		if tc.res.Stdout != quiet.Stdout {
			t.Errorf("%s: stdout differs from a pull without -v:\n%s\n--- without:\n%s", tc.name, tc.res.Stdout, quiet.Stdout)
		}
		for _, want := range tc.want {
			if !strings.Contains(tc.res.Stderr, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", tc.name, want, tc.res.Stderr)
			}
		}
		for _, not := range tc.not {
			if strings.Contains(tc.res.Stderr, not) {
				t.Errorf("%s: stderr has %q:\n%s", tc.name, not, tc.res.Stderr)
			}
		}
	}
}

// TestVerboseNeverShowsCredentials runs a registry that wants a password, with the
// credentials in a docker config: pkg-push and pkg-pull with -vv say where the
// credentials came from and as whom, show the challenge and each request (an upload's
// URL without Distribution's _state), and never the password, its base64, or a
// header; nor does a login that fails.
func TestVerboseNeverShowsCredentials(t *testing.T) {
	t.Parallel()
	const password = "verbose-horse-battery-staple"
	private, _ := startPasswordRegistry(t, "alice", password)
	auth := base64.StdEncoding.EncodeToString([]byte("alice:" + password))
	dockerConfig := t.TempDir()
	config := filepath.Join(dockerConfig, "config.json")
	if err := os.WriteFile(config, []byte(`{"auths":{"`+private+`":{"auth":"`+auth+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	opt := runOpts{Env: []string{"DOCKER_CONFIG=" + dockerConfig}}
	repo := private + "/e2e/verbose/secret"

	push := runOK(t, opt, "pkg-push", newPackage(t, "secret", "1.0.0"), "--to", repo, "-vv")
	pull := runOK(t, opt, "pkg-pull", repo+":1.0.0", "-vv")
	wrong := opt
	wrong.Stdin = "not-" + password + "\n"
	wrong.Env = append(wrong.Env, "DOCKER_CONFIG="+t.TempDir())
	login := run(t, wrong, "pkg-tap", "login", private, "-u", "alice", "--password-stdin", "-vv")
	if login.Code != 4 {
		t.Errorf("login with a wrong password: %s", login)
	}

	credentials := fmt.Sprintf("credentials for %s: user %q from %s", private, "alice", config)
	challenge := " -> 401 Unauthorized (Basic challenge)"
	for _, tc := range []struct {
		name string
		res  result
		want []string
	}{
		{"push", push, []string{credentials, challenge, "PUT http://" + private + "/v2/e2e/verbose/secret/blobs/uploads/", " -> 201 Created, sent "}},
		{"pull", pull, []string{credentials, challenge, "GET http://" + private + "/v2/e2e/verbose/secret/manifests/1.0.0 -> 200 OK"}},
		{"login", login, []string{`logging in to ` + private + ` as "alice"`, "GET http://" + private + "/v2/" + challenge}},
	} {
		for _, want := range tc.want {
			if !strings.Contains(tc.res.Stderr, want) {
				t.Errorf("%s -vv: stderr lacks %q:\n%s", tc.name, want, tc.res.Stderr)
			}
		}
		for _, secret := range []string{password, auth, "Authorization", "_state"} {
			if strings.Contains(tc.res.Stdout+tc.res.Stderr, secret) {
				t.Errorf("%s -vv shows %q:\n%s", tc.name, secret, tc.res)
			}
		}
		for _, line := range strings.Split(tc.res.Stderr, "\n") {
			if strings.Contains(line, "http://") && strings.Contains(line, "?") {
				t.Errorf("%s -vv shows a URL's query: %s", tc.name, line)
			}
		}
	}
}

// TestPullVerboseOnTTY: with stderr on a terminal, -vv's lines about requests that end
// while the progress line is drawn start on a line of their own, not at the end of
// "Downloading … 50%".
func TestPullVerboseOnTTY(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, writePkg(t, "chattytty", "1.0.0", "", map[string]string{"data/blob": noise(256 << 10)}),
		registryAddr+"/e2e/verbose/chattytty")
	g := newGate()
	defer g.open()
	px := newProxy(t, g.handle)
	lock := writeLock(t, "chattytty", lockEntry{pub: pub, repo: px.via(pub.Repository), reason: "requested"})
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pkg-pull", "-f", lock, "-vv")
	cmd.Env = baseEnv(t)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	out, _ := onTTY(t, cmd, g, progressLine("Downloading"), anyLine)
	blobs := "GET http://" + px.addr + "/v2/e2e/verbose/chattytty/blobs/sha256:"
	if !strings.Contains(out, blobs) {
		t.Fatalf("-vv shows no blob request:\n%q", out)
	}
	for rest := out; ; {
		before, after, ok := strings.Cut(rest, "GET http://")
		if !ok {
			break
		}
		if before != "" && !strings.HasSuffix(before, "\n") && !strings.HasSuffix(before, "\r") {
			t.Errorf("a request line runs onto what was drawn before it:\n%q", out)
			break
		}
		rest = after
	}
}
