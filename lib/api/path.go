package api

import (
	"strings"

	"longshore.dev/lib/stream"
)

// Edges into a step of a DependencyPath.
const (
	// EdgeRequest marks a path's first step when a request of the lock names it.
	EdgeRequest = "request"
	// EdgeDependency and EdgePatch say the step before depends on it, or a patch
	// rule adds it to the step before as a companion.
	EdgeDependency = "dependency"
	EdgePatch      = "patch"
)

// DependencyPath is what pkg-dep why prints: one path through a lock's graph, from a
// package the graph is read from (a request, or a package nothing else reaches) to
// the package asked about.
type DependencyPath struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	// Target is the package asked about, by its name in the lock; it is the last step.
	Target string     `json:"target" yaml:"target"`
	Steps  []PathStep `json:"steps" yaml:"steps"`
}

// PathStep is one package of a DependencyPath and the edge that leads to it.
type PathStep struct {
	// Name is the package's name in the lock: its bare name when it came through a
	// tap, its repository when it came from a repository's tags.
	Name    string `json:"name" yaml:"name"`
	Version string `json:"version" yaml:"version"`
	// Tap is the tap the package came through; empty for a repository's tags.
	Tap string `json:"tap,omitempty" yaml:"tap,omitempty"`
	// Edge is EdgeDependency or EdgePatch after the first step. The first step has
	// EdgeRequest when a request names it, and no edge when nothing leads to it (an
	// installed package that no longer has dependents).
	Edge string `json:"edge,omitempty" yaml:"edge,omitempty"`
}

// NewDependencyPath returns a DependencyPath with its type set.
func NewDependencyPath() *DependencyPath {
	return &DependencyPath{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "DependencyPath"}}
}

func (p *DependencyPath) ObjectKind() string { return p.Kind }

// ObjectName is the steps as NAME@VERSION joined by commas, first to last
// (dependencypath/hello@1.1.0,libgreet@1.2.0,zlib@1.4.0 with -o name): one name per
// path, as a Lock joins its requests, whose first element is the request that brings
// the target in. Which edges are patches only the document says.
func (p *DependencyPath) ObjectName() string {
	steps := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		steps[i] = s.Name + "@" + s.Version
	}
	return strings.Join(steps, ",")
}

// Kinds lives in api.go, which other kinds share; DependencyPath registers itself here.
func init() {
	Kinds["DependencyPath"] = func() any { return new(DependencyPath) }
}
