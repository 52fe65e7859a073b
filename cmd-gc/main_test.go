package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli/clitest"
	"longshore.dev/lib/index"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/publish"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/tap"
)

// run is one in-process invocation of pkg-gc.
type run = clitest.Result

// pkgGC runs `pkg-gc ARGS…` in-process with its own LONGSHORE_HOME (never a terminal).
func pkgGC(t *testing.T, home string, args ...string) run {
	t.Helper()
	return clitest.Run(newApp(), gcEnv(home), "", args...)
}

// gcEnv is the environment of pkg-gc in its own LONGSHORE_HOME.
func gcEnv(home string) map[string]string {
	return map[string]string{"LONGSHORE_HOME": home, "HOME": home, "DOCKER_CONFIG": home}
}

func mustGC(t *testing.T, home string, args ...string) run {
	t.Helper()
	return clitest.Must(t, newApp(), gcEnv(home), "", args...)
}

// publishTo pushes name@version (one file, one entry point) to the layout repo.
func publishTo(t *testing.T, repo, name, version string, cascade bool) {
	t.Helper()
	dir := t.TempDir()
	yaml := fmt.Sprintf("apiVersion: longshore.dev/v1alpha1\nkind: Package\nmetadata:\n  name: %s\n  version: %s\nspec:\n  bin: [bin/%s]\n", name, version, name)
	os.WriteFile(filepath.Join(dir, "package.yaml"), []byte(yaml), 0o644)
	os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
	os.WriteFile(filepath.Join(dir, "bin", name), []byte("#!/bin/sh\necho "+version+"\n"), 0o755)
	p, err := pkgspec.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := publish.Build(dir, p, publish.Options{Getenv: func(string) string { return "0" }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	target := openLayout(t, repo, true)
	defer target.Close()
	if _, err := publish.Push(context.Background(), target, a, publish.PushOptions{Cascade: cascade}); err != nil {
		t.Fatal(err)
	}
}

func openLayout(t *testing.T, repo string, create bool) *oci.Target {
	t.Helper()
	r, err := ref.ParseArtifact("ocidir://" + repo)
	if err != nil {
		t.Fatal(err)
	}
	target, err := oci.Open(context.Background(), r, oci.Options{Create: create})
	if err != nil {
		t.Fatal(err)
	}
	return target
}

// installVersions publishes and installs hello at each version in turn into a new
// home: every version but the last is garbage. It returns the home.
func installVersions(t *testing.T, versions ...string) string {
	t.Helper()
	home := t.TempDir()
	s, err := store.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(t.TempDir(), "hello")
	for _, v := range versions {
		publishTo(t, repo, "hello", v, false)
		target := openLayout(t, repo, false)
		root, err := target.Resolve(context.Background(), v)
		if err == nil {
			_, err = s.Install(context.Background(), target, root, store.InstallOptions{})
		}
		target.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return home
}

func TestUsage(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--keep"}, 2, "--keep needs -f FILE"},
		{[]string{"-f", "x.yaml"}, 2, "say so with --keep -f FILE"},
		{[]string{"--max-age", "0d"}, 2, "must be longer than zero"},
		{[]string{"--max-age", "soon"}, 2, "is not a duration"},
		{[]string{"-o", "name"}, 2, "unknown output format"},
		{[]string{"stray"}, 2, `unexpected argument "stray"`},
		{[]string{"--keep", "tools.lock.yaml"}, 2, "Hint: --keep takes its files with -f: --keep -f tools.lock.yaml"},
		{[]string{"why", "--keep", "tools.lock.yaml", "hello"}, 2, "Hint: --keep takes its files with -f: --keep -f tools.lock.yaml"},
		{[]string{"--keep", "-f", "missing.yaml"}, 3, "missing.yaml"},
		{[]string{"--register", "a", "--unregister", "b"}, 2, "give one of them"},
		{[]string{"--register", "a", "--dry-run"}, 2, "only register"},
		{[]string{"why"}, 2, "missing DIGEST or PKG"},
		{[]string{"remote"}, 2, "missing REPO"},
		{[]string{"remote", "localhost:5000/x"}, 2, "--keep-last N is required"},
		{[]string{"remote", "localhost:5000/x", "--keep-last", "0"}, 2, "Error: --keep-last 0: keep at least 1 release"},
		{[]string{"remote", "localhost:5000/x:1.0.0", "--keep-last", "1"}, 2, "names a version"},
		{[]string{"remote", "ocidir://" + filepath.Join(home, "nothing"), "--keep-last", "1"}, 3, "no OCI layout there"},
	}
	for _, tt := range tests {
		r := pkgGC(t, home, tt.args...)
		if r.Code != tt.code || !strings.Contains(r.Stderr, tt.want) {
			t.Errorf("pkg-gc %s: want exit %d and %q\n%s", strings.Join(tt.args, " "), tt.code, tt.want, r)
		}
		if r.Stdout != "" {
			t.Errorf("pkg-gc %s printed data on a failure:\n%s", strings.Join(tt.args, " "), r)
		}
	}
}

// decodeReport reads one GCReport strictly, as any consumer of the stream would.
func decodeReport(t *testing.T, out string) *api.GCReport {
	t.Helper()
	docs, err := stream.Decode(strings.NewReader(out), "stdout", api.Kinds)
	if err != nil || len(docs) != 1 {
		t.Fatalf("not one GCReport: %v\n%s", err, out)
	}
	r, ok := docs[0].Value.(*api.GCReport)
	if !ok {
		t.Fatalf("kind %s", docs[0].Kind)
	}
	return r
}

func TestCollectAndWhy(t *testing.T) {
	t.Parallel()
	home := installVersions(t, "1.0.0", "1.1.0")

	plan := decodeReport(t, mustGC(t, home, "--dry-run", "-o", "yaml").Stdout)
	if !plan.DryRun || len(plan.Items) != 4 || plan.Kept.Trees != 1 {
		t.Fatalf("plan: %+v", plan)
	}
	var tree api.GCItem
	for _, it := range plan.Items {
		if it.Kind == api.GCTree {
			tree = it
		}
	}
	// why: the installed package, its manifest; the old tree is not kept (exit 3).
	why := mustGC(t, home, "why", "hello", "-o", "table")
	if !strings.HasPrefix(why.Stdout, "installed.yaml: hello 1.1.0 (explicit) -> manifest sha256:") {
		t.Errorf("why hello: %s", why)
	}
	// The same chain as a document (the default into a pipe), and by name.
	digest := strings.Fields(why.Stdout)[6]
	want := "---\napiVersion: longshore.dev/v1alpha1\nkind: KeepChain\ntarget: hello\nroot: 'installed.yaml: hello 1.1.0 (explicit)'\nlinks:\n  - kind: manifest\n    digest: " +
		digest + "\n    tree: pkgs/sha256/" + strings.TrimPrefix(digest, "sha256:") + "\n"
	if got := mustGC(t, home, "why", "hello").Stdout; got != want {
		t.Errorf("why hello -o yaml:\n%s\nwant:\n%s", got, want)
	}
	if got := mustGC(t, home, "why", "hello", "-o", "name").Stdout; got != "keepchain/manifest:"+digest+"\n" {
		t.Errorf("why hello -o name: %q", got)
	}
	if got := mustGC(t, home, "why", "hello", "-o", "json").Stdout; !strings.Contains(got, `"kind": "List"`) || !strings.Contains(got, `"root": "installed.yaml: hello 1.1.0 (explicit)"`) {
		t.Errorf("why hello -o json:\n%s", got)
	}
	if r := pkgGC(t, home, "why", tree.Digest); r.Code != 3 || !strings.Contains(r.Stderr, "is not kept") || !strings.Contains(r.Stderr, "Hint: the next pkg-gc removes it") {
		t.Errorf("why of garbage: %s", r)
	}

	table := mustGC(t, home, "--dry-run", "-o", "table")
	for _, want := range []string{"KIND", "WOULD REMOVE", "tree", "blob", "total", "1 roots"} {
		if !strings.Contains(table.Stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, table.Stdout)
		}
	}
	// Bare, as the README and cron type it: it collects (and prints YAML off a terminal).
	done := decodeReport(t, mustGC(t, home).Stdout)
	if done.DryRun || len(done.Items) != 4 || done.FreedBytes != plan.FreedBytes {
		t.Errorf("run: %+v", done)
	}
	if r := pkgGC(t, home, "why", tree.Digest); r.Code != 3 || !strings.Contains(r.Stderr, "is not in the store") {
		t.Errorf("why of what was removed: %s", r)
	}
	if again := mustGC(t, home, "-v", "-o", "table"); !strings.Contains(again.Stdout, "REMOVED") || strings.Contains(again.Stdout, "REASON") {
		t.Errorf("an empty collection:\n%s", again.Stdout)
	}
}

func TestKeepAndRegister(t *testing.T) {
	t.Parallel()
	home := installVersions(t, "1.0.0", "1.1.0")
	plan := decodeReport(t, mustGC(t, home, "--dry-run", "-o", "yaml").Stdout)
	var old string
	for _, it := range plan.Items {
		if it.Kind == api.GCTree {
			old = it.Digest
		}
	}
	keep := filepath.Join(t.TempDir(), "keep.yaml")
	doc := "apiVersion: longshore.dev/v1alpha1\nkind: Installed\nname: hello\nversion: 1.0.0\nplatform: any\ndigest: " + old + "\nsource: x@" + old + "\npath: x\nreason: explicit\n"
	os.WriteFile(keep, []byte(doc), 0o644)

	kept := decodeReport(t, mustGC(t, home, "--dry-run", "--keep", "-f", keep, "-o", "yaml").Stdout)
	if kept.Kept.Trees != 2 || kept.Kept.Roots != 2 {
		t.Errorf("--keep: %+v", kept.Kept)
	}
	if r := mustGC(t, home, "why", "--keep", "-f", keep, old, "-o", "table"); !strings.HasPrefix(r.Stdout, keep+":1: hello 1.0.0 (explicit) -> manifest "+old) {
		t.Errorf("why with --keep: %s", r)
	}
	reg := mustGC(t, home, "--register", keep)
	if reg.Stdout != "" || !strings.Contains(reg.Stderr, "Registered "+keep) {
		t.Errorf("register: %s", reg)
	}
	if list := mustGC(t, home, "--list-registered"); list.Stdout != keep+"\n" || list.Stderr != "" {
		t.Errorf("--list-registered: %s", list)
	}
	if r := decodeReport(t, mustGC(t, home, "-o", "yaml").Stdout); r.Kept.Trees != 2 || len(r.Warnings) != 0 {
		t.Errorf("with a registered lock: %+v", r)
	}
	// Emptied, as a failed `pkg-dep resolve … > keep.yaml` leaves it, or gone: a
	// collection refuses (from cron, a warning would go unread while it removed what
	// the file keeps); a dry run and --list-registered warn.
	for _, tt := range []struct {
		name, warning, err, hint string
		code                     int
	}{
		{"emptied", "Warning: registered lock " + keep + " keeps nothing: it holds no Lock, Installed or PackageRef document; a collection refuses to run until it is written again or forgotten with pkg-gc --unregister " + keep + "\n",
			"Error: registered lock " + keep + " keeps nothing: it holds no Lock, Installed or PackageRef document\n",
			"Hint: the collection would remove what the file was meant to keep: write it again (check that the command that wrote it succeeded; look with --dry-run), or forget it with pkg-gc --unregister " + keep + "\n", 6},
		{"gone", "Warning: registered lock " + keep + " is gone, so it keeps nothing; a collection refuses to run until it is back or forgotten with pkg-gc --unregister " + keep + "\n",
			"Error: registered lock " + keep + " is gone\n",
			"Hint: the collection would remove what the file was meant to keep: put it back (moved: pkg-gc --register it where it is now), or forget it with pkg-gc --unregister " + keep + "\n", 3},
	} {
		if tt.name == "gone" {
			os.Remove(keep)
		} else {
			os.WriteFile(keep, nil, 0o644)
		}
		if list := mustGC(t, home, "--list-registered"); list.Stdout != keep+"\n" || list.Stderr != tt.warning {
			t.Errorf("%s: --list-registered: %s", tt.name, list)
		}
		if r := mustGC(t, home, "--dry-run", "-o", "yaml"); r.Stderr != tt.warning || decodeReport(t, r.Stdout).Kept.Trees != 1 {
			t.Errorf("%s: --dry-run: %s", tt.name, r)
		}
		if r := pkgGC(t, home, "-o", "yaml"); r.Code != tt.code || r.Stdout != "" || r.Stderr != tt.err+tt.hint {
			t.Errorf("%s: a collection: want exit %d\n%s", tt.name, tt.code, r)
		}
		if _, err := os.Stat(filepath.Join(home, "pkgs", "sha256", strings.TrimPrefix(old, "sha256:"))); err != nil {
			t.Fatalf("%s: a refused collection removed the tree the lock kept: %v", tt.name, err)
		}
	}
	mustGC(t, home, "--unregister", keep)
	if r := decodeReport(t, mustGC(t, home, "-o", "yaml").Stdout); r.Kept.Trees != 1 || len(r.Warnings) != 0 {
		t.Errorf("after --unregister: %+v", r)
	}
	if r := pkgGC(t, home, "--unregister", keep); r.Code != 3 {
		t.Errorf("unregister twice: %s", r)
	}
}

// TestKeepNotInstalled: a --keep lock of packages never installed here keeps nothing of
// them, which is no cause for a warning; -v says it.
func TestKeepNotInstalled(t *testing.T) {
	t.Parallel()
	home := installVersions(t, "1.0.0")
	lock := filepath.Join(t.TempDir(), "tools.lock.yaml")
	elsewhere := "sha256:" + strings.Repeat("ab", 32)
	os.WriteFile(lock, []byte("apiVersion: longshore.dev/v1alpha1\nkind: Lock\npackages:\n  - name: tool\n    version: 1.0.0\n    repository: example.com/tool\n    digest: "+elsewhere+
		"\n    platforms: [{platform: linux/riscv64, digest: "+elsewhere+"}]\n    reason: requested\n"), 0o644)
	if r := mustGC(t, home, "--keep", "-f", lock, "-o", "yaml"); r.Stderr != "" {
		t.Errorf("a lock of what is not installed: %s", r)
	}
	want := lock + ":1: tool 1.0.0 (lock, requested): the store does not hold manifest " + elsewhere + " (not installed here): nothing to keep\n"
	if r := mustGC(t, home, "--keep", "-f", lock, "-v", "-o", "yaml"); !strings.Contains(r.Stderr, want) {
		t.Errorf("-v: %s\nwant a line %q", r, want)
	}
}

func TestRemoteLayout(t *testing.T) {
	t.Parallel()
	repo := filepath.Join(t.TempDir(), "hello")
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "2.0.0-rc.1"} {
		publishTo(t, repo, "hello", v, true)
	}
	home := t.TempDir()
	// The pre-release is kept and not counted: 1.2.0 is the release kept. Each row
	// names the tags that go with its manifest.
	plan := mustGC(t, home, "remote", "ocidir://"+repo, "--keep-last", "1", "--dry-run", "-o", "table")
	lines := strings.Split(strings.TrimSpace(plan.Stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "WOULD DELETE") || !strings.Contains(lines[0], "TAGS") ||
		!strings.Contains(lines[1], " 1.0.0 ") || !strings.Contains(lines[1], " 1.0,1.0.0 ") ||
		!strings.Contains(lines[2], " 1.1.0 ") || !strings.Contains(lines[2], " 1.1,1.1.0 ") || !strings.Contains(lines[2], "older than the newest release (1.2.0)") {
		t.Errorf("plan:\n%s", plan)
	}
	r := mustGC(t, home, "remote", "ocidir://"+repo, "--keep-last", "1", "-o", "yaml")
	report := decodeReport(t, r.Stdout)
	if len(report.Items) != 2 || report.Repository != "ocidir://"+repo || !strings.Contains(r.Stderr, "Deleting 2 manifests") {
		t.Errorf("remote:\n%s", r)
	}
}

// TestRemoteListed: the versions pkg-gc remote deletes are looked for in the indexes of
// the home's taps; one an index lists and has not yanked is a warning, said with the
// plan before the first delete and kept in the report, and --refuse-listed deletes
// nothing while there is one. The tap is an index in a layout, as pkg-tap index add
// publishes it, so the warning says how to yank with pkg-tap index add.
func TestRemoteListed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	layouts := t.TempDir()
	repo := filepath.Join(layouts, "hello")
	hello := index.Package{Name: "hello", Repository: "ocidir://" + repo}
	for _, v := range []string{"1.0.0", "1.1.0"} {
		publishTo(t, repo, "hello", v, true)
		target := openLayout(t, repo, false)
		root, err := target.Resolve(ctx, v)
		target.Close()
		if err != nil {
			t.Fatal(err)
		}
		hello.Versions = append(hello.Versions, index.Version{Version: v, Digest: root.Digest.String()})
	}
	indexRepo := filepath.Join(layouts, "index")
	target := openLayout(t, indexRepo, true)
	_, err := index.Publish(ctx, target, "", []index.Package{hello}, index.PublishOptions{})
	target.Close()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	if _, err := tap.Add(ctx, home, tap.Spec{Name: "demo", Source: "ocidir://" + indexRepo}, tap.Options{}); err != nil {
		t.Fatal(err)
	}
	warning := "Warning: version 1.0.0 of hello is listed by tap demo's index (ocidir://" + indexRepo + ") and not yanked: " +
		"installs that resolve to it will fail once it is deleted; yank it in the index first: pkg-tap show demo/hello -o yaml > hello.yaml, " +
		"set yanked: true on version 1.0.0 in it, pkg-tap index add -f hello.yaml --to ocidir://" + indexRepo + ", pkg-tap update demo " +
		"(an index built with pkg-tap index build: set it in the entry file; docs/index-format.md)\n"

	plan := mustGC(t, home, "remote", "ocidir://"+repo, "--keep-last", "1", "--dry-run", "-o", "yaml")
	if report := decodeReport(t, plan.Stdout); len(report.Items) != 1 || len(report.Warnings) != 1 || "Warning: "+report.Warnings[0]+"\n" != warning {
		t.Errorf("dry run: %s", plan)
	}
	if plan.Stderr != warning {
		t.Errorf("dry run, stderr:\n got %q\nwant %q", plan.Stderr, warning)
	}

	refused := pkgGC(t, home, "remote", "ocidir://"+repo, "--keep-last", "1", "--refuse-listed")
	if refused.Code != 5 || refused.Stdout != "" || !strings.HasPrefix(refused.Stderr, warning) ||
		!strings.Contains(refused.Stderr, "Error: refusing to delete from ocidir://"+repo+" (--refuse-listed): versions listed by tap indexes and not yanked: hello 1.0.0 (tap demo)\n") {
		t.Errorf("--refuse-listed: %s", refused)
	}
	target = openLayout(t, repo, false)
	_, err = target.Resolve(ctx, "1.0.0")
	target.Close()
	if err != nil {
		t.Fatalf("--refuse-listed deleted 1.0.0: %v", err)
	}

	r := mustGC(t, home, "remote", "ocidir://"+repo, "--keep-last", "1", "-o", "yaml")
	said, deleted := strings.Index(r.Stderr, warning), strings.Index(r.Stderr, "Deleted sha256:")
	if len(decodeReport(t, r.Stdout).Warnings) != 1 || strings.Count(r.Stderr, "Warning:") != 1 || said < 0 || deleted < said ||
		!strings.HasPrefix(r.Stderr, "Deleting 1 manifest from") {
		t.Errorf("the warning was not said once, with the plan, before the first delete: %s", r)
	}
}

// TestKeepNothing: a --keep or --register file that keeps nothing — empty, as a failed
// `pkg-dep resolve … > keep.yaml` leaves it — is not taken silently: --keep warns,
// naming the file, and --register refuses.
func TestKeepNothing(t *testing.T) {
	t.Parallel()
	home := installVersions(t, "1.0.0", "1.1.0")
	dir := t.TempDir()
	empty := filepath.Join(dir, "keep.yaml")
	os.WriteFile(empty, nil, 0o644)
	emptyLock := filepath.Join(dir, "lock.yaml")
	os.WriteFile(emptyLock, []byte("apiVersion: longshore.dev/v1alpha1\nkind: Lock\n"), 0o644)
	ref := filepath.Join(dir, "ref.yaml")
	os.WriteFile(ref, []byte("apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: hello\n"), 0o644)

	r := mustGC(t, home, "--dry-run", "--keep", "-f", empty, "-f", ref, "-f", emptyLock, "-o", "yaml")
	for _, want := range []string{
		"Warning: --keep -f " + empty + " keeps nothing: it holds no Lock, Installed or PackageRef document\n",
		"Warning: --keep -f " + emptyLock + " keeps nothing: its Lock lists no package\n",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("--keep -f of files that keep nothing: want %q\n%s", want, r)
		}
	}
	if strings.Count(r.Stderr, "Warning:") != 2 || len(decodeReport(t, r.Stdout).Items) != 4 {
		t.Errorf("--keep -f with a file that keeps something among them:\n%s", r)
	}
	if r := mustGC(t, home, "--dry-run", "--keep", "-f", "-", "-o", "yaml"); !strings.Contains(r.Stderr, "Warning: --keep -f - keeps nothing") {
		t.Errorf("--keep -f - of an empty stdin:\n%s", r)
	}
	// A collection that removes refuses such a file, and removes nothing.
	if r := pkgGC(t, home, "--keep", "-f", empty, "-f", ref); r.Code != 2 || !strings.Contains(r.Stderr, "Error: --keep -f "+empty+" keeps nothing") {
		t.Errorf("a collection with --keep -f of an empty file:\n%s", r)
	}
	if plan := decodeReport(t, mustGC(t, home, "--dry-run", "-o", "yaml").Stdout); len(plan.Items) == 0 {
		t.Errorf("the refused collection removed something")
	}
	if r := pkgGC(t, home, "--keep", "-f", "-", "-f", "-"); r.Code != 2 || !strings.Contains(r.Stderr, "standard input can be read only once") {
		t.Errorf("-f - twice:\n%s", r)
	}
	for _, file := range []string{empty, emptyLock} {
		r := pkgGC(t, home, "--register", file)
		if r.Code != 2 || !strings.Contains(r.Stderr, "Error: registering "+file+": ") || !strings.Contains(r.Stderr, "so it would keep nothing") {
			t.Errorf("--register %s:\n%s", file, r)
		}
	}
	if r := mustGC(t, home, "--list-registered"); r.Stdout != "" || !strings.Contains(r.Stderr, "No file is registered") {
		t.Errorf("nothing registered:\n%s", r)
	}
}

func TestListRegisteredUsage(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "home")
	for _, args := range [][]string{
		{"--list-registered", "-o", "yaml"},
		{"--list-registered", "--dry-run"},
		{"--list-registered", "--register", "x.yaml"},
	} {
		if r := pkgGC(t, home, args...); r.Code != 2 || r.Stdout != "" {
			t.Errorf("pkg-gc %s: want exit 2\n%s", strings.Join(args, " "), r)
		}
	}
	mustGC(t, home, "--list-registered")
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("--list-registered created the home: %v", err)
	}
}

// A home that does not exist has nothing to collect, and is not created for it.
func TestCollectWithoutHome(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "never")
	for _, args := range [][]string{{"--dry-run", "-o", "json"}, {"-o", "yaml"}} {
		r := mustGC(t, home, args...)
		if rep := decodeReport(t, r.Stdout); len(rep.Items) != 0 {
			t.Errorf("pkg-gc %v without a home: %+v", args, rep)
		}
	}
	if r := pkgGC(t, home, "why", "hello"); r.Code != 3 {
		t.Errorf("why without a home: %s", r)
	}
	if r := pkgGC(t, home, "--unregister", "tools.lock.yaml"); r.Code == 0 {
		t.Errorf("--unregister without a home: %s", r)
	}
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("pkg-gc created %s (%v)", home, err)
	}
}
