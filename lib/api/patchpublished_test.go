package api

import (
	"bytes"
	"strings"
	"testing"

	"longshore.dev/lib/stream"
)

// TestPatchPublishedRoundTrip writes a PatchPublished as pkg-push patch does and reads
// it back through Kinds, strictly: the kind is registered, its fields come in the
// documented order, 0 rules is written, and -o name says
// patchpublished/REPOSITORY:patches.
func TestPatchPublishedRoundTrip(t *testing.T) {
	t.Parallel()
	p := NewPatchPublished()
	p.Descriptor, p.Repository, p.Tag, p.Digest = "_global", "registry.example/patches/global/rules", "patches", "sha256:0a"

	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, p); err != nil {
		t.Fatal(err)
	}
	want := `---
apiVersion: longshore.dev/v1alpha1
kind: PatchPublished
descriptor: _global
repository: registry.example/patches/global/rules
tag: patches
digest: sha256:0a
rules: 0
`
	if buf.String() != want {
		t.Errorf("yaml:\n%s\nwant:\n%s", buf.String(), want)
	}
	docs, err := stream.Decode(&buf, "published.yaml", Kinds)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || *docs[0].Value.(*PatchPublished) != *p {
		t.Errorf("read back: %+v", docs)
	}
	if got := p.ObjectKind() + "/" + p.ObjectName(); got != "PatchPublished/registry.example/patches/global/rules:patches" {
		t.Errorf("name = %q", got)
	}
	_, err = stream.Decode(strings.NewReader("apiVersion: longshore.dev/v1alpha1\nkind: PatchPublished\ndescriptor: x\nrepository: r\ntag: patches\ndigest: d\nrulez: 1\n"), "bad.yaml", Kinds)
	if err == nil || !strings.Contains(err.Error(), `bad.yaml:7: unknown field "rulez"`) {
		t.Errorf("a typo in a PatchPublished: %v", err)
	}
}
