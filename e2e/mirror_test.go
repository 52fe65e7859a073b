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

func (g *gate) handle(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/blobs/sha256:") {
		next.ServeHTTP(w, r)
		return
	}
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	next.ServeHTTP(rec, r)
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.code)
	body := rec.body.Bytes()
	if len(body) < 4096 {
		w.Write(body)
		return
	}
	w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	select {
	case <-g.ch:
	case <-r.Context().Done():
		return
	case <-time.After(runTimeout):
	}
	w.Write(body[len(body)/2:])
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
