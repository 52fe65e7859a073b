package ref

import (
	"errors"
	"strings"
	"testing"
)

var (
	sha256Digest = "sha256:" + strings.Repeat("0123456789abcdef", 4)
	sha512Digest = "sha512:" + strings.Repeat("0123456789abcdef", 8)
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Ref
		str  string // canonical form; "" means same as in
	}{
		// remote
		{in: "ghcr.io/org/hello:1.2.3", want: Ref{Kind: Remote, Registry: "ghcr.io", Repository: "org/hello", Tag: "1.2.3"}},
		{in: "ghcr.io/hello", want: Ref{Kind: Remote, Registry: "ghcr.io", Repository: "hello"}},
		{in: "oci://ghcr.io/org/hello:1.2.3", want: Ref{Kind: Remote, Registry: "ghcr.io", Repository: "org/hello", Tag: "1.2.3"}, str: "ghcr.io/org/hello:1.2.3"},
		{in: "  ghcr.io/org/hello  ", want: Ref{Kind: Remote, Registry: "ghcr.io", Repository: "org/hello"}, str: "ghcr.io/org/hello"},
		{in: "localhost:5000/demo/hello@" + sha256Digest, want: Ref{Kind: Remote, Registry: "localhost:5000", Repository: "demo/hello", Digest: sha256Digest}},
		{in: "localhost/hello:latest", want: Ref{Kind: Remote, Registry: "localhost", Repository: "hello", Tag: "latest"}},
		{in: "oci://localhost:5000/hello", want: Ref{Kind: Remote, Registry: "localhost:5000", Repository: "hello"}, str: "localhost:5000/hello"},
		{in: "registry.example.com:443/a/b/c/d:v1", want: Ref{Kind: Remote, Registry: "registry.example.com:443", Repository: "a/b/c/d", Tag: "v1"}},
		{in: "myregistry:5000/hello", want: Ref{Kind: Remote, Registry: "myregistry:5000", Repository: "hello"}},
		{in: "127.0.0.1:5000/x", want: Ref{Kind: Remote, Registry: "127.0.0.1:5000", Repository: "x"}},
		{in: "[::1]:5000/x", want: Ref{Kind: Remote, Registry: "[::1]:5000", Repository: "x"}},
		{in: "[::1]/x:1", want: Ref{Kind: Remote, Registry: "[::1]", Repository: "x", Tag: "1"}},
		{in: "[2001:db8::1]:5000/org/x", want: Ref{Kind: Remote, Registry: "[2001:db8::1]:5000", Repository: "org/x"}},
		{in: "ghcr.io/org/hello:1.2.3@" + sha256Digest, want: Ref{Kind: Remote, Registry: "ghcr.io", Repository: "org/hello", Tag: "1.2.3", Digest: sha256Digest}},
		{in: "ghcr.io/org/hello@" + sha512Digest, want: Ref{Kind: Remote, Registry: "ghcr.io", Repository: "org/hello", Digest: sha512Digest}},
		{in: "ghcr.io/a.b/c_d/e__f/g--h/i-j:V_1.2-RC", want: Ref{Kind: Remote, Registry: "ghcr.io", Repository: "a.b/c_d/e__f/g--h/i-j", Tag: "V_1.2-RC"}},
		{in: "ghcr.io/x:_" + strings.Repeat("a", 127), want: Ref{Kind: Remote, Registry: "ghcr.io", Repository: "x", Tag: "_" + strings.Repeat("a", 127)}},
		{in: "ghcr.io/org/hello:1.2.3_build.5", want: Ref{Kind: Remote, Registry: "ghcr.io", Repository: "org/hello", Tag: "1.2.3_build.5"}},

		// layout
		{in: "ocidir://./registry/demo/hello:1.0.0", want: Ref{Kind: Layout, Path: "./registry/demo/hello", Tag: "1.0.0"}},
		{in: "ocidir://./registry/demo/hello", want: Ref{Kind: Layout, Path: "./registry/demo/hello"}},
		{in: "ocidir://hello:1", want: Ref{Kind: Layout, Path: "hello", Tag: "1"}},
		{in: "ocidir:///tmp/a:b/c", want: Ref{Kind: Layout, Path: "/tmp/a:b/c"}},
		{in: "ocidir:///tmp/a:b/c:v2", want: Ref{Kind: Layout, Path: "/tmp/a:b/c", Tag: "v2"}},
		{in: "ocidir:///tmp/layout@" + sha256Digest, want: Ref{Kind: Layout, Path: "/tmp/layout", Digest: sha256Digest}},
		{in: "ocidir:///tmp/a:b/layout:1.0@" + sha256Digest, want: Ref{Kind: Layout, Path: "/tmp/a:b/layout", Tag: "1.0", Digest: sha256Digest}},
		{in: "ocidir://../me@host/dir", want: Ref{Kind: Layout, Path: "../me@host/dir"}},
		{in: "ocidir://dir with spaces/x:1", want: Ref{Kind: Layout, Path: "dir with spaces/x", Tag: "1"}},
		{in: "ocidir://My/Dir", want: Ref{Kind: Layout, Path: "My/Dir"}},
		{in: `ocidir://C:\layouts\hello`, want: Ref{Kind: Layout, Path: `C:\layouts\hello`}},
		{in: `ocidir://C:\layouts\hello:1.0`, want: Ref{Kind: Layout, Path: `C:\layouts\hello`, Tag: "1.0"}},

		// package
		{in: "hello", want: Ref{Kind: Package, Name: "hello"}},
		{in: "core/hello", want: Ref{Kind: Package, Tap: "core", Name: "hello"}},
		{in: "org/hello", want: Ref{Kind: Package, Tap: "org", Name: "hello"}},
		{in: "core/hello@^1.2", want: Ref{Kind: Package, Tap: "core", Name: "hello", Constraint: "^1.2"}},
		{in: "hello@1.2.3", want: Ref{Kind: Package, Name: "hello", Constraint: "1.2.3"}},
		{in: "hello@>=1 <2", want: Ref{Kind: Package, Name: "hello", Constraint: ">=1 <2"}},
		{in: "hello@  ~1.2 ", want: Ref{Kind: Package, Name: "hello", Constraint: "~1.2"}, str: "hello@~1.2"},
		{in: "hello@1:2.0", want: Ref{Kind: Package, Name: "hello", Constraint: "1:2.0"}},
		{in: "ghcr.io", want: Ref{Kind: Package, Name: "ghcr.io"}},
		{in: "localhost", want: Ref{Kind: Package, Name: "localhost"}},
		{in: "0tap/lib_x-1.2", want: Ref{Kind: Package, Tap: "0tap", Name: "lib_x-1.2"}},
		{in: "core/" + strings.Repeat("n", 128), want: Ref{Kind: Package, Tap: "core", Name: strings.Repeat("n", 128)}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
			wantStr := tt.str
			if wantStr == "" {
				wantStr = tt.in
			}
			if s := got.String(); s != wantStr {
				t.Errorf("String() = %q, want %q", s, wantStr)
			}
			again, err := Parse(got.String())
			if err != nil || again != got {
				t.Errorf("Parse(String()) = %#v, %v; want %#v", again, err, got)
			}
			if got.Kind != Package {
				art, err := ParseArtifact(tt.in)
				if err != nil || art != got {
					t.Errorf("ParseArtifact(%q) = %#v, %v; want %#v", tt.in, art, err, got)
				}
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		reason string // substring of the error's reason
	}{
		{"empty", "", "empty reference"},
		{"spaces only", "   ", "empty reference"},
		{"bad tag chars remote", "ghcr.io/hello:v1 2", `tag "v1 2" has invalid characters: tags may use letters, digits, '_', '.', '-' and at most 128 characters`},
		{"bad tag plus", "ghcr.io/hello:1.2.3+build", `tag "1.2.3+build" has invalid characters`},
		{"bad tag start", "ghcr.io/hello:-x", "must start with a letter, digit or '_'"},
		{"empty tag", "ghcr.io/hello:", "empty tag after ':'"},
		{"too long tag", "ghcr.io/hello:" + strings.Repeat("a", 129), "is too long (129 characters)"},
		{"bad tag layout", "ocidir://./x:v1 2", `tag "v1 2" has invalid characters`},
		{"short hex", "ghcr.io/hello@sha256:abc", "has 3 hex characters: sha256 digests have exactly 64"},
		{"long hex", "ghcr.io/hello@" + sha256Digest + "0", "has 65 hex characters"},
		{"sha512 short", "ghcr.io/hello@sha512:" + strings.Repeat("a", 64), "sha512 digests have exactly 128"},
		{"uppercase hex", "ghcr.io/hello@" + strings.ToUpper(sha256Digest[:9]) + sha256Digest[9:], "must be lowercase"},
		{"uppercase hex only", "ghcr.io/hello@sha256:" + strings.Repeat("ABCDEF0123456789", 4), "has upper-case hex: digests use lowercase hex, use \"" + "sha256:" + strings.Repeat("abcdef0123456789", 4) + "\""},
		{"non hex", "ghcr.io/hello@sha256:" + strings.Repeat("g", 64), "has non-hex characters"},
		{"unknown algo", "ghcr.io/hello@md5:" + strings.Repeat("a", 32), `digest algorithm "md5"`},
		{"digest without algo", "ghcr.io/hello@^1.2", "is not a digest"},
		{"empty digest", "ghcr.io/hello@", "empty digest after '@'"},
		{"layout bad digest", "ocidir://./x@sha256:abc", "sha256 digests have exactly 64"},
		{"layout unknown algo", "ocidir://./x@md5:abc", `digest algorithm "md5"`},
		{"uppercase repository", "ghcr.io/Org/Hello:V1", `repository "Org/Hello" has upper-case letters: references must be lowercase, e.g. "ghcr.io/org/hello:V1"`},
		{"uppercase registry", "GHCR.io/org/hello", `registry "GHCR.io" has upper-case letters: references must be lowercase, e.g. "ghcr.io/org/hello"`},
		{"uppercase package", "Core/Hello@^1", `package "Core/Hello" has upper-case letters: references must be lowercase, e.g. "core/hello@^1"`},
		{"relative path", "./registry/hello:0.1.0", `"./registry/hello:0.1.0" is a path, and a path is not a reference: a local OCI layout is written ocidir://./registry/hello:0.1.0`},
		{"parent path", "../reg/hello", "a local OCI layout is written ocidir://../reg/hello"},
		{"hidden path", ".reg/hello", "a local OCI layout is written ocidir://.reg/hello"},
		{"absolute path", "/srv/reg/hello@" + sha256Digest, "a local OCI layout is written ocidir:///srv/reg/hello@" + sha256Digest},
		{"oci no registry", "oci://hello", "a remote reference needs a registry host"},
		{"oci non-registry first component", "oci://org/hello", `a remote reference needs a registry host: "org" is not one`},
		{"oci registry only", "oci://localhost:5000", "missing repository after registry host"},
		{"registry only", "localhost:5000", "looks like a registry host without a repository"},
		{"registry slash only", "ghcr.io/", "missing repository"},
		{"empty component", "ghcr.io/a//b", "empty path component"},
		{"bad component", "ghcr.io/a-/b", `repository component "a-" is invalid`},
		{"triple underscore", "ghcr.io/a___b", `repository component "a___b" is invalid`},
		{"too long name", "ghcr.io/" + strings.Repeat("a", 248), "is too long (256 characters): REGISTRY/REPOSITORY may have at most 255"},
		{"bad port", "localhost:abc/x", `registry port "abc" is invalid`},
		{"port range", "localhost:65536/x", `registry port "65536" is invalid`},
		{"empty port", "localhost:/x", `registry port "" is invalid`},
		{"bad host", "ghcr..io/x", `registry host "ghcr..io" is invalid`},
		{"bad host hyphen", "-ghcr.io/x", `registry host "-ghcr.io" is invalid`},
		{"bad ipv6", "[::g]:5000/x", `"::g" is not an IPv6 address`},
		{"ipv4 in brackets", "[127.0.0.1]:5000/x", "is not an IPv6 address"},
		{"unterminated ipv6", "[::1:5000/x", "unterminated '['"},
		{"junk after ipv6", "[::1]x:5000/x", `has "x:5000" after ']'`},
		{"no registry a/b/c", "a/b/c", `"a/b/c" is neither a package nor a remote reference`},
		{"digest constraint", "hello@" + sha256Digest, "is a digest, not a version constraint"},
		{"digest constraint remote hint", "core/hello@" + sha256Digest, "use a remote reference such as localhost:5000/core/hello@" + sha256Digest},
		{"empty constraint", "hello@", "empty version constraint"},
		{"blank constraint", "hello@   ", "empty version constraint"},
		{"name with tag", "hello:1.0", `"hello:1.0" contains ':'`},
		{"tapped name with tag", "org/hello:1.0", "localhost:5000/org/hello:1.0"},
		{"bad name", "hel lo", `package name "hel lo" is invalid`},
		{"bad name start", "_hello", `package name "_hello" is invalid`},
		{"empty name", "core/", "missing package name"},
		{"empty tap", "/hello", "missing tap"},
		{"empty name before constraint", "@1.2", "missing package name"},
		{"too long name", strings.Repeat("n", 129), "is too long (129 characters): at most 128"},
		{"ocidir alone", "ocidir://", "ocidir:// needs a path"},
		{"ocidir tag only", "ocidir://:1.0", "missing path"},
		{"ocidir empty tag", "ocidir://x:", "empty tag after ':'"},
		{"unknown scheme", "https://ghcr.io/org/hello", `unsupported scheme "https://"`},
		{"uppercase scheme", "OCI://ghcr.io/hello", `scheme "OCI://" must be lowercase: use oci://`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %#v, want error containing %q", tt.in, got, tt.reason)
			}
			checkSyntaxError(t, err, tt.in, tt.reason)
		})
	}
}

// checkSyntaxError checks that err is a *SyntaxError for in whose reason
// contains reason and whose message ends with the grammar.
func checkSyntaxError(t *testing.T, err error, in, reason string) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is %T, want *SyntaxError", err, err)
	}
	if se.Input != strings.TrimSpace(in) {
		t.Errorf("Input = %q, want %q", se.Input, strings.TrimSpace(in))
	}
	if !strings.Contains(se.Reason, reason) {
		t.Errorf("Reason = %q, want it to contain %q", se.Reason, reason)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "invalid reference ") {
		t.Errorf("message %q does not start with \"invalid reference \"", msg)
	}
	for line := range strings.SplitSeq(Grammar, "\n") {
		if !strings.Contains(msg, "\n  "+line) {
			t.Errorf("message %q lacks grammar line %q", msg, line)
		}
	}
}

func TestSyntaxErrorFormat(t *testing.T) {
	t.Parallel()
	err := &SyntaxError{Input: "x", Reason: "because"}
	want := `invalid reference "x": because` + "\n" +
		"  remote:   [oci://]REGISTRY/REPOSITORY[:TAG][@DIGEST]   e.g. ghcr.io/org/hello:1.2.3, localhost:5000/demo/hello@sha256:…\n" +
		"  layout:   ocidir://PATH[:TAG][@DIGEST]                 e.g. ocidir://./registry/demo/hello:1.0.0\n" +
		"  package:  [TAP/]NAME[@CONSTRAINT]                      e.g. hello, core/hello@^1.2"
	if got := err.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestParseArtifactRejectsPackages(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"hello", "core/hello", "hello@^1.2", "a/b/c", "localhost:5000"} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseArtifact(in)
			if err == nil {
				t.Fatalf("ParseArtifact(%q) = %#v, want error", in, got)
			}
			checkSyntaxError(t, err, in, "is not an OCI reference: expected REGISTRY/REPOSITORY[:TAG] such as localhost:5000/hello:1.0.0 or ocidir://./registry/hello:1.0.0")
			checkSyntaxError(t, err, in, "a registry host is needed")
		})
	}
	// Errors in artifact-looking input are reported as such.
	_, err := ParseArtifact("oci://hello")
	checkSyntaxError(t, err, "oci://hello", "a remote reference needs a registry host")
}

func TestKindString(t *testing.T) {
	t.Parallel()
	for k, want := range map[Kind]string{Remote: "remote", Layout: "layout", Package: "package", 0: "Kind(0)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestLocator(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ghcr.io/org/hello:1.2.3@" + sha256Digest, "ghcr.io/org/hello"},
		{"oci://localhost:5000/hello", "localhost:5000/hello"},
		{"ocidir://./reg/hello:1@" + sha256Digest, "ocidir://./reg/hello"},
		{"core/hello@^1", "core/hello"},
		{"hello@^1", "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			r, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Locator(); got != tt.want {
				t.Errorf("Locator() = %q, want %q", got, tt.want)
			}
		})
	}
	if got := (Ref{}).Locator() + (Ref{}).String(); got != "" {
		t.Errorf("zero Ref Locator()+String() = %q, want \"\"", got)
	}
}

func TestReferenceWithTagWithDigest(t *testing.T) {
	t.Parallel()
	r, err := Parse("ghcr.io/org/hello:1.0")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Reference(); got != "1.0" {
		t.Errorf("Reference() = %q, want tag", got)
	}
	d := r.WithDigest(sha256Digest)
	if d.Tag != "1.0" || d.Digest != sha256Digest || d.Reference() != sha256Digest {
		t.Errorf("WithDigest = %#v, Reference() = %q; want tag kept and digest resolved", d, d.Reference())
	}
	if r.Digest != "" {
		t.Errorf("WithDigest modified the receiver: %#v", r)
	}
	if want := "ghcr.io/org/hello:1.0@" + sha256Digest; d.String() != want {
		t.Errorf("String() = %q, want %q", d.String(), want)
	}
	tg := d.WithTag("2.0")
	if tg.Tag != "2.0" || tg.Digest != "" || tg.Reference() != "2.0" {
		t.Errorf("WithTag = %#v; want tag 2.0 and digest cleared", tg)
	}
	if got := (Ref{Kind: Remote, Registry: "ghcr.io", Repository: "x"}).Reference(); got != "" {
		t.Errorf("Reference() without tag or digest = %q, want \"\"", got)
	}
}

func TestIsLocalhost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"localhost/x", true},
		{"localhost:5000/x", true},
		{"127.0.0.1/x", true},
		{"127.0.0.1:5000/x", true},
		{"127.1.2.3:80/x", true},
		{"[::1]/x", true},
		{"[::1]:5000/x", true},
		{"[::ffff:127.0.0.1]:5000/x", true},
		{"ghcr.io/x", false},
		{"localhost.example.com/x", false},
		{"128.0.0.1:5000/x", false},
		{"[::2]:5000/x", false},
		{"10.0.0.1:5000/x", false},
		{"localhost", false}, // a package
		{"ocidir://localhost:5000/x", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			r, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.IsLocalhost(); got != tt.want {
				t.Errorf("IsLocalhost() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidTag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag  string
		want bool
	}{
		{"1.2.3", true},
		{"latest", true},
		{"_x", true},
		{"V1.0-rc.1_b", true},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{"", false},
		{".x", false},
		{"-x", false},
		{"1.2.3+b", false},
		{"a b", false},
		{"a/b", false},
		{"é", false},
	}
	for _, tt := range tests {
		if got := ValidTag(tt.tag); got != tt.want {
			t.Errorf("ValidTag(%q) = %v, want %v", tt.tag, got, tt.want)
		}
	}
}

func TestTagForVersion(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"1.2.3", "1.2.3"},
		{"1.2.3+build.5", "1.2.3_build.5"},
		{"1.0.0-rc.1+meta", "1.0.0-rc.1_meta"},
	}
	for _, tt := range tests {
		got := TagForVersion(tt.in)
		if got != tt.want {
			t.Errorf("TagForVersion(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !ValidTag(got) {
			t.Errorf("TagForVersion(%q) = %q is not a valid tag", tt.in, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"ghcr.io/org/hello:1.2.3",
		"oci://localhost:5000/demo/hello@" + sha256Digest,
		"[::1]:5000/x:1@" + sha512Digest,
		"ocidir://./registry/demo/hello:1.0.0",
		"ocidir:///tmp/a:b/c@" + sha256Digest,
		"ocidir://a@b:c/d",
		"hello",
		"core/hello@^1.2",
		"hello@>=1 <2",
		"a/b/c",
		"hello@" + sha256Digest,
		"Org/Hello",
		"https://x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %v is %T, want *SyntaxError", s, err, err)
			}
			return
		}
		again, err := Parse(r.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %#v, but Parse(String() = %q) failed: %v", s, r, r.String(), err)
		}
		if again != r {
			t.Fatalf("Parse(%q) = %#v, but Parse(String() = %q) = %#v", s, r, r.String(), again)
		}
		if a, err := ParseArtifact(s); r.Kind != Package && (err != nil || a != r) {
			t.Fatalf("ParseArtifact(%q) = %#v, %v; Parse gave %#v", s, a, err, r)
		}
	})
}

func TestCredentialsNeverEchoed(t *testing.T) {
	t.Parallel()
	const secret = "s3cret"
	tests := []struct {
		in   string
		want string // the reference the error suggests
		host string // the host pkg-tap login is pointed at
	}{
		{"user:s3cret@HOST:5000/x", "HOST:5000/x", "HOST:5000"},
		{"oci://user:s3cret@HOST/x", "oci://HOST/x", "HOST"},
		{"oci://user:s3cret@HOST/hello:1.0.0", "oci://HOST/hello:1.0.0", "HOST"},
		{"user:s3cret@ghcr.io/org/hello@" + sha256Digest, "ghcr.io/org/hello@" + sha256Digest, "ghcr.io"},
		{"s3cret@ghcr.io/org/hello", "ghcr.io/org/hello", "ghcr.io"}, // a token as the user name
		{"oci://s3cret@localhost:5000/x", "oci://localhost:5000/x", "localhost:5000"},
		{"https://user:s3cret@ghcr.io/org/hello", "ghcr.io/org/hello", "ghcr.io"},
		{"user:s3cret@localhost:5000", "localhost:5000/REPOSITORY", "localhost:5000"},
		{"  user:s3cret@[::1]:5000/x  ", "[::1]:5000/x", "[::1]:5000"},
		{"user:s3/cr+et@ghcr.io/org/hello", "ghcr.io/org/hello", "ghcr.io"},              // base64 tokens hold '/'
		{"user:s3cret/x@localhost:5000/hello", "localhost:5000/hello", "localhost:5000"}, // a password with ':' and '/' before it looks like HOST:PORT/
		{"user:s3c@ret@ghcr.io/org/hello", "ghcr.io/org/hello", "ghcr.io"},
		{"tok/s3cret@ghcr.io/org/hello", "ghcr.io/org/hello", "ghcr.io"},
		{"oci://user:s3cret@ghcr.io/org/hello@" + sha256Digest, "oci://ghcr.io/org/hello@" + sha256Digest, "ghcr.io"},
	}
	for _, tt := range tests {
		for name, parse := range map[string]func(string) (Ref, error){"Parse": Parse, "ParseArtifact": ParseArtifact} {
			t.Run(name+"/"+tt.in, func(t *testing.T) {
				t.Parallel()
				got, err := parse(tt.in)
				if err == nil {
					t.Fatalf("%s(%q) = %#v, want an error", name, tt.in, got)
				}
				msg := err.Error()
				if strings.Contains(msg, secret) {
					t.Errorf("the error repeats the secret:\n%s", msg)
				}
				var se *SyntaxError
				if !errors.As(err, &se) || strings.Contains(se.Input, secret) || strings.Contains(se.Reason, secret) {
					t.Fatalf("error %#v", err)
				}
				for _, w := range []string{"credentials do not go in a reference", "***@", "write " + tt.want + " ", "pkg-tap login " + tt.host + " ", "docker login " + tt.host} {
					if !strings.Contains(msg, w) {
						t.Errorf("the error does not say %q:\n%s", w, msg)
					}
				}
			})
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"user:pw@ghcr.io/org/hello", "***@ghcr.io/org/hello"},
		{"oci://user:pw@HOST/x", "oci://***@HOST/x"},
		{"oci://tok@HOST/x", "oci://***@HOST/x"},
		{"https://a:b@c@ghcr.io/x", "https://***@ghcr.io/x"},
		{" user:pw@localhost:5000 ", " ***@localhost:5000 "},
		{"tok@ghcr.io/x", "***@ghcr.io/x"},
		// Not credentials: kept as typed.
		{"ghcr.io/org/hello@" + sha256Digest, "ghcr.io/org/hello@" + sha256Digest},
		{"localhost:5000@" + sha256Digest, "localhost:5000@" + sha256Digest},
		{"localhost:5000/hello:1.0@1.2.3", "localhost:5000/hello:1.0@1.2.3"},
		{"core/hello@1.2.3", "core/hello@1.2.3"},
		{"ghcr.io/org/hello:1.0@" + sha256Digest, "ghcr.io/org/hello:1.0@" + sha256Digest},
		{"hello@1.2.3", "hello@1.2.3"},
		{"hello@1:2.0", "hello@1:2.0"},
		{"hello@^1.2", "hello@^1.2"},
		{"core/hello@^1.2", "core/hello@^1.2"},
		{"ocidir://../me:pw@host/dir", "ocidir://../me:pw@host/dir"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
		stripped, found := StripCredentials(tt.in)
		if wantFound := tt.want != tt.in; found != wantFound || (found && strings.Contains(stripped, "@ghcr.io")) {
			t.Errorf("StripCredentials(%q) = %q, %v", tt.in, stripped, found)
		}
	}
	// A package with a constraint still parses.
	if r, err := Parse("hello@1:2.0"); err != nil || r.Constraint != "1:2.0" {
		t.Errorf("Parse(hello@1:2.0) = %#v, %v", r, err)
	}
}
