package index

import (
	"fmt"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/stream"
)

// FromPublished is the index entry of a Published document (what pkg-push prints):
// one version of one package.
func FromPublished(p *api.Published) Package {
	return Package{
		Name:        p.Name,
		Repository:  p.Repository,
		Description: p.Description,
		Homepage:    p.Homepage,
		License:     p.License,
		Keywords:    slices.Clone(p.Keywords),
		Versions: []Version{{
			Version:      p.Version,
			Digest:       p.Digest,
			Platforms:    slices.Clone(p.Platforms),
			Dependencies: slices.Clone(p.Dependencies),
		}},
	}
}

// Merge applies change to old (nil when the index lacks the package) and returns the
// result in canonical form. Metadata fields the change sets replace old ones (fields it
// leaves empty are kept: a Published document of an older pkg-push has no homepage
// or licence); the
// versions it carries replace the same versions; other versions are kept. Yanking is
// sticky: a version yanked in old stays yanked, so re-publishing cannot un-yank it
// (only `index build` can).
func Merge(old *Package, change Package) Package {
	var out Package
	if old != nil {
		out = *old
		out.Versions = slices.Clone(old.Versions)
	}
	out.Name = change.Name
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&out.Repository, change.Repository)
	set(&out.Description, change.Description)
	set(&out.Homepage, change.Homepage)
	set(&out.License, change.License)
	if len(change.Keywords) > 0 {
		out.Keywords = slices.Clone(change.Keywords)
	}
	for _, cv := range change.Versions {
		i := slices.IndexFunc(out.Versions, func(v Version) bool { return v.Version == cv.Version })
		if i < 0 {
			out.Versions = append(out.Versions, cv)
			continue
		}
		cv.Yanked = cv.Yanked || out.Versions[i].Yanked
		out.Versions[i] = cv
	}
	out.Normalize()
	return out
}

// Changes turns documents read by `pkg-tap index add -f` (Published and IndexEntry)
// into one validated change per package, merging documents about the same package in
// the order given. Other kinds are refused.
func Changes(docs []stream.Doc) ([]Package, error) {
	if err := stream.Unknown(docs, "Published", "IndexEntry"); err != nil {
		return nil, fault.New(fault.Usage, err, "pipe in what `pkg-push … -o yaml` prints, or IndexEntry documents")
	}
	byName := map[string]*Package{}
	from := map[string]string{} // where each package's first document is
	var order []string
	for _, d := range docs {
		var p Package
		switch v := d.Value.(type) {
		case *api.Published:
			p = FromPublished(v)
		case *api.IndexEntry:
			p = FromEntry(v)
		default:
			return nil, fault.Errorf(fault.Usage, "%s: kind %q is not read here", d.Source, d.Kind)
		}
		if err := validateDoc(&p, d); err != nil {
			return nil, err
		}
		p.Normalize()
		if prev, ok := byName[p.Name]; ok {
			// Merged, the later repository is where every version would be read from:
			// also those of the earlier documents that this one does not list again.
			if left := versionsNotIn(*prev, p); len(left) > 0 && !sameRepository(prev.Repository, p.Repository) {
				return nil, fault.New(fault.Usage,
					fmt.Errorf("%s: package %s is at %s here, and at %s with %s in %s: an index has one repository per package",
						d.Source, p.Name, p.Repository, prev.Repository, listSome(left), from[p.Name]),
					"add the versions of one repository at a time; to move the package, copy its versions to the new repository (crane copy, pkg-pull mirror) and add them from there with --move-repository")
			}
			m := Merge(prev, p)
			byName[p.Name] = &m
			continue
		}
		byName[p.Name] = &p
		from[p.Name] = d.Source
		order = append(order, p.Name)
	}
	if len(order) == 0 {
		return nil, fault.New(fault.Usage, fmt.Errorf("no Published or IndexEntry documents to add"),
			"pipe in what `pkg-push … -o yaml` prints: pkg-push DIR --to REPO -o yaml | pkg-tap index add -f - --to INDEX")
	}
	slices.Sort(order)
	out := make([]Package, len(order))
	for i, n := range order {
		out[i] = *byName[n]
	}
	return out, nil
}

// versionKeys lists name@version for every version of pkgs.
func versionKeys(pkgs []Package) []string {
	var out []string
	for _, p := range pkgs {
		for _, v := range p.Versions {
			out = append(out, p.Name+"@"+v.Version)
		}
	}
	slices.SortFunc(out, strings.Compare)
	return out
}
