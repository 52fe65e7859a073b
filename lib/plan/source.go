package plan

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/index"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/tap"
	"longshore.dev/lib/version"
)

// Source is a resolve.Source over the configured taps (for package names) and over
// repositories' tags (for repositories). It remembers every answer, so the solves of
// one plan ask each tap and repository once.
type Source struct {
	home    string
	opts    Options
	cfg     *tap.Config
	refs    *repoCache
	patches *patcher

	mu   sync.Mutex
	memo map[string]answer
	// pins are the taps that requests (and companions) name: core/hello makes every
	// bare hello of the solve core's.
	pins map[string]string
	// depPins are the taps that dependencies name (TAP/NAME), first seen first; a
	// request's pin wins over them.
	depPins map[string]string
	// homeTaps are the taps of the packages that depend on a name bare, each once,
	// first seen first: the first is where the name is looked up when several taps
	// have it and none is the default (the dependent's own tap is what its publisher
	// meant). A later one cannot change that lookup; bareNames tells a failed solve.
	homeTaps map[string][]homeTap
	// byHome are the names looked up in a dependent's tap (homeTaps).
	byHome map[string]bool
	// qualified are the dependencies that named a tap, checked against the solution.
	qualified []qualifiedDep
	// clashes are dependencies TAP/NAME on a NAME requested from another tap, by
	// the solver name they were given (TAP/NAME).
	clashes map[string]qualifiedDep
}

// homeTap is a tap from which a package depends on a name bare, and the first such
// package (TAP/NAME).
type homeTap struct {
	tap, dependent string
}

type answer struct {
	cands []resolve.Candidate
	tap   string
	err   error
}

// qualifiedDep is a dependency written TAP/NAME: the solution must take NAME from TAP.
type qualifiedDep struct {
	dependent, version, tap, name string
}

// NewSource opens the configuration of home: its taps (each must have a cache) and
// patch registry.
func NewSource(home string, opts Options) (*Source, error) {
	cfg, err := loadConfig(home)
	if err != nil {
		return nil, err
	}
	cfg.SetDebugf(opts.Debugf)
	if warn := opts.Warn; warn != nil {
		// Tags of a repository are read concurrently: one warning at a time.
		var mu sync.Mutex
		opts.Warn = func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			warn(format, args...)
		}
	}
	s := &Source{
		home: cfg.Home(), opts: opts, cfg: cfg,
		refs: &repoCache{dir: filepath.Join(cfg.Home(), refsDir)},
		memo: map[string]answer{}, pins: map[string]string{}, depPins: map[string]string{}, homeTaps: map[string][]homeTap{}, byHome: map[string]bool{},
		clashes: map[string]qualifiedDep{},
	}
	s.patches = newPatcher(s, cfg.Patches, opts)
	return s, nil
}

// identity is what a name means.
type identity struct {
	// key is the package's name in the solver and the lock: the bare name for a
	// package through taps, the repository (REGISTRY/REPO or ocidir://ABS) otherwise.
	key string
	// tap is the tap a TAP/NAME names.
	tap string
	// repository is set for a repository (ref) rather than a package name.
	repository bool
	ref        ref.Ref
	err        error
}

// identify reads a name from a request, a dependency or a companion: NAME, TAP/NAME,
// REGISTRY/REPO[:TAG] or ocidir://PATH[:TAG]. A name that does not parse keeps its text
// as key; asking for its versions reports the syntax error.
func identify(name string) identity {
	name = strings.TrimSpace(name)
	r, err := ref.Parse(name)
	if err != nil {
		return identity{key: name, err: err}
	}
	switch r.Kind {
	case ref.Package:
		return identity{key: r.Name, tap: r.Tap, ref: r}
	case ref.Layout:
		if abs, err := filepath.Abs(r.Path); err == nil {
			r.Path = abs
		}
	}
	return identity{key: r.Locator(), repository: true, ref: r}
}

// PackageName is the name a request, dependency or companion has in a lock: the bare
// name of TAP/NAME, the repository of a reference.
func PackageName(name string) string { return identify(name).key }

// RepositoryName is the key of a repository reference given as a dependency (ref:), or
// of an installed package's source: what a lock's repository is compared with.
func RepositoryName(s string) string {
	r, err := ref.ParseArtifact(s)
	if err != nil {
		return strings.TrimSpace(s)
	}
	if r.Kind == ref.Layout {
		if abs, err := filepath.Abs(r.Path); err == nil {
			r.Path = abs
		}
	}
	return r.Locator()
}

// descriptorName is the package name patch descriptors use for a package of the lock:
// its name, or the last component of its repository.
func descriptorName(key string) string {
	id := identify(key)
	if !id.repository {
		return id.key
	}
	name := id.ref.Repository
	if id.ref.Kind == ref.Layout {
		name = filepath.ToSlash(id.ref.Path)
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if !pkgspec.ValidName(name) {
		return ""
	}
	return name
}

// canonical turns requests into the solver's names, keeping the names as written for
// its explanations. A repository's tag becomes an exact constraint; a digest is refused
// (a lock pins digests itself).
func (s *Source) canonical(requests []resolve.Request) ([]resolve.Request, error) {
	out := make([]resolve.Request, len(requests))
	for i, r := range requests {
		id := identify(r.Name)
		c := r
		c.Name = id.key
		if c.Written == "" {
			c.Written = writtenName(r.Name)
		}
		c.Constraint = strings.TrimSpace(r.Constraint)
		if r.PatchOf != "" {
			c.PatchOf = identify(r.PatchOf).key
		}
		if id.err != nil {
			return nil, fault.New(fault.Usage, id.err, "")
		}
		if id.repository {
			switch {
			case id.ref.Digest != "":
				return nil, fault.New(fault.Usage, fmt.Errorf("%s: a request names a repository and a version, not a digest", r.Name),
					fmt.Sprintf("write %s@CONSTRAINT, or %s:VERSION", id.key, id.key))
			case id.ref.Tag != "":
				v, err := version.FromTag(id.ref.Tag)
				if err != nil {
					return nil, fault.New(fault.Usage, fmt.Errorf("%s: tag %q is not a version", r.Name, id.ref.Tag),
						fmt.Sprintf("name a version tag (%s:1.2.3) or give the repository with a constraint (-f with a PackageRef: ref: %s, version: ^1)", id.key, id.key))
				}
				if c.Constraint != "" && c.Constraint != v.String() && c.Constraint != "="+v.String() {
					return nil, fault.Errorf(fault.Usage, "%s: the tag says version %s and the request says %s: give one", r.Name, v, c.Constraint)
				}
				c.Constraint = "=" + v.String()
			}
		}
		out[i] = c
	}
	return out, nil
}

// pinRequests records the taps requests name. Two requests naming one package from two
// taps cannot both be met; neither can a request naming a tap other than the one a
// previous solve of this plan already took the package from. When a patch rule made
// one of the two (companions), the hint names the rule: the user asked for neither.
func (s *Source) pinRequests(requests []resolve.Request, companions []companion) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := map[string]resolve.Request{} // package → the request that named its tap
	for _, r := range requests {
		id := identify(r.Name)
		if id.repository || id.tap == "" {
			continue
		}
		if prev, ok := from[id.key]; ok && identify(prev.Name).tap != id.tap {
			// Two requests typed so are the user's mistake; a patch rule's companion
			// clashing with a request is a conflict of what was asked.
			kind := fault.Usage
			if prev.PatchOf != "" || r.PatchOf != "" {
				kind = fault.Conflict
			}
			return fault.New(kind,
				fmt.Errorf("%s and %s are two packages named %s from different taps; a lock holds one package per name", strings.TrimSpace(prev.Name), strings.TrimSpace(r.Name), id.key),
				clashHint(companions, prev, r))
		}
		from[id.key] = r
		if a, ok := s.memo[id.key]; ok {
			if a.err == nil && a.tap != id.tap {
				return fault.New(fault.Conflict,
					fmt.Errorf("%s/%s and %s are two packages named %s; a lock holds one package per name", a.tap, id.key, strings.TrimSpace(r.Name), id.key),
					fmt.Sprintf("name the tap of %s where it is requested or depended on, or make one tap the default", id.key))
			}
			if a.err != nil {
				delete(s.memo, id.key) // ask again, now that the tap is known
			}
		}
		s.pins[id.key] = id.tap
	}
	return nil
}

// Versions lists every version of the package or repository name (resolve.Source).
func (s *Source) Versions(ctx context.Context, name string) ([]resolve.Candidate, error) {
	s.mu.Lock()
	if a, ok := s.memo[name]; ok {
		s.mu.Unlock()
		return a.cands, a.err
	}
	s.mu.Unlock()
	var a answer
	id := identify(name)
	switch {
	case id.err != nil:
		a.err = fault.New(fault.NotFound, fmt.Errorf("%q is neither a package name nor a repository", ref.Redact(name)), "")
	case id.repository:
		a.cands, a.err = s.repoVersions(ctx, id)
	case id.tap != "":
		// Only a clash is asked for by TAP/NAME (requirements).
		s.mu.Lock()
		q, ok := s.clashes[name]
		pinned := s.pins[q.name]
		s.mu.Unlock()
		if !ok {
			return nil, fault.Errorf(fault.NotFound, "%s: a package name in a solve never names its tap", name)
		}
		return nil, tapClash(q, pinned)
	default:
		a.tap, a.cands, a.err = s.tapVersions(id.key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.err != nil && errors.Is(a.err, context.Canceled) {
		return nil, a.err
	}
	s.memo[name] = a
	return a.cands, a.err
}

// tapVersions reads a package from the tap caches: the tap a request or dependency
// named, else tap.Config.Resolve's choice (the only tap that has it, or the default).
func (s *Source) tapVersions(name string) (string, []resolve.Candidate, error) {
	s.mu.Lock()
	pinned := s.pins[name]
	if pinned == "" {
		pinned = s.depPins[name]
	}
	s.mu.Unlock()
	lookup := name
	if pinned != "" {
		lookup = pinned + "/" + name
	}
	tapName, pkg, err := s.cfg.Resolve(lookup)
	if err != nil && pinned == "" && fault.KindOf(err) == fault.Usage {
		// Ambiguous: several taps have it and none is the default. A dependent's
		// own tap decides, when it has the package.
		s.mu.Lock()
		var home string
		if homes := s.homeTaps[name]; len(homes) > 0 {
			home = homes[0].tap
		}
		s.mu.Unlock()
		if home != "" {
			if t, p, homeErr := s.cfg.Find(home + "/" + name); homeErr == nil {
				tapName, pkg, err = t, p, nil
				s.mu.Lock()
				s.byHome[name] = true
				s.mu.Unlock()
			}
		}
	}
	if err != nil {
		if fault.KindOf(err) == fault.NotFound && pinned == "" && len(s.cfg.Taps) > 0 {
			names := make([]string, len(s.cfg.Taps))
			for i, t := range s.cfg.Taps {
				names[i] = t.Name
			}
			return "", nil, fault.New(fault.NotFound, fmt.Errorf("no tap has a package named %s; looked in %s", name, strings.Join(names, ", ")), fault.HintOf(err))
		}
		return "", nil, err
	}
	cands := make([]resolve.Candidate, 0, len(pkg.Versions))
	for _, v := range pkg.Versions {
		ver, err := version.Parse(v.Version)
		if err != nil {
			continue // the index validates versions; a bad one cannot be chosen anyway
		}
		cands = append(cands, resolve.Candidate{
			Version:      ver,
			Dependencies: s.requirements(tapName, name, v.Version, v.Dependencies),
			Yanked:       v.Yanked,
			Origin:       origin(tapName, pkg, v),
		})
	}
	return tapName, cands, nil
}

// origin is where a tap's version lives. The repository is in the spelling a lock
// compares with installed sources (RepositoryName): an index may write it with the
// optional oci:// scheme.
func origin(tapName string, pkg *index.Package, v index.Version) resolve.Origin {
	return resolve.Origin{Tap: tapName, Repository: RepositoryName(pkg.Repository), Digest: v.Digest, Platforms: slices.Clone(v.Platforms)}
}

// requirements turns a version's dependencies into the solver's names, remembering
// those that name a tap.
func (s *Source) requirements(home, dependent, ver string, deps []pkgspec.Dependency) []resolve.Requirement {
	if len(deps) == 0 {
		return nil
	}
	out := make([]resolve.Requirement, 0, len(deps))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range deps {
		if d.Ref != "" {
			out = append(out, resolve.Requirement{Name: RepositoryName(d.Ref), Constraint: d.Version})
			continue
		}
		id := identify(d.Name)
		key := id.key
		if id.tap == "" && !id.repository && home != "" {
			homes := s.homeTaps[id.key]
			if !slices.ContainsFunc(homes, func(h homeTap) bool { return h.tap == home }) {
				s.homeTaps[id.key] = append(homes, homeTap{tap: home, dependent: home + "/" + dependent})
			}
		}
		if id.tap != "" && !id.repository {
			q := qualifiedDep{dependent: dependent, version: ver, tap: id.tap, name: id.key}
			if pinned := s.pins[id.key]; pinned != "" && pinned != id.tap {
				// Another tap's package of this name is requested: asking for this
				// one stops the solve with a message naming both (Versions).
				key = id.tap + "/" + id.key
				if _, ok := s.clashes[key]; !ok {
					s.clashes[key] = q
				}
			} else {
				s.qualified = append(s.qualified, q)
				if _, ok := s.depPins[id.key]; !ok {
					s.depPins[id.key] = id.tap
				}
			}
		}
		out = append(out, resolve.Requirement{Name: key, Constraint: d.Version})
	}
	return out
}

// bareNames adds a hint to err, a failed solve, when a name looked up in a dependent's
// tap (homeTaps) is depended on bare from another tap that has it too: that lookup
// served both dependents, so the explanation speaks of one tap's versions where the
// other dependent meant its own tap's.
func (s *Source) bareNames(err error) error {
	if err == nil {
		return nil
	}
	s.mu.Lock()
	var names []string
	for name := range s.byHome {
		if len(s.homeTaps[name]) > 1 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	homes := map[string][]homeTap{}
	for _, name := range names {
		homes[name] = slices.Clone(s.homeTaps[name])
	}
	s.mu.Unlock()
	var hints []string
	for _, name := range names {
		var taps, dependents []string
		for _, h := range homes[name] {
			if _, _, err := s.cfg.Find(h.tap + "/" + name); err == nil {
				taps = append(taps, h.tap)
				dependents = append(dependents, h.dependent)
			}
		}
		if len(taps) < 2 {
			continue
		}
		all := "both"
		if len(taps) > 2 {
			all = "all"
		}
		hints = append(hints, fmt.Sprintf("%s is in taps %s, and %s %s depend on it by that bare name: a lock holds one package per name; name the tap in a request (%s/%s …) or make one tap the default (pkg-tap add … --default)",
			name, andList(taps), andList(dependents), all, taps[0], name))
	}
	if len(hints) == 0 {
		return err
	}
	return withHint(err, strings.Join(hints, "; "))
}

// andList joins words as a sentence lists them: "a", "a and b", "a, b and c".
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// checkTaps refuses a solution in which a dependency written TAP/NAME got NAME from
// another tap: two packages would share one name.
func (s *Source) checkTaps(sol *resolve.Solution) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, q := range s.qualified {
		dep, ok := sol.Get(q.dependent)
		if !ok || dep.Version.String() != q.version {
			continue
		}
		got, ok := sol.Get(q.name)
		if !ok || got.Origin.Tap == q.tap {
			continue
		}
		return tapClash(q, got.Origin.Tap)
	}
	return nil
}

// tapClash is the error for a dependency on TAP/NAME when the solution takes NAME from
// another tap.
func tapClash(q qualifiedDep, other string) error {
	return fault.New(fault.Conflict,
		fmt.Errorf("%s %s depends on %s/%s, but the solution takes %s from tap %s (%s/%s); a lock holds one package per name", q.dependent, q.version, q.tap, q.name, q.name, other, other, q.name),
		fmt.Sprintf("request %s/%s to use that tap's package, or ask the maintainers of %s to depend on the other", q.tap, q.name, q.dependent))
}

// packageVersions lists the versions of a locked package from where the lock says it
// came from: its tap, or its repository.
func (s *Source) packageVersions(ctx context.Context, p *api.LockedPackage) ([]resolve.Candidate, error) {
	if p.Tap == "" {
		return s.Versions(ctx, p.Name)
	}
	s.mu.Lock()
	if _, ok := s.pins[p.Name]; !ok {
		s.pins[p.Name] = p.Tap
	}
	s.mu.Unlock()
	return s.Versions(ctx, p.Name)
}
