package plan

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/internal/atomicfile"
	"longshore.dev/lib/oci"
	"longshore.dev/lib/patch"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/resolve"
	"longshore.dev/lib/tap"
	"longshore.dev/lib/version"
)

// patchesDir caches patch descriptors: $LONGSHORE_HOME/patches/NAME.json for each
// package name (and _global) asked about, holding the registry, the descriptor's
// digest and its rules, or no digest when the registry has none for that name (so that
// "no rules" is known offline too).
const patchesDir = "patches"

// CachedDescriptor is one file of the descriptor cache.
type CachedDescriptor struct {
	Registry string `json:"registry"`
	Name     string `json:"name"`
	// Digest is the descriptor manifest's; "" when the registry has none for Name.
	Digest     string            `json:"digest,omitempty"`
	Descriptor *patch.Descriptor `json:"descriptor,omitempty"`
}

// Reference is where the descriptor lives: REGISTRY/NAME:patches@DIGEST.
func (c *CachedDescriptor) Reference() string {
	r := patch.Repository(c.Registry, c.Name) + ":" + patch.Tag
	if c.Digest != "" {
		r += "@" + c.Digest
	}
	return r
}

// patcher finds the companions that patch rules add to a solution.
type patcher struct {
	src  *Source
	conf *tap.Patches
	mode PatchMode
	dir  string
	opts Options

	mu          sync.Mutex
	loaded      map[string]*CachedDescriptor // by name; nil: none cached
	refreshed   map[string]bool
	unreachable bool
	changed     []string
}

func newPatcher(src *Source, conf *tap.Patches, opts Options) *patcher {
	mode := opts.Patches
	if mode == PatchesRefresh && opts.Offline {
		mode = PatchesCached
	}
	return &patcher{
		src: src, conf: conf, mode: mode, opts: opts,
		dir:    filepath.Join(src.home, patchesDir),
		loaded: map[string]*CachedDescriptor{}, refreshed: map[string]bool{},
	}
}

// enabled reports whether patch rules apply at all.
func (p *patcher) enabled() bool { return p.conf != nil && p.mode != PatchesOff }

// companion is a companion a rule adds, and the rule.
type companion struct {
	request resolve.Request
	rules   []Applied
}

// companions matches every package of sol against its own descriptor and the global
// one, and returns the companions to request, sorted. A companion is itself a package
// of the solution the next round, so global rules (and its own descriptor) can patch it.
func (p *patcher) companions(ctx context.Context, sol *resolve.Solution, platform string) ([]companion, error) {
	if !p.enabled() {
		return nil, nil
	}
	global, err := p.descriptor(ctx, patch.Global)
	if err != nil {
		return nil, err
	}
	byKey := map[string]*companion{}
	for _, pkg := range sol.Packages {
		name := descriptorName(pkg.Name)
		if name == "" {
			continue
		}
		own, err := p.descriptor(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, d := range []*CachedDescriptor{own, global} {
			for _, m := range ruleCompanions(d, pkg.Name, name, pkg.Origin.Repository, pkg.Version, platform) {
				k := m.request.PatchOf + "\x00" + m.request.Name + "\x00" + m.request.Constraint
				cp := byKey[k]
				if cp == nil {
					cp = &companion{request: m.request}
					byKey[k] = cp
				}
				cp.rules = append(cp.rules, m.applied)
			}
		}
	}
	out := make([]companion, 0, len(byKey))
	for _, c := range byKey {
		c.request.Rule = ruleNames(c.rules)
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b companion) int {
		return cmp.Or(strings.Compare(a.request.PatchOf, b.request.PatchOf), strings.Compare(a.request.Name, b.request.Name),
			strings.Compare(a.request.Constraint, b.request.Constraint))
	})
	return out, nil
}

// ruleNames names rules as explanations do: "rule 0 of _global", "rule 1 of hello and
// rule 0 of _global".
func ruleNames(rules []Applied) string {
	names := make([]string, len(rules))
	for i, a := range rules {
		names[i] = fmt.Sprintf("rule %d of %s", a.Rule, a.Descriptor)
	}
	return strings.Join(names, " and ")
}

// blameRules gives a solve that failed because of companions a hint that says so:
// which rule of which descriptor (with its reference) asks for each companion among
// the failure's reasons, and what the user can do, since a site's constraint is not
// one they can relax. A package the rule names that no tap has keeps the source's hint
// (a tap to add) first. Other failures are returned as they are.
func blameRules(err error, companions []companion) error {
	var lines []string
	var which []string
	for _, r := range patchReasons(err) {
		for _, c := range companions {
			if c.request.PatchOf != r.PatchOf || identify(c.request.Name).key != identify(r.Name).key || c.request.Constraint != r.Constraint {
				continue
			}
			for _, a := range c.rules {
				lines = append(lines, fmt.Sprintf("rule %d of patch descriptor %s (%s) adds %s to %s", a.Rule, a.Descriptor, a.Reference, a.Request, a.Package))
				which = append(which, fmt.Sprintf("rule %d of %s", a.Rule, a.Descriptor))
			}
		}
	}
	if len(lines) == 0 {
		return err
	}
	slices.Sort(which)
	rules := strings.Join(slices.Compact(which), " and ")
	hint := fmt.Sprintf("the site's patch rules ask for this, not you: %s. Ask the site's administrator to fix %s; %s",
		strings.Join(lines, "; "), rules, withoutRules)
	if h := fault.HintOf(err); h != "" && fault.KindOf(err) == fault.NotFound {
		// The package may be in a tap the site expects here: that hint comes first.
		hint = fmt.Sprintf("%s. The site's patch rules ask for it, not you: %s. If the rule is wrong, ask the site's administrator to fix %s; %s",
			strings.TrimSuffix(h, "."), strings.Join(lines, "; "), rules, withoutRules)
	}
	return fault.Hinted(err, hint)
}

// withoutRules is how a user goes on while a site's rule is broken.
// clashHint is the hint for requests a and b, which name one package from two taps:
// when patch rules made either, it names the rules, as blameRules does.
func clashHint(companions []companion, a, b resolve.Request) string {
	var lines, which []string
	for _, r := range []resolve.Request{a, b} {
		if r.PatchOf == "" {
			continue
		}
		for _, c := range companions {
			if c.request.PatchOf != r.PatchOf || c.request.Name != r.Name {
				continue
			}
			for _, a := range c.rules {
				lines = append(lines, fmt.Sprintf("rule %d of patch descriptor %s (%s) adds %s to %s", a.Rule, a.Descriptor, a.Reference, a.Request, a.Package))
				which = append(which, fmt.Sprintf("rule %d of %s", a.Rule, a.Descriptor))
			}
		}
	}
	if len(lines) == 0 {
		return "ask for one of them"
	}
	slices.Sort(which)
	return fmt.Sprintf("the site's patch rules ask for this, not you: %s. Ask the site's administrator to make %s name the tap the package comes from here; %s",
		strings.Join(lines, "; "), strings.Join(slices.Compact(which), " and "), withoutRules)
}

const withoutRules = "until then `pkg-dep resolve --no-patches` resolves without patch rules (pipe its lock to `pkg-pull -f -`)"

// patchReasons are the patch companions among the reasons a solve failed.
func patchReasons(err error) []resolve.Request {
	var f *resolve.Failure
	if !errors.As(err, &f) {
		return nil
	}
	var out []resolve.Request
	for _, r := range f.Requests {
		if r.PatchOf != "" {
			out = append(out, r)
		}
	}
	return out
}

// ruleMatch is a companion one rule adds to one package.
type ruleMatch struct {
	request resolve.Request
	applied Applied
}

// ruleCompanions lists the companions d's rules add to the package key (known to
// descriptors as name, living in repository) at version v on platform. A rule never
// makes a package its own companion: neither by its name nor, for a companion named
// by `ref:`, by its repository (a package found through a tap that a rule names by
// repository is still itself).
func ruleCompanions(d *CachedDescriptor, key, name, repository string, v *version.Version, platform string) []ruleMatch {
	var out []ruleMatch
	for _, i := range matchRules(d, name, v, platform) {
		rule := d.Descriptor.Rules[i]
		for _, c := range rule.Companions {
			req := resolve.Request{Name: c.Name, Constraint: strings.TrimSpace(c.Version), Platform: platform, PatchOf: key}
			written := c.Name
			if c.Ref != "" {
				req.Name, written = RepositoryName(c.Ref), c.Ref
			}
			ckey := identify(req.Name).key
			if ckey == key || (c.Ref != "" && ckey == repository) {
				continue
			}
			display := written
			if req.Constraint != "" {
				display += "@" + req.Constraint
			}
			out = append(out, ruleMatch{request: req, applied: Applied{
				Package: key, Version: v.String(), Companion: ckey, Request: display, Constraint: req.Constraint,
				Descriptor: d.Name, Reference: d.Reference(), Rule: i, Match: describeMatch(rule.Match),
			}})
		}
	}
	return out
}

// matchRules returns the indexes of d's rules that select package name at version v
// on platform: name glob (path.Match), version constraint (lib/version; empty matches
// every version, pre-releases included) and platform glob, each empty matching all.
func matchRules(d *CachedDescriptor, name string, v *version.Version, platform string) []int {
	if d == nil || d.Descriptor == nil {
		return nil
	}
	var out []int
	for i, r := range d.Descriptor.Rules {
		if r.Match.Name != "" {
			if ok, _ := path.Match(r.Match.Name, name); !ok {
				continue
			}
		}
		if r.Match.Version != "" {
			c, err := version.ParseConstraint(r.Match.Version)
			if err != nil || !c.Matches(v) {
				continue
			}
		}
		if r.Match.Platform != "" {
			if ok, _ := path.Match(r.Match.Platform, platform); !ok {
				continue
			}
		}
		out = append(out, i)
	}
	return out
}

// describeMatch writes a rule's match as `name=hello version=>=1 platform=linux/*`.
func describeMatch(m patch.Match) string {
	var parts []string
	for _, f := range []struct{ k, v string }{{"name", m.Name}, {"version", m.Version}, {"platform", m.Platform}} {
		if f.v != "" {
			parts = append(parts, f.k+"="+f.v)
		}
	}
	if len(parts) == 0 {
		return "any package"
	}
	return strings.Join(parts, " ")
}

// descriptor returns the rules for name: refreshed from the registry first in
// PatchesRefresh mode (once per plan), else from the cache.
func (p *patcher) descriptor(ctx context.Context, name string) (*CachedDescriptor, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == PatchesRefresh && !p.refreshed[name] {
		p.refreshed[name] = true
		if _, err := p.refreshLocked(ctx, name); err != nil {
			return nil, err
		}
	}
	if d, ok := p.loaded[name]; ok {
		return d, nil
	}
	d, err := readDescriptor(p.dir, name)
	if err != nil {
		return nil, err
	}
	if d != nil && d.Registry != p.conf.Registry {
		d = nil // cached from another patch registry: not this one's rules
	}
	p.loaded[name] = d
	return d, nil
}

// isCached reports whether the cache holds an answer from this patch registry for
// name: its rules, or that it has none.
func (p *patcher) isCached(name string) (bool, error) {
	d, err := readDescriptor(p.dir, name)
	return d != nil && d.Registry == p.conf.Registry, err
}

// isUnreachable reports whether the registry failed to answer (and was not required):
// the cached descriptors are used from then on.
func (p *patcher) isUnreachable() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.unreachable
}

// refresh asks the registry for name's descriptor: one request (resolving the tag)
// when the cached digest is current, the descriptor itself only when it changed; a
// registry without one caches "none". It reports whether the cache changed.
func (p *patcher) refresh(ctx context.Context, name string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refreshed[name] = true
	return p.refreshLocked(ctx, name)
}

func (p *patcher) refreshLocked(ctx context.Context, name string) (bool, error) {
	if p.unreachable {
		return false, nil
	}
	cached, err := readDescriptor(p.dir, name)
	if err != nil {
		return false, err
	}
	if cached != nil && cached.Registry != p.conf.Registry {
		cached = nil
	}
	fresh, err := p.fetch(ctx, name, cached)
	if err != nil {
		if p.conf.IsRequired() {
			kind := fault.KindOf(err)
			fix := "fix the connection (or log in)"
			switch {
			case oci.IsTLSFault(err):
				// An untrusted certificate is no network failure to retry: keep what
				// to do about it (--ca-file, --plain-http).
				kind, fix = fault.Unknown, fault.HintOf(err)+";"
			case kind != fault.Auth && kind != fault.Verify:
				kind = fault.Network
			}
			return false, fault.New(kind,
				fmt.Errorf("patch registry %s cannot be read (patches.required is true in config.yaml, so resolution fails closed): %w", p.conf.Registry, err),
				fix+" or run `pkg-dep patch registry "+p.conf.Registry+" --required=false` to go on with the descriptors cached before")
		}
		p.unreachable = true
		p.opts.warn("patch registry %s cannot be read (patches.required is false: going on with the descriptors cached before): %v", p.conf.Registry, err)
		return false, nil
	}
	if cached != nil && cached.Digest == fresh.Digest {
		p.loaded[name] = cached
		return false, nil
	}
	if err := writeDescriptor(p.dir, fresh); err != nil {
		return false, err
	}
	p.loaded[name] = fresh
	if cached == nil && fresh.Digest == "" {
		// Learned that the registry has no descriptor for name: nothing to update, and
		// "Updated … _global" would say otherwise.
		return false, nil
	}
	p.changed = append(p.changed, name)
	return true, nil
}

// fetch reads name's descriptor from the registry, unless its digest is cached's.
func (p *patcher) fetch(ctx context.Context, name string, cached *CachedDescriptor) (*CachedDescriptor, error) {
	none := &CachedDescriptor{Registry: p.conf.Registry, Name: name}
	r, err := ref.ParseArtifact(patch.Repository(p.conf.Registry, name))
	if err != nil {
		// A registry cannot hold a repository the reference grammar refuses: there are
		// no rules to find there.
		return none, nil
	}
	opts := p.opts.OCI
	opts.ReadOnly = true // the rules are read here; pkg-push patch publishes them
	t, err := oci.Open(ctx, r, opts)
	if err != nil {
		if fault.KindOf(err) == fault.NotFound {
			return none, nil
		}
		return nil, err
	}
	defer t.Close()
	desc, err := t.Resolve(ctx, patch.Tag)
	switch {
	case err != nil && fault.KindOf(err) == fault.NotFound:
		return none, nil
	case err != nil:
		return nil, err
	case cached != nil && cached.Digest == desc.Digest.String():
		return cached, nil
	}
	d, dg, err := patch.Fetch(ctx, t)
	if err != nil {
		return nil, err
	}
	return &CachedDescriptor{Registry: p.conf.Registry, Name: name, Digest: dg, Descriptor: d}, nil
}

func descriptorFile(dir, name string) string { return filepath.Join(dir, name+".json") }

// readDescriptor reads the cached descriptor of name; nil when none is cached.
func readDescriptor(dir, name string) (*CachedDescriptor, error) {
	file := descriptorFile(dir, name)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var d CachedDescriptor
	if err := json.Unmarshal(data, &d); err != nil || d.Name != name {
		return nil, fault.New(fault.Verify, fmt.Errorf("%s is corrupt", file), "delete it and run `pkg-dep patch sync` to fetch it again")
	}
	if d.Descriptor != nil {
		if err := d.Descriptor.Validate(patch.Global); err != nil {
			return nil, fault.New(fault.Verify, fmt.Errorf("%s: %w", file, err), "delete it and run `pkg-dep patch sync` to fetch it again")
		}
	}
	return &d, nil
}

func writeDescriptor(dir string, d *CachedDescriptor) error {
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteCache(descriptorFile(dir, d.Name), append(data, '\n'), 0o644)
}

// sameCompanions reports whether two sorted companion lists request the same.
func sameCompanions(a, b []companion) bool {
	return slices.EqualFunc(a, b, func(x, y companion) bool { return x.request == y.request })
}

func describeCompanions(cs []companion) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.request.String() + " for " + c.request.PatchOf
	}
	return strings.Join(parts, ", ")
}

// applied lists the rules of the final companions, sorted.
func applied(cs []companion) []Applied {
	var out []Applied
	for _, c := range cs {
		out = append(out, c.rules...)
	}
	slices.SortFunc(out, func(a, b Applied) int {
		return cmp.Or(strings.Compare(a.Package, b.Package), strings.Compare(a.Companion, b.Companion),
			strings.Compare(a.Descriptor, b.Descriptor), cmp.Compare(a.Rule, b.Rule))
	})
	return slices.CompactFunc(out, func(a, b Applied) bool { return a == b })
}
