// Package gc owns garbage collection: marking what the roots of the local store reach
// (installed.yaml, --keep documents, registered project locks), sweeping everything
// else in an order a crash cannot make unsafe, explaining why something is kept, and
// deleting old versions from a registry repository (Remote).
//
// A collection holds the store lock exclusively from the first read to the last
// removal: installs hold it shared from their first write until their package is
// recorded, so the two never overlap and each simply waits for the other.
package gc

import (
	"context"
	"fmt"
	"time"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/progress"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
)

// Options control Collect and Why.
type Options struct {
	// Keep are extra roots: Lock, Installed and PackageRef documents (pkg-gc --keep -f).
	Keep []stream.Doc
	// DryRun plans without removing anything.
	DryRun bool
	// MaxAge, when positive, also collects other tmp/ entries and tap-cache leftovers
	// older than this (see docs/gc.md for exactly what).
	MaxAge time.Duration
	// Now is the clock for MaxAge (nil: time.Now).
	Now func() time.Time
	// Debugf, when set, hears how long each stage took (pkg-gc -v).
	Debugf func(format string, args ...any)
	// Logf, when set, hears what the user should while nothing else is printed: that
	// the collection waits for running installs to release the store lock.
	Logf func(format string, args ...any)
}

func (o *Options) debugf(format string, args ...any) {
	if o.Debugf != nil {
		o.Debugf(format, args...)
	}
}

// Collect marks what the roots reach and removes the rest, or with DryRun reports what
// it would remove. The report of a dry run is the plan a real run started at the same
// moment executes.
func Collect(ctx context.Context, s *store.Store, opts Options) (*api.GCReport, error) {
	release, err := s.LockExclusive(ctx, func() {
		if opts.Logf != nil {
			opts.Logf("Waiting for another pkg-pull or pkg-gc, which holds %s, to finish…", s.StoreLockPath())
		}
	})
	if err != nil {
		return nil, fmt.Errorf("taking the store lock: %w", err)
	}
	defer release()
	releaseRecords, err := s.LockRecords()
	if err != nil {
		return nil, fmt.Errorf("taking the lock of installed.yaml: %w", err)
	}
	defer releaseRecords()

	if err := checkLayout(s); err != nil {
		return nil, err
	}
	start := time.Now()
	roots, warnings, err := loadRoots(s, opts.Keep, !opts.DryRun)
	if err != nil {
		return nil, err
	}
	g := mark(s, roots)
	opts.debugf("gc: marked from %d roots in %s", len(roots), time.Since(start).Round(time.Millisecond))
	for _, a := range g.absent {
		opts.debugf("gc: %s", a)
	}
	start = time.Now()
	p, err := makePlan(s, g, opts)
	defer p.release()
	if err != nil {
		return nil, err
	}
	opts.debugf("gc: planned %d removals in %s", len(p.items), time.Since(start).Round(time.Millisecond))
	if err := ctx.Err(); err != nil {
		// Interrupted while marking or planning: no report, as if it never started.
		return nil, err
	}
	report := api.NewGCReport()
	report.DryRun = opts.DryRun
	report.Kept = p.kept
	report.Kept.Roots = len(roots)
	report.Warnings = append(append(warnings, g.warnings...), p.warnings...)
	if len(p.items) > 0 {
		// Else the empty list NewGCReport made: JSON says "items": [], as YAML and
		// the schema do, not null.
		report.Items = p.items
	}
	if opts.DryRun {
		for _, it := range p.items {
			report.FreedBytes += it.Bytes
		}
		return report, nil
	}
	start = time.Now()
	freed, err := sweep(ctx, s, p.items, p.contents)
	opts.debugf("gc: swept in %s", time.Since(start).Round(time.Millisecond))
	report.FreedBytes = freed
	if err != nil {
		return nil, fault.Hinted(fmt.Errorf("collecting %s (stopped after freeing %s): %w", s.Home, progress.Bytes(freed), err),
			"the store is consistent: run pkg-gc again to remove the rest")
	}
	return report, nil
}
