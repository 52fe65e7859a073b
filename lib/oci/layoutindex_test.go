package oci

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/filelock"
	"longshore.dev/lib/ref"
)

// pushTagged pushes a tiny image manifest (an empty config, no layers) to the layout at
// r and tags it, and returns its descriptor.
func pushTagged(t *testing.T, r ref.Ref, tag, note string) ocispec.Descriptor {
	t.Helper()
	ctx := context.Background()
	target, err := Open(ctx, r, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	config := []byte("{}")
	cdesc := ocispec.Descriptor{MediaType: "application/vnd.oci.empty.v1+json", Digest: digest.FromBytes(config), Size: int64(len(config))}
	if _, err := target.Push(ctx, cdesc, bytes.NewReader(config)); err != nil {
		t.Fatal(err)
	}
	m, _ := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, Config: cdesc,
		Layers: []ocispec.Descriptor{}, Annotations: map[string]string{"note": note},
	})
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(m), Size: int64(len(m))}
	if _, err := target.Push(ctx, desc, bytes.NewReader(m)); err != nil {
		t.Fatal(err)
	}
	if err := target.Tag(ctx, desc, tag); err != nil {
		t.Fatal(err)
	}
	return desc
}

func resolveTag(t *testing.T, r ref.Ref, tag string) (ocispec.Descriptor, error) {
	t.Helper()
	target, err := Open(context.Background(), r, Options{})
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	defer target.Close()
	return target.Resolve(context.Background(), tag)
}

// oras-go writes a layout's index in place, where a writer killed in the middle, or a
// full disk, cut it short for longshore and every other OCI tool. It writes a stage's
// copy instead, which replaces index.json by a rename: what a killed writer leaves is
// its stage, and the layout's index.json is the old one, whole.
func TestLayoutIndexSurvivesACutSave(t *testing.T) {
	t.Parallel()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
	v1 := pushTagged(t, r, "1.0.0", "one")
	index, stage := filepath.Join(r.Path, "index.json"), filepath.Join(r.Path, stageName)
	if _, err := os.Lstat(stage); !os.IsNotExist(err) {
		t.Fatalf("a closed layout kept its stage: %v", err)
	}
	good, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	var i ocispec.Index
	if err := json.Unmarshal(good, &i); err != nil || len(i.Manifests) != 1 {
		t.Fatalf("index.json after a push: %v\n%s", err, good)
	}

	// What a writer killed in the middle of a save leaves: its stage, with the copy of
	// the index cut short and half a blob in ingest/.
	os.MkdirAll(filepath.Join(stage, "ingest"), 0o755)
	os.WriteFile(filepath.Join(stage, "index.json"), good[:len(good)/2], 0o644)
	os.WriteFile(filepath.Join(stage, "ingest", "half"), []byte("half a blob"), 0o644)
	if got, err := resolveTag(t, r, "1.0.0"); err != nil || got.Digest != v1.Digest {
		t.Errorf("resolving 1.0.0: %v %v, want %s", got.Digest, err, v1.Digest)
	}
	if _, err := os.Lstat(stage); !os.IsNotExist(err) {
		t.Errorf("the stage a killed writer left is still there: %v", err)
	}
	// The next writer starts from the index, not the cut copy.
	pushTagged(t, r, "2.0.0", "two")
	for _, tag := range []string{"1.0.0", "2.0.0"} {
		if _, err := resolveTag(t, r, tag); err != nil {
			t.Errorf("resolving %s after another push: %v", tag, err)
		}
	}
	if data, err := os.ReadFile(index); err != nil || json.Unmarshal(data, &i) != nil || len(i.Manifests) != 2 {
		t.Errorf("index.json after the second push: %v\n%s", err, data)
	}
}

// The first write of a new layout's index.json, cut short, leaves an empty file and
// nothing it could have listed: the layout opens, empty, and takes a push.
func TestLayoutEmptyIndexOfANewLayout(t *testing.T) {
	t.Parallel()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
	if err := os.MkdirAll(r.Path, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(r.Path, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	os.WriteFile(filepath.Join(r.Path, "index.json"), nil, 0o644)
	desc := pushTagged(t, r, "1.0.0", "one")
	if got, err := resolveTag(t, r, "1.0.0"); err != nil || got.Digest != desc.Digest {
		t.Errorf("resolving 1.0.0: %v %v", got.Digest, err)
	}
}

// A new layout whose oci-layout file a full disk (or a kill) left empty, before its
// index.json was written, held nothing: it takes a push once there is space again, as
// a new layout does. It was "invalid OCI Image Layout: failed to decode OCI layout
// file: EOF" for good.
func TestLayoutCutShortWhileCreated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		layout string
	}{
		{"empty", ""},
		{"cut short", `{"imageLayoutVers`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
			if err := os.MkdirAll(filepath.Join(r.Path, "blobs"), 0o755); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(r.Path, "oci-layout"), []byte(tc.layout), 0o644)
			desc := pushTagged(t, r, "1.0.0", "one")
			if got, err := resolveTag(t, r, "1.0.0"); err != nil || got.Digest != desc.Digest {
				t.Errorf("resolving 1.0.0: %v %v", got.Digest, err)
			}
		})
	}
}

// A layout another command holds is waited for, saying so after a moment, and the wait
// ends with the command's context (Ctrl-C): it was silent, and deaf to Ctrl-C until
// the other command let go.
func TestLayoutLockWaitSaysSoAndEnds(t *testing.T) {
	t.Parallel()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
	pushTagged(t, r, "1.0.0", "one")
	unlock, err := filelock.Exclusive(filepath.Join(r.Path, ".longshore.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	// Ctrl-C once the wait is said: no deadline that a slow machine could reach
	// before the notice.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var told []string
	target, err := Open(ctx, r, Options{LayoutWaiting: func(where string) {
		told = append(told, where)
		cancel()
	}})
	if err == nil {
		target.Close()
	}
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "ocidir://"+r.Path) {
		t.Errorf("err %v, want the context's, naming the layout", err)
	}
	if len(told) != 1 || told[0] != "ocidir://"+r.Path {
		t.Errorf("LayoutWaiting was told %q, want the layout once", told)
	}
}

// A layout this process holds, opened again by another path (a symlink), is refused at
// once: flock(2) locks two opens of one file apart even in one process, so the second
// open waited for the first, which its own command held until the end. pkg-pull mirror
// into a directory that is the source's by a symlink hung for good. Opened to read
// (shared), the first makes the second wait as well when that one writes, and a
// layout named two ways is a mistake even between readers: refused alike.
func TestLayoutOpenTwiceByAnotherPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		first, second Options
	}{
		{"writers", Options{}, Options{Create: true}},
		{"reader then writer", Options{ReadOnly: true}, Options{Create: true}},
		{"writer then reader", Options{Create: true}, Options{ReadOnly: true}},
		{"readers", Options{ReadOnly: true}, Options{ReadOnly: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(dir, "reg", "hello"))
			pushTagged(t, r, "1.0.0", "one")
			if err := os.Symlink(filepath.Join(dir, "reg"), filepath.Join(dir, "alias")); err != nil {
				t.Fatal(err)
			}
			alias, _ := ref.ParseArtifact("ocidir://" + filepath.Join(dir, "alias", "hello"))
			first, err := Open(context.Background(), r, tc.first)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			second, err := Open(ctx, alias, tc.second)
			if err == nil {
				second.Close()
			}
			if fault.KindOf(err) != fault.Usage || !strings.Contains(err.Error(), "ocidir://"+r.Path) || !strings.Contains(err.Error(), "ocidir://"+alias.Path) {
				t.Errorf("err %v (kind %v), want a usage error naming both paths", err, fault.KindOf(err))
			}
			first.Close()
			// Once the first is closed, the other path opens the layout as well as any.
			if got, err := resolveTag(t, alias, "1.0.0"); err != nil || got.Digest == "" {
				t.Errorf("by the other path, after the first closed: %v", err)
			}
		})
	}
}

// A layout this user may only read (another user's, a mirror on read-only media) is
// read: its lock file is locked through a read-only open, and one that cannot be
// created (a layout no longshore command wrote to) is done without, since no command
// that writes the layout has opened it. It failed with "permission denied" on the lock.
// A push to it is refused with a hint.
func TestLayoutReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root may write any file: run as another user")
	}
	t.Parallel()
	for _, tc := range []struct {
		name string
		lock bool // the lock file is there
	}{{"lock file there", true}, {"no lock file", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
			desc := pushTagged(t, r, "1.0.0", "one")
			if !tc.lock {
				os.Remove(filepath.Join(r.Path, lockName))
			}
			chmodAll(t, r.Path, 0o555, 0o444)
			t.Cleanup(func() { chmodAll(t, r.Path, 0o755, 0o644) })
			if got, err := resolveTag(t, r, "1.0.0"); err != nil || got.Digest != desc.Digest {
				t.Errorf("resolving 1.0.0 in a read-only layout: %v %v", got.Digest, err)
			}
			// A reader's shared lock is done without alike.
			if target, err := Open(context.Background(), r, Options{ReadOnly: true}); err != nil {
				t.Errorf("opening a read-only layout to read: %v", err)
			} else {
				if got, err := target.Resolve(context.Background(), "1.0.0"); err != nil || got.Digest != desc.Digest {
					t.Errorf("resolving 1.0.0 in a read-only layout opened to read: %v %v", got.Digest, err)
				}
				target.Close()
			}
			target, err := Open(context.Background(), r, Options{Create: true})
			if err == nil {
				data := []byte("a layer the layout does not hold")
				_, err = target.Push(context.Background(), ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digest.FromBytes(data), Size: int64(len(data))}, bytes.NewReader(data))
				target.Close()
			}
			if err == nil || !strings.Contains(fault.HintOf(err), "permissions") {
				t.Errorf("pushing to a read-only layout: %v (hint %q), want a hint about permissions", err, fault.HintOf(err))
			}
		})
	}
}

func chmodAll(t *testing.T, root string, dirs, files os.FileMode) {
	t.Helper()
	// Directories last on the way down is no good: a directory without w or x keeps
	// what is in it out of reach. Walk first, then chmod, the root last.
	var paths []string
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, path)
		}
		return nil
	})
	for i := len(paths) - 1; i >= 0; i-- {
		mode := files
		if fi, err := os.Lstat(paths[i]); err == nil && fi.IsDir() {
			mode = dirs
		}
		if err := os.Chmod(paths[i], mode); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLayoutTagsAtOnce: one layout's Target tagged by several goroutines at once (a
// mirror of two packages of one repository) saves each change, none failing another's
// save as it moves index.json aside, and keeps every tag.
func TestLayoutTagsAtOnce(t *testing.T) {
	t.Parallel()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
	desc := pushTagged(t, r, "0", "one")
	target, err := Open(context.Background(), r, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	const goroutines, tags = 8, 25
	errs := make(chan error, goroutines*tags)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range tags {
				if err := target.Tag(context.Background(), desc, fmt.Sprintf("%d.%d", g, i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	target.Close()
	close(errs)
	for err := range errs {
		t.Fatalf("tagging at once: %v", err)
	}
	for g := range goroutines {
		if _, err := resolveTag(t, r, fmt.Sprintf("%d.%d", g, tags-1)); err != nil {
			t.Errorf("a tag was lost: %v", err)
		}
	}
}

// A save writes a new index.json: it keeps the mode the old one had, so a layout
// shared by a group stays writable by the group.
func TestLayoutIndexKeepsItsMode(t *testing.T) {
	t.Parallel()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
	pushTagged(t, r, "1.0.0", "one")
	index := filepath.Join(r.Path, "index.json")
	if err := os.Chmod(index, 0o664); err != nil {
		t.Fatal(err)
	}
	pushTagged(t, r, "2.0.0", "two")
	if fi, err := os.Stat(index); err != nil || fi.Mode().Perm() != 0o664 {
		t.Errorf("index.json after a save: %v %v, want mode 0664", fi.Mode(), err)
	}
}
