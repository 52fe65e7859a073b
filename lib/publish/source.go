package publish

import (
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
)

// source is where the creation time and the revision annotation come from.
type source struct {
	created  time.Time
	revision string // the last commit touching the package directory; "" for none
	// dated: created is revision's commit time (no SOURCE_DATE_EPOCH).
	dated bool
	// cutOff: the checkout is a shallow clone and revision is a commit where its
	// history is cut off, so an older commit may be the last to touch the directory.
	cutOff bool
}

// readSource picks the creation time: SOURCE_DATE_EPOCH, else the last commit touching
// dir (so unrelated commits do not change the digest), else the Unix epoch.
func readSource(dir string, getenv func(string) string) (source, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var src source
	src.revision = gitOutput(dir, "log", "-1", "--format=%H", "--", ".")
	src.cutOff = src.revision != "" && shallowBoundary(dir, src.revision)
	if s := getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return source{}, fault.Errorf(fault.Usage, "SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		src.created = time.Unix(sec, 0).UTC()
		return src, nil
	}
	if s := gitOutput(dir, "log", "-1", "--format=%ct", "--", "."); s != "" {
		if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
			src.created, src.dated = time.Unix(sec, 0).UTC(), true
			return src, nil
		}
	}
	src.created = time.Unix(0, 0).UTC()
	return src, nil
}

// shallowBoundary reports whether commit is one where dir's shallow clone (git clone
// --depth, actions/checkout's default) has its history cut off: the commits
// $GIT_DIR/shallow lists. git sees such a commit as adding every file it holds, so
// `git log -- .` stops there whether or not it touched the directory, and a full clone
// may find an older commit. A commit below the boundary has its parents, so what git
// says of it holds. False in a full clone; true when a shallow clone's list cannot be
// read, since the answer is then uncertain.
func shallowBoundary(dir, commit string) bool {
	shallow, file, _ := strings.Cut(gitOutput(dir, "rev-parse", "--is-shallow-repository", "--git-path", "shallow"), "\n")
	if shallow != "true" {
		return false
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file) // --git-path answers relative to -C's directory
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return true
	}
	return slices.Contains(strings.Fields(string(data)), commit)
}

func gitOutput(dir string, args ...string) string { return strings.TrimSpace(git(dir, args...)) }

// git runs git in dir and returns its output; "" when it fails (no git, not a
// repository, no commit yet).
func git(dir string, args ...string) string {
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// platformContent is one platform's content directory and what packing it leaves out.
type platformContent struct {
	platform string
	dir      string
	skip     func(rel string, isDir bool) bool
}

// uncommitted lists the files under the package directory dir whose changes since
// HEAD (staged or not, deletions and untracked files included) the artifact holds:
// those a platform packs, and package.yaml and .pkgignore, which decide the config and
// what is packed. Files git ignores are not listed: build outputs in .gitignore'd
// directories are expected to differ from any commit, and the revision names the
// source they were built from. Nor is the --to layout inside the package (c.skip
// leaves it out). An error from git lists nothing, and the revision is kept.
// untracked are those of the files that git does not track (never added), which,
// unlike changes to tracked files, may be build outputs that belong in .gitignore.
func uncommitted(dir string, contents []platformContent) (out, untracked []string) {
	changed := gitPaths(dir, "diff", "--name-only", "-z", "--no-renames", "--relative", "HEAD", "--", ".")
	others := gitPaths(dir, "ls-files", "-z", "--others", "--exclude-standard", "--", ".")
	changed = append(changed, others...)
	// git holds no directory without a file, so a checkout lacks an empty directory
	// the package packs: a push from it (CI's) makes another digest, refused as
	// different content for the same version, and no commit holds this content.
	if empty := emptyDirs(dir, contents); len(empty) > 0 {
		ignored := gitIgnored(dir, empty)
		for _, rel := range empty {
			if !ignored[rel] {
				out = append(out, rel+"/")
			}
		}
	}
	for i, rel := range changed {
		if rel == pkgspec.FileName || rel == pkgspec.IgnoreFileName || slices.ContainsFunc(contents, func(c platformContent) bool { return c.packs(dir, rel) }) {
			out = append(out, rel)
			if i >= len(changed)-len(others) {
				untracked = append(untracked, rel)
			}
		}
	}
	slices.Sort(out)
	slices.Sort(untracked)
	return slices.Compact(out), slices.Compact(untracked)
}

// emptyDirs lists the directories the contents pack that hold nothing else packed,
// the outermost of each such subtree only, slash-separated and relative to pkgDir.
func emptyDirs(pkgDir string, contents []platformContent) []string {
	var out []string
	for _, c := range contents {
		var dirs []string           // packed directories, in walk order
		filled := map[string]bool{} // directories with something packed below
		_ = filepath.WalkDir(c.dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // Tar reports what cannot be read
			}
			rel, err := filepath.Rel(c.dir, p)
			if err != nil || rel == "." {
				return nil
			}
			rel = filepath.ToSlash(rel)
			if c.skip(rel, d.IsDir()) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				dirs = append(dirs, rel)
				return nil
			}
			for dir := path.Dir(rel); dir != "." && !filled[dir]; dir = path.Dir(dir) {
				filled[dir] = true
			}
			return nil
		})
		contentRel, err := filepath.Rel(pkgDir, c.dir)
		if err != nil {
			continue
		}
		for _, rel := range dirs {
			if parent := path.Dir(rel); !filled[rel] && (parent == "." || filled[parent]) {
				out = append(out, path.Join(filepath.ToSlash(contentRel), rel))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// packs reports whether packing c takes in rel, a file's slash-separated path relative
// to the package directory pkgDir: it lies inside c.dir and is not skipped (c.skip
// skips what lies in a skipped directory too: pkgspec.Ignore.Match, under).
func (c platformContent) packs(pkgDir, rel string) bool {
	contentRel, err := filepath.Rel(pkgDir, c.dir)
	if err != nil {
		return false
	}
	inner := rel
	if contentRel = filepath.ToSlash(contentRel); contentRel != "." {
		var ok bool
		if inner, ok = strings.CutPrefix(rel, contentRel+"/"); !ok {
			return false
		}
	}
	return !c.skip(inner, false)
}

// gitIgnored returns which of the directories rels (relative to dir) git ignores; none
// when git fails.
func gitIgnored(dir string, rels []string) map[string]bool {
	var in strings.Builder
	for _, rel := range rels {
		in.WriteString(rel + "/\x00") // the slash: a pattern build/ matches directories only
	}
	cmd := exec.Command("git", "-C", dir, "check-ignore", "-z", "--stdin")
	cmd.Stdin = strings.NewReader(in.String())
	out, _ := cmd.Output() // exit 1: none is ignored
	ignored := map[string]bool{}
	for p := range strings.SplitSeq(string(out), "\x00") {
		if p != "" {
			ignored[strings.TrimSuffix(p, "/")] = true
		}
	}
	return ignored
}

// gitPaths runs git in dir and splits its -z output into paths.
func gitPaths(dir string, args ...string) []string {
	var paths []string
	for p := range strings.SplitSeq(git(dir, args...), "\x00") {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths
}
