package tap

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/index"
)

// AddResult says what Add did.
type AddResult struct {
	Tap *api.Tap
	// PreviousDefault is the tap that stopped being the default because this one was
	// added with Default set; "" when none did.
	PreviousDefault string
	// Existing is set when the tap was already configured with this source and Add only
	// made it the default: nothing was fetched.
	Existing bool
	Fetch    index.FetchResult
}

// Add configures a new tap and fetches its index at once, so a wrong source fails here
// and nothing is saved: the cache is built in a staging directory and moved into place
// only when the fetch succeeded, and config.yaml changes last. A name already taken is
// a conflict; the existing tap is left alone, except that adding it again with its own
// source and Default makes it the default tap, as the hint of an ambiguous name says to
// (`helm repo add` and `brew tap` accept a repeat of the same source too).
func Add(ctx context.Context, home string, spec Spec, opts Options) (*AddResult, error) {
	if err := ValidateName(spec.Name); err != nil {
		return nil, err
	}
	src, err := parseSource(spec.Source)
	if err != nil {
		return nil, err
	}
	unlock, err := lock(home, "config")
	if err != nil {
		return nil, err
	}
	defer unlock()
	c, err := Load(home)
	if err != nil {
		return nil, err
	}
	if old, ok := c.Tap(spec.Name); ok {
		if spec.Default && old.Source == src.String() {
			return c.makeDefault(old)
		}
		return nil, fault.New(fault.Conflict, fmt.Errorf("a tap named %s already exists (source %s)", spec.Name, old.Source),
			fmt.Sprintf("choose another name, or `pkg-tap remove %s` first", spec.Name))
	}

	taps := filepath.Join(c.home, tapsDir)
	if err := os.MkdirAll(taps, 0o755); err != nil {
		return nil, fmt.Errorf("preparing %s: %w", taps, err)
	}
	staging, err := os.MkdirTemp(taps, ".add-"+spec.Name+"-")
	if err != nil {
		return nil, fmt.Errorf("preparing the cache of tap %s: %w", spec.Name, err)
	}
	defer os.RemoveAll(staging) // a no-op once renamed
	// MkdirTemp makes it 0700; a cache is as readable as the rest of the home.
	if err := os.Chmod(staging, 0o755); err != nil {
		return nil, err
	}
	st, res, err := refresh(ctx, src, staging, opts)
	if err != nil {
		return nil, fmt.Errorf("adding tap %s: %w", spec.Name, err)
	}
	dir := cacheDir(c.home, spec.Name)
	// The tap lock waits out an update that started before this name was removed.
	unlockTap, err := lock(c.home, tapLock(spec.Name))
	if err != nil {
		return nil, err
	}
	defer unlockTap()
	// A cache without a config entry is left over from a removal that could not delete
	// it, or a crash: nothing refers to it.
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("removing the stale cache %s: %w", dir, err)
	}
	if err := os.Rename(staging, dir); err != nil {
		return nil, fmt.Errorf("moving the cache of tap %s into place: %w", spec.Name, err)
	}

	result := &AddResult{Fetch: res}
	if spec.Default {
		for i := range c.Taps {
			if c.Taps[i].Default {
				result.PreviousDefault = c.Taps[i].Name
				c.Taps[i].Default = false
			}
		}
	}
	spec.Source = src.String()
	c.Taps = append(c.Taps, spec)
	if err := c.save(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	result.Tap = newAPITap(spec, st)
	return result, nil
}

// makeDefault marks the configured tap s as the default without fetching anything: its
// cache is as fresh as its last update (`pkg-tap update` refreshes it).
func (c *Config) makeDefault(s Spec) (*AddResult, error) {
	result := &AddResult{Existing: true}
	if !s.Default {
		for i := range c.Taps {
			if c.Taps[i].Default {
				result.PreviousDefault = c.Taps[i].Name
			}
			c.Taps[i].Default = c.Taps[i].Name == s.Name
		}
		if err := c.save(); err != nil {
			return nil, err
		}
		s.Default = true
	}
	st, err := readState(cacheDir(c.home, s.Name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	result.Tap = newAPITap(s, st)
	return result, nil
}
