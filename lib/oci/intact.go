package oci

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// repairLayout says how to mend a layout with a damaged file.
const repairLayout = "mirror the packages into the layout again (pkg-pull mirror -f LOCK --to ocidir://DIR copies damaged files anew), or carry the directory again"

// DamagedError says a layout held a file under a digest whose bytes are not that
// digest's: a copy cut short, a disk going bad, a hand that edited it.
type DamagedError struct {
	Where  string        // the layout, "ocidir:///srv/mirror/demo/hello"
	Digest digest.Digest // what the file was named for
	Why    string        // "100 bytes, not 6656" or "its bytes hash to sha256:…"
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("%s: %s is damaged (%s)", e.Where, e.Digest, e.Why)
}

// Intact reports whether the target holds desc whole. A registry is asked with one
// HEAD, as oras and crane ask: it checked the digest when the content was pushed, and
// a client could check more only by downloading everything. A layout's file is checked
// by size, then read and hashed: anything may have written it, and an Exists that only
// looks for the file would trust a damaged one forever. A damaged file is removed, so
// that Push writes it again (its bytes are worth nothing), and reported as a
// *DamagedError with false; a target opened read-only reports it and leaves it, as it
// leaves everything in the layout.
func (t *Target) Intact(ctx context.Context, desc ocispec.Descriptor) (bool, error) {
	if t.remote != nil {
		return t.Exists(ctx, desc)
	}
	if err := desc.Digest.Validate(); err != nil {
		return false, fmt.Errorf("checking %s in %s: %w", desc.Digest, t.where, err)
	}
	// One check of a file at a time: goroutines checking a blob their packages share
	// would each remove the damaged file, or the good copy another wrote since.
	defer t.checking.lock(desc.Digest)()
	path := layoutBlob(t.Ref.Path, desc.Digest)
	why, err := damage(ctx, path, desc)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("checking %s in %s: %w", desc.Digest, t.where, err)
	}
	if why == "" {
		return true, nil
	}
	if t.readOnly {
		return false, &DamagedError{Where: t.where, Digest: desc.Digest, Why: why}
	}
	if err := os.Remove(path); err != nil {
		return false, fmt.Errorf("removing the damaged %s from %s: %w", desc.Digest, t.where, err)
	}
	return false, &DamagedError{Where: t.where, Digest: desc.Digest, Why: why}
}

// digestLocks are locks by digest, taken and never dropped: a mirror checks each of a
// layout's files once or a few times.
type digestLocks struct {
	mu    sync.Mutex
	locks map[digest.Digest]*sync.Mutex
}

// lock takes d's lock and returns what releases it.
func (l *digestLocks) lock(d digest.Digest) func() {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[digest.Digest]*sync.Mutex{}
	}
	m := l.locks[d]
	if m == nil {
		m = new(sync.Mutex)
		l.locks[d] = m
	}
	l.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// removeDamaged removes the files of damaged from the layout at root.
func removeDamaged(root string, damaged []*DamagedError) error {
	for _, d := range damaged {
		if err := os.Remove(layoutBlob(root, d.Digest)); err != nil {
			return fmt.Errorf("removing the damaged %s: %w", d.Digest, err)
		}
	}
	return nil
}

// layoutBlob is where a layout at root keeps the blob or manifest d.
func layoutBlob(root string, d digest.Digest) string {
	return filepath.Join(root, ocispec.ImageBlobsDir, d.Algorithm().String(), d.Encoded())
}

// damage says what is wrong with the file at path as a copy of desc; "" when nothing.
func damage(ctx context.Context, path string, desc ocispec.Descriptor) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	if st.Size() != desc.Size {
		return fmt.Sprintf("%d bytes, not %d", st.Size(), desc.Size), nil
	}
	h := desc.Digest.Algorithm().Hash()
	// A big blob on slow media takes a while: stop when asked to.
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return "", err
	}
	if got := digest.NewDigest(desc.Digest.Algorithm(), h); got != desc.Digest {
		return fmt.Sprintf("its bytes hash to %s", got), nil
	}
	return "", nil
}

// damagedManifests lists the damaged files among the manifests a layout's index.json
// reaches, through indexes and subjects, as oras reads them when it opens the layout;
// a missing one oras skips, and so does this. Said in the words of where.
func damagedManifests(ctx context.Context, root, where string) []*DamagedError {
	data, err := os.ReadFile(filepath.Join(root, ocispec.ImageIndexFile))
	if err != nil {
		return nil
	}
	var index ocispec.Index
	if json.Unmarshal(data, &index) != nil {
		return nil
	}
	var out []*DamagedError
	seen := map[digest.Digest]bool{}
	queue := index.Manifests
	for len(queue) > 0 {
		desc := queue[0]
		queue = queue[1:]
		if seen[desc.Digest] || desc.Digest.Validate() != nil || desc.Size > MaxManifestBytes {
			continue
		}
		seen[desc.Digest] = true
		path := layoutBlob(root, desc.Digest)
		why, err := damage(ctx, path, desc)
		if err != nil {
			continue
		}
		if why != "" {
			out = append(out, &DamagedError{Where: where, Digest: desc.Digest, Why: why})
			continue
		}
		body, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var node struct {
			Manifests []ocispec.Descriptor `json:"manifests"`
			Subject   *ocispec.Descriptor  `json:"subject"`
		}
		if json.Unmarshal(body, &node) == nil {
			queue = append(queue, node.Manifests...)
			if node.Subject != nil {
				queue = append(queue, *node.Subject)
			}
		}
	}
	return out
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
