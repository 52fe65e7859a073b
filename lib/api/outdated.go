package api

import "longshore.dev/lib/stream"

// Outdated is what pkg-dep outdated prints: one package of a lock (or one installed
// package) at its current version, and the newer versions there are.
type Outdated struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	// Name is the package's name in the lock: its bare name when it came through a
	// tap, its repository when it came from a repository's tags.
	Name string `json:"name" yaml:"name"`
	// Current is the locked (or installed) version.
	Current string `json:"current" yaml:"current"`
	// Wanted is the newest version the constraints on the package allow; Latest the
	// newest release that is not yanked. Either is empty when there is none, and both
	// when Error says the versions could not be read.
	Wanted string `json:"wanted,omitempty" yaml:"wanted,omitempty"`
	Latest string `json:"latest,omitempty" yaml:"latest,omitempty"`
	// Yanked says the current version is yanked: its publisher withdrew it.
	Yanked bool `json:"yanked,omitempty" yaml:"yanked,omitempty"`
	// Tap is the tap the package came through; empty for a repository's tags.
	Tap        string `json:"tap,omitempty" yaml:"tap,omitempty"`
	Repository string `json:"repository" yaml:"repository"`
	// Error says why the versions could not be read (a tap removed, a repository
	// gone); the other packages are reported all the same.
	Error string `json:"error,omitempty" yaml:"error,omitempty"`
}

// NewOutdated returns an Outdated with its type set.
func NewOutdated() *Outdated {
	return &Outdated{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "Outdated"}}
}

func (o *Outdated) ObjectKind() string { return o.Kind }
func (o *Outdated) ObjectName() string { return o.Name + "@" + o.Current }

// Kinds lives in api.go, which other kinds share; Outdated registers itself here.
func init() {
	Kinds["Outdated"] = func() any { return new(Outdated) }
}
