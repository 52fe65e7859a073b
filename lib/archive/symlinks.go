package archive

import (
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// symlinks are the symbolic links of a tree, known by their names as the tree's
// filesystem compares them (NameKey). A link is checked lexically when it is made
// (checkLink), but that cannot see the other links its target goes through: with
// d/l -> .., the target d/l/../.. is "." to path.Join and the parent of the tree to
// the filesystem. So, once every link is known, each is followed through the others
// (leadsOut). Names are compared in NFD everywhere: on macOS a file é/x (NFD) is
// written through the link é (NFC). On a filesystem that folds case (macOS's and
// Windows' by default) they are compared folded too: there a file D/x is written
// through the link d, and a link through D/L leads where d/l does. Elsewhere they are
// not: on Linux the link share/Data -> data beside the directory share/data is an
// ordinary package.
type symlinks struct {
	byKey map[string]symlink
	folds bool
}

type symlink struct{ name, target string }

func newSymlinks(folds bool) symlinks {
	return symlinks{byKey: map[string]symlink{}, folds: folds}
}

func (s symlinks) key(name string) string { return NameKey(name, s.folds) }

func (s symlinks) add(name, target string) { s.byKey[s.key(name)] = symlink{name, target} }

// get returns the link name is, as the filesystem compares names.
func (s symlinks) get(name string) (symlink, bool) {
	l, ok := s.byKey[s.key(name)]
	return l, ok
}

// through returns the link that a path below name would go through: name itself or
// one of its parent directories.
func (s symlinks) through(name string) (string, bool) {
	for p := name; p != "."; p = path.Dir(p) {
		if l, ok := s.get(p); ok {
			return l.name, true
		}
	}
	return "", false
}

// maxHops is how many links a path may go through, Linux's MAXSYMLINKS: a chain
// longer than the kernel follows is a loop to it.
const maxHops = 40

// leadsOut returns the first link that, followed through the others, leads outside
// the tree or through more than maxHops links, with why: a phrase that follows
// `symlink to "TARGET"`. The work is bounded: each link gets a budget of steps, so
// links built to be slow to follow are refused rather than followed for hours.
func (s symlinks) leadsOut() (name, why string) {
	keys := slices.Sorted(maps.Keys(s.byKey)) // the same archive names the same link
	budget := 1<<20 + 32*len(s.byKey)
	for _, k := range keys {
		l := s.byKey[k]
		// Resolve the link's directory and then its target, component by component,
		// replacing each link met by its target.
		todo := strings.Split(l.target, "/")
		if dir := path.Dir(l.name); dir != "." {
			todo = append(strings.Split(dir, "/"), todo...)
		}
		var at []string
		hops := 0
		for len(todo) > 0 {
			if budget--; budget < 0 {
				return l.name, "takes too long to follow through the other symlinks"
			}
			c := todo[0]
			todo = todo[1:]
			switch c {
			case "", ".":
				continue
			case "..":
				if len(at) == 0 {
					return l.name, "leads outside the package through other symlinks"
				}
				at = at[:len(at)-1]
				continue
			}
			at = append(at, c)
			next, ok := s.get(strings.Join(at, "/"))
			if !ok {
				continue
			}
			if hops++; hops > maxHops {
				return l.name, "goes through more than 40 symlinks (a loop)"
			}
			at = at[:len(at)-1]
			todo = append(strings.Split(next.target, "/"), todo...)
		}
	}
	return "", ""
}

// Symlinks gathers the symlinks of a directory to check them together, as Tar does
// before it finishes a layer and Tree.Finish after unpacking one: lint reports the
// links publishing would refuse by the same check, so that the two never disagree.
type Symlinks struct{ s symlinks }

// NewSymlinks returns an empty Symlinks for the tree at root, whose names are
// compared as root's filesystem compares them.
func NewSymlinks(root string) *Symlinks { return &Symlinks{newSymlinks(foldsCase(root))} }

// Add records the link name (slash-separated, relative to the root) to target.
func (l *Symlinks) Add(name, target string) { l.s.add(name, filepath.ToSlash(target)) }

// LeadsOut returns the first link that, followed through the others, leads outside
// the tree or round a loop, and why: a phrase that follows `symlink to "TARGET"`.
// name is "" when every link stays inside.
func (l *Symlinks) LeadsOut() (name, target, why string) {
	name, why = l.s.leadsOut()
	if name == "" {
		return "", "", ""
	}
	link, _ := l.s.get(name)
	return name, link.target, why
}
