package plan

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"longshore.dev/lib/filelock"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/patch"
	"longshore.dev/lib/resolve"
)

// A resolve and a check read a layout repository beside its other readers (an
// install, another resolve): the wait for it, were there one, would end them through
// LayoutWaiting.
func TestResolveAndCheckReadLayoutBesideReaders(t *testing.T) {
	t.Parallel()
	home, fonts, _ := refUniverse(t)
	other, err := filelock.Shared(filepath.Join(strings.TrimPrefix(fonts, "ocidir://"), ".longshore.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer other()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waited atomic.Bool
	opts := oci.Options{LayoutWaiting: func(string) { waited.Store(true); cancel() }}
	lock, err := Resolve(ctx, home, []resolve.Request{{Name: fonts, Constraint: "2.0.0"}}, Options{OCI: opts})
	if err != nil || waited.Load() {
		t.Fatalf("resolving beside another reader of the layout: %v (waited: %v)", err, waited.Load())
	}
	if problems, err := CheckRemote(ctx, lock, opts); err != nil || len(problems) != 0 || waited.Load() {
		t.Errorf("checking beside another reader of the layout: %v %v (waited: %v)", err, problems, waited.Load())
	}
}

// The patch registry's descriptors are read beside the other readers of their layouts.
func TestPatchesReadLayoutBesideReaders(t *testing.T) {
	t.Parallel()
	home, registry := patchUniverse(t, true)
	for _, name := range []string{"hello", patch.Global} {
		dir := strings.TrimPrefix(patch.Repository(registry, name), "ocidir://")
		other, err := filelock.Shared(filepath.Join(dir, ".longshore.lock"))
		if err != nil {
			t.Fatal(err)
		}
		defer other()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waited atomic.Bool
	opts := Options{Platform: "linux/amd64", OCI: oci.Options{LayoutWaiting: func(string) { waited.Store(true); cancel() }}}
	lock, err := Resolve(ctx, home, reqs("main/hello"), opts)
	if err != nil || waited.Load() {
		t.Fatalf("resolving beside other readers of the patch layouts: %v (waited: %v)", err, waited.Load())
	}
	if _, ok := lock.Package("ca-bundle"); !ok {
		t.Errorf("the patch's companion is not in the lock: %s", summary(lock))
	}
}
