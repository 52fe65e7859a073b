package api

import (
	"strings"

	"longshore.dev/lib/stream"
)

// KeepChain is what pkg-gc why prints with -o yaml|json|name: one chain from a root of
// the collection to what was asked about, which the next collection therefore keeps.
type KeepChain struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	// Target is what was asked about, as typed: a package name or a digest (prefix).
	Target string `json:"target" yaml:"target"`
	// Root is the root the chain starts from, as the collection names it:
	// "installed.yaml: hello 1.0.0 (explicit)", "--keep tools.lock.yaml: …".
	Root  string     `json:"root" yaml:"root"`
	Links []KeepLink `json:"links" yaml:"links"`
}

// KeepLink is one object of a KeepChain.
type KeepLink struct {
	// Kind is index, manifest, config or layer.
	Kind   string `json:"kind" yaml:"kind"`
	Digest string `json:"digest" yaml:"digest"`
	// Tree is the extracted tree of a manifest the chain ends at, relative to the home.
	Tree string `json:"tree,omitempty" yaml:"tree,omitempty"`
}

// NewKeepChain returns a KeepChain with its type set.
func NewKeepChain() *KeepChain {
	return &KeepChain{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "KeepChain"}}
}

func (c *KeepChain) ObjectKind() string { return c.Kind }

// ObjectName is the chain's links, KIND:DIGEST joined by commas
// (keepchain/manifest:sha256:…,layer:sha256:… with -o name): the root's label has
// spaces, so a script reads it from the document.
func (c *KeepChain) ObjectName() string {
	links := make([]string, len(c.Links))
	for i, l := range c.Links {
		links[i] = l.Kind + ":" + l.Digest
	}
	return strings.Join(links, ",")
}

// Kinds lives in api.go, which other kinds share; KeepChain registers itself here.
func init() {
	Kinds["KeepChain"] = func() any { return new(KeepChain) }
}
