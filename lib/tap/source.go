package tap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/index"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/ref"
)

// source is a parsed tap source.
type source struct {
	// ref is set for an index artifact (remote or ocidir://).
	ref ref.Ref
	// path is set for a local directory or file of IndexEntry documents (absolute).
	path string
}

func (s source) String() string {
	if s.path != "" {
		return s.path
	}
	return s.ref.String()
}

const sourceHint = "a tap source is an index reference (REGISTRY/REPO[:TAG], ocidir://PATH[:TAG]) or an existing directory or file of IndexEntry documents"

// parseSource reads what `pkg-tap add NAME REF` was given: ocidir://PATH[:TAG] and
// [oci://]REGISTRY/REPO[:TAG|@DIGEST] are index artifacts; a path (absolute, starting
// with ./ or ../, or naming something that exists) is a directory or file of entry
// documents. Layout and local paths are made absolute, so the tap means the same thing
// from any working directory.
func parseSource(s string) (source, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return source{}, fault.Errorf(fault.Usage, "missing tap source: give an index reference (REGISTRY/REPO[:TAG] or ocidir://PATH[:TAG]) or a directory or file of IndexEntry documents")
	}
	if !strings.HasPrefix(s, "ocidir://") && !strings.HasPrefix(s, "oci://") && isPath(s) {
		if isLayout(s) {
			return source{}, fault.New(fault.Usage,
				fmt.Errorf("tap source %s is an OCI layout (it has an oci-layout file), not a directory of IndexEntry documents", s),
				"name a layout as ocidir://"+s)
		}
		abs, err := filepath.Abs(s)
		if err != nil {
			return source{}, err
		}
		return source{path: abs}, nil
	}
	r, err := ref.ParseArtifact(s)
	if err != nil {
		return source{}, fault.New(fault.Usage, fmt.Errorf("tap source %q: %w", ref.Redact(s), err), sourceHint)
	}
	if r.Kind == ref.Layout {
		abs, err := filepath.Abs(r.Path)
		if err != nil {
			return source{}, err
		}
		r.Path = abs
	}
	return source{ref: r}, nil
}

// fetch refreshes the index cache in dir from src. Local sources are read and
// built on the spot; index artifacts go through index.Fetch, which asks the registry
// one question when nothing changed.
func fetch(ctx context.Context, src source, dir string, opts Options) (index.FetchResult, error) {
	if src.path != "" {
		entries, err := index.LoadEntries(src.path)
		if err != nil {
			if _, serr := os.Stat(src.path); errors.Is(serr, fs.ErrNotExist) {
				// Said once ("reading entries from /x: /x does not exist" said it twice),
				// with what a source may be.
				return index.FetchResult{}, fault.New(fault.NotFound, fmt.Errorf("%s: no such directory or file of IndexEntry documents", src.path), sourceHint)
			}
			if errors.Is(err, fs.ErrNotExist) && fault.KindOf(err) == fault.Unknown {
				err = fault.New(fault.NotFound, err, "")
			}
			return index.FetchResult{}, fmt.Errorf("reading entries from %s: %w", src.path, err)
		}
		built, err := index.Build(index.Packages(entries), "", nil)
		if err != nil {
			return index.FetchResult{}, fmt.Errorf("building the index of %s: %w", src.path, err)
		}
		return index.WriteCache(dir, built)
	}
	ociOpts := opts.OCI
	ociOpts.ReadOnly = true // the index is read here; pkg-tap index writes it
	t, err := oci.Open(ctx, src.ref, ociOpts)
	if err != nil {
		return index.FetchResult{}, authHint(err, src.ref)
	}
	defer t.Close()
	reference := src.ref.Reference()
	if reference == "" {
		reference = index.DefaultTag
	}
	res, err := index.Fetch(ctx, t, reference, dir)
	return res, authHint(err, src.ref)
}

// authHint turns the generic login hint on a refusal into one that says the index was
// refused. Other auth faults keep their own hint: a login cannot mend a credential
// helper that is not installed.
func authHint(err error, r ref.Ref) error {
	if err == nil || fault.KindOf(err) != fault.Auth || r.Kind != ref.Remote || fault.HintOf(err) != oci.LoginHint(r.Registry) {
		return err
	}
	return fault.Hinted(err, fmt.Sprintf("%s refused access to the index: log in with `pkg-tap login %s -u USER --password-stdin` (or `docker login %s`; credentials in the docker config and its helpers are used)", r.Registry, r.Registry, r.Registry))
}

// isLayout reports whether the path s, or s without a trailing :TAG, is an OCI image
// layout: an index pushed to ocidir://PATH, given without its scheme.
func isLayout(s string) bool {
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		if _, err := os.Stat(s); err != nil {
			s = s[:i]
		}
	}
	_, err := os.Stat(filepath.Join(s, "oci-layout"))
	return err == nil
}

// isPath reports whether s is meant as a filesystem path rather than a reference. A
// configured local source is always absolute, so it stays a path after it is deleted.
func isPath(s string) bool {
	if filepath.IsAbs(s) || s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") {
		return true
	}
	_, err := os.Stat(s)
	return err == nil
}
