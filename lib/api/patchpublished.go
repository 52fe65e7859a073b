package api

import "longshore.dev/lib/stream"

// PatchPublished is what pkg-push patch prints: the patch descriptor now tagged in the
// patch registry, as IndexPublished is the index now tagged.
type PatchPublished struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	// Descriptor is the package the rules patch (--for), or _global, as PatchRule names it.
	Descriptor string `json:"descriptor" yaml:"descriptor"`
	// Repository is where the descriptor lives: PATCH_REGISTRY/NAME (global/rules for
	// _global), or ocidir:///ABS/NAME; Tag is always patches.
	Repository string `json:"repository" yaml:"repository"`
	Tag        string `json:"tag" yaml:"tag"`
	Digest     string `json:"digest" yaml:"digest"`
	// Rules counts the descriptor's rules; 0 withdraws those published before.
	Rules int `json:"rules" yaml:"rules"`
}

// NewPatchPublished returns a PatchPublished with its type set.
func NewPatchPublished() *PatchPublished {
	return &PatchPublished{TypeMeta: stream.TypeMeta{APIVersion: stream.APIVersion, Kind: "PatchPublished"}}
}

func (p *PatchPublished) ObjectKind() string { return p.Kind }

// ObjectName is REPOSITORY:TAG, as an IndexPublished is named
// (patchpublished/registry.corp.example/patches/hello:patches with -o name).
func (p *PatchPublished) ObjectName() string { return p.Repository + ":" + p.Tag }

// Kinds lives in api.go, which other kinds share; PatchPublished registers itself here.
func init() {
	Kinds["PatchPublished"] = func() any { return new(PatchPublished) }
}
