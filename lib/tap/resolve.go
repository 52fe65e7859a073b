package tap

import (
	"fmt"
	"strings"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/index"
	"longshore.dev/lib/ref"
)

// Resolve finds the package name means, in the local caches only: TAP/NAME always
// names that tap's package; a bare NAME must be in exactly one tap, or in several of
// which one is the default. A bare name in two taps and no default is a usage fault
// that lists every qualified name. A version constraint (NAME@^1.2) is not allowed
// here: the caller splits it off (ref.Parse does).
func (c *Config) Resolve(name string) (tapName string, pkg *index.Package, err error) {
	return c.resolve(name, true)
}

// Find is Resolve for a caller that only asks whether name is there (which record
// came through which tap): a name no tap has gets no "did you mean", whose search of
// every tap's table costs milliseconds where a lookup costs microseconds.
func (c *Config) Find(name string) (tapName string, pkg *index.Package, err error) {
	return c.resolve(name, false)
}

func (c *Config) resolve(name string, suggest bool) (tapName string, pkg *index.Package, err error) {
	r, err := ref.Parse(name)
	if err != nil || r.Kind != ref.Package {
		return "", nil, fault.New(fault.Usage, fmt.Errorf("%q is not a package name: write NAME or TAP/NAME, e.g. hello or core/hello", ref.Redact(name)), "")
	}
	if r.Constraint != "" {
		return "", nil, fault.Errorf(fault.Usage, "%q: give the package name without a version constraint", name)
	}
	if len(c.Taps) == 0 {
		return "", nil, fault.New(fault.NotFound, fmt.Errorf("package %s: no taps are configured", name),
			"add one with `pkg-tap add NAME REF`")
	}
	if r.Tap != "" {
		if _, ok := c.Tap(r.Tap); !ok {
			return "", nil, c.unknownTap(r.Tap)
		}
		pkg, found, err := c.lookup(r.Tap, r.Name)
		if err != nil {
			return "", nil, err
		}
		if !found {
			return "", nil, fault.New(fault.NotFound, fmt.Errorf("tap %s has no package %s", r.Tap, r.Name),
				c.suggest(suggest, func() []string { return c.nearbyPackages(r.Tap, r.Name) })+
					fmt.Sprintf("search with `pkg-tap search %s`, or refresh the index with `pkg-tap update %s`", r.Name, r.Tap))
		}
		return r.Tap, pkg, nil
	}
	type found struct {
		tap string
		pkg *index.Package
	}
	var all []found
	for _, s := range c.Taps {
		pkg, ok, err := c.lookup(s.Name, r.Name)
		if err != nil {
			return "", nil, err
		}
		if ok {
			all = append(all, found{s.Name, pkg})
		}
	}
	switch len(all) {
	case 0:
		return "", nil, fault.New(fault.NotFound, fmt.Errorf("no tap has a package named %s (taps: %s)", r.Name, strings.Join(c.names(), ", ")),
			c.suggest(suggest, func() []string { return c.nearbyNames(r.Name) })+
				fmt.Sprintf("search with `pkg-tap search %s`, or refresh the indexes with `pkg-tap update`", r.Name))
	case 1:
		return all[0].tap, all[0].pkg, nil
	}
	qualified := make([]string, len(all))
	first, _ := c.Tap(all[0].tap)
	for i, f := range all {
		if c.isDefault(f.tap) {
			return f.tap, f.pkg, nil
		}
		qualified[i] = f.tap + "/" + r.Name
	}
	return "", nil, fault.New(fault.Usage,
		fmt.Errorf("package name %s is ambiguous: it is in %d taps: %s", r.Name, len(all), strings.Join(qualified, ", ")),
		fmt.Sprintf("name the tap, e.g. %s, or make one tap the default, e.g. `pkg-tap add %s %s --default`", qualified[0], first.Name, first.Source))
}

// suggest is didYouMean of what near finds, when asked to.
func (c *Config) suggest(asked bool, near func() []string) string {
	if !asked {
		return ""
	}
	return didYouMean(near())
}

func (c *Config) isDefault(name string) bool {
	s, ok := c.Tap(name)
	return ok && s.Default
}

// lookup reads name from tap's cached index (only the shard that holds it).
func (c *Config) lookup(tap, name string) (*index.Package, bool, error) {
	snap, err := c.snapshot(tap)
	if err != nil {
		return nil, false, err
	}
	pkg, ok, err := snap.Lookup(name)
	if err != nil {
		return nil, false, fmt.Errorf("tap %s: reading %s: %w", tap, name, err)
	}
	return pkg, ok, nil
}
