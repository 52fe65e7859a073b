// Package lint owns the checks `pkg-push lint` runs on a package directory: package.yaml
// (structure, metadata, dependencies, platforms, entry points, environment) and the
// content that would be published (paths, symlinks, names that differ only in case,
// special files, setuid bits, sizes), honouring .pkgignore. Every finding names a stable
// rule id (see Rules and docs/lint-rules.md), a severity, and where to look.
package lint

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"longshore.dev/lib/api"
	"longshore.dev/lib/fault"
	"longshore.dev/lib/pkgspec"
)

// Default limits. The totals are archive.DefaultLimits, what installing accepts, so
// nothing lint passes is refused at install time (a test keeps them equal).
const (
	DefaultMaxFileSize  int64 = 2 << 30
	DefaultMaxTotalSize int64 = 4 << 30 // archive.DefaultLimits.MaxBytes
	DefaultMaxFiles           = 1_000_000
)

// Options tune Check. The zero value applies the defaults.
type Options struct {
	// MaxFileSize bounds one file's size (0 = DefaultMaxFileSize).
	MaxFileSize int64
	// MaxTotalSize bounds the bytes of one platform's content (0 = DefaultMaxTotalSize).
	MaxTotalSize int64
	// MaxFiles bounds the entries of one platform's content (0 = DefaultMaxFiles).
	MaxFiles int
	// LeaveOut are paths, relative to the package directory and slash-separated,
	// that publishing leaves out besides .pkgignore: pkg-push's --to layout when it
	// lies inside the package. The content rules skip them as they skip what is
	// ignored.
	LeaveOut []string
}

func (o Options) withDefaults() Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxTotalSize <= 0 {
		o.MaxTotalSize = DefaultMaxTotalSize
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	return o
}

// Check lints the package in dir. Problems with the package are findings in the
// report; an error means lint could not run at all (dir is missing or unreadable).
func Check(dir string, opts Options) (*api.LintReport, error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fault.New(fault.NotFound, fmt.Errorf("package directory %s does not exist", dir),
			"give the directory that holds package.yaml, or create one with pkg-push init")
	case err != nil:
		return nil, fmt.Errorf("package directory %s: %w", dir, err)
	case !st.IsDir():
		return nil, fault.New(fault.Usage, fmt.Errorf("%s is not a directory", dir),
			"give the directory that holds package.yaml, not the file")
	}
	l := &linter{dir: dir, opts: opts.withDefaults(), report: api.NewLintReport()}
	l.report.Dir = dir
	l.run()
	l.finish()
	return l.report, nil
}

// linter holds the state of one Check.
type linter struct {
	dir    string
	opts   Options
	report *api.LintReport
	m      *manifest       // nil when package.yaml could not be read
	ignore *pkgspec.Ignore // never nil after loadIgnore
}

func (l *linter) run() {
	l.loadIgnore()
	data, ok := l.readManifest()
	if !ok {
		return
	}
	l.m = l.parseManifest(data)
	if l.m == nil {
		return
	}
	l.report.Package = l.m.name.Value
	l.report.Version = l.m.version.Value
	l.checkMetadata()
	l.checkDependencies()
	l.checkEnv()
	platforms := l.checkPlatforms()
	l.checkBin(platforms)
	l.checkContent(platforms)
	l.crossCheck(data)
}

// add records a finding of rule in file (relative to the package directory) at line
// (0 when there is none). URLs in the message lose their credentials here, whichever
// rule quotes them (a value, or another package's error about it).
func (l *linter) add(rule, file string, line int, format string, args ...any) {
	l.report.Findings = append(l.report.Findings, api.Finding{
		Rule:     rule,
		Severity: severity(rule),
		File:     file,
		Line:     line,
		Message:  redactURLs(fmt.Sprintf(format, args...)),
	})
}

// finish sorts the findings (package.yaml first, then .pkgignore, then content, each
// by line) and counts them.
func (l *linter) finish() {
	rank := func(f string) int {
		switch f {
		case pkgspec.FileName:
			return 0
		case pkgspec.IgnoreFileName:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(l.report.Findings, func(a, b api.Finding) int {
		return cmp.Or(
			cmp.Compare(rank(a.File), rank(b.File)),
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
	l.report.Findings = slices.Compact(l.report.Findings)
	l.report.Errors, l.report.Warnings = 0, 0
	for _, f := range l.report.Findings {
		if f.Severity == api.SeverityError {
			l.report.Errors++
		} else {
			l.report.Warnings++
		}
	}
}

// errorCount is the number of errors found so far.
func (l *linter) errorCount() int {
	n := 0
	for _, f := range l.report.Findings {
		if f.Severity == api.SeverityError {
			n++
		}
	}
	return n
}
