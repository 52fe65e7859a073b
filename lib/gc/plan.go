package gc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/filelock"
	"longshore.dev/lib/store"
)

// gcPrefix names the directory in tmp/ a collection moves trees into before removing
// them, so a half-removed tree is never visible under pkgs/.
const gcPrefix = "gc-"

// phase orders deletion: links before the trees they lead into, trees before blobs,
// staging last. A kill between any two steps leaves no kept reference dangling, because
// nothing kept is ever removed, and no link leading into a removed tree.
var phase = map[string]int{api.GCLink: 0, api.GCTree: 1, api.GCBlob: 2, api.GCTmp: 3, api.GCIndexCache: 4}

type plan struct {
	items []api.GCItem
	// contents holds, by item path, what a directory item held when it was sized, so
	// the sweep removes it without walking it again.
	contents map[string]*contents
	kept     api.GCKept
	releases []func()
	// dryRun plans without taking the trees' locks (docs/gc.md, "In use").
	dryRun   bool
	warnings []string
}

func (p *plan) release() {
	for _, r := range p.releases {
		r()
	}
}

// checkLayout refuses a home whose own directories are symbolic links: removing
// through them could reach outside $LONGSHORE_HOME.
func checkLayout(s *store.Store) error {
	for _, dir := range []string{"pkgs", "pkgs/sha256", "store", "store/blobs", "store/blobs/sha256", "bin", "tmp", "taps", rootsDir} {
		p := filepath.Join(s.Home, filepath.FromSlash(dir))
		info, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if !info.IsDir() {
			return fault.New(fault.Verify,
				fmt.Errorf("%s is not a directory (%s): pkg-gc removes nothing through links or in a home it does not recognise", p, info.Mode().Type()),
				"make it a plain directory of $LONGSHORE_HOME again")
		}
	}
	return nil
}

func makePlan(s *store.Store, g *graph, opts Options) (*plan, error) {
	p := &plan{dryRun: opts.DryRun}
	now := time.Now()
	if opts.Now != nil {
		now = opts.Now()
	}
	var cutoff time.Time
	if opts.MaxAge > 0 {
		cutoff = now.Add(-opts.MaxAge)
	}
	// planTrees before planBlobs: a tree kept because it is in use keeps its blobs.
	steps := []func(*store.Store, *graph, *plan, time.Time) error{planLinks, planTrees, planBlobs, planTmp, planTaps}
	for _, step := range steps {
		if err := step(s, g, p, cutoff); err != nil {
			return p, err
		}
	}
	// Sizing is a stat of every file to remove: side by side, like the sweep.
	found := make([]*contents, len(p.items))
	parallel(context.Background(), len(p.items), sweepWorkers, func(i int) error {
		found[i] = walk(filepath.Join(s.Home, filepath.FromSlash(p.items[i].Path)))
		p.items[i].Bytes = found[i].bytes
		return nil
	})
	p.contents = make(map[string]*contents)
	for i, c := range found {
		if len(c.files)+len(c.dirs) > 0 {
			p.contents[p.items[i].Path] = c
		}
	}
	sort.SliceStable(p.items, func(i, j int) bool {
		a, b := p.items[i], p.items[j]
		if phase[a.Kind] != phase[b.Kind] {
			return phase[a.Kind] < phase[b.Kind]
		}
		return a.Path < b.Path
	})
	return p, nil
}

func rel(s *store.Store, path string) string {
	r, err := filepath.Rel(s.Home, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

func readDir(dir string) ([]os.DirEntry, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	return entries, nil
}

// planLinks judges the links in bin/ that lead into pkgs/: kept when the tree they lead
// into is kept and holds their target. Other entries are not the store's to judge,
// except a link left half-switched by an install that did not finish.
func planLinks(s *store.Store, g *graph, p *plan, _ time.Time) error {
	binDir := s.BinDir()
	entries, err := readDir(binDir)
	if err != nil {
		return err
	}
	trees := s.TreesDir() + string(filepath.Separator)
	for _, e := range entries {
		if e.Type()&os.ModeSymlink == 0 {
			continue
		}
		path := filepath.Join(binDir, e.Name())
		item := api.GCItem{Kind: api.GCLink, Path: rel(s, path)}
		if s.StagedLink(e.Name()) {
			item.Reason = "a link an install was switching into place when it stopped"
			p.items = append(p.items, item)
			continue
		}
		target, err := os.Readlink(path)
		if err != nil {
			return fmt.Errorf("reading link %s: %w", path, err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(binDir, target)
		}
		target = filepath.Clean(target)
		if !strings.HasPrefix(target, trees) {
			continue // not into the store: not ours to judge
		}
		hexd, _, _ := strings.Cut(strings.TrimPrefix(target, trees), string(filepath.Separator))
		switch {
		case !g.trees[hexd]:
			item.Digest = "sha256:" + hexd
			item.Reason = fmt.Sprintf("leads into package tree sha256:%s, which no root keeps", short(hexd))
		case !exists(target):
			item.Reason = fmt.Sprintf("leads to %s, which its package tree does not hold", rel(s, target))
		default:
			p.kept.Links++
			continue
		}
		p.items = append(p.items, item)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func planTrees(s *store.Store, g *graph, p *plan, _ time.Time) error {
	dir := s.TreesDir()
	entries, err := readDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if g.trees[name] && e.IsDir() {
			p.kept.Trees++
			continue
		}
		if g.trees[name] {
			// A kept name that is not a directory: leave it; the package's install
			// cannot trust it either and says so.
			p.kept.Trees++
			continue
		}
		path := filepath.Join(dir, name)
		item := api.GCItem{Kind: api.GCTree, Path: rel(s, path)}
		switch {
		case !isHexDigest(name):
			item.Reason = "not a package tree: its name is not a sha256 digest"
		case e.Type()&os.ModeSymlink != 0:
			item.Digest = "sha256:" + name
			item.Reason = "a link, not a package tree, and no root keeps manifest sha256:" + short(name) + " (the link alone is removed)"
		default:
			item.Digest = "sha256:" + name
			item.Reason = "no installed package, --keep document or registered lock uses manifest sha256:" + short(name)
			if p.inUse(s, path, digest.Digest(item.Digest)) {
				// Its blobs stay with it: the tree goes with the first collection after
				// the program exits, and until then installing its version again (even
				// --offline) finds the manifest and config it needs in the store.
				g.keepManifest(s, digest.Digest(item.Digest))
				p.kept.Trees++
				p.warnings = append(p.warnings, fmt.Sprintf("%s is in use by a running program (pkg-pull exec): kept until it exits", item.Path))
				continue
			}
		}
		p.items = append(p.items, item)
	}
	return nil
}

// inUse tells whether a running program uses the tree at path. Otherwise, in a real
// run, the plan holds the tree's lock until the sweep is over, so that no exec starts
// using it meanwhile (store.LockTreeForRemoval).
func (p *plan) inUse(s *store.Store, path string, manifest digest.Digest) bool {
	if p.dryRun {
		return s.TreeInUse(manifest)
	}
	release, inUse, err := s.LockTreeForRemoval(manifest)
	if err != nil || inUse {
		// A lock that cannot be taken for another reason keeps the tree too: gc
		// removes nothing it is unsure of.
		return true
	}
	p.releases = append(p.releases, func() {
		_, err := os.Lstat(path)
		release(errors.Is(err, os.ErrNotExist))
	})
	return false
}

func planBlobs(s *store.Store, g *graph, p *plan, _ time.Time) error {
	dir := s.BlobsDir()
	entries, err := readDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if g.blobs[name] {
			p.kept.Blobs++
			continue
		}
		path := filepath.Join(dir, name)
		item := api.GCItem{Kind: api.GCBlob, Path: rel(s, path)}
		switch {
		case strings.HasPrefix(name, "."):
			item.Reason = "a partial write left by a command that did not finish"
		case !isHexDigest(name):
			item.Reason = "not a blob: its name is not a sha256 digest"
		default:
			item.Digest = "sha256:" + name
			item.Reason = "no kept manifest references it"
		}
		p.items = append(p.items, item)
	}
	return nil
}

// planTmp collects install staging and trees an interrupted collection was removing:
// no install can own them while the store lock is held exclusively. Other entries go
// only when older than --max-age.
func planTmp(s *store.Store, _ *graph, p *plan, cutoff time.Time) error {
	dir := s.TmpDir()
	entries, err := readDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		item := api.GCItem{Kind: api.GCTmp, Path: rel(s, path)}
		switch {
		case strings.HasPrefix(e.Name(), store.StagingPrefix):
			item.Reason = "staging of an install that did not finish"
		case strings.HasPrefix(e.Name(), gcPrefix):
			item.Reason = "trees an interrupted collection was removing"
		case olderThan(path, cutoff):
			item.Reason = "unused for longer than --max-age"
		default:
			continue
		}
		p.items = append(p.items, item)
	}
	return nil
}

// planTaps collects, with --max-age, what tap caches leave behind: staging of a tap add
// or an index fetch that did not finish, and cached index blobs that neither the tap's
// current index nor the previous one (kept for readers) use. Each tap's cache lock is
// held until the sweep is done, so no fetch runs meanwhile.
func planTaps(s *store.Store, _ *graph, p *plan, cutoff time.Time) error {
	if cutoff.IsZero() {
		return nil
	}
	taps := filepath.Join(s.Home, "taps")
	entries, err := readDir(taps)
	if err != nil {
		return err
	}
	for _, e := range entries {
		path := filepath.Join(taps, e.Name())
		if strings.HasPrefix(e.Name(), ".add-") {
			if olderThan(path, cutoff) {
				p.items = append(p.items, api.GCItem{Kind: api.GCIndexCache, Path: rel(s, path),
					Reason: "staging of a tap add that did not finish, older than --max-age"})
			}
			continue
		}
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		release, err := filelock.Exclusive(filepath.Join(path, ".index.lock"))
		if err != nil {
			return fmt.Errorf("locking the cache of tap %s: %w", e.Name(), err)
		}
		p.releases = append(p.releases, release)
		if err := planTapCache(s, path, p, cutoff); err != nil {
			return err
		}
	}
	return nil
}

func planTapCache(s *store.Store, dir string, p *plan, cutoff time.Time) error {
	entries, err := readDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if (strings.HasPrefix(e.Name(), ".index-stage-") || strings.HasPrefix(e.Name(), ".index-tmp-")) && olderThan(path, cutoff) {
			p.items = append(p.items, api.GCItem{Kind: api.GCIndexCache, Path: rel(s, path),
				Reason: "staging of an index fetch that did not finish, older than --max-age"})
		}
	}
	used, ok := tapBlobsInUse(dir)
	if !ok {
		return nil // without a readable state, every cached blob may be in use
	}
	blobs := filepath.Join(dir, "blobs", "sha256")
	if info, err := os.Lstat(blobs); err != nil || !info.IsDir() {
		return nil
	}
	entries, err = readDir(blobs)
	if err != nil {
		return err
	}
	for _, e := range entries {
		path := filepath.Join(blobs, e.Name())
		if used[e.Name()] || !olderThan(path, cutoff) {
			continue
		}
		item := api.GCItem{Kind: api.GCIndexCache, Path: rel(s, path),
			Reason: "a cached index blob neither the current nor the previous index uses, older than --max-age"}
		if isHexDigest(e.Name()) {
			item.Digest = "sha256:" + e.Name()
		}
		p.items = append(p.items, item)
	}
	return nil
}

// tapBlobsInUse reads a tap cache's index-state.json (lib/index owns its format) and
// the manifests it names: every blob they reference is in use.
func tapBlobsInUse(dir string) (map[string]bool, bool) {
	data, err := os.ReadFile(filepath.Join(dir, "index-state.json"))
	if err != nil {
		return nil, false
	}
	var st struct {
		Digest   string `json:"digest"`
		Previous string `json:"previous"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, false
	}
	used := map[string]bool{}
	for i, dg := range []string{st.Digest, st.Previous} {
		d, err := digest.Parse(dg)
		if err != nil {
			if i == 0 {
				return nil, false
			}
			continue
		}
		used[d.Encoded()] = true
		mdata, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", d.Encoded()))
		var m ocispec.Manifest
		if err == nil {
			err = json.Unmarshal(mdata, &m)
		}
		if err != nil {
			if i == 0 {
				return nil, false
			}
			continue
		}
		used[m.Config.Digest.Encoded()] = true
		for _, l := range m.Layers {
			used[l.Digest.Encoded()] = true
		}
	}
	return used, true
}

func olderThan(path string, cutoff time.Time) bool {
	if cutoff.IsZero() {
		return false
	}
	info, err := os.Lstat(path)
	return err == nil && info.ModTime().Before(cutoff)
}

// contents is what a walk of an item found: its bytes and, for a directory, the
// relative paths of what it holds (files, links included, and subdirectories in the
// order the walk met them, parents first).
type contents struct {
	bytes int64
	files []string
	dirs  []string
}

// walk sizes path without following links and lists what a directory holds.
func walk(path string) *contents {
	c := &contents{}
	filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				c.bytes += info.Size()
			}
		}
		if p == path {
			return nil
		}
		if d.IsDir() {
			c.dirs = append(c.dirs, p[len(path)+1:])
		} else {
			c.files = append(c.files, p[len(path)+1:])
		}
		return nil
	})
	return c
}

// isHexDigest reports whether s is the encoded part of a sha256 digest: 64 lowercase
// hex digits.
func isHexDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// short is the first 12 hex digits, as people read digests.
func short(hex string) string {
	if len(hex) > 12 {
		return hex[:12]
	}
	return hex
}
