package plan

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"longshore.dev/lib/api"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/internal/atomicfile"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/version"
)

// refsDir holds what the repositories of ref: dependencies said: one file per
// repository, $LONGSHORE_HOME/refs/NAME-HASH.json, listing every version tag with its
// root digest, platforms and dependencies. A version's metadata is read from its
// manifest and config once and then reused by digest; offline resolution reads only
// these files.
const refsDir = "refs"

// maxConfigBytes bounds a package config read for its dependencies.
const maxConfigBytes = 1 << 20

// tagLookups bounds the tags resolved at once in one repository.
const tagLookups = 4

type repoCache struct{ dir string }

// repoFile is one repository's cache file.
type repoFile struct {
	Repository string        `json:"repository"`
	Versions   []repoVersion `json:"versions"`
}

// repoVersion is one version tag of a repository.
type repoVersion struct {
	Tag          string               `json:"tag"`
	Version      string               `json:"version"`
	Digest       string               `json:"digest"`
	Platforms    []api.Platform       `json:"platforms"`
	Dependencies []pkgspec.Dependency `json:"dependencies,omitempty"`
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9._-]+`)

func (c *repoCache) file(repository string) string {
	sum := sha256.Sum256([]byte(repository))
	name := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(repository), "_"), "_.")
	if len(name) > 80 {
		name = name[len(name)-80:]
	}
	return filepath.Join(c.dir, fmt.Sprintf("%s-%x.json", name, sum[:6]))
}

func (c *repoCache) read(repository string) (*repoFile, error) {
	data, err := os.ReadFile(c.file(repository))
	if err != nil {
		return nil, err
	}
	var f repoFile
	if err := json.Unmarshal(data, &f); err != nil || f.Repository != repository {
		return nil, fmt.Errorf("%s is corrupt or not this repository's", c.file(repository))
	}
	return &f, nil
}

func (c *repoCache) write(f *repoFile) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteCache(c.file(f.Repository), append(data, '\n'), 0o644)
}

// repoVersions lists the versions of a repository from its tags: every tag that reads
// as a version (1.2.3, 1.0.0_build → 1.0.0+build; floating tags such as 1.2, 1 and
// latest are not versions). Online, the tags are listed (following pagination) and
// each resolved; metadata of a digest seen before comes from the cache. A registry that
// cannot be reached falls back to the cache with a warning.
func (s *Source) repoVersions(ctx context.Context, id identity) ([]resolve.Candidate, error) {
	repo := id.key
	cached, cacheErr := s.refs.read(repo)
	if s.opts.Offline {
		if cacheErr != nil {
			return nil, fault.New(fault.NotFound, fmt.Errorf("repository %s is not in the cache (offline)", repo),
				"resolve once without --offline to remember its versions")
		}
		return s.repoCandidates(repo, cached.Versions), nil
	}
	fresh, err := s.listRepository(ctx, id, cached)
	if err != nil {
		if fault.KindOf(err) == fault.Network && cacheErr == nil {
			s.opts.warn("%v; using the versions of %s cached before", err, repo)
			return s.repoCandidates(repo, cached.Versions), nil
		}
		return nil, err
	}
	if cached == nil || !slices.EqualFunc(cached.Versions, fresh.Versions, sameRepoVersion) {
		if err := s.refs.write(fresh); err != nil {
			s.opts.warn("caching the versions of %s: %v", repo, err)
		}
	}
	return s.repoCandidates(repo, fresh.Versions), nil
}

func sameRepoVersion(a, b repoVersion) bool {
	return a.Tag == b.Tag && a.Digest == b.Digest
}

func (s *Source) repoCandidates(repo string, versions []repoVersion) []resolve.Candidate {
	cands := make([]resolve.Candidate, 0, len(versions))
	for _, v := range versions {
		ver, err := version.Parse(v.Version)
		if err != nil {
			continue
		}
		cands = append(cands, resolve.Candidate{
			Version:      ver,
			Dependencies: s.requirements("", repo, v.Version, v.Dependencies),
			Origin:       resolve.Origin{Repository: repo, Digest: v.Digest, Platforms: slices.Clone(v.Platforms)},
		})
	}
	return cands
}

// listRepository asks the repository for its version tags and their metadata.
func (s *Source) listRepository(ctx context.Context, id identity, cached *repoFile) (*repoFile, error) {
	repo := id.key
	opts := s.opts.OCI
	opts.ReadOnly = true // tags and their metadata, read beside the installs from a layout
	t, err := oci.Open(ctx, id.ref.WithTag(""), opts)
	if err != nil {
		return nil, notARepository(err, repo)
	}
	defer t.Close()
	tags, err := t.Tags(ctx)
	if err != nil {
		return nil, notARepository(err, repo)
	}
	var versionTags []string
	for _, tag := range tags {
		if _, err := version.FromTag(tag); err == nil {
			versionTags = append(versionTags, tag)
		}
	}
	slices.Sort(versionTags)
	versionTags = slices.Compact(versionTags)
	if len(versionTags) == 0 {
		shown := tags
		if len(shown) > 5 {
			shown = append(slices.Clone(shown[:5]), "…")
		}
		what := "no tags"
		if len(tags) > 0 {
			what = "no version tags (it has " + strings.Join(shown, ", ") + ")"
		}
		hint := "a version is published as a tag that is the version itself (1.2.3), as pkg-push does"
		if len(tags) == 0 {
			if untagged, _ := t.Untagged(); len(untagged) > 0 {
				hint = oci.UntaggedNote(repo, untagged) + "; pkg-pull installs one by that reference, and a resolve needs " +
					"version tags (oras tag --oci-layout DIR@DIGEST 1.2.3 adds one)"
			}
		}
		return nil, fault.New(fault.NotFound, fmt.Errorf("repository %s has %s", repo, what), hint)
	}
	known := map[string]repoVersion{}
	if cached != nil {
		for _, v := range cached.Versions {
			known[v.Digest] = v
		}
	}
	found := make([]*repoVersion, len(versionTags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(tagLookups)
	for i, tag := range versionTags {
		g.Go(func() error {
			v, err := s.readVersion(gctx, t, tag, known)
			if err != nil {
				return err
			}
			found[i] = v
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	f := &repoFile{Repository: repo, Versions: []repoVersion{}}
	for _, v := range found {
		if v != nil {
			f.Versions = append(f.Versions, *v)
		}
	}
	return f, nil
}

// notARepository says a missing repository is a missing package, for the solver.
func notARepository(err error, repo string) error {
	if fault.KindOf(err) == fault.NotFound || errors.Is(err, fs.ErrNotExist) {
		return fault.New(fault.NotFound, fmt.Errorf("repository %s does not exist", repo), "check the reference, or publish the package there with pkg-push")
	}
	return err
}

// readVersion resolves one version tag and reads the version's platforms and
// dependencies (from the cache when the digest is known). A tag that is not a
// longshore package, or whose package says another version, is skipped with a warning.
func (s *Source) readVersion(ctx context.Context, t *oci.Target, tag string, known map[string]repoVersion) (*repoVersion, error) {
	ver, _ := version.FromTag(tag)
	desc, err := t.Resolve(ctx, tag)
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return nil, nil // deleted between the listing and now
		}
		return nil, err
	}
	if k, ok := known[desc.Digest.String()]; ok && k.Version == ver.String() {
		k.Tag = tag
		return &k, nil
	}
	where := t.Where() + ":" + tag
	data, err := t.FetchManifest(ctx, desc)
	if err != nil {
		return nil, err
	}
	v := &repoVersion{Tag: tag, Version: ver.String(), Digest: desc.Digest.String(), Platforms: []api.Platform{}}
	var config *artifact.Config
	switch desc.MediaType {
	case ocispec.MediaTypeImageIndex:
		idx, err := artifact.DecodeIndex(data, where)
		if err != nil {
			return nil, err
		}
		for _, m := range idx.Manifests {
			v.Platforms = append(v.Platforms, api.Platform{Platform: artifact.PlatformString(m.Platform), Digest: m.Digest.String()})
		}
		if len(idx.Manifests) == 0 {
			s.opts.warn("%s is an empty image index; skipped", where)
			return nil, nil
		}
		first := slices.MinFunc(idx.Manifests, func(a, b ocispec.Descriptor) int {
			return strings.Compare(artifact.PlatformString(a.Platform), artifact.PlatformString(b.Platform))
		})
		mdata, err := t.FetchManifest(ctx, first)
		if err != nil {
			return nil, err
		}
		if config, err = s.readConfig(ctx, t, mdata, where+"@"+first.Digest.String()); err != nil {
			return s.skip(err)
		}
	case ocispec.MediaTypeImageManifest:
		if config, err = s.readConfig(ctx, t, data, where); err != nil {
			return s.skip(err)
		}
		platform := config.Platform
		if platform == "" {
			platform = pkgspec.AnyPlatform
		}
		v.Platforms = append(v.Platforms, api.Platform{Platform: platform, Digest: desc.Digest.String()})
	default:
		s.opts.warn("%s is a %s, not a longshore package; skipped", where, desc.MediaType)
		return nil, nil
	}
	if cv, err := version.Parse(config.Version); err != nil || !cv.Equal(ver) {
		s.opts.warn("%s holds %s version %q, not %s; skipped", where, config.Name, config.Version, ver)
		return nil, nil
	}
	slices.SortFunc(v.Platforms, func(a, b api.Platform) int { return strings.Compare(a.Platform, b.Platform) })
	v.Dependencies = config.Dependencies
	return v, nil
}

// skip turns a tag that is not a package into a warning; other errors stay.
func (s *Source) skip(err error) (*repoVersion, error) {
	if fault.KindOf(err) == fault.Verify {
		s.opts.warn("%v; skipped", err)
		return nil, nil
	}
	return nil, err
}

// readConfig reads the package config a manifest points at.
func (s *Source) readConfig(ctx context.Context, t *oci.Target, manifest []byte, where string) (*artifact.Config, error) {
	m, err := artifact.DecodeManifest(manifest, where)
	if err != nil {
		return nil, err
	}
	if m.Config.Size > maxConfigBytes {
		return nil, fault.Errorf(fault.Verify, "%s: config is %d bytes, over the %d-byte limit", where, m.Config.Size, maxConfigBytes)
	}
	rc, err := t.FetchBlob(ctx, m.Config)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	var c artifact.Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fault.Errorf(fault.Verify, "%s: config is not valid JSON: %v", where, err)
	}
	return &c, nil
}
