// Package tap owns taps: named sources of package metadata configured in
// $LONGSHORE_HOME/config.yaml, their local caches under $LONGSHORE_HOME/taps/, and what
// reads those caches without a network: search, show and name resolution (TAP/NAME or
// a bare NAME). The index format itself belongs to lib/index; a tap is a consumer of it.
package tap

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/filelock"
	"longshore.dev/lib/internal/atomicfile"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/stream"
)

// ConfigFile is the name of the configuration file in the home directory.
const ConfigFile = "config.yaml"

// ConfigKind is the kind of the one document config.yaml holds.
const ConfigKind = "Config"

// Kinds reads config.yaml.
var Kinds = stream.Kinds{ConfigKind: func() any { return new(Config) }}

// Config is $LONGSHORE_HOME/config.yaml. Decoding is strict: a field this version does
// not know is an error naming its line. Sections that later issues add (patches:,
// registries:) become fields here, so the strictness stays.
type Config struct {
	stream.TypeMeta `json:",inline" yaml:",inline"`
	Taps            []Spec `json:"taps,omitempty" yaml:"taps,omitempty"`
	// Patches is the site's patch registry (docs/patches.md); nil when none is set.
	Patches *Patches `json:"patches,omitempty" yaml:"patches,omitempty"`

	home  string
	snaps sync.Map // tap name -> *snapshot, opened on first use
	// debugf hears which cached index each tap's lookups read (SetDebugf).
	debugf func(format string, args ...any)
}

// SetDebugf has debugf told (-v) which cached index a tap's lookups read, and how old
// it is: a package a tap lacks, or an old version resolved, is most often a cache
// that was not updated. nil says nothing.
func (c *Config) SetDebugf(debugf func(format string, args ...any)) { c.debugf = debugf }

// Spec is one tap as configured.
type Spec struct {
	Name string `json:"name" yaml:"name"`
	// Source is a remote index (REGISTRY/REPO[:TAG|@DIGEST]), a layout
	// (ocidir://ABS[:TAG]) or the absolute path of a directory or file of IndexEntry
	// documents.
	Source  string `json:"source" yaml:"source"`
	Default bool   `json:"default,omitempty" yaml:"default,omitempty"`
}

// Patches configures the patch registry that adds companion packages to installed ones
// (docs/patches.md). Descriptors live at REGISTRY/NAME:patches and REGISTRY/global/rules:patches.
type Patches struct {
	// Registry is REGISTRY[/PATH] or ocidir://ABS: the root under which descriptors live.
	Registry string `json:"registry" yaml:"registry"`
	// Required (the default, when absent) makes a registry that cannot be reached an
	// error: resolution fails closed rather than go on without the site's patches.
	// false warns and goes on with the descriptors cached before.
	Required *bool `json:"required,omitempty" yaml:"required,omitempty"`
}

// IsRequired reports whether an unreachable patch registry is an error (the default).
func (p *Patches) IsRequired() bool { return p == nil || p.Required == nil || *p.Required }

// SetPatches sets (p != nil) or removes (p == nil) the patches section of home's
// config.yaml under the config lock, keeping the rest of the configuration. An
// ocidir:// registry is made absolute, so it means the same from any directory.
func SetPatches(home string, p *Patches) error {
	if p != nil {
		cp := *p
		cp.Registry = strings.TrimSuffix(strings.TrimSpace(cp.Registry), "/")
		if rest, ok := strings.CutPrefix(cp.Registry, "ocidir://"); ok && rest != "" {
			abs, err := filepath.Abs(rest)
			if err != nil {
				return err
			}
			cp.Registry = "ocidir://" + abs
		}
		if err := cp.validate(); err != nil {
			return fault.New(fault.Usage, err, "a patch registry is REGISTRY[/PATH] (e.g. registry.corp.example/patches) or ocidir://PATH")
		}
		p = &cp
	}
	return edit(home, func(c *Config) error {
		c.Patches = p
		return nil
	})
}

// validate checks that descriptors can be addressed under the registry.
func (p *Patches) validate() error {
	if p.Registry == "" {
		return fmt.Errorf("patches.registry is empty: give the patch registry (REGISTRY[/PATH] or ocidir://PATH), or remove the patches section")
	}
	root := strings.TrimSuffix(p.Registry, "/")
	if bare, found := ref.StripCredentials(root); found {
		return fmt.Errorf("patches.registry %q has credentials in it: credentials do not go in a reference; write %s and log in with `pkg-tap login` or `docker login` (longshore reads the docker config and its credential helpers)", ref.Redact(p.Registry), bare)
	}
	if r, err := ref.ParseArtifact(root); err == nil && (r.Tag != "" || r.Digest != "") {
		return fmt.Errorf("patches.registry %q names a tag or digest: give the registry (and path) only; descriptors are tagged \"patches\"", ref.Redact(p.Registry))
	}
	// Probe with a package name: descriptors live one level below the root.
	if _, err := ref.ParseArtifact(root + "/hello"); err != nil {
		reason := err.Error()
		var se *ref.SyntaxError
		if errors.As(err, &se) {
			reason = se.Reason
		}
		return fmt.Errorf("patches.registry %q is not a registry root: %s", ref.Redact(p.Registry), reason)
	}
	return nil
}

// Home is the directory the configuration was loaded from.
func (c *Config) Home() string { return c.home }

// Tap returns the configured tap called name.
func (c *Config) Tap(name string) (Spec, bool) {
	for _, s := range c.Taps {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// DefaultTap returns the name of the default tap, or "".
func (c *Config) DefaultTap() string {
	for _, s := range c.Taps {
		if s.Default {
			return s.Name
		}
	}
	return ""
}

// names lists the configured taps in config order.
func (c *Config) names() []string {
	names := make([]string, len(c.Taps))
	for i, s := range c.Taps {
		names[i] = s.Name
	}
	return names
}

// Load reads home's config.yaml. A missing file is an empty configuration.
func Load(home string) (*Config, error) {
	abs, err := filepath.Abs(home)
	if err != nil {
		return nil, err
	}
	c := &Config{home: abs}
	file := filepath.Join(abs, ConfigFile)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	docs, err := stream.Decode(bytes.NewReader(data), file, Kinds)
	if err == nil {
		err = stream.Unknown(docs, ConfigKind)
	}
	if err == nil && len(docs) > 1 {
		err = fmt.Errorf("%s: a second document: config.yaml holds one kind: %s document", docs[1].Source, ConfigKind)
	}
	if err == nil && len(docs) == 1 {
		loaded := docs[0].Value.(*Config)
		c.TypeMeta, c.Taps, c.Patches = loaded.TypeMeta, loaded.Taps, loaded.Patches
		err = c.validate()
	}
	if err != nil {
		return nil, fault.New(fault.Usage, fmt.Errorf("config %w", err), fmt.Sprintf("fix %s (docs/taps.md describes it)", file))
	}
	return c, nil
}

// validate checks what the decoder cannot: names, duplicates, one default.
func (c *Config) validate() error {
	seen := map[string]bool{}
	def := ""
	for i, s := range c.Taps {
		if err := ValidateName(s.Name); err != nil {
			return fmt.Errorf("taps[%d]: %w", i, err)
		}
		if seen[s.Name] {
			return fmt.Errorf("taps[%d]: tap %q is configured twice", i, s.Name)
		}
		seen[s.Name] = true
		if s.Source == "" {
			return fmt.Errorf("taps[%d]: tap %q has no source", i, s.Name)
		}
		if s.Default {
			if def != "" {
				return fmt.Errorf("taps[%d]: taps %q and %q are both marked default; at most one can be", i, def, s.Name)
			}
			def = s.Name
		}
	}
	if c.Patches != nil {
		if err := c.Patches.validate(); err != nil {
			return err
		}
	}
	return nil
}

// save writes the configuration atomically. Callers hold the config lock.
func (c *Config) save() error {
	c.TypeMeta = stream.TypeMeta{APIVersion: stream.APIVersion, Kind: ConfigKind}
	if err := c.validate(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, c); err != nil {
		return err
	}
	// Every writer holds the config lock, as this one does: a temporary file beside
	// config.yaml is what a writer killed before its rename left.
	file := filepath.Join(c.home, ConfigFile)
	atomicfile.RemoveStale(file)
	return atomicfile.Write(file, buf.Bytes(), 0o644)
}

// edit runs fn on the configuration under the config lock and saves it when fn
// succeeds, so two processes adding taps never lose each other's.
func edit(home string, fn func(c *Config) error) error {
	unlock, err := lock(home, "config")
	if err != nil {
		return err
	}
	defer unlock()
	c, err := Load(home)
	if err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	return c.save()
}

// lock takes an exclusive lock on home/locks/NAME.lock.
func lock(home, name string) (func(), error) {
	dir := filepath.Join(home, "locks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("preparing %s: %w", dir, err)
	}
	return filelock.Exclusive(filepath.Join(dir, name+".lock"))
}
