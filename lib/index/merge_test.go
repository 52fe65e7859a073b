package index

import (
	"fmt"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/stream"
)

func published(name, version, digest string) *api.Published {
	p := api.NewPublished()
	p.Name, p.Version, p.Repository, p.Digest = name, version, "localhost:5000/org/"+name, digest
	p.MediaType = "application/vnd.oci.image.index.v1+json"
	p.Tags = []string{version}
	p.Platforms = []api.Platform{{Platform: "linux/amd64", Digest: "sha256:" + strings.Repeat("a", 64)}}
	p.Description = "about " + name
	p.Keywords = []string{"k"}
	p.Dependencies = []pkgspec.Dependency{{Name: "lib", Version: "^1"}}
	return p
}

func TestFromPublished(t *testing.T) {
	t.Parallel()
	pub := published("hello", "1.2.3", "sha256:"+strings.Repeat("b", 64))
	pub.Homepage, pub.License = "https://example.com/hello", "MIT"
	p := FromPublished(pub)
	if p.Homepage != "https://example.com/hello" || p.License != "MIT" {
		t.Errorf("homepage %q, license %q: package.yaml's metadata must reach the index", p.Homepage, p.License)
	}
	if err := p.Validate("x"); err != nil {
		t.Fatal(err)
	}
	v := p.Versions[0]
	if p.Repository != "localhost:5000/org/hello" || v.Version != "1.2.3" || v.Digest != "sha256:"+strings.Repeat("b", 64) ||
		len(v.Platforms) != 1 || v.Dependencies[0].Name != "lib" || p.Description != "about hello" {
		t.Errorf("%+v", p)
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	old := Package{
		Name: "hello", Repository: "ghcr.io/org/hello", Description: "old", Homepage: "https://h", License: "MIT",
		Keywords: []string{"a"},
		Versions: []Version{{Version: "1.0.0", Digest: d("1"), Yanked: true}, {Version: "1.1.0", Digest: d("2")}},
	}
	// A Published re-push of a yanked version and a new version.
	change := FromPublished(published("hello", "1.0.0", d("3")))
	got := Merge(&old, change)
	if got.Description != "about hello" || got.Homepage != "https://h" || got.License != "MIT" || got.Repository != "localhost:5000/org/hello" {
		t.Errorf("metadata: %+v", got)
	}
	v, _ := got.Find("1.0.0")
	if !v.Yanked || v.Digest != d("3") {
		t.Errorf("1.0.0 = %+v: the yanked flag must stay and the digest be replaced", v)
	}
	if v, ok := got.Find("1.1.0"); !ok || v.Digest != d("2") {
		t.Errorf("1.1.0 was not kept: %+v", got.Versions)
	}
	// A new version lands in order; old is not modified.
	got = Merge(&got, FromPublished(published("hello", "1.0.5", d("4"))))
	var order []string
	for _, v := range got.Versions {
		order = append(order, v.Version)
	}
	if strings.Join(order, ",") != "1.0.0,1.0.5,1.1.0" {
		t.Errorf("order %v", order)
	}
	if old.Description != "old" || old.Versions[0].Digest != d("1") {
		t.Error("Merge modified its input")
	}
	// Into nothing.
	if got := Merge(nil, change); got.Name != "hello" || len(got.Versions) != 1 {
		t.Errorf("merge into nil: %+v", got)
	}
}

func TestChanges(t *testing.T) {
	t.Parallel()
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	var buf strings.Builder
	if err := stream.WriteYAML(&buf, published("hello", "1.0.0", d("1")), published("hello", "1.1.0", d("2")), published("abc", "0.1.0", d("3"))); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("---\n" + helloEntry)
	kinds := stream.Kinds{}
	for k, f := range api.Kinds {
		kinds[k] = f
	}
	docs, err := stream.Decode(strings.NewReader(buf.String()), "-", kinds)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := Changes(docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[0].Name != "abc" || changes[1].Name != "hello" {
		t.Fatalf("%+v", changes)
	}
	var vs []string
	for _, v := range changes[1].Versions {
		vs = append(vs, v.Version)
	}
	// The IndexEntry (1.0.0 yanked, 1.1.0) merged over the two Published documents.
	if strings.Join(vs, ",") != "1.0.0,1.1.0" || !changes[1].Versions[0].Yanked || changes[1].Repository != "ghcr.io/org/hello" {
		t.Errorf("hello: %+v", changes[1])
	}

	bad := published("x", "1.0", d("1"))
	docs, _ = stream.Decode(strings.NewReader(mustYAML(t, bad)), "-", api.Kinds)
	if _, err := Changes(docs); err == nil || !strings.Contains(err.Error(), `<stdin>:5: package x: version "1.0"`) {
		t.Errorf("invalid version: %v", err)
	}
	bad = published("x", "1.0.0", d("1"))
	bad.Repository = "not a repo"
	docs, _ = stream.Decode(strings.NewReader(mustYAML(t, bad)), "-", api.Kinds)
	if _, err := Changes(docs); err == nil || !strings.Contains(err.Error(), `package x: repository "not a repo" is not a valid reference`) {
		t.Errorf("invalid repository: %v", err)
	}
	// A Published document's fields are at its top level: the line is the field's.
	bad = published("x", "1.0.0", d("1"))
	bad.Dependencies = []pkgspec.Dependency{{Name: "lib", Version: "^1"}, {Ref: "x", Version: "1"}}
	text := mustYAML(t, bad)
	docs, _ = stream.Decode(strings.NewReader(text), "-", api.Kinds)
	line := 1 + strings.Count(text[:strings.Index(text, "ref: x")], "\n")
	want := fmt.Sprintf(`<stdin>:%d: package x@1.0.0: dependencies[1].ref "x" is not a repository reference`, line)
	if _, err := Changes(docs); err == nil || !strings.Contains(err.Error(), want) || fault.KindOf(err) != fault.Usage {
		t.Errorf("a dependency ref that is a name: %v, want %q", err, want)
	}
	// Two documents of one package at two repositories: merged, the first one's
	// version would be read from the second's repository.
	other := published("hello", "1.1.0", d("2"))
	other.Repository = "localhost:5000/other/hello"
	docs, _ = stream.Decode(strings.NewReader(mustYAML(t, published("hello", "1.0.0", d("1")))+mustYAML(t, other)), "-", api.Kinds)
	if _, err := Changes(docs); fault.KindOf(err) != fault.Usage || err == nil ||
		!strings.Contains(err.Error(), "package hello is at localhost:5000/other/hello here, and at localhost:5000/org/hello with 1.0.0 in <stdin>:2: an index has one repository per package") ||
		!strings.Contains(fault.HintOf(err), "--move-repository") {
		t.Errorf("one package at two repositories: %v (hint %q)", err, fault.HintOf(err))
	}
	docs, _ = stream.Decode(strings.NewReader("apiVersion: longshore.dev/v1alpha1\nkind: Installed\nname: x\n"), "-", api.Kinds)
	if _, err := Changes(docs); err == nil || !strings.Contains(err.Error(), "not read here") {
		t.Errorf("other kind: %v", err)
	}
	if _, err := Changes(nil); err == nil {
		t.Error("no documents accepted")
	}
}

func mustYAML(t *testing.T, doc any) string {
	t.Helper()
	var b strings.Builder
	if err := stream.WriteYAML(&b, doc); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
