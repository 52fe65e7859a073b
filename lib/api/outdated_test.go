package api

import (
	"bytes"
	"strings"
	"testing"

	"longshore.dev/lib/stream"
)

// TestOutdatedRoundTrip writes an Outdated as pkg-dep outdated does and reads it back
// through Kinds, strictly: the kind is registered, its fields come in the documented
// order, and -o name says outdated/NAME@CURRENT.
func TestOutdatedRoundTrip(t *testing.T) {
	t.Parallel()
	ok := NewOutdated()
	ok.Name, ok.Current, ok.Wanted, ok.Latest, ok.Tap, ok.Repository = "zlib", "1.3.0", "1.3.0", "1.4.0", "main", "registry.example/zlib"
	gone := NewOutdated()
	gone.Name, gone.Current, gone.Tap, gone.Repository = "libgreet", "1.1.0", "demo", "registry.example/libgreet"
	gone.Error = "package demo/libgreet: no taps are configured"

	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, ok, gone); err != nil {
		t.Fatal(err)
	}
	want := `---
apiVersion: longshore.dev/v1alpha1
kind: Outdated
name: zlib
current: 1.3.0
wanted: 1.3.0
latest: 1.4.0
tap: main
repository: registry.example/zlib
---
apiVersion: longshore.dev/v1alpha1
kind: Outdated
name: libgreet
current: 1.1.0
tap: demo
repository: registry.example/libgreet
error: 'package demo/libgreet: no taps are configured'
`
	if buf.String() != want {
		t.Errorf("yaml:\n%s\nwant:\n%s", buf.String(), want)
	}
	docs, err := stream.Decode(&buf, "outdated.yaml", Kinds)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || *docs[0].Value.(*Outdated) != *ok || *docs[1].Value.(*Outdated) != *gone {
		t.Errorf("read back: %+v", docs)
	}
	if got := gone.ObjectKind() + "/" + gone.ObjectName(); got != "Outdated/libgreet@1.1.0" {
		t.Errorf("name = %q", got)
	}
	_, err = stream.Decode(strings.NewReader("apiVersion: longshore.dev/v1alpha1\nkind: Outdated\nname: x\ncurrent: 1.0.0\nlastest: 2.0.0\nrepository: r.io/x\n"), "bad.yaml", Kinds)
	if err == nil || !strings.Contains(err.Error(), `bad.yaml:5: unknown field "lastest"`) {
		t.Errorf("a typo in an Outdated: %v", err)
	}
}
