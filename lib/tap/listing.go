package tap

import (
	"path/filepath"

	"longshore.dev/lib/index"
	"longshore.dev/lib/ref"
)

// Listing is one version a tap's cached index lists.
type Listing struct {
	Tap     Spec   // the tap, as configured
	Package string // the package's name in that index
	Version index.Version
}

// Listings finds what the configured taps' cached indexes list of some manifests in
// repository (REGISTRY/REPO or ocidir:///ABS): every version, yanked or not, of a
// package living there whose digest, or one of its platforms' digests, is one of
// digests. In the taps' order, then by package name and version. No network: this is
// what the last `pkg-tap update` cached. A tap whose cache cannot be read is left out
// and its error returned in unread, so that the caller can say the answer is partial.
//
// An index is keyed by package name, but the name a tap lists a repository under is the
// tap's own (entry files are written by hand, and nothing ties them to the name in the
// package's config), and one repository may be listed under several names. So looking
// up the name a version's config holds, one shard per tap, would miss a package listed
// under another name: every package is a candidate, and index.Snapshot.Containing reads
// every shard but decodes only those that mention one of the digests.
func (c *Config) Listings(repository string, digests []string) (found []Listing, unread []error) {
	want, ok := repositoryKey(repository)
	if !ok || len(digests) == 0 {
		return nil, nil
	}
	for _, s := range c.Taps {
		snap, err := c.snapshot(s.Name)
		if err != nil {
			unread = append(unread, err)
			continue
		}
		pkgs, err := snap.Containing(digests)
		if err != nil {
			unread = append(unread, noCache(s.Name, err))
			continue
		}
		for _, p := range pkgs {
			if key, ok := repositoryKey(p.Repository); !ok || key != want {
				continue
			}
			for _, v := range p.Versions {
				found = append(found, Listing{Tap: s, Package: p.Name, Version: v})
			}
		}
	}
	return found, unread
}

// repositoryKey is repository in the one spelling two references to the same
// repository share: a layout's path cleaned, a registry repository as it is (references
// admit no other spelling of a host or path).
func repositoryKey(repository string) (ref.Ref, bool) {
	r, err := ref.ParseArtifact(repository)
	if err != nil {
		return ref.Ref{}, false
	}
	r = r.WithTag("")
	r.Digest = ""
	if r.Kind == ref.Layout {
		r.Path = filepath.Clean(r.Path)
	}
	return r, true
}

// Local reports whether the tap's source is a local directory or file of IndexEntry
// documents, which `pkg-tap update` reads again, rather than an index artifact, which
// `pkg-tap index` publishes.
func (s Spec) Local() bool {
	src, err := parseSource(s.Source)
	return err == nil && src.path != ""
}
