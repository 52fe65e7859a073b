package gc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/store"
	"longshore.dev/lib/stream"
)

// RootKinds are the documents that keep packages: --keep -f and registered files.
var RootKinds = []string{"Installed", "Lock", "PackageRef"}

// rootsDir holds the registered project locks: one symbolic link per file (or a small
// file holding its absolute path), named after the file and a hash of its path.
const rootsDir = "roots"

// root is one reason to keep something.
type root struct {
	// label is how why names it: "installed.yaml: hello 1.0.0 (explicit)".
	label string
	// name is the package's name, for why PKG.
	name string
	// manifests are platform manifests: their trees, blobs, configs and layers are kept.
	manifests []digest.Digest
	// indexes are other root blobs (an image index) kept when the store has them.
	indexes []digest.Digest
	// recorded: an installed.yaml record (directly or through a PackageRef), so the
	// store should hold it; a --keep or registered document may name what it never did.
	recorded bool
}

// loadRoots reads every root: installed.yaml's records, the --keep documents and the
// registered locks. A registered file that keeps nothing (gone, or emptied since) is
// an error when refuseStale (a collection that removes), a warning otherwise; any
// other unreadable root is an error, because collecting without it could remove what
// it keeps.
func loadRoots(s *store.Store, keep []stream.Doc, refuseStale bool) ([]root, []string, error) {
	installed, err := s.List()
	if err != nil {
		return nil, nil, err
	}
	var roots []root
	for _, inst := range installed {
		r, err := installedRoot(installedFile, inst)
		if err != nil {
			return nil, nil, fault.New(fault.Verify, err, "fix installed.yaml, or reinstall the package")
		}
		r.recorded = true
		roots = append(roots, r)
	}
	kept, err := docRoots(keep, installed, "")
	if err != nil {
		return nil, nil, fault.New(fault.Usage, err, "")
	}
	roots = append(roots, kept...)
	reg, warnings, stale, err := registeredRoots(s, installed)
	if err != nil {
		return nil, nil, err
	}
	if refuseStale && len(stale) > 0 {
		return nil, nil, refuseStaleLocks(stale)
	}
	for _, l := range stale {
		warnings = append(warnings, l.warning())
	}
	return append(roots, reg...), warnings, nil
}

const installedFile = "installed.yaml"

func installedRoot(where string, inst *api.Installed) (root, error) {
	d, err := digest.Parse(inst.Digest)
	if err != nil {
		return root{}, fmt.Errorf("%s: %s %s: digest %q: %w", where, inst.Name, inst.Version, inst.Digest, err)
	}
	r := root{
		label:     fmt.Sprintf("%s: %s %s (%s)", where, inst.Name, inst.Version, inst.Reason),
		name:      inst.Name,
		manifests: []digest.Digest{d},
	}
	if src := sourceDigest(inst.Source); src != "" && src != d {
		r.indexes = append(r.indexes, src)
	}
	return r, nil
}

// sourceDigest is the root digest an Installed.Source is pinned by, if any.
func sourceDigest(source string) digest.Digest {
	i := strings.LastIndex(source, "@")
	if i < 0 {
		return ""
	}
	d, err := digest.Parse(source[i+1:])
	if err != nil {
		return ""
	}
	return d
}

// docRoots turns Lock, Installed and PackageRef documents into roots. prefix names
// the registered file they came from, if any.
func docRoots(docs []stream.Doc, installed []*api.Installed, prefix string) ([]root, error) {
	if err := stream.Unknown(docs, RootKinds...); err != nil {
		return nil, err
	}
	var roots []root
	for _, doc := range docs {
		where := prefix + doc.Source
		switch v := doc.Value.(type) {
		case *api.Installed:
			r, err := installedRoot(where, v)
			if err != nil {
				return nil, err
			}
			roots = append(roots, r)
		case *api.Lock:
			for _, p := range v.Packages {
				r, err := lockedRoot(where, p)
				if err != nil {
					return nil, err
				}
				roots = append(roots, r)
			}
		case *api.PackageRef:
			if err := v.Validate(); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			for _, inst := range matchRef(v, installed) {
				r, err := installedRoot(where+": PackageRef "+v.ObjectName()+" -> "+installedFile, inst)
				if err != nil {
					return nil, err
				}
				r.recorded = true
				roots = append(roots, r)
			}
		}
	}
	return roots, nil
}

// KeepsNothing says why docs, read from one file, keep nothing at all: they are no
// document (what a failed `pkg-dep resolve … > keep.yaml` leaves), or only Locks that
// list no package. "" when they name something. A PackageRef that names nothing
// installed is not counted: it keeps what is installed under that name later.
func KeepsNothing(docs []stream.Doc) string {
	if len(docs) == 0 {
		return "it holds no Lock, Installed or PackageRef document"
	}
	for _, d := range docs {
		if l, ok := d.Value.(*api.Lock); !ok || len(l.Packages) > 0 {
			return ""
		}
	}
	return "its Lock lists no package"
}

func lockedRoot(where string, p api.LockedPackage) (root, error) {
	r := root{label: fmt.Sprintf("%s: %s %s (lock, %s)", where, p.Name, p.Version, p.Reason), name: p.Name}
	for _, pl := range p.Platforms {
		d, err := digest.Parse(pl.Digest)
		if err != nil {
			return root{}, fmt.Errorf("%s: %s %s: platform %s digest %q: %w", where, p.Name, p.Version, pl.Platform, pl.Digest, err)
		}
		r.manifests = append(r.manifests, d)
	}
	d, err := digest.Parse(p.Digest)
	if err != nil {
		return root{}, fmt.Errorf("%s: %s %s: digest %q: %w", where, p.Name, p.Version, p.Digest, err)
	}
	switch {
	case len(r.manifests) == 0:
		// A lock without platforms names the manifest itself.
		r.manifests = append(r.manifests, d)
	case !slices.Contains(r.manifests, d):
		r.indexes = append(r.indexes, d)
	}
	return r, nil
}

// matchRef finds the installed records a PackageRef names: by name (and tap, when it
// says TAP/NAME), or by repository (and digest, when its ref is pinned).
func matchRef(p *api.PackageRef, installed []*api.Installed) []*api.Installed {
	var out []*api.Installed
	if p.Name != "" {
		tapName, name, qualified := strings.Cut(p.Name, "/")
		if !qualified {
			name, tapName = tapName, ""
		}
		for _, inst := range installed {
			if inst.Name == name && (tapName == "" || inst.Tap == tapName) {
				out = append(out, inst)
			}
		}
		return out
	}
	want, err := ref.ParseArtifact(p.Ref)
	if err != nil {
		return nil
	}
	for _, inst := range installed {
		have, err := ref.ParseArtifact(inst.Source)
		if err != nil || have.Locator() != want.Locator() {
			continue
		}
		if want.Digest != "" && string(sourceDigest(inst.Source)) != want.Digest && inst.Digest != want.Digest {
			continue
		}
		out = append(out, inst)
	}
	return out
}

// registration is one entry of roots/.
type registration struct {
	entry  string // the entry's name in roots/
	target string // the registered file's absolute path
}

func readRegistrations(s *store.Store) ([]registration, []string, error) {
	dir := filepath.Join(s.Home, rootsDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading registered locks: %w", err)
	}
	var regs []registration
	var warnings []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue // a registration being written
		}
		p := filepath.Join(dir, e.Name())
		var target string
		switch {
		case e.Type()&os.ModeSymlink != 0:
			target, err = os.Readlink(p)
		case e.Type().IsRegular():
			var data []byte
			data, err = os.ReadFile(p)
			target = strings.TrimSpace(string(data))
		default:
			warnings = append(warnings, fmt.Sprintf("roots/%s is neither a link nor a file naming a lock: ignored", e.Name()))
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading roots/%s: %w", e.Name(), err)
		}
		if !filepath.IsAbs(target) {
			warnings = append(warnings, fmt.Sprintf("roots/%s names %q, not an absolute path: ignored", e.Name(), target))
			continue
		}
		regs = append(regs, registration{entry: e.Name(), target: target})
	}
	return regs, warnings, nil
}

// registeredRoots reads the registered locks. They are read only, wherever they are:
// nothing outside the home is ever written or removed. stale are those that keep
// nothing (gone, or emptied since they were registered).
func registeredRoots(s *store.Store, installed []*api.Installed) (roots []root, warnings []string, stale []staleLock, err error) {
	regs, warnings, err := readRegistrations(s)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, reg := range regs {
		data, err := os.ReadFile(reg.target)
		if errors.Is(err, os.ErrNotExist) {
			stale = append(stale, staleLock{file: reg.target})
			continue
		}
		hint := fmt.Sprintf("fix the file, or forget it with pkg-gc --unregister %s", reg.target)
		if err != nil {
			return nil, nil, nil, fault.New(fault.Unknown, fmt.Errorf("reading registered lock: %w", err), hint)
		}
		docs, err := stream.Decode(bytes.NewReader(data), reg.target, api.Kinds)
		if err == nil {
			var r []root
			r, err = docRoots(docs, installed, "registered ")
			roots = append(roots, r...)
		}
		if err != nil {
			return nil, nil, nil, fault.New(fault.Verify,
				fmt.Errorf("registered lock %s cannot be read, so what it keeps is unknown and nothing is collected: %w", reg.target, err), hint)
		}
		if why := KeepsNothing(docs); why != "" {
			stale = append(stale, staleLock{file: reg.target, why: why})
		}
	}
	return roots, warnings, stale, nil
}

// staleLock is a registered file that keeps nothing: gone (deleted, moved, on a disk
// not mounted), or emptied since it was registered, most often by a failed `pkg-dep
// resolve … > FILE`. A collection that went on would remove everything the file was
// meant to keep, and from cron nobody reads a warning, so a collection refuses it as
// it refuses such a --keep file; a dry run, why and --list-registered warn.
type staleLock struct {
	file string
	why  string // why it keeps nothing (KeepsNothing); "" when it is gone
}

func (l staleLock) warning() string {
	if l.why == "" {
		return fmt.Sprintf("registered lock %s is gone, so it keeps nothing; a collection refuses to run until it is back or forgotten with pkg-gc --unregister %s", l.file, l.file)
	}
	return fmt.Sprintf("registered lock %s keeps nothing: %s; a collection refuses to run until it is written again or forgotten with pkg-gc --unregister %s", l.file, l.why, l.file)
}

// refuseStaleLocks is the error of a collection that meets stale: a file that is gone
// is not found (exit 3); one that keeps nothing is as a corrupt registered lock
// (exit 6). With several, the first says which.
func refuseStaleLocks(stale []staleLock) error {
	const meant = "the collection would remove what the file was meant to keep: "
	errs := make([]string, len(stale))
	for i, l := range stale {
		errs[i] = "registered lock " + l.file + " is gone"
		if l.why != "" {
			errs[i] = "registered lock " + l.file + " keeps nothing: " + l.why
		}
	}
	kind := fault.Verify
	if stale[0].why == "" {
		kind = fault.NotFound
	}
	if len(stale) > 1 {
		return fault.New(kind, errors.New(strings.Join(errs, "; ")),
			"the collection would remove what the files were meant to keep: write each again or put it back (or look with --dry-run), or forget it with pkg-gc --unregister FILE")
	}
	l := stale[0]
	if l.why == "" {
		return fault.New(kind, errors.New(errs[0]),
			meant+"put it back (moved: pkg-gc --register it where it is now), or forget it with pkg-gc --unregister "+l.file)
	}
	return fault.New(kind, errors.New(errs[0]),
		meant+"write it again (check that the command that wrote it succeeded; look with --dry-run), or forget it with pkg-gc --unregister "+l.file)
}

// Register makes file (a Lock, or Installed or PackageRef documents) a root of every
// later collection until Unregister; while it is gone or keeps nothing, a collection
// stops (refuseStaleLocks). It returns the file's absolute path.
func Register(s *store.Store, file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fault.New(fault.NotFound, fmt.Errorf("registering %s: no such file", abs), "")
		}
		return "", fmt.Errorf("registering %s: %w", abs, err)
	}
	const hint = "register a file of Lock, Installed or PackageRef documents (what pkg-dep resolve and pkg-pull list -o yaml print)"
	docs, err := stream.Decode(bytes.NewReader(data), abs, api.Kinds)
	if err == nil {
		_, err = docRoots(docs, nil, "")
	}
	if err != nil {
		return "", fault.New(fault.Usage, fmt.Errorf("registering %s: %w", abs, err), hint)
	}
	if why := KeepsNothing(docs); why != "" {
		// An empty file is most often what a failed `pkg-dep resolve … > FILE` left.
		return "", fault.New(fault.Usage, fmt.Errorf("registering %s: %s, so it would keep nothing", abs, why),
			hint+"; check that the command that wrote it succeeded")
	}
	dir := filepath.Join(s.Home, rootsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("registering %s: %w", abs, err)
	}
	name := registrationName(abs)
	tmp := filepath.Join(dir, "."+name+".tmp")
	os.Remove(tmp)
	if err := os.Symlink(abs, tmp); err != nil {
		return "", fmt.Errorf("registering %s: %w", abs, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("registering %s: %w", abs, err)
	}
	return abs, nil
}

// Unregister forgets file. Forgetting a file that is not registered is an error.
func Unregister(s *store.Store, file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	regs, _, err := readRegistrations(s)
	if err != nil {
		return "", err
	}
	found := false
	for _, reg := range regs {
		if reg.target == abs {
			// The entry is ours: removing it removes the link, never the file.
			if err := os.Remove(filepath.Join(s.Home, rootsDir, reg.entry)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("unregistering %s: %w", abs, err)
			}
			found = true
		}
	}
	if !found {
		return "", fault.New(fault.NotFound, fmt.Errorf("%s is not registered", abs), "pkg-gc --register FILE registers a lock")
	}
	return abs, nil
}

// Registered lists the registered files, sorted, with the warnings a dry run would
// give about them (gone or keeping nothing, which a collection refuses; entries it
// ignores) and the error that would stop a dry run too (a file that cannot be read);
// the list is complete even then.
func Registered(s *store.Store) (files, warnings []string, err error) {
	regs, _, err := readRegistrations(s)
	if err != nil {
		return nil, nil, err
	}
	files = make([]string, len(regs))
	for i, r := range regs {
		files[i] = r.target
	}
	slices.Sort(files)
	installed, err := s.List()
	if err == nil {
		var stale []staleLock
		_, warnings, stale, err = registeredRoots(s, installed)
		for _, l := range stale {
			warnings = append(warnings, l.warning())
		}
	}
	return files, warnings, err
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// registrationName is stable for a path, so registering twice replaces the entry.
func registrationName(abs string) string {
	sum := sha256.Sum256([]byte(abs))
	base := unsafeName.ReplaceAllString(filepath.Base(abs), "_")
	base = strings.TrimLeft(base, ".")
	if len(base) > 64 {
		base = base[:64]
	}
	return base + "-" + hex.EncodeToString(sum[:6])
}
