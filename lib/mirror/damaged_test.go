package mirror

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/ref"
)

// TestLockRepairsDamagedLayout mirrors into a layout, then damages it as a copy cut
// short or a failing disk would: a layer with other bytes of the same size, a layer
// cut short, the config emptied. Mirroring again finds each by its hash, says so, and
// copies it again; the package is not counted as already there. A third mirror finds
// everything intact and copies nothing.
func TestLockRepairsDamagedLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := openLayout(t, filepath.Join(t.TempDir(), "src", "hello"))
	config := ocispec.Descriptor{MediaType: "application/vnd.longshore.package.config.v1+json"}
	configData := []byte(`{"name":"hello"}`)
	flipped, cut := []byte(strings.Repeat("flip me ", 512)), []byte(strings.Repeat("cut me short ", 512))
	root := src.manifest("application/vnd.longshore.package.v1", nil, config, configData, flipped, cut)
	src.close()
	lock := oneLock("hello", src.ref.Locator(), root)
	dest, err := ParseDestination("ocidir://" + filepath.Join(t.TempDir(), "mirror"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := Lock(ctx, lock, dest, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mr, _ := ref.ParseArtifact(out.Packages[0].Repository)
	blob := func(data []byte) string {
		return filepath.Join(mr.Path, "blobs", "sha256", digest.FromBytes(data).Encoded())
	}
	damage := map[string][]byte{
		blob(flipped):    append([]byte{'F'}, flipped[1:]...),
		blob(cut):        cut[:100],
		blob(configData): nil,
	}
	for path, data := range damage {
		os.Chmod(path, 0o644) // oras leaves blobs read-only
		if err := os.WriteFile(path, data, 0o444); err != nil {
			t.Fatal(err)
		}
	}

	var mu sync.Mutex
	var warnings []string
	warnf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		warnings = append(warnings, fmt.Sprintf(format, args...))
	}
	_, stats, err := Lock(ctx, lock, dest, Options{Warnf: warnf})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Copied != 3 || stats.Complete != 0 {
		t.Errorf("mirroring into the damaged layout: %+v, want the 3 damaged blobs copied, the package not complete", stats)
	}
	for path, data := range map[string][]byte{blob(flipped): flipped, blob(cut): cut, blob(configData): configData} {
		if got, err := os.ReadFile(path); err != nil || string(got) != string(data) {
			t.Errorf("%s was not repaired (%d bytes, %v)", filepath.Base(path), len(got), err)
		}
	}
	all := strings.Join(warnings, "\n")
	for _, want := range []string{
		digest.FromBytes(flipped).String() + " is damaged (its bytes hash to ",
		digest.FromBytes(cut).String() + " is damaged (100 bytes, not 6656)",
		digest.FromBytes(configData).String() + " is damaged (0 bytes, not 16)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning saying %q:\n%s", want, all)
		}
	}

	_, stats, err = Lock(ctx, lock, dest, Options{Warnf: warnf})
	if err != nil || stats.Copied != 0 || stats.Complete != 1 {
		t.Errorf("mirroring into the repaired layout: %+v %v, want nothing copied, the package complete", stats, err)
	}

	// The package's own manifest, cut short: copied again, alone.
	manifest := filepath.Join(mr.Path, "blobs", "sha256", root.Digest.Encoded())
	os.Chmod(manifest, 0o644)
	if err := os.Truncate(manifest, 10); err != nil {
		t.Fatal(err)
	}
	warnings = nil
	_, stats, err = Lock(ctx, lock, dest, Options{Warnf: warnf})
	if err != nil || stats.Copied != 1 || stats.Complete != 0 {
		t.Errorf("mirroring with the manifest cut short: %+v %v, want it copied", stats, err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], root.Digest.String()+" is damaged (10 bytes, not ") {
		t.Errorf("warnings: %q, want one about the manifest", warnings)
	}
}
