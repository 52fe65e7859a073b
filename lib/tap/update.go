package tap

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/index"
)

// maxParallelUpdates bounds how many taps update at once: each is mostly waiting on a
// registry, and a few at a time keep a long tap list quick without a burst.
const maxParallelUpdates = 4

// UpdateResult is what updating one tap did.
type UpdateResult struct {
	Name   string
	Source string
	Fetch  index.FetchResult
	// Packages and Versions count the index now cached.
	Packages, Versions int
	// Tap is the tap as `pkg-tap list` now shows it; nil when Err is set.
	Tap *api.Tap
	// Err is why this tap was not updated; its cache is as it was.
	Err error
}

// Update refreshes the caches of the named taps (every tap when names is empty), each
// on its own: one that fails (unreachable, refused, not found) is reported in its
// result and leaves its cache untouched while the others update. The error is nil
// when all succeeded, the failure itself when the only tap asked for failed, and a
// fault.Partial otherwise (a fault of the common kind when every tap failed alike).
func Update(ctx context.Context, home string, names []string, opts Options) ([]UpdateResult, error) {
	c, err := Load(home)
	if err != nil {
		return nil, err
	}
	var specs []Spec
	if len(names) == 0 {
		specs = c.Taps
		if len(specs) == 0 {
			return nil, fault.New(fault.NotFound, errors.New("no taps are configured"), "add one with `pkg-tap add NAME REF`")
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		s, ok := c.Tap(n)
		if !ok {
			return nil, c.unknownTap(n)
		}
		if !seen[n] {
			seen[n] = true
			specs = append(specs, s)
		}
	}

	results := make([]UpdateResult, len(specs))
	sem := make(chan struct{}, maxParallelUpdates)
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = updateOne(ctx, c.home, s, opts)
		})
	}
	wg.Wait()
	return results, updateError(results)
}

func updateOne(ctx context.Context, home string, s Spec, opts Options) UpdateResult {
	r := UpdateResult{Name: s.Name, Source: s.Source}
	if err := updateLocked(ctx, home, s, opts, &r); err != nil {
		r.Err = fmt.Errorf("tap %s: %w", s.Name, err)
	}
	return r
}

func updateLocked(ctx context.Context, home string, s Spec, opts Options, r *UpdateResult) error {
	src, err := parseSource(s.Source)
	if err != nil {
		return err
	}
	unlock, err := lock(home, tapLock(s.Name))
	if err != nil {
		return err
	}
	defer unlock()
	// Under the tap lock, the tap must still be what Update read: a remove (or a remove
	// and an add of the same name) may have finished since.
	c, err := Load(home)
	if err != nil {
		return err
	}
	cur, ok := c.Tap(s.Name)
	if !ok || cur.Source != s.Source {
		return fault.Errorf(fault.Conflict, "the tap was removed or replaced while the update waited")
	}
	st, res, err := refresh(ctx, src, cacheDir(home, s.Name), opts)
	r.Fetch = res
	if err != nil {
		return err
	}
	r.Packages, r.Versions = st.Packages, st.Versions
	r.Tap = newAPITap(cur, st)
	return nil
}

// tapLock names the lock that serializes changes to one tap's cache.
func tapLock(name string) string { return "tap-" + name }

func updateError(results []UpdateResult) error {
	var failed []UpdateResult
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, r)
		}
	}
	switch {
	case len(failed) == 0:
		return nil
	case len(results) == 1:
		return failed[0].Err
	}
	names := make([]string, len(failed))
	kind := fault.KindOf(failed[0].Err)
	for i, r := range failed {
		names[i] = r.Name
		if fault.KindOf(r.Err) != kind {
			kind = fault.Unknown
		}
	}
	if len(failed) < len(results) {
		return fault.New(fault.Partial,
			fmt.Errorf("%d of %d taps could not be updated: %s", len(failed), len(results), strings.Join(names, ", ")),
			"the caches of the taps that failed are as they were; the others were updated")
	}
	if kind == fault.Unknown {
		kind = fault.Partial // nothing in common to act on: the lines above say what failed
	}
	return fault.New(kind, fmt.Errorf("no tap could be updated: %s", strings.Join(names, ", ")), fault.HintOf(failed[0].Err))
}
