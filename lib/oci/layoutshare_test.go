package oci

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/filelock"
	"longshore.dev/lib/ref"
)

// neverWaits is a LayoutWaiting for an open that must not wait: it fails the test, and
// cancels the open's context so that a wait that should not be ends at once.
func neverWaits(t *testing.T, cancel context.CancelFunc) func(string) {
	return func(where string) {
		t.Errorf("waited for the lock of %s, which only readers hold", where)
		cancel()
	}
}

// Two installs from one layout, or a resolve beside an install, took turns for the
// whole command: every open of a layout took its lock exclusively. Readers share it.
// The second open must not wait at all: were it to, LayoutWaiting would be told once
// the lock had been busy for a second, and end the wait.
func TestLayoutReadersShare(t *testing.T) {
	t.Parallel()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
	desc := pushTagged(t, r, "1.0.0", "one")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var readers []*Target
	for range 2 {
		target, err := Open(ctx, r, Options{ReadOnly: true, LayoutWaiting: neverWaits(t, cancel)})
		if err != nil {
			t.Fatalf("a reader beside %d others: %v", len(readers), err)
		}
		defer target.Close()
		readers = append(readers, target)
	}
	for i, target := range readers {
		if got, err := target.Resolve(ctx, "1.0.0"); err != nil || got.Digest != desc.Digest {
			t.Errorf("reader %d resolving 1.0.0: %v %v", i, got.Digest, err)
		}
	}
}

// Readers and writers still keep apart: a writer waits while a reader holds the layout
// (it would change what the reader reads), and a reader while a writer does (it would
// read what the writer has half done). Both waits say so, and end with the context.
func TestLayoutReadersAndWritersWait(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		held, opens Options
	}{
		{"writer behind reader", Options{ReadOnly: true}, Options{Create: true}},
		{"reader behind writer", Options{Create: true}, Options{ReadOnly: true}},
		{"writer that creates nothing behind reader", Options{ReadOnly: true}, Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
			pushTagged(t, r, "1.0.0", "one")
			held, err := Open(context.Background(), r, tc.held)
			if err != nil {
				t.Fatal(err)
			}
			defer held.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var told []string
			opts := tc.opens
			opts.LayoutWaiting = func(where string) {
				told = append(told, where)
				cancel()
			}
			target, err := Open(ctx, r, opts)
			if err == nil {
				target.Close()
			}
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "ocidir://"+r.Path) {
				t.Errorf("err %v, want the context's, naming the layout", err)
			}
			if len(told) != 1 || told[0] != "ocidir://"+r.Path {
				t.Errorf("LayoutWaiting was told %q, want the layout once", told)
			}
		})
	}
}

// tree is what is in a directory: each path's mode, modification time and, for a
// file, the hash of its bytes; a symlink's target.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		what := fmt.Sprintf("%v %v", fi.Mode(), fi.ModTime().UnixNano())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			to, err := os.Readlink(path)
			if err != nil {
				return err
			}
			what += " -> " + to
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			what += fmt.Sprintf(" %x", sha256.Sum256(data))
		}
		rel, _ := filepath.Rel(root, path)
		out[rel] = what
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func diffTrees(t *testing.T, before, after map[string]string) {
	t.Helper()
	for _, p := range slices.Sorted(maps.Keys(after)) {
		if was, ok := before[p]; !ok {
			t.Errorf("made %s (%s)", p, after[p])
		} else if was != after[p] {
			t.Errorf("changed %s: %s, was %s", p, after[p], was)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(before)) {
		if _, ok := after[p]; !ok {
			t.Errorf("removed %s", p)
		}
	}
}

// A reader shares the layout with other readers, so it may change nothing in it: no
// stage of its own, and neither the stage nor the ingest/ a killed writer left, which
// the next writer clears (a reader removing them under a shared lock could remove a
// writer's that started meanwhile, were the writer not kept out).
func TestLayoutReaderWritesNothing(t *testing.T) {
	t.Parallel()
	r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
	desc := pushTagged(t, r, "1.0.0", "one")
	// What a killed writer leaves: its stage, and an older longshore's ingest/.
	for _, dir := range []string{stageName, "ingest"} {
		if err := os.MkdirAll(filepath.Join(r.Path, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.Path, dir, "half"), []byte("half a blob"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := tree(t, r.Path)

	ctx := context.Background()
	target, err := Open(ctx, r, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := target.Resolve(ctx, "1.0.0"); err != nil || got.Digest != desc.Digest {
		t.Errorf("resolving 1.0.0: %v %v", got.Digest, err)
	}
	if tags, err := target.Tags(ctx); err != nil || !slices.Equal(tags, []string{"1.0.0"}) {
		t.Errorf("tags: %q %v", tags, err)
	}
	if _, err := target.FetchManifest(ctx, desc); err != nil {
		t.Errorf("fetching the manifest: %v", err)
	}
	if _, err := target.Referrers(ctx, desc); err != nil {
		t.Errorf("listing referrers: %v", err)
	}
	if ok, err := target.Intact(ctx, desc); !ok || err != nil {
		t.Errorf("intact: %v %v", ok, err)
	}
	if err := target.Close(); err != nil {
		t.Fatal(err)
	}
	diffTrees(t, before, tree(t, r.Path))
}

// A layout an older writer cut short (an empty index.json, no oci-layout file) is
// mended before it is read, as a writer mends it; but mending writes, so a reader does
// it under the exclusive lock, never beside another reader. The next reader finds the
// layout whole, and shares it again.
func TestLayoutReaderMendsExclusively(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cut  func(t *testing.T, root string)
	}{
		{"empty index.json", func(t *testing.T, root string) {
			if err := os.WriteFile(filepath.Join(root, "index.json"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"no oci-layout", func(t *testing.T, root string) {
			if err := os.Remove(filepath.Join(root, "oci-layout")); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, _ := ref.ParseArtifact("ocidir://" + filepath.Join(t.TempDir(), "hello"))
			desc := pushTagged(t, r, "1.0.0", "one")
			tc.cut(t, r.Path)
			index, err := os.ReadFile(filepath.Join(r.Path, "index.json"))
			if err != nil {
				t.Fatal(err)
			}
			// Another reader holds the layout: the mend waits for it.
			reader, err := filelock.Shared(filepath.Join(r.Path, lockName))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			target, err := Open(ctx, r, Options{ReadOnly: true, LayoutWaiting: func(string) { cancel() }})
			if err == nil {
				target.Close()
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("opening beside another reader: %v, want a wait for the exclusive lock, cancelled", err)
			}
			if after, _ := os.ReadFile(filepath.Join(r.Path, "index.json")); !bytes.Equal(after, index) {
				t.Errorf("index.json was changed beside another reader: %q, was %q", after, index)
			}
			reader()

			target, err = Open(context.Background(), r, Options{ReadOnly: true})
			if err != nil {
				t.Fatalf("opening, the other reader gone: %v", err)
			}
			// The reader that mended it holds it shared, not exclusive: a second reader
			// of this process (pkg-pull X:1.0.0 X:2.0.0) does not wait for it.
			ctx2, cancel2 := context.WithCancel(context.Background())
			second, err := Open(ctx2, r, Options{ReadOnly: true, LayoutWaiting: neverWaits(t, cancel2)})
			if err != nil {
				t.Errorf("a second reader beside the one that mended: %v", err)
			} else {
				second.Close()
			}
			cancel2()
			tags, err := target.Tags(context.Background())
			target.Close()
			want := []string{"1.0.0"}
			if len(index) == 0 {
				want = nil // an empty index.json listed nothing: the layout starts again empty
			}
			if err != nil || !slices.Equal(tags, want) {
				t.Errorf("tags after the mend: %q %v, want %q", tags, err, want)
			}

			// Mended: readers share it again.
			reader, err = filelock.Shared(filepath.Join(r.Path, lockName))
			if err != nil {
				t.Fatal(err)
			}
			defer reader()
			ctx, cancel = context.WithCancel(context.Background())
			defer cancel()
			target, err = Open(ctx, r, Options{ReadOnly: true, LayoutWaiting: neverWaits(t, cancel)})
			if err != nil {
				t.Fatalf("opening the mended layout beside another reader: %v", err)
			}
			defer target.Close()
			if want != nil {
				if got, err := target.Resolve(ctx, "1.0.0"); err != nil || got.Digest != desc.Digest {
					t.Errorf("resolving 1.0.0 after the mend: %v %v", got.Digest, err)
				}
			}
		})
	}
}

// A write to a target opened read-only is the caller's mistake: refused, with
// ErrReadOnly, rather than made under a lock other readers share. Intact names a
// damaged file and leaves it. Open refuses ReadOnly with Create or Repair, which write.
func TestLayoutReaderRefusesWrites(t *testing.T) {
	t.Parallel()
	r, blob, manifest := damagedLayout(t, "blob")
	before := tree(t, r.Path)
	ctx := context.Background()
	target, err := Open(ctx, r, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("a layer the layout does not hold")
	layer := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digest.FromBytes(data), Size: int64(len(data))}
	for name, write := range map[string]func() error{
		"Push": func() error { _, err := target.Push(ctx, layer, bytes.NewReader(data)); return err },
		"PushBlob": func() error {
			_, err := target.PushBlob(ctx, layer, func() (io.Reader, func(), error) {
				t.Error("PushBlob opened its source")
				return bytes.NewReader(data), nil, nil
			})
			return err
		},
		"Tag":    func() error { return target.Tag(ctx, manifest, "2.0.0") },
		"Delete": func() error { return target.Delete(ctx, manifest) },
	} {
		if err := write(); !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), "ocidir://"+r.Path) {
			t.Errorf("%s on a read-only target: %v, want ErrReadOnly naming the layout", name, err)
		}
	}
	ok, err := target.Intact(ctx, blob)
	var damaged *DamagedError
	if ok || !errors.As(err, &damaged) || damaged.Digest != blob.Digest {
		t.Errorf("Intact of a damaged blob: %v %v, want it named", ok, err)
	}
	target.Close()
	diffTrees(t, before, tree(t, r.Path))

	// A registry target opened read-only refuses as well, before any request.
	remote, _ := ref.ParseArtifact("127.0.0.1:1/demo/hello")
	if _, err := open(t, remote, Options{ReadOnly: true}).Push(ctx, layer, bytes.NewReader(data)); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Push to a registry target opened read-only: %v, want ErrReadOnly", err)
	}

	for _, opts := range []Options{{ReadOnly: true, Create: true}, {ReadOnly: true, Repair: true}} {
		if target, err := Open(ctx, r, opts); err == nil || !strings.Contains(err.Error(), "ReadOnly with Create or Repair") {
			if err == nil {
				target.Close()
			}
			t.Errorf("Open with %+v: %v, want it refused", opts, err)
		}
	}
}
