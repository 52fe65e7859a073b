package patch

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

const head = "apiVersion: longshore.dev/v1alpha1\nkind: PatchDescriptor\n"

const good = head + `rules:
  - match: {name: "hello", version: ">=1.0", platform: "linux/*"}
    companions:
      - {name: corp/ca-bundle, version: "^1"}
      - {ref: registry.corp.example/patches/proxy-config, version: ">=2 <3"}
`

func TestParseValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, forName, want string
	}{
		{"good", good, "hello", ""},
		{"global may match anything", strings.Replace(good, `name: "hello"`, `name: "*"`, 1), Global, ""},
		{"bad for name", good, "Hello", `--for "Hello"`},
		{"no rules list", head, "hello", "rules: [] withdraws"},
		{"rules withdrawn", head + "rules: []\n", "hello", ""},
		{"unknown field", head + "rules:\n  - match: {nmae: x}\n    companions: [{name: a}]\n", "hello", `:4: unknown field "nmae"`},
		{"glob never matches the package", strings.Replace(good, `name: "hello"`, `name: "world*"`, 1), "hello", "never matches \"hello\""},
		{"bad glob", strings.Replace(good, `name: "hello"`, `name: "[hel"`, 1), Global, "not a valid glob"},
		{"bad version constraint", strings.Replace(good, `">=1.0"`, `"not a version"`, 1), "hello", "match.version"},
		{"no companions", head + "rules:\n  - match: {name: hello}\n    companions: []\n", "hello", "has no companions"},
		{"both name and ref", head + "rules:\n  - companions: [{name: a, ref: reg.io/a}]\n", "hello", "exactly one of name"},
		{"neither", head + "rules:\n  - companions: [{version: '1'}]\n", "hello", "exactly one of name"},
		{"self companion", head + "rules:\n  - companions: [{name: hello}]\n", "hello", "its own companion"},
		{"constraint in name", head + "rules:\n  - companions: [{name: 'ca@^1'}]\n", "hello", "put the constraint in version"},
		{"ref with tag", head + "rules:\n  - companions: [{ref: 'reg.io/a:1.0'}]\n", "hello", "give the repository only"},
		{"bad ref", head + "rules:\n  - companions: [{ref: 'not a ref'}]\n", "hello", "ref:"},
		{"wrong kind", "apiVersion: longshore.dev/v1alpha1\nkind: Package\n", "hello", `kind "Package"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tc.yaml), "patch.yaml", tc.forName)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || fault.KindOf(err) != fault.Usage {
				t.Fatalf("got %v, want a usage error containing %q", err, tc.want)
			}
		})
	}
}

func TestPushFetchRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := Parse([]byte(good), "patch.yaml", "hello")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "patches", "hello"))
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	first, err := Push(ctx, target, d)
	if err != nil || first.Unchanged {
		t.Fatalf("first push: %+v %v", first, err)
	}
	again, err := Push(ctx, target, d)
	if err != nil || !again.Unchanged || again.Digest != first.Digest {
		t.Fatalf("the same rules must give the same digest and push nothing: %+v %v", again, err)
	}
	got, digest, err := Fetch(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if digest != first.Digest || len(got.Rules) != 1 || got.Rules[0].Companions[1].Ref != "registry.corp.example/patches/proxy-config" {
		t.Errorf("fetched %+v (%s)", got, digest)
	}
}

// An empty list of rules publishes and reads back as such: how a site withdraws a
// package's rules.
func TestPushFetchWithdrawn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := Parse([]byte(head+"rules: []\n"), "patch.yaml", "hello")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "patches", "hello"))
	target, err := oci.Open(ctx, r, oci.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if _, err := Push(ctx, target, d); err != nil {
		t.Fatal(err)
	}
	got, _, err := Fetch(ctx, target)
	if err != nil || got.Rules == nil || len(got.Rules) != 0 {
		t.Fatalf("fetched %+v, %v; want no rules", got, err)
	}
}

func TestFetchMissingDescriptor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "x"))
	target, _ := oci.Open(ctx, r, oci.Options{Create: true})
	defer target.Close()
	if _, _, err := Fetch(ctx, target); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("missing descriptor: %v", err)
	}
}
