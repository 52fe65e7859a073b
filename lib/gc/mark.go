package gc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/store"
)

// graph is what the roots reach.
type graph struct {
	roots []root
	// trees and blobs hold the hex of kept sha256 digests.
	trees map[string]bool
	blobs map[string]bool
	// refs are the kept manifests' configs and layers, read from their blobs.
	refs     map[digest.Digest]*manifestRefs
	warnings []string
	// absent are the roots' manifests the store holds nothing of (a --keep lock's other
	// platforms, packages not installed here): nothing to keep, and nothing wrong.
	absent []string
}

// manifestRefs is what one platform manifest references; missing when its blob is not
// in the store (or not a manifest), so what it references cannot be known.
type manifestRefs struct {
	config  digest.Digest
	layers  []digest.Digest
	missing string
	absent  bool // missing because store/blobs has no such entry
}

// mark walks from every root: a platform manifest keeps its tree, its blob, and the
// config and layers its blob names; an index root keeps its own blob only (its other
// platforms' manifests are kept by the roots that installed them, if any).
func mark(s *store.Store, roots []root) *graph {
	g := &graph{
		roots: roots,
		trees: make(map[string]bool, len(roots)),
		blobs: make(map[string]bool, len(roots)*4),
		refs:  make(map[digest.Digest]*manifestRefs, len(roots)),
	}
	for _, r := range roots {
		for _, m := range r.manifests {
			if m.Algorithm() != digest.SHA256 {
				continue // the store keeps sha256 content only
			}
			g.trees[m.Encoded()] = true
			refs, seen := g.keepManifest(s, m)
			switch {
			case seen || refs.missing == "": // kept whole, or said already
			case refs.absent && !treeExists(s, m) && r.recorded:
				g.warnings = append(g.warnings, fmt.Sprintf("%s: the store holds neither manifest %s nor its tree: it is recorded as installed but is not there (installing it again restores it)", r.label, m))
			case refs.absent && !treeExists(s, m):
				g.absent = append(g.absent, fmt.Sprintf("%s: the store does not hold manifest %s (not installed here): nothing to keep", r.label, m))
			default:
				g.warnings = append(g.warnings, fmt.Sprintf("%s: manifest %s %s: its tree is kept; blobs only it would keep are collected (installing it again restores them)", r.label, m, refs.missing))
			}
		}
		for _, ix := range r.indexes {
			if ix.Algorithm() == digest.SHA256 {
				g.blobs[ix.Encoded()] = true
			}
		}
	}
	return g
}

// keepManifest keeps the blob of platform manifest m and the config and layers it
// names; seen says m was kept before.
func (g *graph) keepManifest(s *store.Store, m digest.Digest) (refs *manifestRefs, seen bool) {
	g.blobs[m.Encoded()] = true
	refs, seen = g.refs[m]
	if !seen {
		refs = readManifest(s, m)
		g.refs[m] = refs
	}
	if refs.config != "" {
		g.blobs[refs.config.Encoded()] = true
	}
	for _, l := range refs.layers {
		g.blobs[l.Encoded()] = true
	}
	return refs, seen
}

// treeExists says whether pkgs/ has an entry for m, of whatever type: the plan judges
// what it is.
func treeExists(s *store.Store, m digest.Digest) bool {
	_, err := os.Lstat(s.TreePath(m))
	return err == nil
}

// readManifest reads a kept manifest's blob, verified, to learn its config and layers.
// Only a regular file is read: a link in the blob store is not followed.
func readManifest(s *store.Store, d digest.Digest) *manifestRefs {
	p := s.BlobPath(d)
	info, err := os.Lstat(p)
	switch {
	case err != nil:
		return &manifestRefs{missing: "is not in store/blobs", absent: errors.Is(err, fs.ErrNotExist)}
	case !info.Mode().IsRegular():
		return &manifestRefs{missing: "is not a regular file in store/blobs"}
	case info.Size() > 4<<20:
		return &manifestRefs{missing: "is over 4 MiB in store/blobs"}
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return &manifestRefs{missing: fmt.Sprintf("cannot be read: %v", err)}
	}
	if digest.SHA256.FromBytes(data) != d {
		return &manifestRefs{missing: "does not match its digest in store/blobs"}
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil || m.MediaType == ocispec.MediaTypeImageIndex {
		return &manifestRefs{missing: "is not an image manifest"}
	}
	refs := &manifestRefs{}
	if m.Config.Digest.Validate() == nil {
		refs.config = m.Config.Digest
	}
	for _, l := range m.Layers {
		if l.Digest.Validate() == nil {
			refs.layers = append(refs.layers, l.Digest)
		}
	}
	return refs
}
