package publish

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/version"
)

// otherOccupant checks that the repository t, whose tags are existing, holds a's
// package or none: a repository holds one package (docs/package-format.md), so that
// its version tags are one package's versions and a consumer asking it for "^1.2"
// gets the package it named. It reads only the newest version tag, as --cascade reads
// a floating tag (holdings.at): one manifest (and an index's first platform manifest)
// and one config; a repository without version tags costs nothing. What it holds, when
// that is not a's package, is a conflict unless force; with force it is returned
// ("1.1.0 holds package greet 1.1.0") for the caller to warn about.
func otherOccupant(ctx context.Context, t *oci.Target, a *Artifact, existing []string, force bool, held holdings) (string, error) {
	tag := newestVersionTag(existing)
	if tag == "" {
		return "", nil
	}
	desc, data, err := t.FetchManifestRef(ctx, tag)
	switch {
	case fault.KindOf(err) == fault.NotFound: // deleted since the listing
		return "", nil
	case err != nil:
		return "", err
	case desc.Digest == a.Root.Desc.Digest: // this very artifact, at another version's tag
		return "", nil
	}
	h, err := held.at(ctx, t, tag, desc, data)
	name := a.Package.Metadata.Name
	if err != nil || h.name == name {
		return "", err
	}
	if force {
		return fmt.Sprintf("%s holds %s", tag, h.what), nil
	}
	var msg string
	if h.name != "" {
		msg = fmt.Sprintf("%s holds another package: its newest version tag, %s, holds %s, not %s", t.Where(), tag, h.what, name)
	} else {
		msg = fmt.Sprintf("%s holds something other than a longshore package: its newest version tag, %s, holds %s", t.Where(), tag, h.what)
	}
	hint := fmt.Sprintf("push %s to a repository of its own", name)
	if own := ownRepository(t.Ref, name); own != "" {
		hint += ", e.g. " + own
	}
	return "", fault.New(fault.Conflict,
		fmt.Errorf("%s; a repository holds one package, so nothing was pushed", msg),
		hint+", or pass --force to push it there anyway")
}

// newestVersionTag is the tag among existing of the highest version (build metadata
// breaks ties, so the choice never depends on the order of the listing); "" when none
// is a version.
func newestVersionTag(existing []string) string {
	var newest *version.Version
	tag := ""
	for _, t := range existing {
		v, err := version.FromTag(t)
		if err != nil { // "latest", "1.2", "entry-…"
			continue
		}
		if newest == nil || v.Compare(newest) > 0 {
			newest, tag = v, t
		}
	}
	return tag
}

// ownRepository names the repository beside r's that is named after the package name,
// for a hint: localhost:5000/demo/other for localhost:5000/demo/shared, or
// ocidir://./registry/other for ocidir://./registry/shared. It is "" when r's is named
// so already.
func ownRepository(r ref.Ref, name string) string {
	own := r
	switch r.Kind {
	case ref.Remote:
		own.Repository = sibling(r.Repository, "/", name)
	case ref.Layout:
		own.Path = sibling(r.Path, "/"+string(filepath.Separator), name)
	default:
		return ""
	}
	if own.Locator() == r.Locator() {
		return ""
	}
	return own.Locator()
}

// sibling replaces the last element of p, whose elements are separated by any of seps,
// with name.
func sibling(p, seps, name string) string {
	p = strings.TrimRight(p, seps)
	return p[:strings.LastIndexAny(p, seps)+1] + name
}
