package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// gcReport is the part of a GCReport the tests read.
type gcReport struct {
	Kind   string `yaml:"kind"`
	DryRun bool   `yaml:"dryRun"`
	Items  []struct {
		Kind    string   `yaml:"kind"`
		Path    string   `yaml:"path"`
		Digest  string   `yaml:"digest"`
		Version string   `yaml:"version"`
		Tags    []string `yaml:"tags"`
	} `yaml:"items"`
	Kept struct {
		Trees int `yaml:"trees"`
	} `yaml:"kept"`
	Warnings []string `yaml:"warnings"`
}

func decodeReport(t *testing.T, out string) gcReport {
	t.Helper()
	var r gcReport
	if err := yaml.Unmarshal([]byte(out), &r); err != nil || r.Kind != "GCReport" {
		t.Fatalf("not a GCReport: %v\n%s", err, out)
	}
	return r
}

func (r gcReport) count(kind string) int {
	n := 0
	for _, it := range r.Items {
		if it.Kind == kind {
			n++
		}
	}
	return n
}

// gcPackage writes a package whose content depends on its version: an entry point,
// a data file of 256 KiB and a few nested files.
func gcPackage(t *testing.T, name, version string) string {
	t.Helper()
	dir := newPackage(t, name, version)
	var data bytes.Buffer
	for i := 0; data.Len() < 256<<10; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s %s %d", name, version, i)))
		data.WriteString(hex.EncodeToString(sum[:]) + "\n")
	}
	files := map[string][]byte{
		"share/data.txt":         data.Bytes(),
		"share/doc/README":       []byte(name + " " + version + "\n"),
		"lib/" + name + "/x.cfg": []byte("version=" + version + "\n"),
	}
	for f, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// contentOf maps each file of a package directory (without package.yaml) or of an
// installed tree to its bytes.
func contentOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		r, _ := filepath.Rel(dir, p)
		if r == "package.yaml" {
			return nil
		}
		if !d.Type().IsRegular() {
			out[r] = "not a regular file"
			return nil
		}
		b, err := os.ReadFile(p)
		out[r] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// proc is a command started in the background.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	desc           string
}

func startProc(t *testing.T, env []string, name string, args ...string) *proc {
	t.Helper()
	p := &proc{desc: name + " " + strings.Join(args, " ")}
	p.cmd = exec.Command(name, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", p.desc, err)
	}
	return p
}

// wait returns the exit code, or -1 when the process was killed by a signal.
func (p *proc) wait() int {
	err := p.cmd.Wait()
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -2
}

// TestGCConcurrentWithInstalls runs pkg-pull of several packages and pkg-gc in
// parallel processes on one home, round after round, each round switching every
// package to its other version so that each collection has trees to remove that the
// next round's installs want back. No command may fail, and in the end every
// installed package must match what was published, byte for byte.
func TestGCConcurrentWithInstalls(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := append(baseEnv(t), "LONGSHORE_HOME="+home)
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	names := []string{"alpha", "beta", "gamma", "delta"}
	versions := []string{"1.0.0", "2.0.0"}
	dirs := map[string]string{} // name@version -> package directory
	for _, name := range names {
		for _, v := range versions {
			dir := gcPackage(t, name, v)
			runOK(t, runOpts{}, "pkg-push", dir, "--to", registryAddr+"/e2e/gc/"+name)
			dirs[name+"@"+v] = dir
		}
	}

	start := time.Now()
	removedTrees, rounds := 0, 0
	for round := 0; round < 40 && time.Since(start) < 15*time.Second; round++ {
		rounds++
		var procs []*proc
		gcs := []*proc{startProc(t, env, "pkg-gc", "-o", "yaml")}
		for i, name := range names {
			v := versions[(round+i)%2]
			procs = append(procs, startProc(t, env, "pkg-pull", registryAddr+"/e2e/gc/"+name+":"+v))
			if i == len(names)/2 {
				gcs = append(gcs, startProc(t, env, "pkg-gc", "-o", "yaml"))
			}
		}
		for _, p := range append(procs, gcs...) {
			if code := p.wait(); code != 0 {
				t.Fatalf("round %d: %s: exit %d\n--- stdout:\n%s--- stderr:\n%s", round, p.desc, code, p.stdout.String(), p.stderr.String())
			}
		}
		for _, g := range gcs {
			removedTrees += decodeReport(t, g.stdout.String()).count("tree")
		}
	}
	t.Logf("%d rounds in %s; the collections removed %d trees", rounds, time.Since(start).Round(time.Millisecond), removedTrees)
	if removedTrees == 0 {
		t.Fatal("no collection removed anything: the test raced nothing")
	}

	verify := func() {
		t.Helper()
		var list []struct{ Name, Version, Path string }
		dec := yaml.NewDecoder(strings.NewReader(runOK(t, opt, "pkg-pull", "list", "-o", "yaml").Stdout))
		for {
			var d struct{ Name, Version, Path string }
			if err := dec.Decode(&d); err != nil {
				break
			}
			list = append(list, d)
		}
		if len(list) != len(names) {
			t.Fatalf("%d packages installed, want %d: %+v", len(list), len(names), list)
		}
		for _, inst := range list {
			want := contentOf(t, dirs[inst.Name+"@"+inst.Version])
			got := contentOf(t, inst.Path)
			if len(got) != len(want) {
				t.Errorf("%s %s: tree holds %d files, want %d", inst.Name, inst.Version, len(got), len(want))
			}
			for f, body := range want {
				if got[f] != body {
					t.Errorf("%s %s: %s differs from what was published (%d bytes, want %d)", inst.Name, inst.Version, f, len(got[f]), len(body))
				}
			}
			out, err := exec.Command(filepath.Join(home, "bin", inst.Name)).Output()
			if want := fmt.Sprintf("hello from %s %s\n", inst.Name, inst.Version); err != nil || string(out) != want {
				t.Errorf("bin/%s: %q %v, want %q", inst.Name, out, err, want)
			}
		}
	}
	verify()
	final := decodeReport(t, runOK(t, opt, "pkg-gc", "-o", "yaml").Stdout)
	if final.Kept.Trees != len(names) {
		t.Errorf("the final collection kept %d trees, want %d", final.Kept.Trees, len(names))
	}
	verify()
	if trees, _ := os.ReadDir(filepath.Join(home, "pkgs", "sha256")); len(trees) != len(names) {
		t.Errorf("%d trees left, want %d", len(trees), len(names))
	}
	why := runOK(t, opt, "kubectl", "pkg", "gc", "why", "alpha", "-o", "table")
	if !strings.HasPrefix(why.Stdout, "installed.yaml: alpha ") || !strings.Contains(why.Stdout, " -> manifest sha256:") {
		t.Errorf("why alpha: %s", why)
	}
}

// TestGCKilled kills pkg-gc (SIGKILL) at growing delays while it removes a large
// garbage set. After every kill the installed package is intact and every tree under
// pkgs/ is whole (trees leave pkgs/ by one rename); in the end a collection and an
// install succeed.
func TestGCKilled(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := append(baseEnv(t), "LONGSHORE_HOME="+home)
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	keptDir := gcPackage(t, "kept", "1.0.0")
	laterDir := gcPackage(t, "later", "1.0.0")
	runOK(t, runOpts{}, "pkg-push", keptDir, "--to", registryAddr+"/e2e/gc-kill/kept")
	runOK(t, runOpts{}, "pkg-push", laterDir, "--to", registryAddr+"/e2e/gc-kill/later")
	runOK(t, opt, "pkg-pull", registryAddr+"/e2e/gc-kill/kept:1.0.0")
	keptTree := ""
	trees := filepath.Join(home, "pkgs", "sha256")
	if ents, _ := os.ReadDir(trees); len(ents) == 1 {
		keptTree = ents[0].Name()
	} else {
		t.Fatalf("%d trees after one install", len(ents))
	}

	// Garbage: 300 read-only trees of 40 files, 3,000 blobs, staging.
	const garbageTrees, filesPerTree = 300, 40
	for i := range garbageTrees {
		sum := sha256.Sum256([]byte(fmt.Sprintf("garbage tree %d", i)))
		tree := filepath.Join(trees, hex.EncodeToString(sum[:]))
		for j := range filesPerTree {
			p := filepath.Join(tree, fmt.Sprintf("d%d", j%4), fmt.Sprintf("f%d", j))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(strings.Repeat("x", 100+j)), 0o444); err != nil {
				t.Fatal(err)
			}
		}
		for j := range 4 {
			os.Chmod(filepath.Join(tree, fmt.Sprintf("d%d", j)), 0o555)
		}
	}
	for i := range 3000 {
		sum := sha256.Sum256([]byte(fmt.Sprintf("garbage blob %d", i)))
		os.WriteFile(filepath.Join(home, "store", "blobs", "sha256", hex.EncodeToString(sum[:])), []byte("blob"), 0o444)
	}
	os.MkdirAll(filepath.Join(home, "tmp", "install-dead", "tree"), 0o755)

	check := func(when string) (garbageLeft int) {
		t.Helper()
		want := contentOf(t, keptDir)
		got := contentOf(t, filepath.Join(trees, keptTree))
		if len(got) != len(want) {
			t.Fatalf("%s: the installed tree holds %d files, want %d", when, len(got), len(want))
		}
		for f, body := range want {
			if got[f] != body {
				t.Fatalf("%s: %s of the installed package changed", when, f)
			}
		}
		ents, _ := os.ReadDir(trees)
		for _, e := range ents {
			if e.Name() == keptTree {
				continue
			}
			garbageLeft++
			n := 0
			filepath.WalkDir(filepath.Join(trees, e.Name()), func(_ string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					n++
				}
				return nil
			})
			if n != filesPerTree {
				t.Fatalf("%s: pkgs/sha256/%s is half removed (%d of %d files) and visible", when, e.Name(), n, filesPerTree)
			}
		}
		return garbageLeft
	}

	interrupted := 0
	for delay := 20 * time.Millisecond; ; delay = delay * 3 / 2 {
		p := startProc(t, env, "pkg-gc", "-o", "yaml")
		time.Sleep(delay)
		p.cmd.Process.Signal(syscall.SIGKILL)
		code := p.wait()
		left := check(fmt.Sprintf("killed after %s", delay))
		t.Logf("killed after %s: exit %d, %d garbage trees left", delay, code, left)
		if code == 0 || delay > 10*time.Second {
			break
		}
		if left > 0 && left < garbageTrees {
			interrupted++
		}
		if left == 0 {
			break
		}
	}
	if interrupted == 0 {
		t.Error("no kill interrupted a collection in the middle of removing trees")
	}
	r := decodeReport(t, runOK(t, opt, "pkg-gc", "-o", "yaml").Stdout)
	if left := check("after the follow-up collection"); left != 0 {
		t.Errorf("%d garbage trees left after a full collection", left)
	}
	if tmp, _ := os.ReadDir(filepath.Join(home, "tmp")); len(tmp) != 0 {
		t.Errorf("tmp/ holds %d entries after a full collection (%+v)", len(tmp), r.Items)
	}
	inst := decodeDoc(t, runOK(t, opt, "pkg-pull", registryAddr+"/e2e/gc-kill/later:1.0.0", "-o", "yaml").Stdout)
	if got, want := contentOf(t, inst.Path), contentOf(t, laterDir); !equalMaps(got, want) {
		t.Errorf("later 1.0.0 installed after the kills differs from what was published")
	}
	if out, err := exec.Command(filepath.Join(home, "bin", "later")).Output(); err != nil || string(out) != "hello from later 1.0.0\n" {
		t.Errorf("bin/later: %q %v", out, err)
	}
}

// tagManifest points tag at the manifest reference already points at, through the
// distribution API.
func tagManifest(t *testing.T, repo, reference, tag string) {
	t.Helper()
	host, path, _ := strings.Cut(repo, "/")
	req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/v2/"+path+"/manifests/"+reference, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", reference, resp.Status)
	}
	put, _ := http.NewRequestWithContext(context.Background(), http.MethodPut, "http://"+host+"/v2/"+path+"/manifests/"+tag, bytes.NewReader(body))
	put.Header.Set("Content-Type", resp.Header.Get("Content-Type"))
	resp, err = http.DefaultClient.Do(put)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("PUT %s: %s", tag, resp.Status)
	}
}

func manifestStatus(t *testing.T, repo, reference string) int {
	t.Helper()
	host, path, _ := strings.Cut(repo, "/")
	req, _ := http.NewRequest(http.MethodHead, "http://"+host+"/v2/"+path+"/manifests/"+reference, nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestGCRemote keeps the newest release of five versions in the real registry (deletes
// enabled), and the pre-release newer than it; a tag "stable" on an old version keeps
// it, line tags go with theirs.
func TestGCRemote(t *testing.T) {
	t.Parallel()
	repo := registryAddr + "/e2e/gc/remote-hello"
	digests := map[string]string{}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0-rc.1"} {
		out := runOK(t, runOpts{}, "pkg-push", newPackage(t, "hello", v), "--to", repo, "--cascade", "-o", "yaml").Stdout
		digests[v] = decodeDoc(t, out).Digest
	}
	tagManifest(t, repo, "1.1.0", "stable")

	plan := run(t, runOpts{}, "pkg-gc", "remote", repo, "--keep-last", "1", "--dry-run", "-o", "yaml")
	report := decodeReport(t, plan.Stdout)
	var got []string
	for _, it := range report.Items {
		got = append(got, it.Version+" "+strings.Join(it.Tags, ","))
	}
	if want := []string{"1.0.0 1.0,1.0.0", "1.2.0 1.2,1.2.0"}; plan.Code != 0 || !report.DryRun || !slices.Equal(got, want) {
		t.Fatalf("plan %q, want %q\n%s", got, want, plan)
	}
	if !strings.Contains(plan.Stderr, "Warning: version 1.1.0 is older than the newest release (1.3.0), but tag stable points at it: kept") {
		t.Errorf("the kept old version is not explained:\n%s", plan.Stderr)
	}
	if manifestStatus(t, repo, digests["1.0.0"]) != 200 {
		t.Fatal("the dry run deleted")
	}

	res := runOK(t, runOpts{}, "kubectl", "pkg", "gc", "remote", repo, "--keep-last", "1", "-o", "yaml")
	if !strings.Contains(res.Stderr, "Deleting 2 manifests from "+repo) || len(decodeReport(t, res.Stdout).Items) != 2 {
		t.Errorf("remote:\n%s", res)
	}
	tags := listTags(t, repo)
	slices.Sort(tags)
	if want := []string{"1", "1.1", "1.1.0", "1.3", "1.3.0", "2.0.0-rc.1", "latest", "stable"}; !slices.Equal(tags, want) {
		t.Errorf("tags left %v, want %v", tags, want)
	}
	for v, d := range digests {
		want := 200
		if v == "1.0.0" || v == "1.2.0" {
			want = 404
		}
		if got := manifestStatus(t, repo, d); got != want {
			t.Errorf("%s (%s): HTTP %d, want %d", v, d, got, want)
		}
	}
	// What is kept still installs.
	runOK(t, runOpts{}, "pkg-pull", repo+":stable")
}

// TestGCRemotePrereleases: --keep-last counts releases, not pre-releases, and the plan
// names every tag that goes, which the real registry then drops (and no other).
// rcpkg 1.0.0 and 1.1.0 are pushed with --cascade, 1.0.1 and 2.0.0-rc.1 without, so
// the line tag 1.0 still points at 1.0.0.
func TestGCRemotePrereleases(t *testing.T) {
	t.Parallel()
	repo := registryAddr + "/e2e/gc/rcpkg"
	digests := map[string]string{}
	for _, v := range []string{"1.0.0+", "1.0.1", "1.1.0+", "2.0.0-rc.1"} {
		v, cascade := strings.CutSuffix(v, "+")
		args := []string{newPackage(t, "rcpkg", v), "--to", repo, "-o", "yaml"}
		if cascade {
			args = append(args, "--cascade")
		}
		digests[v] = decodeDoc(t, runOK(t, runOpts{}, "pkg-push", args...).Stdout).Digest
	}
	before := listTags(t, repo)
	slices.Sort(before)
	if want := []string{"1", "1.0", "1.0.0", "1.0.1", "1.1", "1.1.0", "2.0.0-rc.1", "latest"}; !slices.Equal(before, want) {
		t.Fatalf("tags %v, want %v", before, want)
	}

	// The newest release is 1.1.0, whatever 2.0.0-rc.1 is; the line 1.0 goes whole.
	plan := runOK(t, runOpts{}, "pkg-gc", "remote", repo, "--keep-last", "1", "--dry-run", "-o", "table")
	lines := strings.Split(strings.TrimSpace(plan.Stdout), "\n")
	row := func(i int) string { return strings.Join(strings.Fields(lines[i])[:3], " ") }
	if len(lines) != 3 || !strings.Contains(lines[0], "TAGS") ||
		row(1) != digests["1.0.0"]+" 1.0.0 1.0,1.0.0" || row(2) != digests["1.0.1"]+" 1.0.1 1.0.1" ||
		!strings.HasSuffix(lines[1], "version 1.0.0 is older than the newest release (1.1.0)") || plan.Stderr != "" {
		t.Fatalf("--keep-last 1 plan:\n%s", plan)
	}

	// Keeping two releases keeps 1.0.1, but the line tag 1.0 goes with 1.0.0: a warning.
	res := runOK(t, runOpts{}, "pkg-gc", "remote", repo, "--keep-last", "2", "-o", "yaml")
	report := decodeReport(t, res.Stdout)
	if len(report.Items) != 1 || report.Items[0].Version != "1.0.0" || !slices.Equal(report.Items[0].Tags, []string{"1.0", "1.0.0"}) ||
		!strings.Contains(res.Stderr, "Deleting 1 manifest from "+repo+", keeping 2.0.0-rc.1, 1.1.0, 1.0.1:\n  "+digests["1.0.0"]+" 1.0.0, tags 1.0, 1.0.0 (") ||
		!strings.Contains(res.Stderr, "Warning: tag 1.0 goes with version 1.0.0, but line 1.0 keeps 1.0.1: "+repo+":1.0 will not be found until it is tagged again") {
		t.Fatalf("--keep-last 2:\n%s", res)
	}
	after := listTags(t, repo)
	slices.Sort(after)
	if want := []string{"1", "1.0.1", "1.1", "1.1.0", "2.0.0-rc.1", "latest"}; !slices.Equal(after, want) {
		t.Errorf("the registry left tags %v, want %v: the plan listed %v as going", after, want, report.Items[0].Tags)
	}
	for _, tag := range []string{"1.0.1", "1", "2.0.0-rc.1"} {
		runOK(t, runOpts{}, "pkg-pull", repo+":"+tag)
	}
}

// TestGCRemoteListedVersion is the case of a version deleted while a tap's index still
// lists it: hello 1.0.0 and 2.0.0 in the registry and in an index. pkg-gc remote
// --keep-last 1 warns that the index lists 1.0.0 (--refuse-listed deletes nothing),
// deletes it when told to, and then `pkg-pull add hello@^1` in a fresh home fails with a
// hint that says why and what to do.
func TestGCRemoteListedVersion(t *testing.T) {
	t.Parallel()
	repo := registryAddr + "/e2e/gc/listed-hello"
	index := registryAddr + "/e2e/gc/listed-index"
	var published []string
	for _, v := range []string{"1.0.0", "2.0.0"} {
		published = append(published, runOK(t, runOpts{}, "pkg-push", newPackage(t, "hello", v), "--to", repo, "-o", "yaml").Stdout)
	}
	runOK(t, runOpts{Stdin: strings.Join(published, "---\n")}, "pkg-tap", "index", "add", "-f", "-", "--to", index)
	publisher := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	runOK(t, publisher, "pkg-tap", "add", "demo", index)

	warning := "Warning: version 1.0.0 of hello is listed by tap demo's index (" + index + ") and not yanked: installs that resolve to it will fail once it is deleted; yank it in the index first: "
	if res := run(t, publisher, "pkg-gc", "remote", repo, "--keep-last", "1", "--refuse-listed"); res.Code != 5 || !strings.Contains(res.Stderr, warning) {
		t.Fatalf("--refuse-listed:\n%s", res)
	}
	if res := runOK(t, publisher, "pkg-gc", "remote", repo, "--keep-last", "1"); !strings.Contains(res.Stderr, warning) {
		t.Errorf("the listed version was deleted without a warning:\n%s", res)
	}

	user := runOpts{Env: []string{"LONGSHORE_HOME=" + t.TempDir()}}
	runOK(t, user, "pkg-tap", "add", "demo", index)
	res := run(t, user, "pkg-pull", "add", "hello@^1")
	if res.Code != 3 || !strings.Contains(res.Stderr, "Error: fetching "+repo+"@sha256:") ||
		!strings.Contains(res.Stderr, ": not found\nHint: the registry no longer has this version (deleted, e.g. by pkg-gc remote); pkg-tap update refreshes the index, and pkg-dep resolve picks a version that exists") {
		t.Errorf("installing the deleted version:\n%s", res)
	}
}

// TestGCRemoteDeletesDisabled runs pkg-gc remote against a registry configured to
// refuse deletes: the error names the setting.
func TestGCRemoteDeletesDisabled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A second storage section replaces the first (the registry reads its config
	// without complaining about the repeated key).
	stop, addr, err := startRegistry(filepath.Join(dir, "registry"), fmt.Sprintf(`storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: false
`, filepath.Join(dir, "data")))
	if stop != nil {
		t.Cleanup(stop)
	}
	if err != nil {
		t.Fatal(err)
	}
	repo := addr + "/e2e/gc/no-delete"
	for _, v := range []string{"1.0.0", "1.1.0"} {
		runOK(t, runOpts{}, "pkg-push", newPackage(t, "hello", v), "--to", repo)
	}
	plan := runOK(t, runOpts{}, "pkg-gc", "remote", repo, "--keep-last", "1", "--dry-run", "-o", "yaml")
	if len(decodeReport(t, plan.Stdout).Items) != 1 {
		t.Fatalf("plan:\n%s", plan)
	}
	res := run(t, runOpts{}, "pkg-gc", "remote", repo, "--keep-last", "1")
	if res.Code != 1 || !strings.Contains(res.Stderr, "refuses deletes (HTTP 405") ||
		!strings.Contains(res.Stderr, "Hint: the registry refuses deletes: for CNCF Distribution set storage.delete.enabled: true") {
		t.Errorf("deletes disabled:\n%s", res)
	}
	if res.Stdout != "" {
		t.Errorf("a failed run printed data:\n%s", res.Stdout)
	}
	if tags := listTags(t, repo); len(tags) != 2 {
		t.Errorf("tags: %v", tags)
	}
}

// TestGCKeepsTreeOfRunningProgram: a program started with pkg-pull exec keeps its
// package's tree even when the package is removed and pkg-gc runs; the tree goes with
// the next collection after the program exits. The lock is held by the program itself:
// pkg-pull is gone, replaced by it.
func TestGCKeepsTreeOfRunningProgram(t *testing.T) {
	t.Parallel()
	pub := pushPkg(t, newPackage(t, "busy", "1.0.0"), registryAddr+"/e2e/gc/busy")
	home := t.TempDir()
	opt := runOpts{Env: []string{"LONGSHORE_HOME=" + home}}
	runOK(t, opt, "pkg-pull", pub.Repository+"@"+pub.Digest)
	trees, _ := os.ReadDir(filepath.Join(home, "pkgs", "sha256"))
	if len(trees) != 1 {
		t.Fatalf("%d trees installed, want 1", len(trees))
	}
	tree := filepath.Join(home, "pkgs", "sha256", trees[0].Name())
	cmd := exec.Command("pkg-pull", "exec", "busy", "--", "sh", "-c", "echo started; exec sleep 30")
	cmd.Env = append(baseEnv(t), opt.Env...)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var word string
	if _, err := fmt.Fscan(stdout, &word); err != nil || word != "started" {
		t.Fatalf("the program did not start: %q %v", word, err)
	}
	runOK(t, opt, "pkg-pull", "remove", "busy")
	r := decodeReport(t, runOK(t, opt, "pkg-gc", "-o", "yaml").Stdout)
	if r.count("tree") != 0 || !slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.Contains(w, "in use by a running program") }) {
		t.Errorf("collection beside the running program: %+v", r)
	}
	if _, err := os.Stat(tree); err != nil {
		t.Fatalf("the running program's tree was removed: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if r := decodeReport(t, runOK(t, opt, "pkg-gc", "-o", "yaml").Stdout); r.count("tree") != 1 {
		t.Errorf("after the program exited: %+v", r)
	}
	if _, err := os.Stat(tree); !os.IsNotExist(err) {
		t.Errorf("the tree stayed: %v", err)
	}
}
