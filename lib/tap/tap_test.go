package tap

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/cli"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/stream"
)

func TestAddLocalDirectory(t *testing.T) {
	t.Parallel()
	home, entries := t.TempDir(), t.TempDir()
	writeEntries(t, entries, pkg("hello", "Say hello", []string{"demo"}, "1.0.0", "1.1.0"), pkg("world", "", nil))
	res := mustAdd(t, home, Spec{Name: "core", Source: entries})
	if res.Tap.Source != entries || res.Tap.Packages != 2 || res.Tap.Versions != 3 || !strings.HasPrefix(res.Tap.Digest, "sha256:") || res.Tap.Updated == "" {
		t.Errorf("added %+v", res.Tap)
	}
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || *list[0] != *res.Tap {
		t.Errorf("List = %+v, want %+v", list, res.Tap)
	}
	hits, err := c.Search("hello", "")
	if err != nil || len(hits) != 1 || hits[0].Version != "1.1.0" || hits[0].Qualified() != "core/hello" {
		t.Fatalf("Search = %+v, %v", hits, err)
	}

	// update re-reads the directory.
	writeEntries(t, entries, pkg("again", "", nil))
	results, err := Update(context.Background(), home, nil, Options{})
	if err != nil || len(results) != 1 || !results[0].Fetch.Changed || results[0].Packages != 3 {
		t.Fatalf("Update = %+v, %v", results, err)
	}
	if _, _, err := c.Resolve("again"); err != nil {
		t.Errorf("Resolve(again) after update: %v", err)
	}
}

func TestAddSingleFile(t *testing.T) {
	t.Parallel()
	home, dir := t.TempDir(), t.TempDir()
	writeEntries(t, dir, pkg("hello", "", nil))
	res := mustAdd(t, home, Spec{Name: "one", Source: filepath.Join(dir, "hello.yaml")})
	if res.Tap.Packages != 1 {
		t.Errorf("added %+v", res.Tap)
	}
}

func TestAddRefusals(t *testing.T) {
	t.Parallel()
	home, entries := t.TempDir(), t.TempDir()
	writeEntries(t, entries, pkg("hello", "", nil))
	mustAdd(t, home, Spec{Name: "core", Source: entries})
	before := snapshotFiles(t, home)
	layout := t.TempDir() // as pkg-tap index add --to ocidir://… leaves one
	if err := os.WriteFile(filepath.Join(layout, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		spec Spec
		code int
		want string
	}{
		{"same name", Spec{Name: "core", Source: entries}, cli.ExitConflict, "a tap named core already exists"},
		{"invalid name", Spec{Name: "Core", Source: entries}, cli.ExitUsage, `tap name "Core" is invalid`},
		{"reserved name", Spec{Name: "localhost", Source: entries}, cli.ExitUsage, "reserved"},
		{"missing layout", Spec{Name: "gone", Source: "ocidir://" + filepath.Join(t.TempDir(), "nothing")}, cli.ExitNotFound, "no OCI layout"},
		{"not a reference", Spec{Name: "bad", Source: "no such thing"}, cli.ExitUsage, `tap source "no such thing"`},
		{"unreachable registry", Spec{Name: "far", Source: "127.0.0.1:1/org/index"}, cli.ExitNetwork, "cannot reach"},
		{"a layout as a path", Spec{Name: "lay", Source: layout}, cli.ExitUsage, "is an OCI layout (it has an oci-layout file), not a directory of IndexEntry documents"},
		{"a layout as a path, tagged", Spec{Name: "lay", Source: layout + ":v1"}, cli.ExitUsage, "is an OCI layout"},
		{"bad entries", Spec{Name: "broken", Source: writeFile(t, "kind: Nope\n")}, cli.ExitUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Add(context.Background(), home, tt.spec, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || cli.ExitCode(err) != tt.code {
				t.Fatalf("Add: %v (exit %d); want exit %d and %q", err, cli.ExitCode(err), tt.code, tt.want)
			}
			if after := snapshotFiles(t, home); !maps.Equal(before, after) {
				t.Errorf("a refused add changed the home: %v", slices.Sorted(maps.Keys(after)))
			}
		})
	}
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "entries.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAddDefaultMoves(t *testing.T) {
	t.Parallel()
	home, entries := t.TempDir(), t.TempDir()
	writeEntries(t, entries, pkg("hello", "", nil))
	mustAdd(t, home, Spec{Name: "a", Source: entries, Default: true})
	res := mustAdd(t, home, Spec{Name: "b", Source: entries, Default: true})
	if res.PreviousDefault != "a" {
		t.Errorf("PreviousDefault = %q, want a", res.PreviousDefault)
	}
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if c.DefaultTap() != "b" {
		t.Errorf("default is %q, want b", c.DefaultTap())
	}
}

// The hint of an ambiguous name says how to make a tap the default; following it for a
// tap already added must work, and must not refetch or change anything else.
func TestAmbiguousNameHintMakesADefault(t *testing.T) {
	t.Parallel()
	home, coreDir, extraDir := t.TempDir(), t.TempDir(), t.TempDir()
	writeEntries(t, coreDir, pkg("hello", "core hello", nil))
	writeEntries(t, extraDir, pkg("hello", "extra hello", nil))
	mustAdd(t, home, Spec{Name: "core", Source: coreDir})
	mustAdd(t, home, Spec{Name: "extra", Source: extraDir})
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}

	_, _, err = c.Resolve("hello")
	hint := fault.HintOf(err)
	want := "`pkg-tap add core " + coreDir + " --default`"
	if cli.ExitCode(err) != cli.ExitUsage || !strings.Contains(hint, want) {
		t.Fatalf("Resolve(hello) = %v, hint %q; want exit 2 and a hint with %s", err, hint, want)
	}
	// Change the entries: a real add would fetch them, making the default must not.
	writeEntries(t, coreDir, pkg("hello", "changed", nil))
	res, err := Add(context.Background(), home, Spec{Name: "core", Source: coreDir, Default: true}, Options{})
	if err != nil {
		t.Fatalf("following the hint: %v", err)
	}
	if !res.Existing || res.Tap.Name != "core" || !res.Tap.Default || res.Tap.Packages != 1 || res.PreviousDefault != "" {
		t.Errorf("Add = %+v, tap %+v; want the existing tap core made the default", res, res.Tap)
	}
	c, err = Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if names := c.names(); c.DefaultTap() != "core" || len(names) != 2 {
		t.Errorf("taps %v, default %q; want core and extra, core the default", names, c.DefaultTap())
	}
	if tap, p, err := c.Resolve("hello"); err != nil || tap != "core" || p.Description != "core hello" {
		t.Errorf("Resolve(hello) = %s, %+v, %v; want core's, from the cache as it was", tap, p, err)
	}

	// Making another tap the default moves the mark and says from where; a repeat
	// changes nothing.
	res, err = Add(context.Background(), home, Spec{Name: "extra", Source: extraDir, Default: true}, Options{})
	if err != nil || res.PreviousDefault != "core" {
		t.Fatalf("Add(extra --default) = %+v, %v; want PreviousDefault core", res, err)
	}
	if res, err = Add(context.Background(), home, Spec{Name: "extra", Source: extraDir, Default: true}, Options{}); err != nil || res.PreviousDefault != "" || !res.Tap.Default {
		t.Fatalf("Add(extra --default) again = %+v, %v; want no change", res, err)
	}
	// Another source under the name is still a conflict, default or not.
	if _, err := Add(context.Background(), home, Spec{Name: "extra", Source: coreDir, Default: true}, Options{}); cli.ExitCode(err) != cli.ExitConflict {
		t.Errorf("Add(extra with core's source) = %v; want exit 5", err)
	}
}

func TestConcurrentAddsKeepEveryTap(t *testing.T) {
	t.Parallel()
	home, entries := t.TempDir(), t.TempDir()
	writeEntries(t, entries, pkg("hello", "", nil))
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = Add(context.Background(), home, Spec{Name: fmt.Sprintf("t%d", i), Source: entries}, Options{})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Taps) != len(errs) {
		t.Errorf("config holds %d taps, want %d", len(c.Taps), len(errs))
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	coreDir, extraDir := t.TempDir(), t.TempDir()
	writeEntries(t, coreDir, pkg("hello", "core hello", nil, "1.0.0"), pkg("only-core", "", nil))
	writeEntries(t, extraDir, pkg("hello", "extra hello", nil, "2.0.0"))
	mustAdd(t, home, Spec{Name: "core", Source: coreDir})
	mustAdd(t, home, Spec{Name: "extra", Source: extraDir})
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, tap, desc string
		code            int
		want            []string
		hint            string // the start of the error's hint
	}{
		{name: "core/hello", tap: "core", desc: "core hello"},
		{name: "extra/hello", tap: "extra", desc: "extra hello"},
		{name: "only-core", tap: "core"},
		{name: "hello", code: cli.ExitUsage, want: []string{"ambiguous", "core/hello", "extra/hello"}},
		{name: "nope", code: cli.ExitNotFound, want: []string{"no tap has a package named nope"}, hint: "search with `pkg-tap search nope`"},
		{name: "core/nope", code: cli.ExitNotFound, want: []string{"tap core has no package nope"}, hint: "search with"},
		{name: "other/hello", code: cli.ExitNotFound, want: []string{`no tap named "other"`}, hint: "configured taps: core, extra;"},
		// A "did you mean" for a typo in the name or the tap, and for the wrong tap.
		{name: "helo", code: cli.ExitNotFound, want: []string{"no tap has a package named helo"}, hint: "did you mean hello? search with"},
		{name: "only-cor", code: cli.ExitNotFound, hint: "did you mean only-core? search with"},
		{name: "core/only-cor", code: cli.ExitNotFound, hint: "did you mean core/only-core? search with"},
		{name: "extra/only-core", code: cli.ExitNotFound, want: []string{"tap extra has no package only-core"}, hint: "did you mean core/only-core? search with"},
		{name: "cor/hello", code: cli.ExitNotFound, want: []string{`no tap named "cor"`}, hint: "did you mean core? configured taps: core, extra;"},
		{name: "hello@^1", code: cli.ExitUsage, want: []string{"without a version constraint"}},
		{name: "Hello", code: cli.ExitUsage, want: []string{"not a package name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tap, p, err := c.Resolve(tt.name)
			if tt.code != 0 {
				if err == nil || cli.ExitCode(err) != tt.code {
					t.Fatalf("Resolve = %s, %v (exit %d); want exit %d", tap, err, cli.ExitCode(err), tt.code)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				if hint := fault.HintOf(err); !strings.HasPrefix(hint, tt.hint) {
					t.Errorf("hint %q does not start with %q", hint, tt.hint)
				}
				return
			}
			if err != nil || tap != tt.tap || (tt.desc != "" && p.Description != tt.desc) {
				t.Fatalf("Resolve = %s, %+v, %v; want tap %s", tap, p, err, tt.tap)
			}
		})
	}

	// With a default tap, the bare name resolves there.
	home2 := t.TempDir()
	mustAdd(t, home2, Spec{Name: "core", Source: coreDir})
	mustAdd(t, home2, Spec{Name: "extra", Source: extraDir, Default: true})
	c2, err := Load(home2)
	if err != nil {
		t.Fatal(err)
	}
	if tap, p, err := c2.Resolve("hello"); err != nil || tap != "extra" || p.Versions[0].Version != "2.0.0" {
		t.Errorf("Resolve(hello) with default extra = %s, %+v, %v", tap, p, err)
	}
}

// -v says which cached index a lookup reads, and how old it is, once per tap.
func TestResolveSaysWhichCache(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	coreDir := t.TempDir()
	writeEntries(t, coreDir, pkg("hello", "core hello", nil, "1.0.0"))
	mustAdd(t, home, Spec{Name: "core", Source: coreDir})
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	c.SetDebugf(func(format string, args ...any) { said = append(said, fmt.Sprintf(format, args...)) })
	for range 2 {
		if _, _, err := c.Resolve("core/hello"); err != nil {
			t.Fatal(err)
		}
	}
	if len(said) != 1 || !strings.HasPrefix(said[0], "tap core: reading its cached index sha256:") || !strings.Contains(said[0], "(packages: 1), updated ") {
		t.Errorf("said %q, want one line naming core's cached index", said)
	}
}

func TestResolveNoTaps(t *testing.T) {
	t.Parallel()
	c, err := Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Resolve("hello"); cli.ExitCode(err) != cli.ExitNotFound || !strings.Contains(fault.HintOf(err), "pkg-tap add") {
		t.Errorf("Resolve with no taps: %v (hint %q)", err, fault.HintOf(err))
	}
}

func TestSearchRanking(t *testing.T) {
	t.Parallel()
	home, a, b := t.TempDir(), t.TempDir(), t.TempDir()
	writeEntries(t, a,
		pkg("redis", "An in-memory DB server", nil),                   // description
		pkg("postgres", "relational database", []string{"sql", "db"}), // keyword
		pkg("mongodb", "document store", nil),                         // name substring
		pkg("dbtool", "", nil),                                        // name prefix
		pkg("dbadmin", "", nil),                                       // name prefix, sorts first
		pkg("db", "", nil),                                            // exact
		pkg("nginx", "web server", []string{"http"}),                  // no match
	)
	writeEntries(t, b, pkg("db", "the other db", nil))
	mustAdd(t, home, Spec{Name: "a", Source: a})
	mustAdd(t, home, Spec{Name: "b", Source: b})
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := c.Search("DB", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hits {
		got = append(got, h.Qualified())
	}
	want := []string{"a/db", "b/db", "a/dbadmin", "a/dbtool", "a/mongodb", "a/postgres", "a/redis"}
	if !slices.Equal(got, want) {
		t.Errorf("search DB = %v\nwant %v", got, want)
	}
	wantRanks := []Rank{RankExact, RankExact, RankPrefix, RankPrefix, RankSubstring, RankKeyword, RankDescription}
	for i, h := range hits {
		if i < len(wantRanks) && h.Rank != wantRanks[i] {
			t.Errorf("%s: rank %d, want %d", h.Qualified(), h.Rank, wantRanks[i])
		}
	}

	if hits, err := c.Search("db", "b"); err != nil || len(hits) != 1 || hits[0].Qualified() != "b/db" {
		t.Errorf("search --tap b = %+v, %v", hits, err)
	}
	if hits, err := c.Search("", ""); err != nil || len(hits) != 8 || hits[0].Name != "db" {
		t.Errorf("empty query gave %d hits, %v", len(hits), err)
	}
	if hits, err := c.Search("zzz", ""); err != nil || len(hits) != 0 {
		t.Errorf("search zzz = %+v, %v", hits, err)
	}
	// Words: each must match somewhere, in any order; the weakest match ranks the hit.
	got = nil
	hits, err = c.Search("  server   DB ", "")
	for _, h := range hits {
		got = append(got, fmt.Sprintf("%s:%d", h.Qualified(), h.Rank))
	}
	if want := []string{fmt.Sprintf("a/redis:%d", RankDescription)}; err != nil || !slices.Equal(got, want) {
		t.Errorf("search \"server DB\" = %v, %v; want %v", got, err, want)
	}
	got = nil
	hits, err = c.Search("db sql", "")
	for _, h := range hits {
		got = append(got, fmt.Sprintf("%s:%d", h.Qualified(), h.Rank))
	}
	if want := []string{fmt.Sprintf("a/postgres:%d", RankKeyword)}; err != nil || !slices.Equal(got, want) {
		t.Errorf("search \"db sql\" = %v, %v; want %v", got, err, want)
	}
	if hits, err := c.Search("web database", ""); err != nil || len(hits) != 0 {
		t.Errorf("search \"web database\" matched words of different packages: %+v, %v", hits, err)
	}
	if _, err := c.Search("db", "nope"); cli.ExitCode(err) != cli.ExitNotFound {
		t.Errorf("search --tap nope: %v", err)
	}
}

func TestContainsFold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, q string
		want bool
	}{
		{"An in-memory DB", "db", true},
		{"An in-memory DB", "memory d", true},
		{"abc", "abcd", false},
		{"Überall DATA", "data", true},
		{"Überall", "über", true},
		{"", "x", false},
		{"dB", "db", true},
		{"ddb", "db", true},
	}
	for _, tt := range tests {
		if got := containsFold(tt.s, tt.q); got != tt.want {
			t.Errorf("containsFold(%q, %q) = %v", tt.s, tt.q, got)
		}
	}
}

// installed writes installed.yaml with the given records.
func installed(t *testing.T, home string, list ...*api.Installed) {
	t.Helper()
	docs := make([]any, len(list))
	for i, inst := range list {
		docs[i] = inst
	}
	f, err := os.Create(filepath.Join(home, "installed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := stream.WriteYAML(f, docs...); err != nil {
		t.Fatal(err)
	}
}

func installedRecord(name, version, tap string) *api.Installed {
	i := api.NewInstalled()
	i.Name, i.Version, i.Platform, i.Tap = name, version, "any", tap
	i.Digest = fakeDigest(name + version)
	i.Source = "localhost:5000/test/" + name + "@" + i.Digest
	i.Path = "pkgs/sha256/" + strings.TrimPrefix(i.Digest, "sha256:")
	i.Reason = api.ReasonExplicit
	return i
}

func TestRemove(t *testing.T) {
	t.Parallel()
	home, entries := t.TempDir(), t.TempDir()
	writeEntries(t, entries, pkg("hello", "", nil))
	mustAdd(t, home, Spec{Name: "core", Source: entries})
	mustAdd(t, home, Spec{Name: "other", Source: entries})
	installed(t, home,
		installedRecord("hello", "1.0.0", "core"),
		installedRecord("world", "2.0.0", "core"),
		installedRecord("direct", "1.0.0", ""),
		installedRecord("elsewhere", "1.0.0", "other"),
	)
	installedBefore, _ := os.ReadFile(filepath.Join(home, "installed.yaml"))

	_, _, err := Remove(home, "core", false)
	if cli.ExitCode(err) != cli.ExitConflict {
		t.Fatalf("Remove without --force: %v (exit %d), want a conflict", err, cli.ExitCode(err))
	}
	for _, want := range []string{"hello 1.0.0", "world 2.0.0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not list %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "direct") || strings.Contains(err.Error(), "elsewhere") {
		t.Errorf("refusal lists packages from elsewhere: %v", err)
	}
	if !strings.Contains(fault.HintOf(err), "--force") {
		t.Errorf("hint %q does not mention --force", fault.HintOf(err))
	}
	if c, _ := Load(home); len(c.Taps) != 2 {
		t.Error("a refused remove changed config.yaml")
	}
	if _, err := os.Stat(cacheDir(home, "core")); err != nil {
		t.Error("a refused remove deleted the cache")
	}

	removed, orphaned, err := Remove(home, "core", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(orphaned) != 2 || orphaned[0].Name != "hello" || orphaned[1].Name != "world" {
		t.Errorf("orphaned = %+v", orphaned)
	}
	// The tap as list showed it before it went, cache state included.
	if removed == nil || removed.Kind != "Tap" || removed.Name != "core" || removed.Source != entries || removed.Packages != 1 || removed.Digest == "" {
		t.Errorf("removed = %+v", removed)
	}
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Tap("core"); ok || len(c.Taps) != 1 {
		t.Errorf("config after remove: %+v", c.Taps)
	}
	if _, err := os.Stat(cacheDir(home, "core")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cache still there: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(home, "installed.yaml")); string(after) != string(installedBefore) {
		t.Error("remove changed installed.yaml")
	}

	// An unknown tap is not found, and the hint lists those configured (not how to add
	// it); a tap nothing came from goes without --force.
	_, _, err = Remove(home, "nosuch", false)
	if hint := fault.HintOf(err); cli.ExitCode(err) != cli.ExitNotFound || hint != "configured taps: other (`pkg-tap list` shows them)" {
		t.Errorf("Remove(nosuch): %v (hint %q), want not found listing the configured taps", err, hint)
	}
	installed(t, home)
	// A cache whose state is unreadable is no reason to keep the tap: it goes, and is
	// returned without cache state.
	if err := os.WriteFile(filepath.Join(cacheDir(home, "other"), stateFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if removed, _, err := Remove(home, "other", false); err != nil || removed == nil || removed.Name != "other" || removed.Digest != "" {
		t.Errorf("Remove(other): %+v, %v", removed, err)
	}
	_, _, err = Remove(home, "other", false)
	if hint := fault.HintOf(err); cli.ExitCode(err) != cli.ExitNotFound || hint != "no taps are configured" {
		t.Errorf("second Remove(other): %v (hint %q)", err, hint)
	}
	// The name is free again.
	mustAdd(t, home, Spec{Name: "core", Source: entries})
}

func TestUpdatePartialFailure(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	goodDir, badDir := filepath.Join(t.TempDir(), "good"), filepath.Join(t.TempDir(), "bad")
	mustAdd(t, home, Spec{Name: "good", Source: publishLayout(t, goodDir, pkg("hello", "", nil))})
	mustAdd(t, home, Spec{Name: "bad", Source: publishLayout(t, badDir, pkg("world", "", nil))})
	// A third tap whose registry is unreachable (configured by hand: add would refuse it).
	unreachable := fmt.Sprintf("%s  - name: far\n    source: 127.0.0.1:1/org/index\n", configText(t, home))
	writeConfig(t, home, unreachable)

	publishLayout(t, goodDir, pkg("hello", "", nil, "1.0.0", "2.0.0"))
	if err := os.RemoveAll(badDir); err != nil {
		t.Fatal(err)
	}
	badBefore := snapshotFiles(t, cacheDir(home, "bad"))

	results, err := Update(context.Background(), home, nil, Options{})
	if cli.ExitCode(err) != cli.ExitPartial {
		t.Fatalf("Update: %v (exit %d), want partial", err, cli.ExitCode(err))
	}
	if !strings.Contains(err.Error(), "2 of 3 taps") || !strings.Contains(err.Error(), "bad, far") {
		t.Errorf("error %q does not say which taps failed", err)
	}
	byName := map[string]UpdateResult{}
	for _, r := range results {
		byName[r.Name] = r
	}
	if r := byName["good"]; r.Err != nil || !r.Fetch.Changed || r.Versions != 2 {
		t.Errorf("good: %+v", r)
	}
	// The tap as pkg-tap list shows it now, for pkg-tap update -o to print.
	if tp := byName["good"].Tap; tp == nil || tp.Kind != "Tap" || tp.Name != "good" || tp.Versions != 2 || tp.Digest != byName["good"].Fetch.Digest || tp.Updated == "" {
		t.Errorf("good's Tap: %+v", tp)
	}
	if r := byName["bad"]; cli.ExitCode(r.Err) != cli.ExitNotFound || r.Tap != nil {
		t.Errorf("bad: %+v", r)
	}
	if r := byName["far"]; cli.ExitCode(r.Err) != cli.ExitNetwork || !strings.Contains(r.Err.Error(), "tap far") {
		t.Errorf("far: %+v", r)
	}
	if after := snapshotFiles(t, cacheDir(home, "bad")); !maps.Equal(badBefore, after) {
		t.Error("the failed update changed the bad tap's cache")
	}
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	// far never had a cache: search says so, and still finds what the others hold.
	hits, err := c.Search("hello", "")
	if len(hits) != 1 || hits[0].Version != "2.0.0" || cli.ExitCode(err) != cli.ExitPartial || !strings.Contains(err.Error(), "tap far has no cache") {
		t.Errorf("search after update: %+v, %v", hits, err)
	}

	// Only the failing tap: its own error and exit code.
	_, err = Update(context.Background(), home, []string{"bad"}, Options{})
	if cli.ExitCode(err) != cli.ExitNotFound {
		t.Errorf("Update(bad): %v", err)
	}
	_, err = Update(context.Background(), home, []string{"nope"}, Options{})
	if cli.ExitCode(err) != cli.ExitNotFound || !strings.Contains(err.Error(), `no tap named "nope"`) {
		t.Errorf("Update(nope): %v", err)
	}
}

func configText(t *testing.T, home string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(home, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestUpdateUnchanged(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	src := publishLayout(t, filepath.Join(t.TempDir(), "idx"), pkg("hello", "", nil))
	added := mustAdd(t, home, Spec{Name: "core", Source: src})
	searchBefore, _ := os.ReadFile(filepath.Join(cacheDir(home, "core"), searchFile))
	results, err := Update(context.Background(), home, []string{"core"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r := results[0]; r.Fetch.Changed || r.Fetch.Digest != added.Tap.Digest || r.Fetch.ShardsFetched != 0 || r.Packages != 1 {
		t.Errorf("unchanged update: %+v", r)
	}
	if after, _ := os.ReadFile(filepath.Join(cacheDir(home, "core"), searchFile)); string(after) != string(searchBefore) {
		t.Error("an unchanged update rewrote search.json")
	}
}

func TestOffline(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	layout := filepath.Join(t.TempDir(), "idx")
	mustAdd(t, home, Spec{Name: "core", Source: publishLayout(t, layout, pkg("hello", "Say hello", []string{"demo"}, "1.0.0", "1.2.0"))})
	if err := os.RemoveAll(layout); err != nil {
		t.Fatal(err)
	}
	before := snapshotFiles(t, cacheDir(home, "core"))
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if list, err := c.List(); err != nil || len(list) != 1 || list[0].Packages != 1 || list[0].Versions != 2 {
		t.Errorf("List offline = %+v, %v", list, err)
	}
	if hits, err := c.Search("demo", ""); err != nil || len(hits) != 1 || hits[0].Version != "1.2.0" {
		t.Errorf("Search offline = %+v, %v", hits, err)
	}
	if tap, p, err := c.Resolve("hello"); err != nil || tap != "core" || len(p.Versions) != 2 || p.Description != "Say hello" {
		t.Errorf("Resolve offline = %s, %+v, %v", tap, p, err)
	}
	if _, err := Update(context.Background(), home, nil, Options{}); cli.ExitCode(err) != cli.ExitNotFound {
		t.Errorf("Update with the source gone: %v", err)
	}
	if after := snapshotFiles(t, cacheDir(home, "core")); !maps.Equal(before, after) {
		t.Error("a failed update changed the cache")
	}
}

func TestMissingCache(t *testing.T) {
	t.Parallel()
	home, entries := t.TempDir(), t.TempDir()
	writeEntries(t, entries, pkg("hello", "", nil))
	mustAdd(t, home, Spec{Name: "core", Source: entries})
	if err := os.RemoveAll(cacheDir(home, "core")); err != nil {
		t.Fatal(err)
	}
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if list, err := c.List(); err != nil || len(list) != 1 || list[0].Digest != "" {
		t.Errorf("List = %+v, %v", list, err)
	}
	for name, err := range map[string]error{
		"search":  func() error { _, err := c.Search("x", ""); return err }(),
		"resolve": func() error { _, _, err := c.Resolve("hello"); return err }(),
	} {
		if cli.ExitCode(err) != cli.ExitNotFound || !strings.Contains(fault.HintOf(err), "pkg-tap update core") {
			t.Errorf("%s without a cache: %v (hint %q)", name, err, fault.HintOf(err))
		}
	}
	if _, err := Update(context.Background(), home, nil, Options{}); err != nil {
		t.Fatalf("Update rebuilds the cache: %v", err)
	}
	if _, _, err := c.Resolve("hello"); err != nil {
		t.Errorf("Resolve after update: %v", err)
	}
}

// TestUpdateOfARemovedTap is an update that read the configuration before a remove
// finished: under the tap lock it sees the tap gone and leaves the directory alone.
func TestUpdateOfARemovedTap(t *testing.T) {
	t.Parallel()
	home, entries := t.TempDir(), t.TempDir()
	writeEntries(t, entries, pkg("hello", "", nil))
	mustAdd(t, home, Spec{Name: "core", Source: entries})
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := c.Tap("core")
	if _, _, err := Remove(home, "core", false); err != nil {
		t.Fatal(err)
	}
	r := updateOne(context.Background(), home, spec, Options{})
	if cli.ExitCode(r.Err) != cli.ExitConflict || !strings.Contains(r.Err.Error(), "removed or replaced") {
		t.Errorf("update of a removed tap: %v", r.Err)
	}
	if _, err := os.Stat(cacheDir(home, "core")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the update recreated the removed tap's cache: %v", err)
	}
}

// TestTruncatedState: a tap.json cut short is refused as a corrupt cache (exit 6) with
// the repair, as a damaged search.json is, and pkg-tap update is that repair.
func TestTruncatedState(t *testing.T) {
	t.Parallel()
	home, entries := t.TempDir(), t.TempDir()
	writeEntries(t, entries, pkg("hello", "", nil))
	mustAdd(t, home, Spec{Name: "core", Source: entries})
	file := filepath.Join(cacheDir(home, "core"), stateFile)
	if err := os.WriteFile(file, []byte(`{"source":"`), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(); cli.ExitCode(err) != cli.ExitVerify || !strings.Contains(err.Error(), "tap.json is corrupt") ||
		fault.HintOf(err) != "run `pkg-tap update core` to rewrite it" {
		t.Errorf("List: %v (hint %q)", err, fault.HintOf(err))
	}
	if _, err := Update(context.Background(), home, nil, Options{}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if list, err := c.List(); err != nil || len(list) != 1 || list[0].Packages != 1 {
		t.Errorf("List after update: %+v, %v", list, err)
	}
}
