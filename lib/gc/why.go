package gc

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/store"
)

// Chain is one path from a root to a kept item: the root first, then each step,
// e.g. ["installed.yaml: hello 1.0.0 (explicit)", "manifest sha256:…", "layer sha256:…"].
type Chain struct {
	// Root is the root the chain starts from, as the collection names it:
	// "installed.yaml: hello 1.0.0 (explicit)", "--keep tools.lock.yaml: …".
	Root  string
	Links []Link
}

// Link is one object of a chain: its kind (index, manifest, config or layer) and digest.
type Link struct {
	Kind   string
	Digest digest.Digest
}

// String is the chain on one line: "ROOT -> manifest sha256:… -> layer sha256:…", a
// manifest at the end with its tree.
func (c Chain) String() string {
	parts := []string{c.Root}
	for i, l := range c.Links {
		part := l.Kind + " " + l.Digest.String()
		if l.Kind == "manifest" && i == len(c.Links)-1 {
			part += fmt.Sprintf(" (tree pkgs/%s/%s)", l.Digest.Algorithm(), l.Digest.Encoded())
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, " -> ")
}

var hexPrefix = regexp.MustCompile(`^(sha256:)?[0-9a-f]{6,64}$`)

// Why explains why what (a digest, a unique prefix of one, or a package name) is kept:
// every chain from a root to it. It is a fault.NotFound when nothing keeps it, saying
// whether the store holds it (then the next collection removes it) or not.
func Why(s *store.Store, opts Options, what string) ([]Chain, error) {
	roots, _, err := loadRoots(s, opts.Keep, false)
	if err != nil {
		return nil, err
	}
	g := mark(s, roots)
	if !strings.HasPrefix(what, "sha256:") {
		if chains := g.packageChains(what); len(chains) > 0 {
			return chains, nil
		}
		if !hexPrefix.MatchString(what) {
			return nil, fault.New(fault.NotFound,
				fmt.Errorf("no installed package, --keep document or registered lock names %s", what),
				"pkg-pull list shows what is installed; a digest (sha256:…) asks about a blob or tree")
		}
	}
	d, err := g.resolve(s, what)
	if err != nil {
		return nil, err
	}
	if chains := g.digestChains(d); len(chains) > 0 {
		return chains, nil
	}
	var where []string
	if exists(s.BlobPath(d)) {
		where = append(where, rel(s, s.BlobPath(d)))
	}
	if exists(s.TreePath(d)) {
		where = append(where, rel(s, s.TreePath(d)))
	}
	if len(where) == 0 {
		return nil, fault.Errorf(fault.NotFound, "%s is not in the store", d)
	}
	return nil, fault.New(fault.NotFound,
		fmt.Errorf("%s is not kept: no root reaches %s", d, strings.Join(where, " or ")),
		"the next pkg-gc removes it; pkg-gc --dry-run shows the plan")
}

// packageChains are the chains of the roots that name the package name (or TAP/NAME).
func (g *graph) packageChains(name string) []Chain {
	if _, n, ok := strings.Cut(name, "/"); ok {
		name = n
	}
	var chains []Chain
	for _, r := range g.roots {
		if r.name != name {
			continue
		}
		for _, m := range r.manifests {
			chains = append(chains, Chain{r.label, []Link{{"manifest", m}}})
		}
	}
	return chains
}

// digestChains are the chains that reach d.
func (g *graph) digestChains(d digest.Digest) []Chain {
	var chains []Chain
	for _, r := range g.roots {
		for _, ix := range r.indexes {
			if ix == d {
				chains = append(chains, Chain{r.label, []Link{{"index", ix}}})
			}
		}
		for _, m := range r.manifests {
			if m == d {
				chains = append(chains, Chain{r.label, []Link{{"manifest", m}}})
				continue
			}
			refs := g.refs[m]
			if refs == nil {
				continue
			}
			if refs.config == d {
				chains = append(chains, Chain{r.label, []Link{{"manifest", m}, {"config", d}}})
			}
			for _, l := range refs.layers {
				if l == d {
					chains = append(chains, Chain{r.label, []Link{{"manifest", m}, {"layer", d}}})
				}
			}
		}
	}
	return slices.CompactFunc(chains, func(a, b Chain) bool { return a.Root == b.Root && slices.Equal(a.Links, b.Links) })
}

// resolve turns a digest or a unique prefix of one into the digest, looking at what
// the roots name and what the store holds.
func (g *graph) resolve(s *store.Store, what string) (digest.Digest, error) {
	hexd := strings.TrimPrefix(what, "sha256:")
	if len(hexd) == 64 {
		d := digest.NewDigestFromEncoded(digest.SHA256, hexd)
		if err := d.Validate(); err != nil {
			return "", fault.Errorf(fault.Usage, "%s is not a digest: %v", what, err)
		}
		return d, nil
	}
	found := map[string]bool{}
	add := func(h string) {
		if strings.HasPrefix(h, hexd) && isHexDigest(h) {
			found[h] = true
		}
	}
	for h := range g.blobs {
		add(h)
	}
	for h := range g.trees {
		add(h)
	}
	for _, dir := range []string{s.BlobsDir(), s.TreesDir()} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			add(filepath.Base(e.Name()))
		}
	}
	switch len(found) {
	case 0:
		return "", fault.Errorf(fault.NotFound, "nothing in the store has a digest starting with %s", what)
	case 1:
		for h := range found {
			return digest.NewDigestFromEncoded(digest.SHA256, h), nil
		}
	}
	var list []string
	for h := range found {
		list = append(list, "sha256:"+h)
	}
	slices.Sort(list)
	return "", fault.New(fault.Usage, fmt.Errorf("%s is ambiguous: %d digests start with it", what, len(found)),
		"give more digits: "+strings.Join(list[:min(len(list), 5)], ", "))
}
