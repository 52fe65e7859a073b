package api

import (
	"strings"
	"testing"

	"longshore.dev/lib/stream"
)

func TestPackageRefValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ref  PackageRef
		want string
	}{
		{PackageRef{Name: "core/hello"}, ""},
		{PackageRef{Ref: "ghcr.io/org/hello", Version: "^1"}, ""},
		{PackageRef{}, "needs a name"},
		{PackageRef{Name: "hello", Ref: "ghcr.io/org/hello"}, "not both"},
		{PackageRef{Ref: "user:s3cret@ghcr.io/org/hello"}, `ref "***@ghcr.io/org/hello" has credentials in it`},
		{PackageRef{Name: "user:s3cret@ghcr.io/org/hello"}, `name "***@ghcr.io/org/hello" has credentials in it`},
		{PackageRef{Name: "hello", Ref: "oci://tok@ghcr.io/org/hello"}, `ref "oci://***@ghcr.io/org/hello" has credentials in it`},
	}
	for _, tt := range tests {
		err := tt.ref.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && (!strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret"))) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.ref, err, tt.want)
		}
	}
}

func TestTapKindsDecodeStrictly(t *testing.T) {
	t.Parallel()
	in := `apiVersion: longshore.dev/v1alpha1
kind: PackageRef
name: core/hello
version: ^1.2
---
apiVersion: longshore.dev/v1alpha1
kind: Tap
name: core
source: ghcr.io/org/index
default: true
digest: sha256:0000000000000000000000000000000000000000000000000000000000000000
packages: 3
versions: 7
updated: "2025-01-02T03:04:05Z"
`
	docs, err := stream.Decode(strings.NewReader(in), "in.yaml", Kinds)
	if err != nil {
		t.Fatal(err)
	}
	if r := docs[0].Value.(*PackageRef); r.ObjectName() != "core/hello@^1.2" {
		t.Errorf("PackageRef name %q", r.ObjectName())
	}
	if tp := docs[1].Value.(*Tap); !tp.Default || tp.Versions != 7 || tp.ObjectName() != "core" {
		t.Errorf("Tap = %+v", tp)
	}
	_, err = stream.Decode(strings.NewReader("apiVersion: longshore.dev/v1alpha1\nkind: PackageRef\nname: x\nplatfrom: any\n"), "bad.yaml", Kinds)
	if err == nil || !strings.Contains(err.Error(), `bad.yaml:4: unknown field "platfrom"`) {
		t.Errorf("a typo in a PackageRef: %v", err)
	}
}
