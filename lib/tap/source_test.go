package tap

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"longshore.dev/lib/filelock"
	"longshore.dev/lib/oci"
)

// A tap's index in a layout is read beside the other readers of the layout (an
// update in another home, an install): the wait for it, were there one, would end the
// add through LayoutWaiting.
func TestAddReadsLayoutBesideReaders(t *testing.T) {
	t.Parallel()
	src := publishLayout(t, filepath.Join(t.TempDir(), "index"), pkg("hello", "", nil, "1.0.0"))
	other, err := filelock.Shared(filepath.Join(strings.TrimPrefix(src, "ocidir://"), ".longshore.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer other()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waited atomic.Bool
	opts := Options{OCI: oci.Options{LayoutWaiting: func(string) { waited.Store(true); cancel() }}}
	if _, err := Add(ctx, t.TempDir(), Spec{Name: "idx", Source: src}, opts); err != nil || waited.Load() {
		t.Errorf("adding a tap beside another reader of its layout: %v (waited: %v)", err, waited.Load())
	}
}
