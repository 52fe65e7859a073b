package pkgspec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// IgnoreFileName is the file in a package directory that lists paths left out of the
// published content.
const IgnoreFileName = ".pkgignore"

// Ignore is a parsed .pkgignore: a gitignore-style list of patterns, each relative to
// the package directory. The last pattern that matches a path decides; a path inside an
// ignored directory is ignored whatever later patterns say (as in git).
//
// Supported: blank lines and # comments, *, ?, [classes], ** (leading "**/", trailing
// "/**", "/**/" in the middle), a trailing / for directories only, a leading / (or any
// / but a trailing one) to anchor a pattern to the package directory, ! to re-include,
// and \ to escape a special character (\#, \!, \*, a trailing "\ ").
type Ignore struct {
	rules []ignoreRule
}

type ignoreRule struct {
	pattern string // as written, for messages
	line    int
	re      *regexp.Regexp
	negate  bool
	dirOnly bool
}

// IgnoreError is a .pkgignore line that is not a valid pattern.
type IgnoreError struct {
	File    string // as given to ParseIgnore, e.g. "hello/.pkgignore"
	Line    int
	Pattern string
	Reason  string
}

func (e *IgnoreError) Error() string {
	return fmt.Sprintf("%s:%d: pattern %q: %s", e.File, e.Line, e.Pattern, e.Reason)
}

// LoadIgnore reads dir/.pkgignore. A missing file ignores nothing.
func LoadIgnore(dir string) (*Ignore, error) {
	file := filepath.Join(dir, IgnoreFileName)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return &Ignore{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return ParseIgnore(data, file)
}

// ParseIgnore parses the contents of an ignore file; name is used in errors.
func ParseIgnore(data []byte, name string) (*Ignore, error) {
	ig := &Ignore{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		rule, ok, reason := parseIgnoreLine(sc.Text())
		if reason != "" {
			return nil, &IgnoreError{File: name, Line: n, Pattern: strings.TrimSpace(sc.Text()), Reason: reason}
		}
		if ok {
			rule.line = n
			ig.rules = append(ig.rules, rule)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return ig, nil
}

// Len returns the number of patterns.
func (i *Ignore) Len() int {
	if i == nil {
		return 0
	}
	return len(i.rules)
}

// Match reports whether rel (slash-separated, relative to the package directory) is
// ignored: by a pattern matching it, or because a directory above it is ignored. isDir
// says whether rel is a directory (patterns ending in / match only directories).
func (i *Ignore) Match(rel string, isDir bool) bool {
	if i == nil || len(i.rules) == 0 {
		return false
	}
	rel = path.Clean(strings.TrimPrefix(filepath.ToSlash(rel), "/"))
	if rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
		return false
	}
	for j := 0; j < len(rel); j++ {
		if rel[j] == '/' && i.matchOne(rel[:j], true) {
			return true
		}
	}
	return i.matchOne(rel, isDir)
}

func (i *Ignore) matchOne(rel string, isDir bool) bool {
	ignored := false
	for _, r := range i.rules {
		if r.dirOnly && !isDir {
			continue
		}
		if r.re.MatchString(rel) {
			ignored = !r.negate
		}
	}
	return ignored
}

// parseIgnoreLine turns one line into a rule. ok is false for blank lines and comments;
// reason is non-empty when the line is not a valid pattern.
func parseIgnoreLine(line string) (rule ignoreRule, ok bool, reason string) {
	line = strings.TrimSuffix(line, "\r")
	if strings.HasPrefix(line, "#") {
		return rule, false, ""
	}
	line = trimTrailingSpaces(line)
	if line == "" {
		return rule, false, ""
	}
	rule.pattern = line
	p := line
	if strings.HasPrefix(p, "!") {
		rule.negate = true
		p = p[1:]
	}
	if strings.HasSuffix(p, "/") && !strings.HasSuffix(p, `\/`) {
		rule.dirOnly = true
		p = strings.TrimRight(p, "/")
	}
	if p == "" {
		return rule, false, "matches nothing: write a name or a path (a lone / or ! is not a pattern)"
	}
	anchored := strings.Contains(p, "/")
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return rule, false, "matches nothing: write a name or a path (a lone / or ! is not a pattern)"
	}
	expr, reason := globToRegexp(p)
	if reason != "" {
		return rule, false, reason
	}
	if anchored {
		expr = "^" + expr + "$"
	} else {
		expr = "^(?:.*/)?" + expr + "$"
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return rule, false, fmt.Sprintf("cannot be compiled (%v): escape special characters with \\", err)
	}
	rule.re = re
	return rule, true, ""
}

// trimTrailingSpaces removes trailing spaces that are not escaped with a backslash.
func trimTrailingSpaces(s string) string {
	for strings.HasSuffix(s, " ") || strings.HasSuffix(s, "\t") {
		if strings.HasSuffix(s[:len(s)-1], `\`) {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

// globToRegexp translates a gitignore glob (without its leading ! or /, and without a
// trailing /) into the body of a regular expression matching slash-separated paths.
func globToRegexp(p string) (string, string) {
	var b strings.Builder
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '*' && strings.HasPrefix(p[i:], "**") && (i == 0 || p[i-1] == '/') &&
			(i+2 == len(p) || p[i+2] == '/'):
			if i+2 == len(p) {
				b.WriteString(".*") // "dir/**": everything inside; "**": everything
				i += 2
			} else {
				b.WriteString("(?:.*/)?") // "**/x", "a/**/x": zero or more directories
				i += 3
			}
		case c == '*':
			for i < len(p) && p[i] == '*' { // other runs of stars are one star
				i++
			}
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
			i++
		case c == '[':
			class, n, reason := bracket(p[i:])
			if reason != "" {
				return "", reason
			}
			b.WriteString(class)
			i += n
		case c == '\\':
			if i+1 == len(p) {
				return "", `ends with a lone \: escape a character (\*, \?, \[, \#, \!) or remove it`
			}
			b.WriteString(regexp.QuoteMeta(p[i+1 : i+2]))
			i += 2
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
			i++
		}
	}
	return b.String(), ""
}

// bracket translates a [class] at the start of s, returning the regexp class and the
// number of bytes of s it used.
func bracket(s string) (string, int, string) {
	var b strings.Builder
	b.WriteString("[")
	i := 1
	if i < len(s) && (s[i] == '!' || s[i] == '^') {
		b.WriteString("^/")
		i++
	}
	first := true
	for i < len(s) {
		c := s[i]
		switch {
		case c == ']' && !first:
			b.WriteString("]")
			return b.String(), i + 1, ""
		case c == '\\' && i+1 < len(s):
			b.WriteString(regexp.QuoteMeta(s[i+1 : i+2]))
			i += 2
		case c == '-' && !first && i+1 < len(s) && s[i+1] != ']':
			b.WriteString("-")
			i++
		case c == '[' && strings.HasPrefix(s[i:], "[:"):
			end := strings.Index(s[i+2:], ":]")
			if end < 0 {
				return "", 0, "has an unterminated [: character class: close it with :]"
			}
			name := s[i+2 : i+2+end]
			switch name {
			case "alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "xdigit":
			default:
				return "", 0, fmt.Sprintf("has an unknown character class [:%s:]", name)
			}
			b.WriteString("[:" + name + ":]")
			i += end + 4
		default:
			b.WriteString(regexp.QuoteMeta(s[i : i+1]))
			i++
		}
		first = false
	}
	return "", 0, "has an unterminated [: close the bracket, or write \\[ for a literal ["
}

// Excluded reports whether publishing leaves out rel, a slash-separated path relative
// to a platform's content directory contentRel (itself relative to the package
// directory; "." for the package directory): .git/ and .github/ always, package.yaml
// and .pkgignore when the content is the package directory, and whatever .pkgignore
// matches. pkg-push and pkg-push lint both ask here, so they never disagree.
func (i *Ignore) Excluded(contentRel, rel string, isDir bool) bool {
	top, _, _ := strings.Cut(rel, "/")
	if top == ".git" || top == ".github" {
		return true
	}
	if path.Clean(contentRel) == "." && (rel == FileName || rel == IgnoreFileName) {
		return true
	}
	return i.Match(path.Join(contentRel, rel), isDir)
}
