package index

import (
	"math/rand/v2"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
)

func TestBuildDigestIsCanonical(t *testing.T) {
	t.Parallel()
	pkgs := genPackages(300, 3)
	for i := range pkgs {
		for j := range pkgs[i].Versions {
			v := &pkgs[i].Versions[j]
			v.Dependencies = append(v.Dependencies, pkgspec.Dependency{Ref: "example.com/a/b", Version: "1.x"})
		}
	}
	want, err := Build(pkgs, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Shuffle packages, versions, platforms, keywords and dependencies: same digests.
	rng := rand.New(rand.NewPCG(1, 2))
	shuffle := func(n int, swap func(a, b int)) { rng.Shuffle(n, swap) }
	for round := range 5 {
		shuffled := make([]Package, len(pkgs))
		for i, p := range pkgs {
			p = clonePackage(p)
			shuffle(len(p.Keywords), func(a, b int) { p.Keywords[a], p.Keywords[b] = p.Keywords[b], p.Keywords[a] })
			shuffle(len(p.Versions), func(a, b int) { p.Versions[a], p.Versions[b] = p.Versions[b], p.Versions[a] })
			for j := range p.Versions {
				v := &p.Versions[j]
				shuffle(len(v.Platforms), func(a, b int) { v.Platforms[a], v.Platforms[b] = v.Platforms[b], v.Platforms[a] })
				shuffle(len(v.Dependencies), func(a, b int) { v.Dependencies[a], v.Dependencies[b] = v.Dependencies[b], v.Dependencies[a] })
			}
			shuffled[i] = p
		}
		shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		got, err := Build(shuffled, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Manifest.Desc.Digest != want.Manifest.Desc.Digest {
			t.Fatalf("round %d: manifest digest %s, want %s (order must not matter)", round, got.Manifest.Desc.Digest, want.Manifest.Desc.Digest)
		}
	}
	// Keywords listed twice and empty lists encode as their canonical form too.
	p := clonePackage(pkgs[0])
	p.Keywords = append(p.Keywords, p.Keywords...)
	one, _ := EncodeShard([]Package{p})
	two, _ := EncodeShard([]Package{pkgs[0]})
	if string(one) != string(two) {
		t.Errorf("duplicate keywords change the encoding:\n%s\n%s", one, two)
	}
}

func TestBuildGoldenDigest(t *testing.T) {
	t.Parallel()
	// The encoding is a contract: a change to it changes every index digest. This
	// golden value must only move with a deliberate format change.
	b, err := Build(genPackages(20, 2), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := Build(genPackages(20, 2), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Desc.Digest != b2.Manifest.Desc.Digest {
		t.Fatal("two builds of the same packages differ")
	}
	const golden = "sha256:84d866641ef93b23896d52f715bd33ece74c0a984b8f054dc000531bbea46931"
	if got := b.Manifest.Desc.Digest.String(); got != golden {
		t.Errorf("index digest %s, golden %s: the encoding changed (a format change must be deliberate; update docs/index-format.md and this value)", got, golden)
	}
	shard := string(b.Shards[0].Data)
	if strings.Contains(shard, "\n") || strings.Contains(shard, "  ") || strings.HasPrefix(shard, " ") {
		t.Errorf("shard is not compact JSON: %.80q", shard)
	}
	if !strings.HasPrefix(shard, `{"packages":[{"name":"`) {
		t.Errorf("shard starts %.40q", shard)
	}
}

func TestEncodingDoesNotEscapeHTML(t *testing.T) {
	t.Parallel()
	p := genPackages(1, 1)[0]
	p.Description = "a <b> & c"
	data, err := EncodeShard([]Package{p})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"a <b> & c"`) {
		t.Errorf("shard escapes HTML: %s", data)
	}
}

func TestOneChangedPackageChangesOneShard(t *testing.T) {
	t.Parallel()
	pkgs := genPackages(2000, 3)
	before, err := Build(pkgs, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	pkgs[1234].Versions[0].Yanked = true
	after, err := Build(pkgs, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Shards) != 256 || len(after.Shards) != 256 {
		t.Fatalf("shards: %d and %d, want 256", len(before.Shards), len(after.Shards))
	}
	var changed []string
	for i := range before.Shards {
		if before.Shards[i].Desc.Digest != after.Shards[i].Desc.Digest {
			changed = append(changed, before.Shards[i].Desc.Annotations[ShardAnnotation])
		}
	}
	if len(changed) != 1 || changed[0] != ShardKey(pkgs[1234].Name) {
		t.Errorf("changed shards %v, want only %s", changed, ShardKey(pkgs[1234].Name))
	}
}

func TestBuildRefusesDuplicates(t *testing.T) {
	t.Parallel()
	pkgs := genPackages(3, 1)
	_, err := Build(append(pkgs, pkgs[1]), "", nil)
	if err == nil || !strings.Contains(err.Error(), "pkg-00001 is listed twice") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := genPackages(1, 2)[0]
	tests := []struct {
		name   string
		modify func(p *Package)
		want   string
	}{
		{"valid", func(p *Package) {}, ""},
		{"no name", func(p *Package) { p.Name = "" }, "has no name"},
		{"bad name", func(p *Package) { p.Name = "Hello" }, `package name "Hello" is invalid`},
		{"bad version", func(p *Package) { p.Versions[1].Version = "v1.0" }, `version "v1.0" is not a semantic version`},
		{"duplicate version", func(p *Package) { p.Versions[1].Version = p.Versions[0].Version }, "listed twice"},
		{"no versions", func(p *Package) { p.Versions = nil }, "has no versions"},
		{"bad repository", func(p *Package) { p.Repository = "not a ref" }, `repository "not a ref" is not a valid reference`},
		{"repository with tag", func(p *Package) { p.Repository = "ghcr.io/org/x:1.0" }, "names a tag or digest"},
		{"relative layout", func(p *Package) { p.Repository = "ocidir://./reg/x" }, "relative layout path"},
		{"layout", func(p *Package) { p.Repository = "ocidir:///srv/reg/x" }, ""},
		{"package name as repository", func(p *Package) { p.Repository = "org/hello" }, "not a valid reference"},
		{"bad digest", func(p *Package) { p.Versions[0].Digest = "sha256:abc" }, "is not a digest"},
		{"bad platform", func(p *Package) { p.Versions[0].Platforms[0].Platform = "linux" }, `platforms[0].platform "linux" is not os/arch[/variant]`},
		{"not Go's architecture", func(p *Package) { p.Versions[0].Platforms[1].Platform = "linux/x86_64" },
			`package pkg-00000@1.0.0: platforms[1].platform "linux/x86_64" uses "x86_64" for the architecture: OCI platforms use Go's names, write linux/amd64`},
		{"any platform", func(p *Package) {
			p.Versions[0].Platforms = p.Versions[0].Platforms[:1]
			p.Versions[0].Platforms[0].Platform = "any"
		}, ""},
		{"bad platform digest", func(p *Package) { p.Versions[1].Platforms[1].Digest = "x" }, `package pkg-00000@1.0.1: platforms[1].digest (linux/arm64): "x" is not a digest`},
		{"dependency with name and ref", func(p *Package) { p.Versions[0].Dependencies[0].Ref = "x.io/y" }, "dependencies[0] needs exactly one of name and ref"},
		{"dependency with neither", func(p *Package) { p.Versions[0].Dependencies[0].Name = "" }, "dependencies[0] needs exactly one of name and ref"},
		{"dependency name", func(p *Package) { p.Versions[0].Dependencies[0].Name = "Zed" }, `dependencies[0].name "Zed" is not NAME or TAP/NAME`},
		{"dependency name from a tap", func(p *Package) { p.Versions[0].Dependencies[0].Name = "core/zed" }, ""},
		{"dependency name with a constraint", func(p *Package) { p.Versions[0].Dependencies[0].Name = "zed@^1" }, "put the constraint in version"},
		{"dependency name is a repository", func(p *Package) { p.Versions[0].Dependencies[0].Name = "ghcr.io/org/zed" }, "has more than one '/'"},
		{"dependency ref is a name", func(p *Package) {
			p.Versions[0].Dependencies[0] = pkgspec.Dependency{Ref: "x", Version: "1"}
		}, `dependencies[0].ref "x" is not a repository reference: "x" is not an OCI reference`},
		{"dependency ref", func(p *Package) {
			p.Versions[0].Dependencies[0] = pkgspec.Dependency{Ref: "ghcr.io/org/zed", Version: "^1"}
		}, ""},
		{"dependency ref layout", func(p *Package) { p.Versions[0].Dependencies[0] = pkgspec.Dependency{Ref: "ocidir:///srv/zed"} }, ""},
		{"dependency ref relative layout", func(p *Package) { p.Versions[0].Dependencies[0] = pkgspec.Dependency{Ref: "ocidir://zed"} }, "is a relative layout path"},
		{"dependency ref with a tag", func(p *Package) { p.Versions[0].Dependencies[0] = pkgspec.Dependency{Ref: "ghcr.io/org/zed:1.0.0"} }, "give the repository only (ghcr.io/org/zed)"},
		{"dependency constraint", func(p *Package) { p.Versions[0].Dependencies[0].Version = "what" }, `dependencies[0].version: version constraint "what" does not parse`},
		{"dependency without a constraint", func(p *Package) { p.Versions[0].Dependencies[0].Version = "" }, ""},
		{"homepage", func(p *Package) { p.Homepage = "not a url" }, `package pkg-00000: homepage "not a url" is not an absolute http(s) URL`},
		{"homepage scheme", func(p *Package) { p.Homepage = "ftp://example.com" }, "uses the ftp: scheme"},
		{"license", func(p *Package) { p.License = "Not A License" }, `package pkg-00000: license "Not A License" is not an SPDX license expression`},
		{"license expression", func(p *Package) { p.License = "Apache-2.0 OR MIT" }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := clonePackage(good)
			tc.modify(&p)
			err := p.Validate("entries/x.yaml:1")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "entries/x.yaml:1: ") {
				t.Fatalf("err = %v, want it to start with the entry and contain %q", err, tc.want)
			}
			if fault.KindOf(err) != fault.Usage {
				t.Errorf("kind = %v, want usage", fault.KindOf(err))
			}
		})
	}
}

// TestValidateNeverEchoesCredentials: a repository, a dependency's ref or a homepage
// with a password in it is refused without repeating the password.
func TestValidateNeverEchoesCredentials(t *testing.T) {
	t.Parallel()
	const pw = "s3cret"
	good := genPackages(1, 1)[0]
	for i, modify := range []func(p *Package){
		func(p *Package) { p.Repository = "user:" + pw + "@ghcr.io/org/x" },
		func(p *Package) { p.Repository = "oci://user:" + pw + "@HOST/x" },
		func(p *Package) {
			p.Versions[0].Dependencies[0] = pkgspec.Dependency{Ref: "user:" + pw + "@ghcr.io/org/zed"}
		},
		func(p *Package) { p.Homepage = "https://user:" + pw + "@example.com/" },
	} {
		p := clonePackage(good)
		modify(&p)
		err := p.Validate("x.yaml:1")
		if err == nil || strings.Contains(err.Error(), pw) || fault.KindOf(err) != fault.Usage {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func clonePackage(p Package) Package {
	p.Keywords = append([]string(nil), p.Keywords...)
	vs := make([]Version, len(p.Versions))
	for i, v := range p.Versions {
		v.Platforms = append([]api.Platform(nil), v.Platforms...)
		v.Dependencies = append([]pkgspec.Dependency(nil), v.Dependencies...)
		vs[i] = v
	}
	p.Versions = vs
	return p
}

func TestCompareVersions(t *testing.T) {
	t.Parallel()
	ordered := []string{"junk", "0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0", "1.0.0+a", "1.0.0+b", "1.2.0", "1.10.0", "2.0.0"}
	for i := range ordered {
		for j := range ordered {
			got := CompareVersions(ordered[i], ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestLatest(t *testing.T) {
	t.Parallel()
	p := genPackages(1, 3)[0]
	if v, _ := p.Latest(); v.Version != "1.0.2" {
		t.Errorf("latest = %s", v.Version)
	}
	p.Versions[2].Yanked = true
	if v, _ := p.Latest(); v.Version != "1.0.1" {
		t.Errorf("latest with the top yanked = %s", v.Version)
	}
}

// TestValidateLoggedIsLenient: entries read back from the entry log are held to what
// readers need, not to the publishing rules, so that a newer publisher merging the log
// never drops an entry an older one logged (and will merge itself).
func TestValidateLoggedIsLenient(t *testing.T) {
	t.Parallel()
	p := genPackages(1, 1)[0]
	p.License, p.Homepage = "Not A License", "not a url"
	p.Versions[0].Platforms[0].Platform = "linux/x86_64"
	p.Versions[0].Dependencies = []pkgspec.Dependency{{Name: "Zed", Version: "what"}, {Ref: "x", Version: "1"}}
	if err := p.validateLogged("log"); err != nil {
		t.Errorf("validateLogged: %v", err)
	}
	if err := p.Validate("log"); err == nil {
		t.Error("Validate accepted it")
	}
	p.Versions[0].Platforms[0].Platform = "linux"
	if err := p.validateLogged("log"); err == nil || !strings.Contains(err.Error(), `platforms[0].platform "linux"`) {
		t.Errorf("validateLogged of a platform without an architecture: %v", err)
	}
}
