package api

import (
	"bytes"
	"strings"
	"testing"

	"longshore.dev/lib/stream"
)

// TestPatchRuleRoundTrip writes PatchRules as pkg-dep patch list does and reads them
// back through Kinds, strictly: the kind is registered, its fields come in the
// documented order, rule 0 is written, and -o name says patchrule/PACKAGE@VERSION,COMPANION.
func TestPatchRuleRoundTrip(t *testing.T) {
	t.Parallel()
	own := NewPatchRule()
	own.Package, own.Version, own.Companion, own.Request, own.Constraint = "hello", "1.1.0", "ca-bundle", "ca-bundle@^1", "^1"
	own.Descriptor, own.Reference, own.Rule, own.Match = "hello", "registry.example/patches/hello:patches@sha256:0a", 0, "name=hello version=>=1.1"
	global := NewPatchRule()
	global.Package, global.Version, global.Companion, global.Request = "libgreet", "1.2.0", "certs", "certs"
	global.Descriptor, global.Reference, global.Rule, global.Match = "_global", "registry.example/patches/global/rules:patches@sha256:0b", 2, "name=lib*"

	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, own, global); err != nil {
		t.Fatal(err)
	}
	want := `---
apiVersion: longshore.dev/v1alpha1
kind: PatchRule
package: hello
version: 1.1.0
companion: ca-bundle
request: ca-bundle@^1
constraint: ^1
descriptor: hello
reference: registry.example/patches/hello:patches@sha256:0a
rule: 0
match: name=hello version=>=1.1
---
apiVersion: longshore.dev/v1alpha1
kind: PatchRule
package: libgreet
version: 1.2.0
companion: certs
request: certs
descriptor: _global
reference: registry.example/patches/global/rules:patches@sha256:0b
rule: 2
match: name=lib*
`
	if buf.String() != want {
		t.Errorf("yaml:\n%s\nwant:\n%s", buf.String(), want)
	}
	docs, err := stream.Decode(&buf, "rules.yaml", Kinds)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || *docs[0].Value.(*PatchRule) != *own || *docs[1].Value.(*PatchRule) != *global {
		t.Errorf("read back: %+v", docs)
	}
	if got := own.ObjectKind() + "/" + own.ObjectName(); got != "PatchRule/hello@1.1.0,ca-bundle" {
		t.Errorf("name = %q", got)
	}
	_, err = stream.Decode(strings.NewReader("apiVersion: longshore.dev/v1alpha1\nkind: PatchRule\npackage: x\nversion: 1.0.0\ncompanion: y\nrequest: y\ndescriptor: x\nreference: r\nrule: 0\nmatche: name=x\n"), "bad.yaml", Kinds)
	if err == nil || !strings.Contains(err.Error(), `bad.yaml:10: unknown field "matche"`) {
		t.Errorf("a typo in a PatchRule: %v", err)
	}
}
