package index

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"longshore.dev/lib/cli/clitest"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"longshore.dev/lib/stream"
)

// compileSchema loads manifests/schemas/NAME from the repository.
func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	s, err := c.Compile(filepath.Join("..", "..", "manifests", "schemas", name))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func jsonValue(t *testing.T, data []byte) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestShardSchema(t *testing.T) {
	t.Parallel()
	schema := compileSchema(t, "index-shard.schema.json")
	pkgs := genPackages(300, 3)
	pkgs[5].Versions[1].Yanked = true
	pkgs[5].Repository = "ocidir:///srv/registry/pkg-00005"
	pkgs[6].Repository = "localhost:5000/org/pkg-00006"
	b := mustBuild(t, pkgs)
	for _, s := range b.Shards {
		if err := schema.Validate(jsonValue(t, s.Data)); err != nil {
			t.Fatalf("shard %s does not validate: %v", s.Desc.Annotations[ShardAnnotation], err)
		}
	}
	// The schema is not vacuous: what Validate refuses, it refuses too.
	for _, bad := range []struct{ from, to string }{
		{`"version":"1.0.0"`, `"version":"v1.0.0"`},
		{`"repository":"registry.example.com/tools/`, `"repository":"Not A Repo/`},
		{`"digest":"sha256:`, `"digest":"md5:`},
		{`"name":"pkg-`, `"name":"Pkg-`},
		{`"license":"MIT"`, `"licence":"MIT"`},
	} {
		data := strings.Replace(string(b.Shards[0].Data), bad.from, bad.to, 1)
		if data == string(b.Shards[0].Data) {
			t.Fatalf("test data lacks %s", bad.from)
		}
		if err := schema.Validate(jsonValue(t, []byte(data))); err == nil {
			t.Errorf("the schema accepts %s", bad.to)
		}
	}
}

func TestEntrySchema(t *testing.T) {
	t.Parallel()
	schema := compileSchema(t, "index-entry.schema.json")
	// An entry file as a person writes it.
	if err := schema.Validate(clitest.YAMLValue(t, helloEntry)); err != nil {
		t.Fatalf("hello entry: %v", err)
	}
	// An entry as longshore writes it.
	p := genPackages(1, 3)[0]
	p.Versions[0].Yanked = true
	var buf bytes.Buffer
	if err := stream.WriteJSON(&buf, ToEntry(p)); err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(jsonValue(t, buf.Bytes())); err != nil {
		t.Fatalf("ToEntry output: %v\n%s", err, buf.String())
	}
	for _, bad := range []struct{ from, to string }{
		{"kind: IndexEntry", "kind: Published"},
		{"version: 1.1.0", "version: \"1.1\""},
		{"- {name: libgreet, version: ^1.0}", "- {name: libgreet, ref: x.io/y}"},
		{"yanked: true", "yanked: yes-please"},
	} {
		src := strings.Replace(helloEntry, bad.from, bad.to, 1)
		if src == helloEntry {
			t.Fatalf("test data lacks %s", bad.from)
		}
		if err := schema.Validate(clitest.YAMLValue(t, src)); err == nil {
			t.Errorf("the schema accepts %s", bad.to)
		}
	}
}
