package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// pushBlob uploads data to repo of the test registry over the distribution API and
// returns its digest.
func pushBlob(t *testing.T, repo string, data []byte) string {
	t.Helper()
	d := fmt.Sprintf("sha256:%x", sha256.Sum256(data))
	resp, err := http.Post("http://"+registryAddr+"/v2/"+repo+"/blobs/uploads/", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || loc == "" {
		t.Fatalf("starting an upload: %s", resp.Status)
	}
	if !strings.HasPrefix(loc, "http") {
		loc = "http://" + registryAddr + loc
	}
	sep := "?"
	if strings.Contains(loc, "?") {
		sep = "&"
	}
	req, _ := http.NewRequest(http.MethodPut, loc+sep+"digest="+d, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("uploading a blob: %s %s", resp.Status, body)
	}
	return d
}

// pushRawPackage publishes a package by hand — config, the given layer, a manifest —
// bypassing pkg-push, which would never build a hostile layer. It returns REPO:TAG.
func pushRawPackage(t *testing.T, name string, layer []byte) string {
	t.Helper()
	repo := "e2e/faults/" + name
	config := []byte(fmt.Sprintf(`{"name":%q,"version":"1.0.0","platform":"any","bin":["bin/x"]}`, name))
	configDigest := pushBlob(t, repo, config)
	layerDigest := pushBlob(t, repo, layer)
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"artifactType":  "application/vnd.longshore.package.v1",
		"config":        map[string]any{"mediaType": "application/vnd.longshore.package.config.v1+json", "digest": configDigest, "size": len(config)},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layerDigest, "size": len(layer)}},
	})
	req, _ := http.NewRequest(http.MethodPut, "http://"+registryAddr+"/v2/"+repo+"/manifests/1.0.0", bytes.NewReader(manifest))
	req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("pushing the manifest: %s %s", resp.Status, body)
	}
	return registryAddr + "/" + repo + ":1.0.0"
}

// tarGz builds a gzip-compressed tar of the given entries; a regular file's body is
// Size zero bytes unless body is set.
func tarGz(t *testing.T, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		if e.hdr.Mode == 0 {
			e.hdr.Mode = 0o644
		}
		if e.hdr.Typeflag == tar.TypeReg && e.body == nil && !e.truncate {
			e.body = make([]byte, e.hdr.Size)
		}
		if e.body != nil {
			e.hdr.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(e.hdr); err != nil {
			t.Fatal(err)
		}
		if e.truncate {
			// The header claims more than follows: the stream ends after a little.
			tw.Write(make([]byte, 1024))
			gz.Close()
			return buf.Bytes()
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

type tarEntry struct {
	hdr      *tar.Header
	body     []byte
	truncate bool
}

func file(name string, size int64) tarEntry {
	return tarEntry{hdr: &tar.Header{Name: name, Typeflag: tar.TypeReg, Size: size}}
}

// TestFaultHostileLayers serves layers no package should hold, each pushed with a
// hand-made manifest to the real registry: every one is refused with a verification
// failure, and nothing is installed.
func TestFaultHostileLayers(t *testing.T) {
	t.Parallel()
	var bomb []tarEntry
	for i := range 16 {
		bomb = append(bomb, file(fmt.Sprintf("zeros-%02d", i), 8<<20))
	}
	cases := []struct {
		name    string
		layer   []byte
		args    []string
		refusal string
	}{
		{"dotdot", tarGz(t, file("bin/x", 1), file("../escaped", 4)), nil, "path escapes the package root"},
		{"absolute", tarGz(t, file("/etc/evil", 4)), nil, "absolute or non-portable path"},
		{"symlink-out", tarGz(t, tarEntry{hdr: &tar.Header{Name: "bin/x", Typeflag: tar.TypeSymlink, Linkname: "../../../../etc/passwd"}}), nil, "points outside the package"},
		{"through-symlink", tarGz(t, tarEntry{hdr: &tar.Header{Name: "dir", Typeflag: tar.TypeSymlink, Linkname: "."}}, file("dir/x", 4)), nil, "goes through the symlink"},
		{"hardlink-out", tarGz(t, tarEntry{hdr: &tar.Header{Name: "bin/x", Typeflag: tar.TypeLink, Linkname: "../../outside"}}), nil, "path escapes the package root"},
		{"device", tarGz(t, tarEntry{hdr: &tar.Header{Name: "dev/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}), nil, "devices, fifos"},
		{"setuid", tarGz(t, tarEntry{hdr: &tar.Header{Name: "bin/x", Typeflag: tar.TypeReg, Mode: 0o4755}, body: []byte("#!/bin/sh\n")}), nil, "setuid"},
		// A real decompression bomb: 128 MiB of zeros in a few hundred KiB, against a
		// 64 MiB limit; and a header that claims more than the default 4 GiB limit.
		{"bomb", tarGz(t, bomb...), []string{"--max-size", "64MiB"}, "expands beyond 67108864 bytes"},
		{"huge-header", tarGz(t, tarEntry{hdr: &tar.Header{Name: "big", Typeflag: tar.TypeReg, Size: 5 << 30}, truncate: true}), nil, "expands beyond 4294967296 bytes"},
		{"not-gzip", []byte("this is not a gzip stream at all"), nil, "layer is not gzip"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ref := pushRawPackage(t, "hostile-"+tc.name, tc.layer)
			home := t.TempDir()
			res := run(t, runOpts{Env: []string{"LONGSHORE_HOME=" + home}}, "pkg-pull", append([]string{ref}, tc.args...)...)
			if res.Code != 6 || !strings.Contains(res.Stderr, tc.refusal) || !strings.Contains(res.Stderr, "nothing was installed") {
				t.Errorf("want exit 6 naming %q:\n%s", tc.refusal, res)
			}
			assertNothingInstalled(t, home)
			if _, err := os.Lstat(filepath.Join(home, "escaped")); err == nil {
				t.Errorf("a file escaped the package root")
			}
		})
	}
}

// TestFaultLyingRegistry puts a proxy in front of the registry that flips bytes of the
// layer it serves: the content is refused and nothing is installed.
func TestFaultLyingRegistry(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, writePkg(t, "lied", "1.0.0", "  bin: [bin/lied]\n", map[string]string{
		"bin/lied": "#!/bin/sh\n", "data.bin": noise(256 << 10),
	}), registryAddr+"/e2e/faults/lied")
	var flipped atomic.Int32
	px := newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if !strings.Contains(r.URL.Path, "/blobs/sha256:") || r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}}
		next.ServeHTTP(rec, r)
		body := rec.body.Bytes()
		if len(body) > 64<<10 {
			body[len(body)/2] ^= 0x20
			flipped.Add(1)
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.code)
		w.Write(body)
	})
	home := t.TempDir()
	res := run(t, runOpts{Env: []string{"LONGSHORE_HOME=" + home}}, "pkg-pull", px.via(pub.Repository)+":1.0.0")
	if res.Code != 6 || !strings.Contains(res.Stderr, "do not match their digest") {
		t.Errorf("a lying registry: want exit 6 and a digest mismatch:\n%s", res)
	}
	if flipped.Load() == 0 {
		t.Fatal("the proxy flipped nothing: the test proves nothing")
	}
	assertNothingInstalled(t, home)
	// The honest registry then installs into the same home.
	runOK(t, runOpts{Env: []string{"LONGSHORE_HOME=" + home}}, "pkg-pull", pub.Repository+":1.0.0")
}

// recorder buffers a response.
type recorder struct {
	header http.Header
	body   bytes.Buffer
	code   int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
func (r *recorder) WriteHeader(code int)        { r.code = code }

// TestFaultRetries: a registry that answers 503 or 429 a few times is retried with
// backoff and the install succeeds; one that stays down fails with the retryable exit
// code (7).
func TestFaultRetries(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, newPackage(t, "flaky", "1.0.0"), registryAddr+"/e2e/faults/flaky")
	failing := func(failures int32, code int) (*proxy, *atomic.Int32) {
		var seen atomic.Int32
		return newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			if n := seen.Add(1); failures < 0 || n <= failures {
				http.Error(w, "try again", code)
				return
			}
			next.ServeHTTP(w, r)
		}), &seen
	}
	for _, code := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		px, seen := failing(3, code)
		runOK(t, runOpts{}, "pkg-pull", px.via(pub.Repository)+":1.0.0")
		if seen.Load() <= 3 {
			t.Errorf("HTTP %d: the proxy saw %d requests", code, seen.Load())
		}
	}
	px, _ := failing(-1, http.StatusServiceUnavailable)
	start := time.Now()
	res := run(t, runOpts{}, "pkg-pull", px.via(pub.Repository)+":1.0.0")
	if res.Code != 7 || !strings.Contains(res.Stderr, "503") || !strings.Contains(res.Stderr, "Hint: the registry is overloaded or failing; try again later") {
		t.Errorf("a registry that stays down: want exit 7\n%s", res)
	}
	if time.Since(start) < time.Second {
		t.Errorf("gave up after %s: no backoff", time.Since(start))
	}
}

// TestFaultKilledMidDownload kills pkg-pull while a big layer trickles through a slow
// proxy: no partial tree is visible and nothing is recorded; the next pull succeeds and
// clears the dead staging directory.
func TestFaultKilledMidDownload(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, writePkg(t, "slow", "1.0.0", "  bin: [bin/slow]\n", map[string]string{
		"bin/slow": "#!/bin/sh\necho slow\n", "data.bin": noise(4 << 20),
	}), registryAddr+"/e2e/faults/slow")
	var served atomic.Int64
	px := newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if !strings.Contains(r.URL.Path, "/blobs/sha256:") || r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&trickle{ResponseWriter: w, served: &served}, r)
	})
	home := t.TempDir()
	cmd := exec.Command("pkg-pull", px.via(pub.Repository)+":1.0.0")
	cmd.Env = append(baseEnv(t), "LONGSHORE_HOME="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for served.Load() < 512<<10 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if served.Load() < 512<<10 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the download never got going:\n%s", stderr.String())
	}
	staging, _ := filepath.Glob(filepath.Join(home, "tmp", "install-*"))
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if len(staging) == 0 {
		t.Errorf("no staging directory while downloading")
	}
	if ents, _ := os.ReadDir(filepath.Join(home, "pkgs", "sha256")); len(ents) != 0 {
		t.Errorf("a tree is visible after the kill: %s", ents[0].Name())
	}
	if _, err := os.Stat(filepath.Join(home, "installed.yaml")); err == nil {
		t.Errorf("installed.yaml exists after the kill")
	}
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	runOK(t, opt, "pkg-pull", pub.Repository+":1.0.0")
	if out := runOK(t, opt, filepath.Join(home, "bin", "slow")).Stdout; out != "slow\n" {
		t.Errorf("bin/slow: %q", out)
	}
	assertNoStaging(t, home)
}

// trickle passes a response on at about 1 MiB/s.
type trickle struct {
	http.ResponseWriter
	served *atomic.Int64
}

func (tr *trickle) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), 16<<10)
		m, err := tr.ResponseWriter.Write(p[:k])
		n += m
		tr.served.Add(int64(m))
		if err != nil {
			return n, err
		}
		if f, ok := tr.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		p = p[k:]
		time.Sleep(15 * time.Millisecond)
	}
	return n, nil
}

// TestFaultLayoutDiskFull publishes to an ocidir:// layout on a 2 MiB tmpfs. A push
// that fills the disk fails with a hint (exit 1: no retry mends it), and the layout
// keeps its tags; once there is space, the push goes through. So does a push to a new
// layout that a full disk stopped before it held anything.
func TestFaultLayoutDiskFull(t *testing.T) {
	t.Parallel()
	disk := filepath.Join(t.TempDir(), "disk")
	os.MkdirAll(disk, 0o755)
	if err := mountTmpfs(t, disk, "2m"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v): lib/oci's TestLayoutWriteFailures covers a full disk where it can", err)
	}
	layout := "ocidir://" + filepath.Join(disk, "hello")
	full := func(what string, res result) {
		t.Helper()
		if res.Code != 1 || !strings.Contains(res.Stderr, "no space left on device") ||
			!strings.Contains(res.Stderr, "Hint: the disk holding the layout is full: free space and run the command again") {
			t.Errorf("%s, on a full disk:\n%s", what, res)
		}
	}

	// The disk is full before the layout is made.
	filler := filepath.Join(disk, "filler")
	os.WriteFile(filler, []byte(noise(3<<20)), 0o644) // cut short at 2 MiB
	small := writePkg(t, "hello", "1.0.0", "", map[string]string{"share/hello.txt": "hello\n"})
	full("a push to a new layout", run(t, runOpts{}, "pkg-push", small, "--to", layout, "--cascade"))
	os.Remove(filler)
	runOK(t, runOpts{}, "pkg-push", small, "--to", layout, "--cascade")

	// The disk fills during a push to the layout.
	big := writePkg(t, "hello", "1.1.0", "", map[string]string{"share/data.bin": noise(3 << 20)})
	full("a push that fills the disk", run(t, runOpts{}, "pkg-push", big, "--to", layout, "--cascade"))
	runOK(t, runOpts{}, "pkg-pull", layout+":1.0.0")
	runOK(t, runOpts{}, "pkg-pull", layout+":latest")

	if err := growTmpfs(disk, "8m"); err != nil {
		t.Fatal(err)
	}
	runOK(t, runOpts{}, "pkg-push", big, "--to", layout, "--cascade")
	runOK(t, runOpts{}, "pkg-pull", layout+":1.0.0")
	if res := runOK(t, runOpts{}, "pkg-pull", layout+":latest", "-o", "name"); !strings.Contains(res.Stdout, "hello@1.1.0") {
		t.Errorf("latest after the push that fit:\n%s", res)
	}
}

// TestFaultDiskFull installs into a home on a 2 MiB tmpfs: a small package fits; a
// bigger one fails with a hint, and the store is as it was.
func TestFaultDiskFull(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "home")
	os.MkdirAll(home, 0o755)
	if err := mountTmpfs(t, home, "2m"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v): lib/store's TestDiskFullLeavesStoreUnchanged covers a full disk where it can", err)
	}
	small := pushPkg(t, newPackage(t, "small", "1.0.0"), registryAddr+"/e2e/faults/small")
	big := pushPkg(t, writePkg(t, "big", "1.0.0", "", map[string]string{"data.bin": noise(3 << 20)}), registryAddr+"/e2e/faults/big")
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	runOK(t, opt, "pkg-pull", small.Repository+":1.0.0")
	before, _ := os.ReadFile(filepath.Join(home, "installed.yaml"))
	res := run(t, opt, "pkg-pull", big.Repository+":1.0.0")
	if res.Code != 1 || !strings.Contains(res.Stderr, "no space left on device") || !strings.Contains(res.Stderr, "Hint: the disk holding $LONGSHORE_HOME is full") {
		t.Errorf("installing onto a full disk:\n%s", res)
	}
	after, _ := os.ReadFile(filepath.Join(home, "installed.yaml"))
	if string(after) != string(before) {
		t.Errorf("installed.yaml changed:\n%s", after)
	}
	if ents, _ := os.ReadDir(filepath.Join(home, "pkgs", "sha256")); len(ents) != 1 {
		t.Errorf("%d trees, want the small package's only", len(ents))
	}
	assertNoStaging(t, home)
	if out := runOK(t, opt, "pkg-pull", "exec", "small", "--", "small").Stdout; !strings.Contains(out, "hello from small") {
		t.Errorf("the small package after a full disk: %q", out)
	}
}
