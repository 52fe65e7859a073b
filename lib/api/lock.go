package api

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"longshore.dev/lib/stream"
)

// ReasonRequested is why a Lock holds a package the user asked for (ReasonDependency
// and ReasonPatch are shared with Installed).
const ReasonRequested = "requested"

// Lock is what pkg-dep resolve prints: the requests, every package they reach with
// the version chosen and where it lives, and the order to install them in. Installing
// from a lock needs no resolution and no tag lookup, on any platform the packages
// publish (docs/resolution.md).
type Lock struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	Requests        []LockRequest `json:"requests" yaml:"requests"`
	// Packages is sorted by name.
	Packages []LockedPackage `json:"packages" yaml:"packages"`
	// Order is every package name once, dependencies before their dependents and patch
	// companions right after the package they patch.
	Order []string `json:"order" yaml:"order"`
}

// LockRequest is one request the lock was resolved from.
type LockRequest struct {
	// Name is as the user wrote it: NAME, TAP/NAME, or a repository.
	Name     string `json:"name" yaml:"name"`
	Version  string `json:"version,omitempty" yaml:"version,omitempty"`
	Platform string `json:"platform,omitempty" yaml:"platform,omitempty"`
}

// LockedPackage is one resolved package.
type LockedPackage struct {
	Name string `json:"name" yaml:"name"`
	// Tap is the tap the package was found through; empty for a repository's tags.
	Tap        string `json:"tap,omitempty" yaml:"tap,omitempty"`
	Version    string `json:"version" yaml:"version"`
	Repository string `json:"repository" yaml:"repository"`
	// Digest is the root of the version: its image manifest, or its image index when
	// it publishes several platforms.
	Digest string `json:"digest" yaml:"digest"`
	// Platforms is each platform's manifest, sorted by platform.
	Platforms []Platform `json:"platforms" yaml:"platforms"`
	// Dependencies and Patches name other packages of the lock, sorted.
	Dependencies []string `json:"dependencies,omitempty" yaml:"dependencies,omitempty"`
	Patches      []string `json:"patches,omitempty" yaml:"patches,omitempty"`
	// Reason is ReasonRequested, ReasonDependency or ReasonPatch.
	Reason string `json:"reason" yaml:"reason"`
	// RequiredBy names the packages that depend on this one or that it patches, sorted.
	RequiredBy []string `json:"requiredBy,omitempty" yaml:"requiredBy,omitempty"`
}

// NewLock returns a Lock with its type set.
func NewLock() *Lock {
	return &Lock{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "Lock"}}
}

func (l *Lock) ObjectKind() string { return l.Kind }

// ObjectName is the requests at the versions locked, NAME@VERSION joined by commas
// (lock/hello@1.3.0,core/tool@3.1.0 with -o name), as the other kinds name one version
// of a package: each request as written, with the version of the package it names. A
// request the lock holds no package for (a hand-written lock) is its name alone.
func (l *Lock) ObjectName() string {
	names := make([]string, len(l.Requests))
	for i, r := range l.Requests {
		names[i] = r.Name
		if p, ok := l.requested(r); ok {
			names[i] += "@" + p.Version
		}
	}
	return strings.Join(names, ",")
}

// requested is the package a request names: NAME or a repository as the lock names
// the package, or TAP/NAME, that tap's NAME.
func (l *Lock) requested(r LockRequest) (*LockedPackage, bool) {
	if p, ok := l.Package(r.Name); ok {
		return p, true
	}
	if tap, name, ok := strings.Cut(r.Name, "/"); ok {
		if p, ok := l.Package(name); ok && p.Tap == tap {
			return p, true
		}
	}
	return nil, false
}

// Package returns the locked package named name.
func (l *Lock) Package(name string) (*LockedPackage, bool) {
	i, ok := slices.BinarySearchFunc(l.Packages, name, func(p LockedPackage, name string) int {
		return strings.Compare(p.Name, name)
	})
	if !ok {
		return nil, false
	}
	return &l.Packages[i], true
}

// Validate checks what the decoder cannot: packages sorted by name and unique, every
// edge naming a package of the lock, a known reason, and an order that holds every
// package once. (resolve.Order checks that the order respects the edges.)
func (l *Lock) Validate() error {
	var errs []error
	for i, p := range l.Packages {
		where := fmt.Sprintf("packages[%d] (%s)", i, p.Name)
		switch {
		case p.Name == "":
			errs = append(errs, fmt.Errorf("packages[%d] has no name", i))
		case i > 0 && l.Packages[i-1].Name >= p.Name:
			errs = append(errs, fmt.Errorf("%s: packages must be sorted by name, each once", where))
		}
		if p.Version == "" || p.Repository == "" || p.Digest == "" {
			errs = append(errs, fmt.Errorf("%s: a locked package needs a version, a repository and a digest", where))
		}
		switch p.Reason {
		case ReasonRequested, ReasonDependency, ReasonPatch:
		default:
			errs = append(errs, fmt.Errorf("%s: reason %q is not one of %s, %s, %s", where, p.Reason, ReasonRequested, ReasonDependency, ReasonPatch))
		}
		for _, edge := range [][]string{p.Dependencies, p.Patches, p.RequiredBy} {
			for _, n := range edge {
				if _, ok := l.Package(n); !ok {
					errs = append(errs, fmt.Errorf("%s names %s, which is not in the lock", where, n))
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, n := range l.Order {
		if _, ok := l.Package(n); !ok || seen[n] {
			errs = append(errs, fmt.Errorf("order: %s is not a package of the lock, or appears twice", n))
		}
		seen[n] = true
	}
	if len(seen) != len(l.Packages) && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("order holds %d of the %d packages", len(seen), len(l.Packages)))
	}
	return errors.Join(errs...)
}

// Kinds lives in api.go, which other kinds share; Lock registers itself here.
func init() {
	Kinds["Lock"] = func() any { return new(Lock) }
}

// NormalizeRepositories puts the repositories of l, read from source (a stream.Doc's
// Source: "FILE:LINE", or "<stdin>:LINE"), in the one spelling plan and the store
// compare: a registry's repository without the optional oci:// scheme, a layout's path
// absolute. A Lock may name a layout by a relative path (ocidir://./demo/hello): it is
// relative to the directory of the file the Lock was read from, as a path in a
// Cargo.toml is, so that a directory holding layouts and their lock (pkg-pull mirror
// --relative) can be carried anywhere. A Lock read from standard input is relative to
// the current directory.
func (l *Lock) NormalizeRepositories(source string) {
	file := source
	if i := strings.LastIndexByte(source, ':'); i > 0 {
		file = source[:i]
	}
	base := "."
	if file != "<stdin>" {
		base = filepath.Dir(file)
	}
	for i := range l.Packages {
		p := &l.Packages[i]
		p.Repository = strings.TrimPrefix(p.Repository, "oci://")
		if rel, ok := strings.CutPrefix(p.Repository, "ocidir://"); ok && !filepath.IsAbs(rel) {
			if abs, err := filepath.Abs(filepath.Join(base, rel)); err == nil {
				p.Repository = "ocidir://" + abs
			}
		}
	}
}
