package lint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"longshore.dev/lib/archive"
	"longshore.dev/lib/pkgspec"
	"longshore.dev/lib/progress"
)

// loadIgnore reads .pkgignore; an invalid pattern is a finding, and then nothing is
// ignored (so the content checks still run).
func (l *linter) loadIgnore() {
	ig, err := pkgspec.LoadIgnore(l.dir)
	var ie *pkgspec.IgnoreError
	switch {
	case errors.As(err, &ie):
		l.add("ignore", pkgspec.IgnoreFileName, ie.Line, "pattern %q %s", ie.Pattern, ie.Reason)
		ig = &pkgspec.Ignore{}
	case err != nil:
		l.add("ignore", pkgspec.IgnoreFileName, 0, "cannot read %s: %v", pkgspec.IgnoreFileName, unwrapPath(err))
		ig = &pkgspec.Ignore{}
	}
	l.ignore = ig
}

// checkContent walks each platform's content as publishing would pack it.
func (l *linter) checkContent(dirs []contentDir) {
	// A directory several platforms publish is walked once, for all of them.
	folding := map[string]string{}
	for _, c := range dirs {
		if folding[c.rel] == "" {
			folding[c.rel] = foldingPlatform(c.platform)
		}
	}
	walked := map[string]bool{}
	for _, c := range dirs {
		if walked[c.rel] {
			continue
		}
		walked[c.rel] = true
		l.walkContent(c, folding[c.rel])
	}
}

// foldingPlatform says where platform installs on filesystems that fold case by
// default (macOS, Windows, and any, which installs everywhere), or "".
func foldingPlatform(platform string) string {
	switch goos, _, _ := strings.Cut(platform, "/"); goos {
	case "any":
		return "macOS and Windows, where platform any installs too,"
	case "darwin", "windows":
		return platform
	}
	return ""
}

// walkContent checks the content of c. folding says where c installs on filesystems
// that take names differing only in case for one name ("" for nowhere).
func (l *linter) walkContent(c contentDir, folding string) {
	var total int64
	count := 0
	links := archive.NewSymlinks(c.abs)
	// The first name of each key, with its directory: as every filesystem compares
	// names (archive.NameKey), and as one that folds case does.
	spelt, folded := map[string]string{}, map[string]string{}
	_ = filepath.WalkDir(c.abs, func(p string, d fs.DirEntry, err error) error {
		rel, rerr := filepath.Rel(c.abs, p)
		if rerr != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		shown := path.Join(c.rel, rel)
		if err != nil {
			l.add("content-path", shown, 0, "cannot be read (%v): fix its permissions, or list it in %s", unwrapPath(err), pkgspec.IgnoreFileName)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if rel == "." {
			return nil
		}
		if l.excluded(c, rel, d.IsDir()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		count++
		nfd := path.Join(path.Dir(rel), archive.NameKey(d.Name(), false))
		fold := path.Join(path.Dir(rel), archive.NameKey(d.Name(), true))
		if first, ok := spelt[nfd]; ok {
			l.add("content-path", shown, 0, "the name %+q differs from %+q (%s) only in Unicode normalisation (NFC and NFD): macOS takes both for one name, and publishing and installing refuse a package that holds both; rename one, or list it in %s",
				d.Name(), path.Base(first), path.Join(c.rel, first), pkgspec.IgnoreFileName)
		} else if first, ok := folded[fold]; ok && folding != "" {
			l.add("content-case", shown, 0, "differs from %s only in case: on %s the filesystem takes both for one name by default, so the package does not install there as published; rename one, or list it in %s",
				path.Join(c.rel, first), folding, pkgspec.IgnoreFileName)
		}
		if _, ok := spelt[nfd]; !ok {
			spelt[nfd] = rel
		}
		if _, ok := folded[fold]; !ok {
			folded[fold] = rel
		}
		if problem := nameProblem(d.Name()); problem != "" {
			l.add("content-path", shown, 0, "the name %q %s: rename it, or list it in %s", d.Name(), problem, pkgspec.IgnoreFileName)
		}
		info, err := d.Info()
		if err != nil {
			l.add("content-path", shown, 0, "cannot be read (%v): fix its permissions, or list it in %s", unwrapPath(err), pkgspec.IgnoreFileName)
			return nil
		}
		mode := info.Mode()
		switch {
		case mode&fs.ModeSymlink != 0:
			if target, ok := l.checkSymlink(p, rel, shown); ok {
				links.Add(rel, target)
				l.checkBroken(c, p, shown, target)
			}
		case mode.IsRegular():
			if info.Size() > l.opts.MaxFileSize {
				l.add("content-size", shown, 0, "is %s (%d bytes), over the limit of %s (%d bytes) for one file: publish it elsewhere (a separate package, a download), or list it in %s",
					progress.Bytes(info.Size()), info.Size(), progress.Bytes(l.opts.MaxFileSize), l.opts.MaxFileSize, pkgspec.IgnoreFileName)
			}
			total += info.Size()
		case mode.IsDir():
		default:
			l.add("content-special", shown, 0, "is a %s, which cannot be packaged: remove it, or list it in %s", fileType(mode), pkgspec.IgnoreFileName)
		}
		if mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 && mode&fs.ModeSymlink == 0 {
			bits := []string{}
			if mode&fs.ModeSetuid != 0 {
				bits = append(bits, "setuid")
			}
			if mode&fs.ModeSetgid != 0 {
				bits = append(bits, "setgid")
			}
			l.add("content-setuid", shown, 0, "has the %s bit: packages run with the user's rights only; run chmod u-s,g-s %s", strings.Join(bits, " and "), filepath.Join(l.dir, filepath.FromSlash(shown)))
		}
		return nil
	})
	// Each link stays inside on its own; followed through the others, one may not
	// (x -> d/l/../.. with d/l -> ..), or never end. Publishing refuses the first such
	// link, and so does installing.
	if name, target, why := links.LeadsOut(); name != "" {
		l.add("content-symlink", path.Join(c.rel, name), 0, "is a symlink to %s that %s: point it straight at a file inside the content, or list the link in %s",
			target, why, pkgspec.IgnoreFileName)
	}
	if total > l.opts.MaxTotalSize {
		l.add("content-size", c.rel, 0, "the content of %s is %s (%d bytes), over the limit of %s (%d bytes) that installing accepts: split the package, or list large files in %s",
			c.platform, progress.Bytes(total), total, progress.Bytes(l.opts.MaxTotalSize), l.opts.MaxTotalSize, pkgspec.IgnoreFileName)
	}
	if count > l.opts.MaxFiles {
		l.add("content-size", c.rel, 0, "the content of %s has %d entries, over the limit of %d that installing accepts: split the package, or list what it does not need in %s",
			c.platform, count, l.opts.MaxFiles, pkgspec.IgnoreFileName)
	}
}

// checkSymlink refuses what publishing refuses of a link on its own: an absolute
// target, or one that leaves the content directory. It returns the target, and
// whether the link passed.
func (l *linter) checkSymlink(p, rel, shown string) (string, bool) {
	target, err := os.Readlink(p)
	if err != nil {
		l.add("content-symlink", shown, 0, "cannot be read (%v): fix it, or list it in %s", unwrapPath(err), pkgspec.IgnoreFileName)
		return "", false
	}
	slash := filepath.ToSlash(target)
	switch {
	case target == "":
		l.add("content-symlink", shown, 0, "is a symlink with an empty target: remove it")
	case path.IsAbs(slash) || filepath.IsAbs(target) || filepath.VolumeName(target) != "":
		l.add("content-symlink", shown, 0, "points to the absolute path %s, outside the package: make it relative to a file inside the content (ln -sfr), copy the file in, or list the link in %s", target, pkgspec.IgnoreFileName)
	default:
		resolved := path.Join(path.Dir(rel), slash)
		if resolved == ".." || strings.HasPrefix(resolved, "../") {
			l.add("content-symlink", shown, 0, "points to %s, outside the content directory: point it at a file inside, copy the file in, or list the link in %s", target, pkgspec.IgnoreFileName)
			return "", false
		}
		return target, true
	}
	return "", false
}

// checkBroken warns of a link whose target the package will not hold: a file that
// was never built or copied in (libfoo.so -> libfoo.so.1 without libfoo.so.1), or
// one .pkgignore leaves out. Publishing and installing take such a link as it is,
// broken, so only lint can say.
func (l *linter) checkBroken(c contentDir, p, shown, target string) {
	resolved, err := filepath.EvalSymlinks(p)
	if errors.Is(err, fs.ErrNotExist) {
		l.add("content-broken-symlink", shown, 0, "points to %s, which does not exist: build or copy it in, correct the target, or list the link in %s",
			target, pkgspec.IgnoreFileName)
		return
	}
	if err != nil {
		return // a loop: the content-symlink check reports it
	}
	root, err := filepath.EvalSymlinks(c.abs)
	if err != nil {
		return
	}
	rel, err := filepath.Rel(root, resolved)
	if err != nil {
		return
	}
	rel = filepath.ToSlash(rel)
	if rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		return // the content itself, or out of it: the content-symlink check reports that
	}
	info, err := os.Stat(resolved)
	if err != nil {
		return
	}
	// The target, or a directory it is in, may be left out: name the outermost.
	parts := strings.Split(rel, "/")
	for i := range parts {
		r := strings.Join(parts[:i+1], "/")
		if l.excluded(c, r, i < len(parts)-1 || info.IsDir()) {
			l.add("content-broken-symlink", shown, 0, "points to %s, which publishing leaves out (%s): the installed link would be broken; publish %s, or list the link in %s too",
				target, pkgspec.IgnoreFileName, path.Join(c.rel, r), pkgspec.IgnoreFileName)
			return
		}
	}
}

// nameProblem says why a file name would break an archive or a shell, or "".
func nameProblem(name string) string {
	if !utf8.ValidString(name) {
		return "is not valid UTF-8"
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "holds a control character"
		}
	}
	if strings.Contains(name, `\`) {
		return `holds a backslash, a path separator on Windows`
	}
	return ""
}

func fileType(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeCharDevice != 0:
		return "character device"
	case mode&fs.ModeDevice != 0:
		return "block device"
	case mode&fs.ModeNamedPipe != 0:
		return "named pipe"
	case mode&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}

func itoa(n int) string { return fmt.Sprint(n) }

// baseName is the name of dir as the user sees it ("." is the current directory's).
func baseName(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return filepath.Base(abs)
	}
	return filepath.Base(dir)
}
