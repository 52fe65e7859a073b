package cli

import (
	"bytes"
	"strings"
	"testing"

	"longshore.dev/lib/api"
)

// TestPrintLocks: a Lock's table is a row per package in install order, from its tap
// or its repository, for each lock given; the other formats print the documents.
func TestPrintLocks(t *testing.T) {
	t.Parallel()
	digest := "sha256:" + strings.Repeat("ab", 32)
	hello := api.NewLock()
	hello.Requests = []api.LockRequest{{Name: "core/hello"}}
	hello.Packages = []api.LockedPackage{
		{Name: "hello", Tap: "core", Version: "1.3.0", Repository: "ghcr.io/org/hello", Digest: digest, Reason: api.ReasonRequested},
		{Name: "zlib", Tap: "core", Version: "1.4.0", Repository: "ghcr.io/org/zlib", Digest: digest, Reason: "dependency"},
	}
	hello.Order = []string{"zlib", "hello"}
	tool := api.NewLock()
	tool.Requests = []api.LockRequest{{Name: "ocidir:///srv/tool"}}
	tool.Packages = []api.LockedPackage{{Name: "ocidir:///srv/tool", Version: "3.1.0", Repository: "ocidir:///srv/tool", Digest: digest, Reason: api.ReasonRequested}}
	tool.Order = []string{"ocidir:///srv/tool"}

	var buf bytes.Buffer
	if err := PrintLocks(&buf, Table, hello, tool); err != nil {
		t.Fatal(err)
	}
	want := "NAME                 VERSION   REASON       FROM                 DIGEST\n" +
		"zlib                 1.4.0     dependency   tap core             sha256:abababababab\n" +
		"hello                1.3.0     requested    tap core             sha256:abababababab\n" +
		"ocidir:///srv/tool   3.1.0     requested    ocidir:///srv/tool   sha256:abababababab\n"
	if buf.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", buf.String(), want)
	}
	buf.Reset()
	if err := PrintLocks(&buf, Name, hello, tool); err != nil || buf.String() != "lock/core/hello@1.3.0\nlock/ocidir:///srv/tool@3.1.0\n" {
		t.Errorf("name: %v %q", err, buf.String())
	}
	buf.Reset()
	if err := PrintLocks(&buf, YAML, hello); err != nil || !strings.HasPrefix(buf.String(), "---\napiVersion: longshore.dev/v1alpha1\nkind: Lock\nrequests:\n") {
		t.Errorf("yaml: %v\n%s", err, buf.String())
	}
}
