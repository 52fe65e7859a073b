package api

import "longshore.dev/lib/stream"

// PatchRule is what pkg-dep patch list and patch why print: one rule of a cached patch
// descriptor as it applies to one package version, adding one companion.
type PatchRule struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	// Package is the patched package, by its name in the lock (or as installed), and
	// Version its version.
	Package string `json:"package" yaml:"package"`
	Version string `json:"version" yaml:"version"`
	// Companion is the companion's name in the lock: its bare name, or the repository
	// a rule's ref: names. Request is the companion as the rule writes it
	// (corp/ca-bundle@^1), and Constraint the version constraint in it, if any (^1).
	Companion  string `json:"companion" yaml:"companion"`
	Request    string `json:"request" yaml:"request"`
	Constraint string `json:"constraint,omitempty" yaml:"constraint,omitempty"`
	// Descriptor is the package name the descriptor is published for, or _global;
	// Reference is where it lives, REGISTRY/NAME:patches@DIGEST.
	Descriptor string `json:"descriptor" yaml:"descriptor"`
	Reference  string `json:"reference" yaml:"reference"`
	// Rule is the index of the rule in the descriptor, from 0, and Match what it
	// matches (name=hello version=>=1.1 platform=linux/*).
	Rule  int    `json:"rule" yaml:"rule"`
	Match string `json:"match" yaml:"match"`
}

// NewPatchRule returns a PatchRule with its type set.
func NewPatchRule() *PatchRule {
	return &PatchRule{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "PatchRule"}}
}

func (r *PatchRule) ObjectKind() string { return r.Kind }

// ObjectName is the patched package at its version and the companion it gets, joined
// by a comma as a DependencyPath joins its steps (patchrule/hello@1.1.0,ca-bundle with
// -o name): the patch edge the rule adds. Two rules that add the same companion to a
// package (its own descriptor's and a _global one) are two documents of that name.
func (r *PatchRule) ObjectName() string { return r.Package + "@" + r.Version + "," + r.Companion }

// Kinds lives in api.go, which other kinds share; PatchRule registers itself here.
func init() {
	Kinds["PatchRule"] = func() any { return new(PatchRule) }
}
