package tap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"longshore.dev/lib/api"
	"longshore.dev/lib/index"
	"longshore.dev/lib/oci"
)

// Options say how to reach tap sources. The zero value is right outside tests.
type Options struct {
	// OCI reaches registries and layouts (credentials, plain HTTP, CA).
	OCI oci.Options
	// Now stamps updates (default time.Now).
	Now func() time.Time
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

// List returns every configured tap with the state of its cache, in config order. It
// reads only local files.
func (c *Config) List() ([]*api.Tap, error) {
	out := make([]*api.Tap, 0, len(c.Taps))
	for _, s := range c.Taps {
		st, err := readState(cacheDir(c.home, s.Name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		// A missing state (never fetched, or the cache removed by hand) lists the tap
		// without digest and counts.
		out = append(out, newAPITap(s, st))
	}
	return out, nil
}

// newAPITap is the document of a configured tap and its cache state (nil: none).
func newAPITap(s Spec, st *state) *api.Tap {
	t := api.NewTap()
	t.Name, t.Source, t.Default = s.Name, s.Source, s.Default
	if st != nil {
		t.Digest, t.Packages, t.Versions = st.Digest, st.Packages, st.Versions
		t.Updated = st.Updated.UTC().Format(time.RFC3339)
	}
	return t
}

// refresh brings the cache in dir up to date with src and rewrites search.json and
// tap.json when the index changed. A failure leaves the cache as it was: index.Fetch
// switches atomically, and the files beside it are written only after it succeeded.
func refresh(ctx context.Context, src source, dir string, opts Options) (*state, index.FetchResult, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, index.FetchResult{}, fmt.Errorf("preparing %s: %w", dir, err)
	}
	res, err := fetch(ctx, src, dir, opts)
	if err != nil {
		return nil, res, err
	}
	prev, err := readState(dir)
	// A search table that is missing or damaged is rewritten even when nothing changed,
	// so that `pkg-tap update` is the repair for it.
	searchData, searchErr := os.ReadFile(filepath.Join(dir, searchFile))
	st := prev
	if err != nil || searchErr != nil || !json.Valid(searchData) || res.Changed || prev.Digest != res.Digest || prev.Source != src.String() {
		snap, err := index.Open(dir)
		if err != nil {
			return nil, res, fmt.Errorf("reading the fetched index: %w", err)
		}
		pkgs, err := snap.All()
		if err != nil {
			return nil, res, fmt.Errorf("reading the fetched index: %w", err)
		}
		if err := writeSearch(dir, pkgs); err != nil {
			return nil, res, err
		}
		packages, versions := snap.Stats()
		st = &state{Source: src.String(), Digest: snap.Digest(), Packages: packages, Versions: versions}
	}
	st.Updated = opts.now()
	if err := writeState(dir, st); err != nil {
		return nil, res, err
	}
	return st, res, nil
}
