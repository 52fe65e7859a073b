package archive

import (
	"maps"
	"path"
	"slices"
	"strings"
)

// symlinks are the symbolic links of a tree, known by their names folded to lower
// case. A link is checked lexically when it is made (checkLink), but that cannot see
// the other links its target goes through: with d/l -> .., the target d/l/../.. is
// "." to path.Join and the parent of the tree to the filesystem. So, once every link
// is known, each is followed through the others (leadsOut). Names are folded because
// macOS and Windows filesystems are case-insensitive: there a file D/x is written
// through the link d, and a link through D/L leads where d/l does.
type symlinks map[string]symlink

type symlink struct{ name, target string }

func fold(name string) string { return strings.ToLower(name) }

func (s symlinks) add(name, target string) { s[fold(name)] = symlink{name, target} }

// through returns the link that a path below name would go through: name itself or
// one of its parent directories.
func (s symlinks) through(name string) (string, bool) {
	for p := name; p != "."; p = path.Dir(p) {
		if l, ok := s[fold(p)]; ok {
			return l.name, true
		}
	}
	return "", false
}

// maxHops is how many links a path may go through, Linux's MAXSYMLINKS: a chain
// longer than the kernel follows is a loop to it.
const maxHops = 40

// leadsOut returns the first link that, followed through the others, leads outside
// the tree or through more than maxHops links, with why. The work is bounded: each
// link gets a budget of steps, so links built to be slow to follow are refused rather
// than followed for hours.
func (s symlinks) leadsOut() (name, why string) {
	keys := slices.Sorted(maps.Keys(s)) // the same archive names the same link
	budget := 1<<20 + 32*len(s)
	for _, k := range keys {
		l := s[k]
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
				return l.name, "the archive's symlinks take too long to follow"
			}
			c := todo[0]
			todo = todo[1:]
			switch c {
			case "", ".":
				continue
			case "..":
				if len(at) == 0 {
					return l.name, "it leads outside the package through other symlinks of the archive"
				}
				at = at[:len(at)-1]
				continue
			}
			at = append(at, c)
			next, ok := s[fold(strings.Join(at, "/"))]
			if !ok {
				continue
			}
			if hops++; hops > maxHops {
				return l.name, "it goes through more than 40 symlinks (a loop)"
			}
			at = at[:len(at)-1]
			todo = append(strings.Split(next.target, "/"), todo...)
		}
	}
	return "", ""
}
