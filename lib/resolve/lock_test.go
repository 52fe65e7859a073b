package resolve

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/stream"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// toolbox is a universe with a bit of everything a lock records: a chain, a shared
// dependency, a version that must be skipped, and a patch companion with its own
// dependency.
var toolbox = []string{
	"hello 1.0.0 -> libgreet ^1",
	"hello 1.1.0 -> libgreet ^1; fonts ~2.1",
	"hello 2.0.0 -> libgreet ^2",
	"libgreet 1.0.0", "libgreet 1.2.0 -> zlib ^1",
	"zlib 1.2.13", "zlib 1.3.1", "zlib 2.0.0-beta.1",
	"fonts 2.1.4", "fonts 2.2.0",
	"tool 0.1.0 -> zlib *",
	"ca-bundle 1.0.0 -> certs ^2", "certs 2.0.0", "certs 2.1.0 yanked",
}

var toolboxRequests = []Request{
	{Name: "hello", Constraint: "^1", Platform: "linux/amd64"},
	{Name: "tool"},
	{Name: "ca-bundle", Constraint: "^1", PatchOf: "hello"},
}

func lockYAML(t *testing.T, src Source, requests []Request) []byte {
	t.Helper()
	sol, err := Solve(context.Background(), src, requests, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lock, err := NewLock(requests, sol)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, lock); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLockGolden(t *testing.T) {
	t.Parallel()
	got := lockYAML(t, universe(toolbox...), toolboxRequests)
	golden := filepath.Join("testdata", "toolbox.lock.yaml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("lock differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
	// It reads back strictly as a Lock, valid and in an order that holds.
	docs, err := stream.Decode(bytes.NewReader(got), golden, api.Kinds)
	if err != nil {
		t.Fatal(err)
	}
	lock := docs[0].Value.(*api.Lock)
	if err := lock.Validate(); err != nil {
		t.Fatal(err)
	}
	order, err := Order(lock.Packages)
	if err != nil || strings.Join(order, " ") != strings.Join(lock.Order, " ") {
		t.Fatalf("Order(packages) = %v, %v; the lock says %v", order, err, lock.Order)
	}
}

// TestLockDeterministic solves the same input again and with the Source answering
// in shuffled orders: the lock is the same, byte for byte.
func TestLockDeterministic(t *testing.T) {
	t.Parallel()
	first := lockYAML(t, universe(toolbox...), toolboxRequests)
	for seed := range uint64(20) {
		src := universe(toolbox...)
		src.seed = seed
		if got := lockYAML(t, src, toolboxRequests); !bytes.Equal(got, first) {
			t.Fatalf("seed %d: the lock differs:\n%s\nfirst:\n%s", seed, got, first)
		}
	}
	// A large generated universe too.
	g := generate(benchSeed, 300, 10)
	big := lockYAML(t, g, g.requests)
	g.seed = 99
	if got := lockYAML(t, g, g.requests); !bytes.Equal(got, big) {
		t.Fatal("the lock of the generated universe differs when candidates come shuffled")
	}
}

func TestLockSchema(t *testing.T) {
	t.Parallel()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "..", "manifests", "schemas", "lock.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	sol, err := Solve(context.Background(), universe(toolbox...), toolboxRequests, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lock, err := NewLock(toolboxRequests, sol)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := stream.WriteJSON(&buf, lock); err != nil {
		t.Fatal(err)
	}
	valid := buf.String()
	check := func(doc string) error {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		return schema.Validate(v)
	}
	if err := check(valid); err != nil {
		t.Fatalf("a real lock does not validate: %v\n%s", err, valid)
	}
	// The schema is not vacuous: it refuses what a lock must not hold.
	for _, bad := range []struct{ from, to string }{
		{`"kind": "Lock"`, `"kind": "Published"`},
		{`"reason": "dependency"`, `"reason": "because"`},
		{`"version": "1.1.0"`, `"version": "v1.1.0"`},
		{`"digest": "sha256:`, `"digest": "sha512:`},
		{`"repository": "registry.example/hello"`, `"repositry": "registry.example/hello"`},
		{`"platform": "linux/amd64"`, `"platform": "Linux AMD64"`},
	} {
		doc := strings.Replace(valid, bad.from, bad.to, 1)
		if doc == valid {
			t.Fatalf("the lock lacks %s", bad.from)
		}
		if err := check(doc); err == nil {
			t.Errorf("the schema accepts %s", bad.to)
		}
	}
}

func TestLockPatchOfMissingPackage(t *testing.T) {
	t.Parallel()
	requests := []Request{{Name: "tool"}, {Name: "ca-bundle", PatchOf: "hello"}}
	sol, err := Solve(context.Background(), universe(toolbox...), requests, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewLock(requests, sol)
	if err == nil || err.Error() != "ca-bundle is a patch companion of hello, which is not in the solution" || fault.KindOf(err) != fault.Usage {
		t.Fatalf("error = %v", err)
	}
}
