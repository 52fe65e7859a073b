package gc

import (
	"bytes"
	"strings"
	"testing"

	"longshore.dev/lib/api"
	"longshore.dev/lib/stream"
)

// TestWriteYAMLMatchesStream: the report writer prints what stream.WriteYAML prints.
func TestWriteYAMLMatchesStream(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dry := collect(t, f.s, Options{DryRun: true})
	if len(dry.Items) < 10 {
		t.Fatalf("the fixture's plan holds %d items", len(dry.Items))
	}
	odd := api.NewGCReport()
	odd.Repository = "localhost:5000/org/hello"
	odd.Items = []api.GCItem{
		{Kind: api.GCManifest, Digest: "sha256:" + strings.Repeat("0a", 32), Version: "1.0", Tags: []string{"1.0", "1.0.0", "true", "a: b", "x_y", "null", "0x10"}, Bytes: 5, Reason: "version 1.0.0 is older than the newest 2 (2.0.0-rc.1, 1.3.0)"},
		{Kind: api.GCBlob, Path: "store/blobs/sha256/.config.tmp-99", Bytes: 0, Reason: "leads to pkgs/x, which: its #tree"},
		{Kind: api.GCTmp, Path: "tmp/- odd name: yes", Reason: ""},
		{Kind: api.GCTmp, Path: "tmp/1/2", Reason: "'quoted' \"twice\" ü"},
		{Kind: api.GCLink, Path: "bin/on", Reason: "yes"},
	}
	odd.FreedBytes = 1 << 40
	odd.Kept = api.GCKept{Roots: 1, Manifests: 3, Tags: 4}
	odd.Warnings = []string{"registered lock /x/y: gone", "- dash", "[bracket]", "{brace}", "~", "# hash", "*star", "&amp", "!bang", "|pipe", ">gt", "%pct", "@at", "`tick`"}
	for name, r := range map[string]*api.GCReport{"fixture plan": dry, "odd": odd, "empty": api.NewGCReport()} {
		var want, got bytes.Buffer
		if err := stream.WriteYAML(&want, r); err != nil {
			t.Fatal(err)
		}
		if err := WriteYAML(&got, r); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: WriteYAML differs from stream.WriteYAML:\n--- got\n%s\n--- want\n%s", name, got.String(), want.String())
		}
	}
	// Multi-line text is written double-quoted and reads back the same.
	ml := api.NewGCReport()
	ml.Warnings = []string{"line one\nline two"}
	var buf bytes.Buffer
	WriteYAML(&buf, ml)
	docs, err := stream.Decode(&buf, "x", api.Kinds)
	if err != nil || docs[0].Value.(*api.GCReport).Warnings[0] != "line one\nline two" {
		t.Errorf("multi-line warning: %v\n%s", err, buf.String())
	}
}
