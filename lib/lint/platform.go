package lint

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"longshore.dev/lib/pkgspec"
)

// contentDir is a platform whose content directory exists inside the package.
type contentDir struct {
	platform string
	rel      string // slash-separated, relative to the package directory; "." for it
	abs      string // on disk
	line     int    // of the platform entry in package.yaml (0 for the default any: .)
}

// knownOS and knownArch are the GOOS and GOARCH values, which OCI platforms use.
var (
	knownOS = []string{"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js",
		"linux", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos"}
	knownArch = []string{"386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le", "mipsle",
		"ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"}
	osAliases   = map[string]string{"macos": "darwin", "osx": "darwin", "mac": "darwin", "win": "windows", "win32": "windows", "win64": "windows"}
	archAliases = map[string]string{"x86_64": "amd64", "x86-64": "amd64", "x64": "amd64", "amd": "amd64", "aarch64": "arm64",
		"armv8": "arm64", "i386": "386", "i686": "386", "x86": "386", "armhf": "arm", "armv7": "arm/v7", "armv7l": "arm/v7", "armv6": "arm/v6"}
	variantRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.]*$`)
)

// platformProblem says what is wrong with a platform key, or "".
func platformProblem(key string) string {
	if key == pkgspec.AnyPlatform {
		return ""
	}
	parts := strings.Split(key, "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return "is not os/arch[/variant]: write e.g. linux/amd64, linux/arm64, linux/arm/v7, or any for platform-independent content"
	}
	if lower := strings.ToLower(key); lower != key {
		return fmt.Sprintf("has upper-case letters: write %s", lower)
	}
	osName, arch := parts[0], parts[1]
	if !slices.Contains(knownOS, osName) {
		if alias, ok := osAliases[osName]; ok {
			return fmt.Sprintf("uses %q for the operating system: OCI platforms use Go's names, write %s", osName, strings.Replace(key, osName, alias, 1))
		}
		return fmt.Sprintf("has an unknown operating system %q: use one of %s", osName, strings.Join(knownOS, ", "))
	}
	if !slices.Contains(knownArch, arch) {
		if alias, ok := archAliases[arch]; ok {
			return fmt.Sprintf("uses %q for the architecture: OCI platforms use Go's names, write %s/%s", arch, osName, alias)
		}
		return fmt.Sprintf("has an unknown architecture %q: use one of %s", arch, strings.Join(knownArch, ", "))
	}
	if len(parts) == 3 && !variantRE.MatchString(parts[2]) {
		return fmt.Sprintf("has an invalid variant %q: variants are like v7 (arm), v8 (arm64), v2 (amd64)", parts[2])
	}
	return ""
}

// checkPlatforms checks spec.platforms and returns the content directories that the
// content and bin checks can look into.
func (l *linter) checkPlatforms() []contentDir {
	const file = pkgspec.FileName
	entries := l.m.platforms
	if len(entries) == 0 {
		entries = []platformEntry{{key: pkgspec.AnyPlatform, dir: scalar{Value: ".", Set: true}}}
	}
	var anyLine int
	var specific []string
	for _, e := range entries {
		if e.key == pkgspec.AnyPlatform {
			anyLine = e.line
		} else {
			specific = append(specific, e.key)
		}
	}
	if anyLine > 0 && len(specific) > 0 {
		l.add("platform", file, anyLine, "spec.platforms mixes any with specific platforms (%s): use any alone for platform-independent content, or list every platform", strings.Join(specific, ", "))
	}
	var dirs []contentDir
	for _, e := range entries {
		where := fmt.Sprintf("spec.platforms[%q]", e.key)
		if problem := platformProblem(e.key); problem != "" {
			l.add("platform", file, e.line, "%s: platform %q %s", where, e.key, problem)
			continue
		}
		if d, ok := l.checkContentDir(e, where); ok {
			dirs = append(dirs, d)
		}
	}
	slices.SortFunc(dirs, func(a, b contentDir) int { return strings.Compare(a.platform, b.platform) })
	return dirs
}

// checkContentDir checks the directory of one platform entry.
func (l *linter) checkContentDir(e platformEntry, where string) (contentDir, bool) {
	const file = pkgspec.FileName
	line := lineOr(e.dir, e.line)
	raw := strings.TrimSpace(e.dir.Value)
	if raw == "" {
		l.add("platform", file, line, "%s names no directory: write the content directory relative to package.yaml, e.g. ./dist/%s", where, strings.ReplaceAll(e.key, "/", "-"))
		return contentDir{}, false
	}
	slash := filepath.ToSlash(raw)
	if path.IsAbs(slash) || filepath.IsAbs(raw) || filepath.VolumeName(raw) != "" {
		l.add("content-path", file, line, "%s is the absolute path %s: write it relative to package.yaml, inside the package directory", where, raw)
		return contentDir{}, false
	}
	rel := path.Clean(slash)
	if rel == ".." || strings.HasPrefix(rel, "../") {
		l.add("content-path", file, line, "%s: %s leaves the package directory: move the content inside it (next to package.yaml)", where, raw)
		return contentDir{}, false
	}
	abs := filepath.Join(l.dir, filepath.FromSlash(rel))
	lst, err := os.Lstat(abs)
	if err != nil {
		l.add("platform", file, line, "%s: content directory %s does not exist: build the content into it before linting, or fix the path", where, raw)
		return contentDir{}, false
	}
	if lst.Mode()&fs.ModeSymlink != 0 && rel != "." {
		l.add("platform", file, line, "%s: %s is a symlink, which publishing does not follow: name the directory it points to", where, raw)
		return contentDir{}, false
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		l.add("platform", file, line, "%s: %s is not a directory: name the directory holding this platform's files", where, raw)
		return contentDir{}, false
	}
	if outside(l.dir, abs) {
		l.add("content-path", file, line, "%s: %s leads outside the package directory through a symlink: move the content inside it", where, raw)
		return contentDir{}, false
	}
	if rel != "." && l.ignore.Match(rel, true) {
		l.add("platform", file, line, "%s: %s is excluded by %s, so nothing would be published for %s: remove the pattern that matches it", where, raw, pkgspec.IgnoreFileName, e.key)
		return contentDir{}, false
	}
	return contentDir{platform: e.key, rel: rel, abs: abs, line: line}, true
}

// outside reports whether p, with symlinks resolved, is not inside root.
func outside(root, p string) bool {
	_, out := resolvesOutside(root, p)
	return out
}

// resolvesOutside returns p with symlinks resolved, and whether that is not inside
// root. A path that does not resolve (missing, a broken link) is not outside: it is
// reported elsewhere as missing.
func resolvesOutside(root, p string) (string, bool) {
	r, err1 := filepath.EvalSymlinks(root)
	q, err2 := filepath.EvalSymlinks(p)
	if err1 != nil || err2 != nil {
		return "", false
	}
	rel, err := filepath.Rel(r, q)
	return q, err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// excluded reports whether publishing leaves out rel (relative to the content dir c).
func (l *linter) excluded(c contentDir, rel string, isDir bool) bool {
	full := path.Join(c.rel, rel)
	for _, out := range l.opts.LeaveOut {
		if full == out || strings.HasPrefix(full, out+"/") {
			return true
		}
	}
	return l.ignore.Excluded(c.rel, rel, isDir)
}

func (l *linter) checkBin(dirs []contentDir) {
	const file = pkgspec.FileName
	seen := map[string]int{}
	links := map[string]string{}
	for i, b := range l.m.bin {
		where := fmt.Sprintf("spec.bin[%d]", i)
		raw := strings.TrimSpace(b.Value)
		if raw == "" {
			l.add("bin", file, b.Line, "%s is empty: name an executable in the content, e.g. bin/%s", where, suggestName(l.dir))
			continue
		}
		slash := filepath.ToSlash(raw)
		if path.IsAbs(slash) || filepath.IsAbs(raw) || filepath.VolumeName(raw) != "" {
			l.add("content-path", file, b.Line, "%s %s is an absolute path: write it relative to the content directory, e.g. bin/%s", where, raw, path.Base(slash))
			continue
		}
		rel := path.Clean(slash)
		if rel == ".." || strings.HasPrefix(rel, "../") {
			l.add("content-path", file, b.Line, "%s %s leaves the content directory: entry points must be inside the package", where, raw)
			continue
		}
		if rel == "." {
			l.add("bin", file, b.Line, "%s %q names the content directory itself: name an executable file, e.g. bin/%s", where, raw, suggestName(l.dir))
			continue
		}
		if first, dup := seen[rel]; dup {
			l.add("bin", file, b.Line, "%s %s is listed twice (first on line %d): remove one", where, raw, first)
			continue
		}
		seen[rel] = b.Line
		if pkgspec.ReservedBinName(path.Base(rel)) {
			l.add("bin", file, b.Line, "%s %s would be linked as %s in $LONGSHORE_HOME/bin, and names beginning %s there are pkg-pull's own: rename it", where, raw, path.Base(rel), pkgspec.ReservedBinPrefix)
			continue
		}
		if other, clash := links[path.Base(rel)]; clash {
			l.add("bin", file, b.Line, "%s %s and %s would both be linked as %s in $LONGSHORE_HOME/bin: rename one", where, raw, other, path.Base(rel))
		} else {
			links[path.Base(rel)] = raw
		}
		for _, c := range dirs {
			l.checkBinIn(c, where, raw, rel, b.Line)
		}
	}
}

func (l *linter) checkBinIn(c contentDir, where, raw, rel string, line int) {
	const file = pkgspec.FileName
	in := fmt.Sprintf("the content of %s (%s)", c.platform, c.rel)
	if c.platform == pkgspec.AnyPlatform && c.rel == "." {
		in = "the package content"
	}
	shown := path.Join(c.rel, rel)
	if l.excluded(c, rel, false) {
		l.add("bin", file, line, "%s %s is excluded from %s (by %s or a name never packed): remove the pattern that matches it", where, raw, in, pkgspec.IgnoreFileName)
		return
	}
	p := filepath.Join(c.abs, filepath.FromSlash(rel))
	if _, err := os.Lstat(p); err != nil {
		l.add("bin", file, line, "%s %s is missing from %s: build it there, or fix the path (it is relative to the content directory)", where, raw, in)
		return
	}
	// Before the mode checks: chmod follows symlinks, so "run chmod +x" on an entry
	// that leads out of the content would change the file outside (/etc/passwd, say),
	// and publishing refuses the link anyway.
	if target, out := resolvesOutside(c.abs, p); out {
		if _, dirOut := resolvesOutside(c.abs, filepath.Dir(p)); dirOut {
			l.add("bin", file, line, "%s %s leads out of %s through a symlinked directory, to %s: publishing refuses links that leave the content; copy the executable in, or name one inside the content", where, raw, in, target)
			return
		}
		if t, err := os.Readlink(p); err == nil {
			target = t // as written: what the user recognises
		}
		l.add("bin", file, line, "%s %s is a symlink out of %s, to %s: publishing refuses links that leave the content; copy the executable in, or link to one inside the content (ln -sfr)", where, raw, in, target)
		return
	}
	st, err := os.Stat(p)
	switch {
	case err != nil:
		l.add("bin", file, line, "%s %s in %s is a broken symlink: point it at an executable inside the package", where, raw, in)
	case st.IsDir():
		l.add("bin", file, line, "%s %s in %s is a directory: name the executable file inside it", where, raw, in)
	case !st.Mode().IsRegular():
		l.add("bin", file, line, "%s %s in %s is not a regular file: name an executable file", where, raw, in)
	case st.Mode()&0o111 == 0:
		l.add("bin", file, line, "%s %s in %s is not executable: run chmod +x %s (and commit the mode: git update-index --chmod=+x)", where, raw, in, shown)
	}
}
