package api

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"longshore.dev/lib/stream"
)

// TestDependencyPathRoundTrip writes a DependencyPath as pkg-dep why does and reads it
// back through Kinds, strictly: the kind is registered, its fields come in the
// documented order, and -o name says dependencypath/ and the steps at their versions.
func TestDependencyPathRoundTrip(t *testing.T) {
	t.Parallel()
	p := NewDependencyPath()
	p.Target = "certs"
	p.Steps = []PathStep{
		{Name: "hello", Version: "1.1.0", Tap: "main", Edge: EdgeRequest},
		{Name: "registry.example/ca-bundle", Version: "1.0.0", Edge: EdgePatch},
		{Name: "certs", Version: "1.0.0", Tap: "main", Edge: EdgeDependency},
	}
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, p); err != nil {
		t.Fatal(err)
	}
	want := `---
apiVersion: longshore.dev/v1alpha1
kind: DependencyPath
target: certs
steps:
  - name: hello
    version: 1.1.0
    tap: main
    edge: request
  - name: registry.example/ca-bundle
    version: 1.0.0
    edge: patch
  - name: certs
    version: 1.0.0
    tap: main
    edge: dependency
`
	if buf.String() != want {
		t.Errorf("yaml:\n%s\nwant:\n%s", buf.String(), want)
	}
	docs, err := stream.Decode(&buf, "why.yaml", Kinds)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || !reflect.DeepEqual(docs[0].Value, p) {
		t.Errorf("read back: %+v", docs)
	}
	if got := p.ObjectKind() + "/" + p.ObjectName(); got != "DependencyPath/hello@1.1.0,registry.example/ca-bundle@1.0.0,certs@1.0.0" {
		t.Errorf("name = %q", got)
	}
	_, err = stream.Decode(strings.NewReader("apiVersion: longshore.dev/v1alpha1\nkind: DependencyPath\ntarget: x\nsteps:\n  - name: x\n    version: 1.0.0\n    egde: request\n"), "bad.yaml", Kinds)
	if err == nil || !strings.Contains(err.Error(), `bad.yaml:7: unknown field "egde"`) {
		t.Errorf("a typo in a DependencyPath: %v", err)
	}
}
