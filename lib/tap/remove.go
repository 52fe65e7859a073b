package tap

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/store"
)

// Remove deletes tap name from config.yaml and its cache, and returns the tap as
// `pkg-tap list` showed it last (without cache state when that was unreadable: a
// broken cache is no reason to keep a tap). Installed packages are never touched:
// while any came from this tap, Remove refuses with a conflict that lists them, unless
// force is set; then it removes the tap anyway and returns those packages, now
// orphaned (still installed, their tap gone).
func Remove(home, name string, force bool) (removed *api.Tap, orphaned []*api.Installed, err error) {
	if err := ValidateName(name); err != nil {
		return nil, nil, err
	}
	// The config lock is held until the cache is gone, so that an add of the same name
	// cannot slip in between and lose its new cache.
	unlock, err := lock(home, "config")
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	c, err := Load(home)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(c.Taps, func(s Spec) bool { return s.Name == name })
	if i < 0 {
		return nil, nil, c.notConfigured(name)
	}
	from, err := installedFrom(c.home, name)
	if err != nil {
		return nil, nil, err
	}
	if len(from) > 0 && !force {
		return nil, nil, fault.New(fault.Conflict,
			fmt.Errorf("tap %s is still needed by %s: %s", name, countPackages(len(from), "installed package"), describe(from)),
			fmt.Sprintf("uninstall them first, or `pkg-tap remove %s --force` to remove the tap and leave them installed without it", name))
	}
	spec := c.Taps[i]
	c.Taps = slices.Delete(c.Taps, i, i+1)
	if err := c.save(); err != nil {
		return nil, nil, err
	}
	unlockTap, err := lock(c.home, tapLock(name))
	if err != nil {
		return nil, from, err
	}
	defer unlockTap()
	st, _ := readState(cacheDir(c.home, name))
	if err := os.RemoveAll(cacheDir(c.home, name)); err != nil {
		return nil, from, fmt.Errorf("tap %s is removed from the configuration, but its cache stays: %w", name, err)
	}
	return newAPITap(spec, st), from, nil
}

// notConfigured is the error for removing a tap that is not configured. Its hint lists
// the taps that are (most likely the name was mistyped); advice to add the tap, as
// other verbs give, would be the opposite of what a remove wants.
func (c *Config) notConfigured(name string) error {
	hint := "no taps are configured"
	if len(c.Taps) > 0 {
		hint = fmt.Sprintf("%sconfigured taps: %s (`pkg-tap list` shows them)", didYouMean(nearby(name, c.names())), strings.Join(c.names(), ", "))
	}
	return fault.New(fault.NotFound, fmt.Errorf("no tap named %q", name), hint)
}

// installedFrom lists the installed packages resolved through tap.
func installedFrom(home, tap string) ([]*api.Installed, error) {
	// Only read installed.yaml: store.Open would create a store in a home that has none.
	list, err := (&store.Store{Home: home}).List()
	if err != nil {
		return nil, err
	}
	var from []*api.Installed
	for _, inst := range list {
		if inst.Tap == tap {
			from = append(from, inst)
		}
	}
	return from, nil
}

func describe(list []*api.Installed) string {
	parts := make([]string, len(list))
	for i, inst := range list {
		parts[i] = inst.Name + " " + inst.Version
	}
	return strings.Join(parts, ", ")
}

// countPackages is "1 installed package", "2 installed packages".
func countPackages(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
