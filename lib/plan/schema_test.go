package plan

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"longshore.dev/lib/stream"
)

// TestLockSchema validates locks with what only lib/plan puts there (a package named by
// its repository, without a tap; patch companions) against lock.schema.json.
func TestLockSchema(t *testing.T) {
	t.Parallel()
	schema, err := jsonschema.NewCompiler().Compile(filepath.Join("..", "..", "manifests", "schemas", "lock.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	refHome, _, _ := refUniverse(t)
	patchHome, _ := patchUniverse(t, true)
	for _, c := range []struct {
		home, request string
	}{{refHome, "hello"}, {patchHome, "main/hello"}} {
		lock, err := Resolve(ctx, c.home, reqs(c.request), Options{Platform: "linux/amd64"})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := stream.WriteJSON(&buf, lock); err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(v); err != nil {
			t.Errorf("the lock does not validate: %v\n%s", err, buf.String())
		}
	}
}
