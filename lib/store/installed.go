package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"longshore.dev/lib/api"
	"longshore.dev/lib/artifact"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/filelock"
	"longshore.dev/lib/internal/atomicfile"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/ref"
	"longshore.dev/lib/stream"
	"longshore.dev/lib/version"
)

const installedFile = "installed.yaml"

// List returns what is installed, sorted by name, with absolute paths.
func (s *Store) List() ([]*api.Installed, error) {
	list, err := s.readInstalled()
	if err != nil {
		return nil, err
	}
	for _, inst := range list {
		inst.Path = s.abs(inst.Path)
	}
	return list, nil
}

func (s *Store) abs(rel string) string {
	if filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(s.Home, filepath.FromSlash(rel))
}

func (s *Store) readInstalled() ([]*api.Installed, error) {
	file := filepath.Join(s.Home, installedFile)
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	docs, err := stream.Decode(bytes.NewReader(data), file, api.Kinds)
	if err == nil {
		err = stream.Unknown(docs, "Installed")
	}
	var list []*api.Installed
	seen := map[string]bool{}
	for _, d := range docs {
		if err != nil {
			break
		}
		inst := d.Value.(*api.Installed)
		if err = checkRecord(inst); err != nil {
			err = fmt.Errorf("%s: %w", d.Source, err)
		} else if seen[inst.Name] {
			err = fmt.Errorf("%s: %s is recorded twice", d.Source, inst.Name)
		}
		seen[inst.Name] = true
		list = append(list, inst)
	}
	if err != nil {
		return nil, fault.New(fault.Verify, fmt.Errorf("installed.yaml is corrupt: %w", err),
			"fix the line named above, or move the file away and reinstall your packages (the package trees in pkgs/ stay, so nothing is downloaded again)")
	}
	return list, nil
}

// checkRecord refuses a record the store did not write: gc trusts installed.yaml to say
// what is in use, and exec runs what a record's path and entry points name, so a record
// cut short, edited by hand or pointing outside the store is an error, not a guess.
func checkRecord(inst *api.Installed) error {
	if inst.Path == "" {
		return fmt.Errorf("a record needs a name, a version, a digest, a source and a path")
	}
	if err := CheckRecord(inst); err != nil {
		return err
	}
	if d := digest.Digest(inst.Digest); inst.Path != relTree(d) {
		return fmt.Errorf("%s: path %q is not its tree, %s", inst.Name, inst.Path, relTree(d))
	}
	return nil
}

// CheckRecord refuses an Installed record the store would not have written, but for its
// path: what installed.yaml requires, and what pkg-pull -f requires of the records of
// another home (pkg-pull list -o yaml), whose paths lead into that home.
func CheckRecord(inst *api.Installed) error {
	d, err := digest.Parse(inst.Digest)
	switch {
	case inst.Name == "" || inst.Version == "" || inst.Digest == "" || inst.Source == "":
		return fmt.Errorf("a record needs a name, a version, a digest and a source")
	case !pkgspec.ValidName(inst.Name):
		// The store records a config's name only once checkConfig passed it; another is
		// a hand edit, which later fails as a reference or a file name, far from here.
		return fmt.Errorf("name %q is not a package name (lowercase letters, digits, '.', '_' and '-')", inst.Name)
	case err != nil || d.Algorithm() != digest.SHA256:
		return fmt.Errorf("%s: digest %q is not a sha256 digest", inst.Name, inst.Digest)
	case inst.Reason != api.ReasonExplicit && inst.Reason != api.ReasonDependency && inst.Reason != api.ReasonPatch:
		return fmt.Errorf("%s: reason %q is not explicit, dependency or patch", inst.Name, inst.Reason)
	case !pkgspec.ValidVersion(inst.Version):
		return fmt.Errorf("%s: version %q is not a semantic version", inst.Name, inst.Version)
	case inst.Tap != "" && !pkgspec.ValidTapName(inst.Tap):
		return fmt.Errorf("%s: tap %q is not a tap name (lowercase letters, digits and '-')", inst.Name, inst.Tap)
	case inst.Constraint != "" && inst.Reason != api.ReasonExplicit:
		return fmt.Errorf("%s: a constraint (%q) is recorded only for an explicit install", inst.Name, inst.Constraint)
	}
	if inst.Index != "" {
		if d, err := digest.Parse(inst.Index); err != nil || d.Algorithm() != digest.SHA256 {
			return fmt.Errorf("%s: index %q is not a sha256 digest", inst.Name, inst.Index)
		}
	}
	if inst.Constraint != "" {
		if _, err := version.ParseConstraint(inst.Constraint); err != nil {
			return fmt.Errorf("%s: constraint %q: %v", inst.Name, inst.Constraint, err)
		}
	}
	if _, err := ref.ParseArtifact(inst.Source); err != nil {
		return fmt.Errorf("%s: source %q is not a reference", inst.Name, ref.Redact(inst.Source))
	}
	if inst.Platform != "" {
		if err := api.CheckPlatform(inst.Platform); err != nil {
			return fmt.Errorf("%s: %w", inst.Name, err)
		}
	}
	// An edge names a package of the lock: by name, or by repository for a dependency
	// or companion given as a reference (ref:).
	for _, edge := range [][]string{inst.Dependencies, inst.Patches} {
		for _, n := range edge {
			if _, err := ref.ParseArtifact(n); err != nil && !pkgspec.ValidName(n) {
				return fmt.Errorf("%s: %q is neither a package name nor a repository, so no installed package", inst.Name, ref.Redact(n))
			}
		}
	}
	for _, b := range inst.Bin {
		if !entryPointInside(b) {
			return fmt.Errorf("%s: entry point %q is not a path inside its tree", inst.Name, b)
		}
	}
	return nil
}

func (s *Store) writeInstalled(list []*api.Installed) error {
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	docs := make([]any, len(list))
	for i, k := range list {
		docs[i] = k
	}
	var buf bytes.Buffer
	if err := stream.WriteYAML(&buf, docs...); err != nil {
		return err
	}
	// Every writer holds the installed lock, as this one does: a temporary file beside
	// installed.yaml is what a writer killed before its rename left.
	file := filepath.Join(s.Home, installedFile)
	atomicfile.RemoveStale(file)
	return storageError("recording what is installed", writeRecords(file, buf.Bytes(), 0o644))
}

// writeRecords replaces installed.yaml (a test makes it fail, as a full disk would).
var writeRecords = atomicfile.Write

// commit records the prepared packages in installed.yaml and links their entry points
// as one change, under the installed lock so concurrent installs never lose each
// other's records. A clash anywhere (another package's entry point, or a file in bin/
// the store did not make, unless overwrite) records and links nothing. It returns the
// new records and, for each, the one it replaced (nil for a new package).
func (s *Store) commit(preps []*prepared, overwrite bool) (records, replaced []*api.Installed, err error) {
	unlock, err := s.lock("installed")
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	list, err := s.readInstalled()
	if err != nil {
		return nil, nil, err
	}
	byName := recordsByName(list)
	// The set's names (a Lock's) become the packages' own names in the records.
	recordName := map[string]string{}
	setName := map[string]*prepared{}
	for _, p := range preps {
		if other, dup := setName[p.config.Name]; dup && other.manifest.Digest != p.manifest.Digest {
			return nil, nil, fault.Errorf(fault.Conflict, "%s and %s are both package %s (%s and %s): one name can be installed once",
				other.pkg.label(), p.pkg.label(), p.config.Name, other.config.Version, p.config.Version)
		}
		setName[p.config.Name] = p
		if p.pkg.Name != "" {
			recordName[p.pkg.Name] = p.config.Name
		}
	}
	var old []*api.Installed
	for _, p := range preps {
		rec := newRecord(p)
		prev := byName[rec.Name]
		if prev != nil && prev.Reason == api.ReasonExplicit && rec.Reason != api.ReasonExplicit {
			// Brought as a dependency now: still the user's, as they asked for it.
			rec.Reason, rec.Constraint = api.ReasonExplicit, prev.Constraint
		}
		if prev != nil && rec.Tap == "" && sameRepository(prev.Source, rec.Source) {
			// Installed again by reference: it still came through its tap, which
			// pkg-tap remove must know.
			rec.Tap = prev.Tap
		}
		if p.pkg.Edges {
			rec.Dependencies = translate(p.pkg.Dependencies, recordName)
			rec.Patches = translate(p.pkg.Patches, recordName)
		} else if prev != nil && prev.Digest == rec.Digest {
			rec.Dependencies, rec.Patches = prev.Dependencies, prev.Patches
		}
		old = append(old, prev)
		records = append(records, rec)
		byName[rec.Name] = rec
	}
	final := make([]*api.Installed, 0, len(byName))
	for _, inst := range byName {
		final = append(final, inst)
	}
	if err := s.checkBins(records, old, final, overwrite); err != nil {
		return nil, nil, err
	}
	// installed.yaml first, bin/ after: the links follow the records, so an install
	// that fails or is killed before the record leaves bin/ as installed.yaml says, and
	// one killed after leaves links the next command puts right (relink).
	if err := s.writeInstalled(final); err != nil {
		return nil, nil, err
	}
	for i, rec := range records {
		if err := s.link(rec, old[i], overwrite); err != nil {
			return nil, nil, linkError(err)
		}
	}
	if err := s.relink(final); err != nil {
		return nil, nil, linkError(err)
	}
	out := make([]*api.Installed, len(records))
	for i, rec := range records {
		c := *rec
		c.Path = s.abs(rec.Path)
		out[i] = &c
	}
	return out, old, nil
}

// sameRepository reports whether two sources are tags or digests of one repository.
func sameRepository(a, b string) bool {
	ra, errA := ref.ParseArtifact(a)
	rb, errB := ref.ParseArtifact(b)
	return errA == nil && errB == nil && ra.Locator() == rb.Locator()
}

func newRecord(p *prepared) *api.Installed {
	inst := api.NewInstalled()
	inst.Name, inst.Version, inst.Platform = p.config.Name, p.config.Version, p.platform
	inst.Digest = p.manifest.Digest.String()
	src := p.pkg.Repository
	src.Tag, src.Digest = p.pkg.Tag, p.pkg.Root.Digest.String()
	inst.Source = src.String()
	inst.Tap = p.pkg.Tap
	inst.Path = relTree(p.manifest.Digest)
	inst.Reason = p.pkg.Reason
	if inst.Reason == "" {
		inst.Reason = api.ReasonExplicit
	}
	if inst.Reason == api.ReasonExplicit {
		inst.Constraint = p.pkg.Constraint
	}
	if p.index != "" {
		inst.Index = p.index.String()
	}
	inst.Bin = slices.Clone(p.config.Bin)
	return inst
}

func translate(names []string, to map[string]string) []string {
	var out []string
	for _, n := range names {
		if r, ok := to[n]; ok {
			n = r
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// checkBins refuses a link name that two packages provide, naming both, and, unless
// overwrite, one whose place in bin/ holds something the store did not make (the
// user's own program), naming it. A record whose tree stays what prev (the record it
// replaces) had links nothing anew: what the user put in place of its links stays, as
// relink leaves it. Records made before they listed their entry points are judged by
// where their links point.
func (s *Store) checkBins(records, prev, final []*api.Installed, overwrite bool) error {
	owner := map[string]*api.Installed{}
	for _, inst := range final {
		for _, b := range inst.Bin {
			owner[path.Base(b)] = inst
		}
	}
	for _, rec := range records {
		for _, b := range rec.Bin {
			name := path.Base(b)
			other := owner[name]
			if other == nil || other.Name == rec.Name {
				other = nil
				if cur, err := os.Readlink(filepath.Join(s.Home, "bin", name)); err == nil {
					if o := ownerOf(cur, final); o != nil && o.Name != rec.Name {
						other = o
					}
				}
			}
			if other != nil && other.Name != rec.Name {
				return fault.New(fault.Conflict,
					fmt.Errorf("bin/%s is already provided by %s %s; %s %s provides it too", name, other.Name, other.Version, rec.Name, rec.Version),
					fmt.Sprintf("remove %s first (pkg-pull remove %s), or install only one of them", other.Name, other.Name))
			}
		}
	}
	for i, rec := range records {
		if prev[i] != nil && prev[i].Path == rec.Path {
			// Linked as it was: nothing to refuse. With overwrite, link replaces the
			// user's files and links, and leaves a directory, as without it.
			continue
		}
		if err := s.CheckEntryPoints(rec.Name, rec.Version, rec.Bin, overwrite); err != nil {
			return err
		}
	}
	return nil
}

// CheckEntryPoints is the error an install of package name at version, linking the
// entry points bin, meets in bin/ when something the store did not make is where one
// goes: a file or a symlink elsewhere (replaced with overwrite), or a directory (never
// replaced). A dry run (pkg-pull add|upgrade --dry-run) asks it to warn of what the
// install would refuse.
func (s *Store) CheckEntryPoints(name, version string, bin []string, overwrite bool) error {
	for _, b := range bin {
		link := path.Base(b)
		what := s.foreignEntry(link)
		switch {
		case what == "":
		case what == entryDirectory:
			return fault.New(fault.Conflict,
				fmt.Errorf("%s is a directory, not a link pkg-pull made, and %s %s links its entry point there", filepath.Join(s.BinDir(), link), name, version),
				"move the directory out of "+s.BinDir()+", then run the command again (--force replaces files and links, not directories)")
		case !overwrite:
			return fault.New(fault.Conflict,
				fmt.Errorf("%s is %s, not a link pkg-pull made, and %s %s links its entry point there: installing would replace it", filepath.Join(s.BinDir(), link), what, name, version),
				"move it out of "+s.BinDir()+" and run the command again, or run it with --force to replace it")
		}
	}
	return nil
}

// entryDirectory is what foreignEntry says of a directory, which no rename replaces.
const entryDirectory = "a directory"

// foreignEntry says what bin/name is when the store did not make it: "a file", "a
// directory", "a symlink to /opt/app/bin/app". It is "" when nothing is there, or a
// symlink into pkgs/sha256/ (the store's own, as pkg-gc judges them): the link of a
// version being replaced, or one a killed command left dangling, which an install
// puts right.
func (s *Store) foreignEntry(name string) string {
	linkPath := filepath.Join(s.BinDir(), name)
	st, err := os.Lstat(linkPath)
	switch {
	case err != nil:
		// Missing; or unreadable, which the link's own rename reports better.
		return ""
	case st.Mode()&os.ModeSymlink != 0:
		target, err := os.Readlink(linkPath)
		if err != nil || s.intoTrees(target) {
			return ""
		}
		return "a symlink to " + target
	case st.IsDir():
		return entryDirectory
	}
	return "a file"
}

// intoTrees reports whether a bin/ link's target leads into pkgs/sha256/: relative,
// as the store writes them, or absolute.
func (s *Store) intoTrees(target string) bool {
	if !filepath.IsAbs(target) {
		target = filepath.Join(s.BinDir(), target)
	}
	return strings.HasPrefix(filepath.Clean(target), s.TreesDir()+string(filepath.Separator))
}

// link makes bin/NAME a relative link into the package tree, so the home can move,
// and removes the links of the version it replaces that this one no longer has. What
// the store did not make is replaced only with overwrite, and otherwise left as it is:
// the user's entry in place of the link of a version that stays (checkBins refused
// any other before anything was recorded).
func (s *Store) link(inst, prev *api.Installed, overwrite bool) error {
	binDir := filepath.Join(s.Home, "bin")
	names := map[string]bool{}
	for _, b := range inst.Bin {
		name := path.Base(b)
		names[name] = true
		target := path.Join("..", inst.Path, b)
		linkPath := filepath.Join(binDir, name)
		if cur, err := os.Readlink(linkPath); err == nil && cur == filepath.FromSlash(target) {
			continue
		}
		// A directory is never replaced; checkBins refused one where this tree is new.
		if what := s.foreignEntry(name); what == entryDirectory || what != "" && !overwrite {
			continue
		}
		if err := switchLink(linkPath, target); err != nil {
			return err
		}
	}
	if prev != nil && prev.Path != inst.Path {
		for _, b := range prev.Bin {
			if !names[path.Base(b)] {
				s.unlinkIfOwned(prev, path.Base(b))
			}
		}
	}
	return nil
}

// switchLink points linkPath at target (slash-separated, relative to bin/) in one
// rename, so the name always leads somewhere. The link is made under a new name of
// the store's own (LinkStagingPrefix and a random suffix) first, never one that is
// there already: an entry point, or a file of the user's, is neither reused nor
// removed.
func switchLink(linkPath, target string) error {
	name := filepath.Base(linkPath)
	for range 100 {
		tmp := filepath.Join(filepath.Dir(linkPath), LinkStagingPrefix+strconv.FormatUint(rand.Uint64(), 36))
		err := os.Symlink(filepath.FromSlash(target), tmp)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return storageError("linking bin/"+name, err)
		}
		if err := os.Rename(tmp, linkPath); err != nil {
			os.Remove(tmp)
			return storageError("linking bin/"+name, err)
		}
		return nil
	}
	return fmt.Errorf("linking bin/%s: no free name for the link in %s", name, filepath.Dir(linkPath))
}

// relink puts bin/ in line with the records list: an entry point whose link is
// missing, or leads into a tree no record names, is linked again, and a link into a
// tree no record names is removed. What the store did not make (a file, a directory,
// a symlink elsewhere: the user's) is left alone. A command
// killed between writing installed.yaml and switching bin/ leaves such links (into
// the tree a record stopped naming, which pkg-gc then removes); the next command
// that writes installed.yaml repairs them. A link into another record's tree is left
// alone: checkBins keeps entry point names unique, and a clash is not for a repair to
// settle.
func (s *Store) relink(list []*api.Installed) error {
	for _, inst := range list {
		for _, b := range inst.Bin {
			linkPath := filepath.Join(s.Home, "bin", path.Base(b))
			target := path.Join("..", inst.Path, b)
			cur, err := os.Readlink(linkPath)
			if err == nil && (cur == filepath.FromSlash(target) || ownerOf(cur, list) != nil) {
				continue
			}
			if err != nil && !errors.Is(err, os.ErrNotExist) || err == nil && !s.intoTrees(cur) {
				continue // not the store's link: not the store's to replace
			}
			if err := switchLink(linkPath, target); err != nil {
				return err
			}
		}
	}
	// Links into trees no record names are what a remove killed between its record and
	// its unlinking leaves, and a link staged by a command that was killed: no live
	// command owns them while the installed lock is held.
	ents, err := os.ReadDir(filepath.Join(s.Home, "bin"))
	if err != nil {
		return nil
	}
	trees := filepath.Join("..", "pkgs", "sha256") + string(filepath.Separator)
	for _, e := range ents {
		linkPath := filepath.Join(s.Home, "bin", e.Name())
		if e.Type()&os.ModeSymlink == 0 {
			continue
		}
		if s.StagedLink(e.Name()) {
			os.Remove(linkPath)
			continue
		}
		if cur, err := os.Readlink(linkPath); err == nil && strings.HasPrefix(cur, trees) && ownerOf(cur, list) == nil {
			os.Remove(linkPath)
		}
	}
	return nil
}

// linkError is a failure to link once installed.yaml changed: the change is recorded,
// and the next command that records puts bin/ right (relink).
func linkError(err error) error {
	return fault.New(fault.KindOf(err), fmt.Errorf("installed.yaml is updated, but bin/ is not: %w", err),
		"fix what stopped it (a full disk, permissions), then run pkg-pull again: every install and remove puts bin/ in line with installed.yaml")
}

// unlinkIfOwned removes bin/name when it leads into inst's tree.
func (s *Store) unlinkIfOwned(inst *api.Installed, name string) {
	linkPath := filepath.Join(s.Home, "bin", name)
	cur, err := os.Readlink(linkPath)
	if err != nil {
		return
	}
	if o := ownerOf(cur, []*api.Installed{inst}); o != nil {
		os.Remove(linkPath)
	}
}

func ownerOf(linkTarget string, installed []*api.Installed) *api.Installed {
	t := filepath.ToSlash(linkTarget)
	for _, inst := range installed {
		if strings.HasPrefix(t, path.Join("..", filepath.ToSlash(inst.Path))+"/") {
			return inst
		}
	}
	return nil
}

// RemoveResult is what Remove took out of installed.yaml.
type RemoveResult struct {
	// Removed is what was asked for, and with cascade what depended on it.
	Removed []*api.Installed
	// Unneeded is the dependencies and patch companions nothing installed needs any
	// more: their records go too, their bytes stay for pkg-gc.
	Unneeded []*api.Installed
}

// Remove takes packages out of installed.yaml and unlinks their entry points; their
// trees and blobs stay for pkg-gc. names are installed package names, or TAP/NAME for
// one that came through that tap, as Closure takes them. A package another installed
// package depends on is
// refused, naming it, unless cascade removes the dependents too. Dependencies and
// patch companions that no remaining explicit package reaches are removed with them.
func (s *Store) Remove(ctx context.Context, names []string, cascade bool, waiting func()) (*RemoveResult, error) {
	// A collection holds this lock from its first read to its last removal: the wait
	// may be long, so it ends on Ctrl-C and is announced (waiting) after a second.
	unlock, err := filelock.ExclusiveContext(ctx, s.RecordsLockPath(), waiting)
	if err != nil {
		return nil, err
	}
	defer unlock()
	list, err := s.readInstalled()
	if err != nil {
		return nil, err
	}
	gone, err := removal(list, names, cascade)
	if err != nil {
		return nil, err
	}
	return s.dropUnreached(list, gone, everything)
}

// RemovePlan is what Remove(names, cascade) would take out of installed.yaml, with
// absolute paths, or the error it would fail with; it changes nothing (pkg-pull remove
// --dry-run).
func (s *Store) RemovePlan(names []string, cascade bool) (*RemoveResult, error) {
	list, err := s.List()
	if err != nil {
		return nil, err
	}
	gone, err := removal(list, names, cascade)
	if err != nil {
		return nil, err
	}
	res, _, _ := unreached(list, gone, everything)
	return res, nil
}

// removal is the records a removal of names takes out of list by name: each named
// package, and with cascade every package that depends on one of them, directly or
// not. Without cascade a dependent is an error naming it.
func removal(list []*api.Installed, names []string, cascade bool) (map[string]bool, error) {
	byName := recordsByName(list)
	gone := map[string]bool{}
	for _, n := range names {
		inst, err := lookupInstalled(byName, n)
		if err != nil {
			return nil, fault.New(fault.NotFound, err, installedHint(list))
		}
		gone[inst.Name] = true
	}
	for changed := true; changed; {
		changed = false
		for _, inst := range list {
			if gone[inst.Name] {
				continue
			}
			for _, d := range inst.Dependencies {
				if !gone[d] {
					continue
				}
				if !cascade {
					return nil, fault.New(fault.Conflict,
						fmt.Errorf("%s %s depends on %s: removing %s would break it", inst.Name, inst.Version, d, d),
						fmt.Sprintf("remove %s too (or pass --cascade to remove everything that depends on %s)", inst.Name, d))
				}
				gone[inst.Name], changed = true, true
				break
			}
		}
	}
	return gone, nil
}

// everything and isDependency say which unreached records a removal takes: Remove
// takes dependencies and patch companions, PruneDependencies only dependencies.
func everything(*api.Installed) bool { return true }

func isDependency(inst *api.Installed) bool { return inst.Reason == api.ReasonDependency }

// PruneDependencies removes the records of dependencies no explicit package reaches any
// more (an upgrade dropped the dependency, or a lock installed since no longer has it),
// as brew's autoremove does after an upgrade, and unlinks their entry points; their
// bytes stay for pkg-gc. Patch companions nothing needs stay (UnneededCompanions names
// them): the site chose those, and removing one is the user's call. It returns what
// it removed, as Unneeded.
func (s *Store) PruneDependencies(ctx context.Context, waiting func()) (*RemoveResult, error) {
	unlock, err := filelock.ExclusiveContext(ctx, s.RecordsLockPath(), waiting)
	if err != nil {
		return nil, err
	}
	defer unlock()
	list, err := s.readInstalled()
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(list, isDependency) {
		return &RemoveResult{}, nil
	}
	return s.dropUnreached(list, nil, isDependency)
}

// UnneededDependencies are the records of list that PruneDependencies would remove
// from it: the dependencies no explicit record reaches. A dry run asks it of the
// records an install would leave (pkg-pull add|upgrade --dry-run).
func UnneededDependencies(list []*api.Installed) []*api.Installed {
	res, _, _ := unreached(list, nil, isDependency)
	return res.Unneeded
}

// unreached splits list into the records in gone (Removed), those no explicit record
// outside gone reaches and for which drop says yes (Unneeded), and the rest (kept);
// reach is what the explicit records that stay reach.
func unreached(list []*api.Installed, gone map[string]bool, drop func(*api.Installed) bool) (res *RemoveResult, kept []*api.Installed, reach map[string]bool) {
	res = &RemoveResult{}
	reach = reachable(list, gone)
	for _, inst := range list {
		switch {
		case gone[inst.Name]:
			res.Removed = append(res.Removed, inst)
		case !reach[inst.Name] && drop(inst):
			res.Unneeded = append(res.Unneeded, inst)
		default:
			kept = append(kept, inst)
		}
	}
	return res, kept, reach
}

// dropUnreached writes list without the records in gone and those no explicit record
// outside gone reaches, for which drop says yes, unlinking their entry points.
func (s *Store) dropUnreached(list []*api.Installed, gone map[string]bool, drop func(*api.Installed) bool) (*RemoveResult, error) {
	res, kept, reach := unreached(list, gone, drop)
	if len(res.Removed)+len(res.Unneeded) == 0 {
		return res, nil
	}
	// A companion removed by name leaves the package it patched.
	for _, inst := range kept {
		inst.Patches = slices.DeleteFunc(slices.Clone(inst.Patches), func(n string) bool { return !reach[n] })
	}
	// The record goes first and its links after, as in commit: killed between, the
	// links lead into a tree no record names, which pkg-gc removes them with.
	if err := s.writeInstalled(kept); err != nil {
		return nil, err
	}
	for _, inst := range append(slices.Clone(res.Removed), res.Unneeded...) {
		for _, b := range inst.Bin {
			s.unlinkIfOwned(inst, path.Base(b))
		}
		if len(inst.Bin) == 0 {
			s.unlinkAllOwned(inst)
		}
	}
	if err := s.relink(kept); err != nil {
		return nil, linkError(err)
	}
	for _, inst := range append(slices.Clone(res.Removed), res.Unneeded...) {
		inst.Path = s.abs(inst.Path)
	}
	return res, nil
}

// unlinkAllOwned removes every bin/ link into inst's tree (records made before they
// listed their entry points).
func (s *Store) unlinkAllOwned(inst *api.Installed) {
	ents, err := os.ReadDir(filepath.Join(s.Home, "bin"))
	if err != nil {
		return
	}
	for _, e := range ents {
		s.unlinkIfOwned(inst, e.Name())
	}
}

// UnneededCompanions are the installed patch companions that no explicit package
// reaches any more through dependencies and patch companions: a lock installed since
// no longer has them (a rule changed, and `pkg-dep patch sync` dropped them). They
// stay installed, as every record does until `pkg-pull remove` names it: removing what
// the user did not name is for the user to decide. Paths are absolute.
func (s *Store) UnneededCompanions() ([]*api.Installed, error) {
	list, err := s.List()
	if err != nil {
		return nil, err
	}
	reach := reachable(list, nil)
	var out []*api.Installed
	for _, inst := range list {
		if inst.Reason == api.ReasonPatch && !reach[inst.Name] {
			out = append(out, inst)
		}
	}
	return out, nil
}

// reachable is every package an explicit package that stays reaches through
// dependencies and patch companions.
func reachable(list []*api.Installed, gone map[string]bool) map[string]bool {
	byName := recordsByName(list)
	seen := map[string]bool{}
	var visit func(n string)
	visit = func(n string) {
		inst := byName[n]
		if inst == nil || seen[n] || gone[n] {
			return
		}
		seen[n] = true
		for _, d := range inst.Dependencies {
			visit(d)
		}
		for _, c := range inst.Patches {
			visit(c)
		}
	}
	for _, inst := range list {
		if inst.Reason == api.ReasonExplicit {
			visit(inst.Name)
		}
	}
	return seen
}

func installedHint(list []*api.Installed) string {
	if len(list) == 0 {
		return "nothing is installed"
	}
	names := make([]string, len(list))
	for i, inst := range list {
		names[i] = inst.Name
	}
	return "installed: " + strings.Join(names, ", ")
}

// Closure returns the installed packages names reach through dependencies and patch
// companions, names first resolved as installed package names (TAP/NAME is accepted
// when the record came through that tap). Paths are absolute.
func (s *Store) Closure(names []string) ([]*api.Installed, error) {
	list, err := s.List()
	if err != nil {
		return nil, err
	}
	byName := recordsByName(list)
	seen := map[string]bool{}
	var out []*api.Installed
	var visit func(n, from string) error
	visit = func(n, from string) error {
		if seen[n] {
			return nil
		}
		inst := byName[n]
		if inst == nil {
			return fault.Errorf(fault.Verify, "installed.yaml: %s names %s, which is not installed; reinstall %s (pkg-pull add %s)", from, n, from, from)
		}
		seen[n] = true
		out = append(out, inst)
		for _, d := range inst.Dependencies {
			if err := visit(d, n); err != nil {
				return err
			}
		}
		for _, c := range inst.Patches {
			if err := visit(c, n); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range names {
		inst, err := lookupInstalled(byName, n)
		if err != nil {
			return nil, fault.New(fault.NotFound, err,
				fmt.Sprintf("install it first: pkg-pull add %s (%s)", n, installedHint(list)))
		}
		if err := visit(inst.Name, ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lookupInstalled is the record arg names: an installed package's name, or TAP/NAME
// when the package came through tap TAP. A TAP/NAME of another tap is not that
// record, and the error says where the installed NAME came from instead.
func lookupInstalled(byName map[string]*api.Installed, arg string) (*api.Installed, error) {
	if inst := byName[arg]; inst != nil {
		return inst, nil
	}
	tap, bare, ok := strings.Cut(arg, "/")
	inst := byName[bare]
	switch {
	case !ok || inst == nil:
		return nil, fmt.Errorf("%s is not installed", arg)
	case inst.Tap == tap:
		return inst, nil
	case inst.Tap != "":
		return nil, fmt.Errorf("%s is not installed: the installed %s %s came through tap %s, not %s", arg, bare, inst.Version, inst.Tap, tap)
	}
	from := ref.Redact(inst.Source)
	if r, err := ref.ParseArtifact(inst.Source); err == nil {
		from = r.Locator()
	}
	return nil, fmt.Errorf("%s is not installed: the installed %s %s came from %s, not through tap %s", arg, bare, inst.Version, from, tap)
}

// Config reads an installed package's config (entry points, environment,
// dependencies) from the store: the manifest's blob, then the config's, each checked
// against its digest.
func (s *Store) Config(inst *api.Installed) (*artifact.Config, error) {
	d, err := digest.Parse(inst.Digest)
	if err != nil {
		return nil, fault.Errorf(fault.Verify, "installed.yaml: %s: digest %q: %v", inst.Name, inst.Digest, err)
	}
	data, err := s.readBlob(d, inst.Name)
	if err != nil {
		return nil, err
	}
	var m struct {
		Config ocispec.Descriptor `json:"config"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fault.Errorf(fault.Verify, "the manifest of %s in the store is not valid JSON: %v", inst.Name, err)
	}
	if data, err = s.readBlob(m.Config.Digest, inst.Name); err != nil {
		return nil, err
	}
	var c artifact.Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fault.Errorf(fault.Verify, "the config of %s in the store is not valid JSON: %v", inst.Name, err)
	}
	return &c, nil
}

func (s *Store) readBlob(d digest.Digest, name string) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, fault.Errorf(fault.Verify, "%s: digest %q: %v", name, d, err)
	}
	data, err := os.ReadFile(s.BlobPath(d))
	if err == nil && digest.FromBytes(data) != d {
		err = fmt.Errorf("its content does not match the digest")
	}
	if err != nil {
		return nil, fault.New(fault.Verify, fmt.Errorf("%s: blob %s in the store: %w", name, d, err),
			fmt.Sprintf("reinstall it: pkg-pull add %s (nothing else is touched)", name))
	}
	return data, nil
}

// recordsByName indexes records by package name.
func recordsByName(list []*api.Installed) map[string]*api.Installed {
	byName := make(map[string]*api.Installed, len(list))
	for _, inst := range list {
		byName[inst.Name] = inst
	}
	return byName
}
