package pkgspec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIgnoreMatch(t *testing.T) {
	t.Parallel()
	type probe struct {
		rel   string
		isDir bool
		want  bool
	}
	tests := []struct {
		name   string
		file   string
		probes []probe
	}{
		{name: "empty file ignores nothing", file: "", probes: []probe{{"a", false, false}, {"a/b", true, false}}},
		{name: "comments and blank lines", file: "# *.log\n\n   \n", probes: []probe{{"x.log", false, false}}},
		{name: "escaped hash is a pattern", file: `\#notes` + "\n", probes: []probe{{"#notes", false, true}, {"notes", false, false}}},
		{name: "name matches at any depth", file: "*.log\n", probes: []probe{
			{"a.log", false, true}, {"dir/b.log", false, true}, {"dir/sub/c.log", false, true},
			{"a.log.txt", false, false}, {"log", false, false},
		}},
		{name: "star does not cross slashes", file: "/dist/*.tmp\n", probes: []probe{
			{"dist/a.tmp", false, true}, {"dist/sub/a.tmp", false, false}, {"x/dist/a.tmp", false, false},
		}},
		{name: "question mark is one character", file: "file?.txt\n", probes: []probe{
			{"file1.txt", false, true}, {"file.txt", false, false}, {"file12.txt", false, false}, {"d/fileA.txt", false, true},
		}},
		{name: "leading slash anchors", file: "/build\n", probes: []probe{
			{"build", true, true}, {"build", false, true}, {"src/build", true, false}, {"build/x", false, true},
		}},
		{name: "middle slash anchors", file: "docs/internal\n", probes: []probe{
			{"docs/internal", true, true}, {"x/docs/internal", true, false}, {"docs/internal/a.md", false, true},
		}},
		{name: "trailing slash means directories only", file: "cache/\n", probes: []probe{
			{"cache", true, true}, {"cache", false, false}, {"a/cache", true, true}, {"a/cache/f", false, true}, {"a/cache", false, false},
		}},
		{name: "leading double star", file: "**/tmp\n", probes: []probe{
			{"tmp", true, true}, {"a/tmp", false, true}, {"a/b/tmp", true, true}, {"a/tmpx", false, false},
		}},
		{name: "trailing double star", file: "logs/**\n", probes: []probe{
			{"logs/a", false, true}, {"logs/a/b", false, true}, {"logs", true, false}, {"x/logs/a", false, false},
		}},
		{name: "middle double star", file: "a/**/b\n", probes: []probe{
			{"a/b", false, true}, {"a/x/b", false, true}, {"a/x/y/b", false, true}, {"a/xb", false, false},
		}},
		{name: "other double stars are single stars", file: "foo**bar\n", probes: []probe{
			{"fooXbar", false, true}, {"foo/bar", false, false},
		}},
		{name: "negation re-includes", file: "*.md\n!README.md\n", probes: []probe{
			{"NOTES.md", false, true}, {"README.md", false, false}, {"docs/README.md", false, false},
		}},
		{name: "last match wins", file: "!keep.txt\n*.txt\n", probes: []probe{{"keep.txt", false, true}}},
		{name: "no re-include inside an ignored directory", file: "dist/\n!dist/keep\n", probes: []probe{
			{"dist/keep", false, true}, {"dist", true, true},
		}},
		{name: "bracket classes", file: "[abc].txt\n[!x]y\n[a-c]z\n[[:digit:]]n\n", probes: []probe{
			{"a.txt", false, true}, {"d.txt", false, false}, {"zy", false, true}, {"xy", false, false},
			{"bz", false, true}, {"dz", false, false}, {"7n", false, true}, {"an", false, false},
		}},
		{name: "escaped specials are literal", file: `\*.txt` + "\n" + `\!bang` + "\n", probes: []probe{
			{"*.txt", false, true}, {"a.txt", false, false}, {"!bang", false, true},
		}},
		{name: "trailing spaces trimmed unless escaped", file: "a.txt   \nb\\ \n", probes: []probe{
			{"a.txt", false, true}, {"b ", false, true}, {"b", false, false},
		}},
		{name: "windows line endings", file: "*.log\r\n/out/\r\n", probes: []probe{{"x.log", false, true}, {"out", true, true}}},
		{name: "regexp metacharacters are literal", file: "a+b(c).txt\n", probes: []probe{{"a+b(c).txt", false, true}, {"aab(c).txt", false, false}}},
		{name: "paths are cleaned", file: "/bin/tool\n", probes: []probe{{"./bin/tool", false, true}, {"bin//tool", false, true}}},
		{name: "the root and outside paths never match", file: "*\n", probes: []probe{{".", true, false}, {"../x", false, false}, {"a", false, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ig, err := ParseIgnore([]byte(tt.file), ".pkgignore")
			if err != nil {
				t.Fatalf("ParseIgnore: %v", err)
			}
			for _, p := range tt.probes {
				if got := ig.Match(p.rel, p.isDir); got != p.want {
					t.Errorf("Match(%q, dir=%v) = %v, want %v", p.rel, p.isDir, got, p.want)
				}
			}
		})
	}
}

func TestParseIgnoreErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		line int
		want string
	}{
		{file: "ok\n[abc\n", line: 2, want: "unterminated ["},
		{file: "a\\", line: 1, want: `lone \`},
		{file: "# c\n/\n", line: 2, want: "matches nothing"},
		{file: "!\n", line: 1, want: "matches nothing"},
		{file: "[[:nope:]]\n", line: 1, want: "unknown character class"},
		{file: "[[:alpha]\n", line: 1, want: "unterminated [:"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			_, err := ParseIgnore([]byte(tt.file), "pkg/.pkgignore")
			var ie *IgnoreError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an *IgnoreError", err)
			}
			if ie.Line != tt.line || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "pkg/.pkgignore:") {
				t.Errorf("err = %q (line %d), want line %d and %q", err, ie.Line, tt.line, tt.want)
			}
		})
	}
}

func TestLoadIgnore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ig, err := LoadIgnore(dir)
	if err != nil || ig == nil || ig.Len() != 0 || ig.Match("x", false) {
		t.Fatalf("missing file: got %v, %v; want an empty Ignore", ig, err)
	}
	if err := os.WriteFile(filepath.Join(dir, IgnoreFileName), []byte("*.o\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ig, err = LoadIgnore(dir)
	if err != nil || !ig.Match("src/x.o", false) || ig.Len() != 1 {
		t.Fatalf("got %v, %v; want *.o ignored", ig, err)
	}
	var nilIgnore *Ignore
	if nilIgnore.Match("x", false) {
		t.Error("a nil *Ignore matched")
	}
}

func FuzzParseIgnore(f *testing.F) {
	for _, s := range []string{"*.log", "/a/**/b/", "![a-z]?", "[", `\`, "**", "a/**"} {
		f.Add(s, "a/b.log")
	}
	f.Fuzz(func(t *testing.T, pattern, rel string) {
		ig, err := ParseIgnore([]byte(pattern), "f")
		if err != nil {
			return
		}
		ig.Match(rel, false)
		ig.Match(rel, true)
	})
}
