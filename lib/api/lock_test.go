package api

import (
	"bytes"
	"strings"
	"testing"

	"longshore.dev/lib/stream"
)

const lockYAML = `apiVersion: longshore.dev/v1alpha1
kind: Lock
requests:
  - {name: hello, version: ^1, platform: linux/amd64}
packages:
  - name: hello
    tap: main
    version: 1.1.0
    repository: registry.example/hello
    digest: sha256:1111111111111111111111111111111111111111111111111111111111111111
    platforms:
      - {platform: linux/amd64, digest: sha256:2222222222222222222222222222222222222222222222222222222222222222}
    dependencies: [libgreet]
    reason: requested
  - name: libgreet
    tap: main
    version: 1.2.0
    repository: registry.example/libgreet
    digest: sha256:3333333333333333333333333333333333333333333333333333333333333333
    platforms: []
    reason: dependency
    requiredBy: [hello]
order: [libgreet, hello]
`

func decodeLock(t *testing.T, src string) (*Lock, error) {
	t.Helper()
	docs, err := stream.Decode(strings.NewReader(src), "lock.yaml", Kinds)
	if err != nil {
		return nil, err
	}
	if err := stream.Unknown(docs, "Lock"); err != nil {
		t.Fatal(err)
	}
	return docs[0].Value.(*Lock), nil
}

func TestLockDecode(t *testing.T) {
	t.Parallel()
	l, err := decodeLock(t, lockYAML)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := l.ObjectName(); got != "hello@1.1.0" {
		t.Errorf("ObjectName = %q", got)
	}
	if p, ok := l.Package("libgreet"); !ok || p.Version != "1.2.0" {
		t.Errorf("Package(libgreet) = %v, %v", p, ok)
	}
	if _, ok := l.Package("nope"); ok {
		t.Error("Package(nope) found something")
	}
	// Written back, it reads the same.
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, l); err != nil {
		t.Fatal(err)
	}
	again, err := decodeLock(t, buf.String())
	if err != nil {
		t.Fatal(err)
	}
	var buf2 bytes.Buffer
	if err := stream.WriteYAML(&buf2, again); err != nil {
		t.Fatal(err)
	}
	if buf.String() != buf2.String() {
		t.Fatalf("round trip differs:\n%s\n%s", buf.String(), buf2.String())
	}
}

// -o name prints kind/NAME@VERSION, as for the other kinds: a lock is named by its
// requests as written, each at the version locked, not at its constraint.
func TestLockObjectName(t *testing.T) {
	t.Parallel()
	l := &Lock{Packages: []LockedPackage{
		{Name: "hello", Tap: "main", Version: "1.3.0"},
		{Name: "ocidir:///r/fonts", Version: "2.1.0"},
		{Name: "tool", Tap: "core", Version: "3.1.0"},
	}}
	tests := []struct {
		requests []LockRequest
		want     string
	}{
		{[]LockRequest{{Name: "hello", Version: "=1.3.0"}}, "hello@1.3.0"},
		{[]LockRequest{{Name: "hello"}, {Name: "core/tool", Version: "^3"}}, "hello@1.3.0,core/tool@3.1.0"},
		{[]LockRequest{{Name: "ocidir:///r/fonts", Version: ">=2 <3"}}, "ocidir:///r/fonts@2.1.0"},
		// Another tap's tool, or what the lock does not hold: the name alone.
		{[]LockRequest{{Name: "extra/tool", Version: "^3"}, {Name: "gone", Version: "^1"}}, "extra/tool,gone"},
	}
	for _, tt := range tests {
		l.Requests = tt.requests
		if got := l.ObjectName(); got != tt.want {
			t.Errorf("ObjectName of %+v = %q, want %q", tt.requests, got, tt.want)
		}
	}
}

func TestLockStrict(t *testing.T) {
	t.Parallel()
	src := strings.Replace(lockYAML, "    reason: dependency", "    reason: dependency\n    why: because", 1)
	_, err := decodeLock(t, src)
	if err == nil || !strings.Contains(err.Error(), `lock.yaml:22: unknown field "why" in Lock.packages[1]`) {
		t.Fatalf("error = %v, want the unknown field with its line", err)
	}
}

func TestLockValidate(t *testing.T) {
	t.Parallel()
	tests := []struct{ from, to, want string }{
		{"reason: requested", "reason: because", `packages[0] (hello): reason "because" is not one of requested, dependency, patch`},
		{"dependencies: [libgreet]", "dependencies: [libgret]", "packages[0] (hello) names libgret, which is not in the lock"},
		{"order: [libgreet, hello]", "order: [libgreet]", "order holds 1 of the 2 packages"},
		{"order: [libgreet, hello]", "order: [libgreet, hello, hello]", "order: hello is not a package of the lock, or appears twice"},
		{"  - name: libgreet", "  - name: aaa", "packages[1] (aaa): packages must be sorted by name, each once"},
		{"    repository: registry.example/hello\n", "", "packages[0] (hello): a locked package needs a version, a repository and a digest"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			src := strings.Replace(lockYAML, tt.from, tt.to, 1)
			if src == lockYAML {
				t.Fatalf("lockYAML lacks %q", tt.from)
			}
			l, err := decodeLock(t, src)
			if err != nil {
				t.Fatal(err)
			}
			err = l.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

// A lock names a repository in the spelling installed sources are compared with, however
// the file wrote it: the optional oci:// dropped, a relative layout made absolute
// against the file's directory.
func TestNormalizeRepositories(t *testing.T) {
	l := Lock{Packages: []LockedPackage{
		{Name: "a", Repository: "oci://ghcr.io/org/a"},
		{Name: "b", Repository: "ghcr.io/org/b"},
		{Name: "c", Repository: "ocidir://./layouts/c"},
		{Name: "d", Repository: "ocidir:///abs/d"},
	}}
	l.NormalizeRepositories("/work/site/lock.yaml:3")
	want := []string{"ghcr.io/org/a", "ghcr.io/org/b", "ocidir:///work/site/layouts/c", "ocidir:///abs/d"}
	for i, p := range l.Packages {
		if p.Repository != want[i] {
			t.Errorf("%s: repository %q, want %q", p.Name, p.Repository, want[i])
		}
	}
}
