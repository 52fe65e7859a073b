package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// putManifest uploads a manifest or index to repo of the test registry under
// reference (a tag or its digest).
func putManifest(t *testing.T, repo, reference, mediaType string, body []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, "http://"+registryAddr+"/v2/"+repo+"/manifests/"+reference, bytes.NewReader(body))
	req.Header.Set("Content-Type", mediaType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT %s/manifests/%s: %s %s", repo, reference, resp.Status, msg)
	}
}

type descriptor struct {
	MediaType    string `json:"mediaType"`
	ArtifactType string `json:"artifactType,omitempty"`
	Digest       string `json:"digest"`
	Size         int    `json:"size"`
}

// attachSBOM pushes an SBOM artifact whose subject is the manifest at digest in repo,
// as `oras attach` does against a registry without the referrers API (distribution
// 2.8): the artifact, then the referrers index under the tag sha256-<hex>. It returns
// the artifact's digest.
func attachSBOM(t *testing.T, repo, digest string) string {
	t.Helper()
	subject := rawManifest(t, repo, digest)
	const empty = "{}"
	layer := []byte(`{"spdxVersion":"SPDX-2.3","name":"` + repo + `"}`)
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"artifactType":  "application/spdx+json",
		"config":        descriptor{MediaType: "application/vnd.oci.empty.v1+json", Digest: pushBlob(t, repo, []byte(empty)), Size: len(empty)},
		"layers":        []descriptor{{MediaType: "application/spdx+json", Digest: pushBlob(t, repo, layer), Size: len(layer)}},
		"subject":       subject,
	})
	sbom := descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", ArtifactType: "application/spdx+json",
		Digest: sha256Of(manifest), Size: len(manifest)}
	putManifest(t, repo, sbom.Digest, sbom.MediaType, manifest)
	index, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests":     []descriptor{sbom},
	})
	putManifest(t, repo, strings.Replace(digest, ":", "-", 1), "application/vnd.oci.image.index.v1+json", index)
	return sbom.Digest
}

// rawManifest describes the manifest at reference in repo as a subject.
func rawManifest(t *testing.T, repo, reference string) descriptor {
	t.Helper()
	body := registryGet(t, registryAddr+"/"+repo, "manifests", reference,
		"application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json")
	var m struct {
		MediaType string `json:"mediaType"`
	}
	if err := json.Unmarshal(body, &m); err != nil || m.MediaType == "" {
		t.Fatalf("%s@%s has no mediaType: %v\n%s", repo, reference, err, body)
	}
	return descriptor{MediaType: m.MediaType, Digest: sha256Of(body), Size: len(body)}
}

func sha256Of(b []byte) string {
	return fmt.Sprintf("sha256:%x", sha256.Sum256(b))
}

// referrersTag lists the digests in the referrers index of digest in repo (the
// tag-schema fallback), or none when there is no such tag.
func referrersTag(t *testing.T, repo, digest string) []string {
	t.Helper()
	tag := strings.Replace(digest, ":", "-", 1)
	if manifestStatus(t, registryAddr+"/"+repo, tag) != http.StatusOK {
		return nil
	}
	var index struct{ Manifests []descriptor }
	json.Unmarshal(registryGet(t, registryAddr+"/"+repo, "manifests", tag, "application/vnd.oci.image.index.v1+json"), &index)
	var out []string
	for _, m := range index.Manifests {
		out = append(out, m.Digest)
	}
	return out
}

// TestMirrorReferrers mirrors a package with an SBOM attached, from the real registry
// (no referrers API: the tag schema) to another of its repositories and to an
// ocidir:// layout: the SBOM arrives under its digest and is listed as a referrer
// there; --referrers=false leaves it behind. The source is reached with
// --from-plain-http while --plain-http=false forces TLS everywhere else.
func TestMirrorReferrers(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, writePkg(t, "signed", "1.0.0", "", map[string]string{"bin/signed": "#!/bin/sh\necho signed\n"}),
		registryAddr+"/e2e/mirror/referrers/signed")
	repo := "e2e/mirror/referrers/signed"
	sbom := attachSBOM(t, repo, pub.Digest)
	lock := writeLock(t, "signed", lockEntry{pub: pub, reason: "requested"})

	// To the registry: the SBOM under its digest, in the referrers index oras-go wrote.
	res := runOK(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", registryAddr+"/e2e/mirror/copy")
	dst := "e2e/mirror/copy/" + repo
	if got := manifestStatus(t, registryAddr+"/"+dst, sbom); got != http.StatusOK {
		t.Errorf("the SBOM is not in the mirror (HTTP %d)\n%s", got, res)
	}
	if got := referrersTag(t, dst, pub.Digest); len(got) != 1 || got[0] != sbom {
		t.Errorf("referrers of the package in the mirror: %v, want [%s]", got, sbom)
	}
	again := runOK(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", registryAddr+"/e2e/mirror/copy")
	if !strings.Contains(again.Stderr, "it was already there; copied nothing") {
		t.Errorf("mirroring again copied something:\n%s", again)
	}

	// Without referrers.
	runOK(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", registryAddr+"/e2e/mirror/bare", "--referrers=false")
	bare := registryAddr + "/e2e/mirror/bare/" + repo
	if got := manifestStatus(t, bare, pub.Digest); got != http.StatusOK {
		t.Errorf("the package is not in the bare mirror (HTTP %d)", got)
	}
	if got := manifestStatus(t, bare, sbom); got != http.StatusNotFound {
		t.Errorf("--referrers=false copied the SBOM (HTTP %d)", got)
	}

	// To a layout, TLS forced for every registry but the source.
	dir := filepath.Join(t.TempDir(), "mirror")
	if res := run(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", "ocidir://"+dir, "--plain-http=false"); res.Code == 0 {
		t.Errorf("--plain-http=false reached the plain-HTTP registry:\n%s", res)
	}
	runOK(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", "ocidir://"+dir, "--plain-http=false", "--from-plain-http")
	index, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(repo), "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(index), sbom) || !strings.Contains(string(index), pub.Digest) {
		t.Errorf("the layout's index.json lacks the package or its SBOM:\n%s", index)
	}
	hex := strings.TrimPrefix(sbom, "sha256:")
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(repo), "blobs", "sha256", hex)); err != nil {
		t.Errorf("the SBOM's manifest is not a blob of the layout: %v", err)
	}
}

// gate holds the body of every large blob the source serves half-way until open is
// called, so that a transfer is surely in flight while the test looks at the terminal.
type gate struct {
	once sync.Once
	ch   chan struct{}
}

func newGate() *gate { return &gate{ch: make(chan struct{})} }

func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }

// blobHalf serves r through next, and when it is a blob's GET of at least min bytes,
// writes only the first half of the body, flushed, and returns the rest for the caller
// to send (or not); else nil.
func blobHalf(w http.ResponseWriter, r *http.Request, next http.Handler, min int) []byte {
	if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/blobs/sha256:") {
		next.ServeHTTP(w, r)
		return nil
	}
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	next.ServeHTTP(rec, r)
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.code)
	body := rec.body.Bytes()
	if len(body) < min {
		w.Write(body)
		return nil
	}
	w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	return body[len(body)/2:]
}

func (g *gate) handle(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rest := blobHalf(w, r, next, 4096)
	if rest == nil {
		return
	}
	select {
	case <-g.ch:
	case <-r.Context().Done():
		return
	case <-time.After(runTimeout):
	}
	w.Write(rest)
}

// progressLine matches what lib/progress draws: "Copying 1/2  1.2 KiB / 66.5 KiB   2%".
func progressLine(verb string) *regexp.Regexp {
	return regexp.MustCompile(`\r` + verb + ` (\d+)/(\d+)  (\S+ \S*B) / (\S+ \S*B) +(\d+)%`)
}

// first is the first match that accept takes.
func first(matches [][]string, accept func([]string) bool) []string {
	for _, m := range matches {
		if accept(m) {
			return m
		}
	}
	return nil
}

// anyLine accepts every progress line.
func anyLine([]string) bool { return true }

// onTTY runs cmd with stderr on a pseudo-terminal and returns everything the terminal
// showed and the first match of line that accept takes. The gate is opened as soon as
// that shows, so the transfer it holds is surely in flight when the line is drawn. It fails the test
// if cmd fails or line never shows.
func onTTY(t *testing.T, cmd *exec.Cmd, g *gate, line *regexp.Regexp, accept func([]string) bool) (string, []string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	cmd.Stderr = tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close() // the child holds it now: reading ptmx ends when the child exits

	var screen bytes.Buffer
	seen := make(chan []string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			screen.Write(buf[:n])
			if m := first(line.FindAllStringSubmatch(screen.String(), -1), accept); m != nil && len(seen) == 0 {
				seen <- m
				g.open()
			}
			if err != nil { // EIO once the child has gone
				return
			}
		}
	}()
	waitErr := cmd.Wait()
	<-done
	if waitErr != nil {
		t.Fatalf("%s: %v\n--- terminal:\n%q", strings.Join(cmd.Args, " "), waitErr, screen.String())
	}
	select {
	case m := <-seen:
		return screen.String(), m
	default:
		t.Fatalf("no progress line on the terminal:\n%q", screen.String())
	}
	return "", nil
}

// TestMirrorProgressOnTTY runs pkg-pull mirror with stderr on a pseudo-terminal: it
// draws the byte and item counts while a layer is held half-way, and clears the line
// before its summary. With stderr on a pipe it draws nothing. The source holds the
// layer until the terminal shows a line (no sleeps decide the outcome).
func TestMirrorProgressOnTTY(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, writePkg(t, "big", "1.0.0", "", map[string]string{"data/blob": noise(256 << 10)}),
		registryAddr+"/e2e/mirror/progress/big")

	t.Run("tty", func(t *testing.T) {
		g := newGate()
		defer g.open()
		px := newProxy(t, g.handle)
		lock := writeLock(t, "big", lockEntry{pub: pub, repo: px.via(pub.Repository), reason: "requested"})
		cmd := mirrorCmd(t, lock)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		// A line drawn before the held layer is counted (its item and bytes added as
		// its copy starts) could read "2/2  1.2 KiB / 1.2 KiB"; wait for bytes in
		// flight: some done, not all.
		inFlight := func(m []string) bool { return m[3] != m[4] && !strings.HasPrefix(m[3], "0 ") }
		out, m := onTTY(t, cmd, g, progressLine("Copying"), inFlight)
		// Drawn mid-transfer: the layer is held half-way, so not every item is done and
		// fewer bytes are done than the total.
		if m[1] == m[2] || m[3] == m[4] || m[5] == "100" {
			t.Errorf("the line drawn mid-transfer says it is complete: %q", m[0])
		}
		last := strings.LastIndex(out, "Mirrored 1 package ")
		clear := regexp.MustCompile(`\r +\r`).FindAllStringIndex(out, -1)
		if last < 0 || len(clear) == 0 || clear[len(clear)-1][1] > last {
			t.Errorf("the progress line is not cleared before the summary:\n%q", out)
		}
		if !strings.Contains(stdout.String(), "kind: Lock") || strings.Contains(stdout.String(), "Copying") {
			t.Errorf("stdout is not the lock alone:\n%s", stdout.String())
		}
	})

	t.Run("pipe", func(t *testing.T) {
		g := newGate()
		g.open() // nothing would open it: no line is expected
		px := newProxy(t, g.handle)
		lock := writeLock(t, "big", lockEntry{pub: pub, repo: px.via(pub.Repository), reason: "requested"})
		cmd := mirrorCmd(t, lock)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("pkg-pull mirror: %v\n%s", err, stderr.String())
		}
		if strings.Contains(stderr.String(), "\r") || strings.Contains(stderr.String(), "Copying") {
			t.Errorf("progress drawn on a pipe:\n%q", stderr.String())
		}
		if !strings.HasPrefix(stderr.String(), "Mirrored 1 package ") {
			t.Errorf("stderr:\n%q", stderr.String())
		}
	})
}

// mirrorCmd is `pkg-pull mirror -f lock --to ocidir://…` in a clean environment.
func mirrorCmd(t *testing.T, lock string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, "pkg-pull", "mirror", "-f", lock, "--to", "ocidir://"+filepath.Join(t.TempDir(), "mirror"))
	cmd.Env = baseEnv(t)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// TestMirrorLyingDestination mirrors to a registry whose HEAD says it holds every
// manifest and blob of the package (it answers as the source would: a cache that
// outlived its storage) but whose GET finds none: refused as a destination that
// contradicts itself (exit 6), not as a manifest of the lock that does not exist, with
// or without referrers, and no lock is printed. Blobs are trusted on HEAD, as oras and
// crane trust them; the manifest that lets a whole package be skipped is read back.
func TestMirrorLyingDestination(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, newPackage(t, "cached", "1.0.0"), registryAddr+"/e2e/mirror/lying/cached")
	lock := writeLock(t, "cached", lockEntry{pub: pub, reason: "requested"})
	px := newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/sha256:") {
			r.URL.Path = strings.Replace(r.URL.Path, "/v2/empty/", "/v2/", 1)
		}
		next.ServeHTTP(w, r)
	})
	for _, referrers := range []string{"--referrers=true", "--referrers=false"} {
		res := run(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", px.addr+"/empty", referrers)
		want := px.addr + "/empty/e2e/mirror/lying/cached answers that it holds " + pub.Digest + " (HEAD), but does not serve it (GET)"
		if res.Code != 6 || res.Stdout != "" || !strings.Contains(res.Stderr, want) || !strings.Contains(res.Stderr, "Hint: the destination registry contradicts itself") {
			t.Errorf("%s: want exit 6 saying %q, and no lock\n%s", referrers, want, res)
		}
	}
}

// TestMirrorDestinationFaults: a destination that answers the upload of a layer with
// 503 twice gets it a third time (oras cannot retry a request whose body streams from
// the source); one that refuses the push with 403 is named, with how to log in, and
// the credentials given for it appear nowhere.
func TestMirrorDestinationFaults(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, writePkg(t, "pushed", "1.0.0", "", map[string]string{"data.bin": noise(64 << 10)}),
		registryAddr+"/e2e/mirror/faults/pushed")
	lock := writeLock(t, "pushed", lockEntry{pub: pub, reason: "requested"})

	var failed atomic.Int32
	flaky := newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") && failed.Add(1) <= 2 {
			io.Copy(io.Discard, r.Body)
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
	res := runOK(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", flaky.addr+"/flaky")
	if failed.Load() <= 2 || !strings.Contains(res.Stdout, "repository: "+flaky.addr+"/flaky/") {
		t.Errorf("the proxy failed %d uploads\n%s", failed.Load(), res)
	}

	denied := newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`))
			return
		}
		next.ServeHTTP(w, r)
	})
	const secret = "s3cret-pass"
	auth := base64.StdEncoding.EncodeToString([]byte("mirror-bot:" + secret))
	config := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(config, []byte(`{"auths":{"`+denied.addr+`":{"auth":"`+auth+`"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	res = run(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", denied.addr+"/denied", "--to-registry-config", config)
	if res.Code != 4 || !strings.Contains(res.Stderr, denied.addr+" refused access (HTTP 403)") ||
		!strings.Contains(res.Stderr, "pkg-tap login "+denied.addr) || res.Stdout != "" {
		t.Errorf("a destination that refuses the push: want exit 4 naming it, with how to log in\n%s", res)
	}
	if strings.Contains(res.Stderr, secret) || strings.Contains(res.Stderr, auth) {
		t.Errorf("the credentials were printed:\n%s", res.Stderr)
	}
}

// assertLayoutSound fails the test unless every blob under dir (a directory of
// layouts) hashes to its name, and (unless ingest) no ingest file is left: nothing a
// later mirror could take for a blob it holds, and no copy of refused bytes.
func assertLayoutSound(t *testing.T, dir string, ingest bool) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		switch {
		case d.Name() == "ingest":
			if !ingest {
				entries, _ := os.ReadDir(path)
				t.Errorf("%s is left, with %d files", rel, len(entries))
			}
			return filepath.SkipDir
		case !d.IsDir() && filepath.Base(filepath.Dir(path)) == "sha256":
			data, _ := os.ReadFile(path)
			if got := fmt.Sprintf("%x", sha256.Sum256(data)); got != d.Name() {
				t.Errorf("%s holds bytes that hash to %s", rel, got)
			}
		}
		return nil
	})
}

// rewriting is a proxy handler that passes the bodies of GETs whose path matches on
// after change has had them, and counts how many it changed.
func rewriting(match string, change func([]byte) []byte, changed *atomic.Int32) func(http.ResponseWriter, *http.Request, http.Handler) {
	return func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, match) {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		body := rec.body.Bytes()
		if rec.code == http.StatusOK {
			if b := change(bytes.Clone(body)); !bytes.Equal(b, body) {
				body = b
				changed.Add(1)
			}
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.code)
		w.Write(body)
	}
}

// TestMirrorCorruptSource mirrors through a proxy that changes bytes the source
// registry serves — a layer, or the package's manifest (same length, so only its
// digest tells) — to a layout and to a registry: refused (exit 6), no lock printed,
// and nothing of the changed bytes left in the destination, not even in oras' ingest
// directory.
func TestMirrorCorruptSource(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, writePkg(t, "tampered", "1.0.0", "", map[string]string{"data.bin": noise(128 << 10)}),
		registryAddr+"/e2e/mirror/corrupt/tampered")
	for _, tc := range []struct {
		name, match string
		change      func([]byte) []byte
	}{
		{"layer", "/blobs/sha256:", func(b []byte) []byte {
			if len(b) > 64<<10 {
				b[len(b)/2] ^= 0x20
			}
			return b
		}},
		{"manifest", "/manifests/" + pub.Digest, func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"schemaVersion":2`), []byte(`"schemaVersion":3`), 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var changed atomic.Int32
			px := newProxy(t, rewriting(tc.match, tc.change, &changed))
			lock := writeLock(t, "tampered", lockEntry{pub: pub, repo: px.via(pub.Repository), reason: "requested"})
			dir := filepath.Join(t.TempDir(), "mirror")
			repo := "e2e/mirror/corrupt/" + tc.name
			for _, to := range []string{"ocidir://" + dir, registryAddr + "/" + repo} {
				res := run(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", to)
				if res.Code != 6 || res.Stdout != "" || !strings.Contains(res.Stderr, "do not match their digest") {
					t.Errorf("--to %s: want exit 6, a digest mismatch and no lock\n%s", to, res)
				}
			}
			if changed.Load() == 0 {
				t.Fatal("the proxy changed nothing: the test proves nothing")
			}
			assertLayoutSound(t, dir, false)
			if got := manifestStatus(t, registryAddr+"/"+repo+"/e2e/mirror/corrupt/tampered", pub.Digest); got != http.StatusNotFound {
				t.Errorf("the package is in the registry mirror (HTTP %d)", got)
			}
		})
	}
}

// TestMirrorLayoutRecovers kills a mirror into a layout while a layer is half-way
// (the source holds the rest until the kill), then mirrors again: it completes,
// and no half-written blob is left for a later mirror to skip. A layer damaged
// afterwards is found, named, and copied again; then nothing is left to copy.
func TestMirrorLayoutRecovers(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, writePkg(t, "interrupted", "1.0.0", "", map[string]string{"data.bin": noise(256 << 10)}),
		registryAddr+"/e2e/mirror/recovers/interrupted")
	// The first fetch of the layer takes the one place in held, and is held half-way
	// until the client goes; later ones find held full and get the layer whole.
	held := make(chan struct{}, 1)
	px := newProxy(t, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		rest := blobHalf(w, r, next, 64<<10)
		if rest == nil {
			return
		}
		select {
		case held <- struct{}{}:
			<-r.Context().Done()
		default:
			w.Write(rest)
		}
	})
	lock := writeLock(t, "interrupted", lockEntry{pub: pub, repo: px.via(pub.Repository), reason: "requested"})
	dir := filepath.Join(t.TempDir(), "mirror")
	cmd := exec.Command("pkg-pull", "mirror", "-f", lock, "--to", "ocidir://"+dir)
	cmd.Env = baseEnv(t)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Killed once the layer's first half is on disk, in oras' ingest directory (in the
	// stage it opens the layout through: lib/oci/layoutindex.go).
	ingest := filepath.Join(dir, "e2e", "mirror", "recovers", "interrupted", ".longshore-stage", "ingest", "*")
	deadline := time.After(runTimeout)
	for written := false; !written; {
		select {
		case <-deadline:
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the mirror never wrote the layer's first half")
		case <-time.After(10 * time.Millisecond):
		}
		files, _ := filepath.Glob(ingest)
		for _, f := range files {
			if st, err := os.Stat(f); err == nil && st.Size() > 0 {
				written = true
			}
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	assertLayoutSound(t, dir, true) // the half-written layer is in ingest/ only

	runOK(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", "ocidir://"+dir)
	assertLayoutSound(t, dir, false)

	layers, _ := filepath.Glob(filepath.Join(dir, "e2e", "mirror", "recovers", "interrupted", "blobs", "sha256", "*"))
	var layer string
	for _, p := range layers {
		if st, err := os.Stat(p); err == nil && st.Size() > 64<<10 {
			layer = p
		}
	}
	if layer == "" {
		t.Fatalf("no layer in the mirror: %v", layers)
	}
	os.Chmod(layer, 0o644)
	if err := os.Truncate(layer, 1000); err != nil {
		t.Fatal(err)
	}
	res := runOK(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", "ocidir://"+dir)
	want := "Warning: ocidir://" + filepath.Dir(filepath.Dir(filepath.Dir(layer))) + ": sha256:" + filepath.Base(layer) + " is damaged (1000 bytes, not "
	if !strings.Contains(res.Stderr, want) || !strings.Contains(res.Stderr, "copying it again") {
		t.Errorf("mirroring into the damaged layout: want a warning starting %q\n%s", want, res)
	}
	assertLayoutSound(t, dir, false)
	if res := runOK(t, runOpts{}, "pkg-pull", "mirror", "-f", lock, "--to", "ocidir://"+dir); !strings.Contains(res.Stderr, "it was already there; copied nothing") {
		t.Errorf("mirroring into the repaired layout:\n%s", res)
	}
}
