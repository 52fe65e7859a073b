package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"longshore.dev/lib/fault"
)

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(name, "bin/") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPackIsReproducible(t *testing.T) {
	t.Parallel()
	files := map[string]string{"bin/hello": "#!/bin/sh\necho hi\n", "share/doc/README": "readme", "a.txt": "a"}
	a, b := t.TempDir(), t.TempDir()
	writeTree(t, a, files)
	writeTree(t, b, files)
	// Different mtimes, permissions beyond the exec bit, and a umask-ish difference must
	// not reach the archive.
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(b, "a.txt"), old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(b, "a.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	pack := func(root string) []byte {
		var buf bytes.Buffer
		if _, err := Pack(root, &buf, PackOptions{ModTime: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if !bytes.Equal(pack(a), pack(b)) {
		t.Fatal("the same tree with different mtimes and modes packed to different bytes")
	}
	// Headers are normalized.
	tr := tar.NewReader(bytes.NewReader(plainDecompress(t, DefaultCompression, pack(a))))
	var names []string
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner not normalized: %d:%d %q:%q", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		if !h.ModTime.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("%s: mtime %v", h.Name, h.ModTime)
		}
		want := int64(0o644)
		if h.Typeflag == tar.TypeDir || h.Name == "bin/hello" {
			want = 0o755
		}
		if h.Mode != want {
			t.Errorf("%s: mode %o, want %o", h.Name, h.Mode, want)
		}
	}
	if got := strings.Join(names, " "); got != "a.txt bin/ bin/hello share/ share/doc/ share/doc/README" {
		t.Errorf("entries not in lexical order: %s", got)
	}
}

func TestPackRefusesEscapingSymlinkAndSkips(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{"keep": "k", ".git/config": "x"})
	var buf bytes.Buffer
	st, err := Pack(root, &buf, PackOptions{Skip: func(rel string, isDir bool) bool { return rel == ".git" }})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 1 {
		t.Errorf("packed %d files, want 1 (.git skipped)", st.Files)
	}
	if err := os.Symlink("../../etc/passwd", filepath.Join(root, "evil")); err != nil {
		t.Fatal(err)
	}
	_, err = Pack(root, &bytes.Buffer{}, PackOptions{})
	if err == nil || !strings.Contains(err.Error(), "points outside the package") {
		t.Fatalf("want escaping symlink refused, got %v", err)
	}
}

type entry struct {
	hdr  tar.Header
	body string
}

// tarball writes entries as a tar stream compressed with c, by a plain encoder (not
// this package's): the unpacker must hold up against any writer.
func tarball(t *testing.T, c Compression, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	var zw io.WriteCloser = gzip.NewWriter(&buf)
	if c == Zstd {
		var err error
		if zw, err = zstd.NewWriter(&buf); err != nil {
			t.Fatal(err)
		}
	}
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := e.hdr
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func file(name, body string) entry {
	return entry{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg}, body: body}
}

func dir(name string) entry {
	return entry{hdr: tar.Header{Name: name + "/", Typeflag: tar.TypeDir, Mode: 0o755}}
}

func link(name, target string) entry {
	return entry{hdr: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0o777}}
}

// A package's layers unpack as one archive: a later layer cannot write through an
// earlier layer's symlink (here one that leads out of the tree through another), nor
// have the limits to itself.
func TestTreeChecksAcrossLayers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		layers [][]entry
		limits Limits
		want   string
	}{
		{"write through an earlier layer's symlink", [][]entry{
			{dir("d"), link("d/l", ".."), link("x", "d/l/d/l/../../..")},
			{file("x/pwned", "x")},
		}, DefaultLimits, `through the symlink "x"`},
		{"bytes add up", [][]entry{
			{file("a", strings.Repeat("0", 2000))},
			{file("b", strings.Repeat("0", 2000))},
		}, Limits{MaxBytes: 3000, MaxFiles: 10}, "beyond 3000 bytes"},
		{"entries add up", [][]entry{
			{file("a", ""), file("b", "")},
			{file("c", "")},
		}, Limits{MaxBytes: 1 << 20, MaxFiles: 2}, "more than 2 entries"},
		{"duplicate across layers", [][]entry{{file("a", "1")}, {file("a", "2")}}, DefaultLimits, "duplicate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			outer := t.TempDir()
			dest := filepath.Join(outer, "dest")
			os.Mkdir(dest, 0o755)
			tree := NewTree(dest, tc.limits)
			var err error
			for _, l := range tc.layers {
				if err = tree.Unpack(bytes.NewReader(tarball(t, Zstd, l...)), Zstd); err != nil {
					break
				}
			}
			if err == nil {
				err = tree.Finish()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
			if fault.KindOf(err) != fault.Verify {
				t.Errorf("want a Verify fault, got %v", fault.KindOf(err))
			}
			if ents, _ := os.ReadDir(outer); len(ents) != 1 {
				t.Errorf("something was written beside dest: %v", ents)
			}
		})
	}
}

// Symlinks that lead through each other and stay inside are kept.
func TestTreeKeepsSymlinksThroughSymlinks(t *testing.T) {
	t.Parallel()
	dest := t.TempDir()
	tree := NewTree(dest, DefaultLimits)
	layer := tarball(t, Gzip, dir("lib"), dir("lib/v1"), file("lib/v1/data", "data"), link("lib/current", "v1"), link("data", "lib/current/data"), link("up", "lib/current/.."))
	if err := tree.Unpack(bytes.NewReader(layer), Gzip); err != nil {
		t.Fatal(err)
	}
	if err := tree.Finish(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dest, "data")); err != nil || string(b) != "data" {
		t.Fatalf("data through two symlinks: %q, %v", b, err)
	}
}

// pkg-push refuses the symlinks pkg-pull would: one that leads out through another,
// and a loop, which is said to be one: it points nowhere, not outside the package.
func TestPackRefusesSymlinkOutThroughAnother(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		links map[string]string
		want  string
	}{
		{"out through another", map[string]string{"d/l": "..", "x": "d/l/d/l/../../../etc"},
			`x: symlink to "d/l/d/l/../../../etc" leads outside the package through other symlinks`},
		{"loop", map[string]string{"a": "b/x", "b": "a"},
			`a: symlink to "b/x" goes through more than 40 symlinks (a loop)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeTree(t, root, map[string]string{"d/keep": "k"})
			for name, target := range tc.links {
				if err := os.Symlink(target, filepath.Join(root, filepath.FromSlash(name))); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Pack(root, &bytes.Buffer{}, PackOptions{})
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
		})
	}
}

// Names are compared as the filesystem compares them. Where it folds case (macOS,
// Windows), D/x is written through the link d, and a link share/Data -> data beside a
// directory share/data is a loop and a duplicate; where it does not (Linux), that
// pair is an ordinary package, which pkg-push packs and pkg-pull unpacks.
func TestSymlinkNamesAsTheFilesystemComparesThem(t *testing.T) {
	t.Parallel()
	pair := []entry{dir("share"), link("share/Data", "data"), dir("share/data"), file("share/data/f", "x")}
	for _, tc := range []struct {
		name    string
		entries []entry
		want    string
	}{
		{"write through symlink in other case", []entry{dir("sub"), link("d", "sub"), file("D/x", "x")}, `through the symlink "d"`},
		{"link and directory differing in case", pair, `"share/data" and the earlier "share/Data" differ only in case`},
		{"files differing in case", []entry{file("README", "x"), file("readme", "y")}, `"readme" and the earlier "README" differ only in case`},
		{"directory differing in case", []entry{file("Doc/a", "x"), file("doc/b", "y")}, `"doc" and the earlier "Doc" differ only in case`},
	} {
		t.Run("folding/"+tc.name, func(t *testing.T) {
			t.Parallel()
			tree := foldingTree(t.TempDir())
			err := tree.Unpack(bytes.NewReader(tarball(t, Gzip, tc.entries...)), Gzip)
			if err == nil {
				err = tree.Finish()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
		})
	}
	t.Run("case-sensitive", func(t *testing.T) {
		t.Parallel()
		dest, root := t.TempDir(), t.TempDir()
		if folds := foldsCase(dest) || foldsCase(root); folds && runtime.GOOS == "linux" {
			t.Fatalf("foldsCase says a temporary directory on Linux folds case")
		} else if folds {
			t.Skip("this filesystem folds case")
		}
		if err := Unpack(bytes.NewReader(tarball(t, Gzip, pair...)), Gzip, dest, DefaultLimits); err != nil {
			t.Fatalf("a link and a directory differing in case: %v", err)
		}
		if b, err := os.ReadFile(filepath.Join(dest, "share", "Data", "f")); err != nil || string(b) != "x" {
			t.Errorf("share/Data/f: %q, %v", b, err)
		}
		// Names differing in case are two names here, as lint's content-case says.
		if err := Unpack(bytes.NewReader(tarball(t, Gzip, file("README", "x"), file("readme", "y"))), Gzip, t.TempDir(), DefaultLimits); err != nil {
			t.Errorf("README and readme: %v", err)
		}
		writeTree(t, root, map[string]string{"share/data/f": "x"})
		if err := os.Symlink("data", filepath.Join(root, "share", "Data")); err != nil {
			t.Fatal(err)
		}
		if _, err := Pack(root, &bytes.Buffer{}, PackOptions{}); err != nil {
			t.Errorf("pack: %v", err)
		}
	})
}

// foldingTree is a Tree that compares names as a filesystem that folds case does,
// whatever dest's filesystem does.
func foldingTree(dest string) *Tree {
	tree := NewTree(dest, DefaultLimits)
	tree.u.links, tree.u.names = newSymlinks(true), newSpellings(true)
	return tree
}

// The names of é: one character (NFC), or e and a combining acute accent (NFD); and
// of ü. macOS takes both spellings for one name, on every APFS and HFS+ volume.
const (
	eNFC = "\u00e9"
	eNFD = "e\u0301"
	uNFC = "\u00fc"
	uNFD = "u\u0308"
)

func TestNameKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b  string
		folds bool
		same  bool
	}{
		{"caf" + eNFC, "caf" + eNFD, false, true},
		{"caf" + eNFC, "caf" + eNFD, true, true},
		{"d/" + eNFC + "/" + uNFD, "d/" + eNFD + "/" + uNFC, false, true},
		{"CAF\u00c9", "caf" + eNFD, true, true},  // É (NFC) folds to é, then decomposes
		{"CAFE\u0301", "caf" + eNFC, true, true}, // É (NFD)
		{"CAF\u00c9", "caf" + eNFC, false, false},
		{"README", "readme", true, true},
		{"README", "readme", false, false},
		{"stra\u00dfe", "STRASSE", true, true}, // full case folding: ß is ss
		{"\u212a", "k", true, true},            // the Kelvin sign is K
		{".g\u200cit", ".GIT", true, true},     // HFS+ ignores joiners (CVE-2014-9390)
		{".g\u200cit", ".git", false, false},
		{"e", eNFC, true, false},
		{"a\xffb", "a\xfeb", true, false}, // not UTF-8: bytes stay bytes
	} {
		if got := NameKey(tc.a, tc.folds) == NameKey(tc.b, tc.folds); got != tc.same {
			t.Errorf("NameKey(%+q, %v) == NameKey(%+q, %v): %v, want %v", tc.a, tc.folds, tc.b, tc.folds, got, tc.same)
		}
	}
}

// The reviewer's archive: on macOS the link x/é (NFD)/ü is made as x/é (NFC)/ü, which
// is the tree itself, so it points six levels up, and the file below x/é (NFD)/ü
// (NFD) is written there ($HOME/Library/LaunchAgents, from a home's tmp/). It is
// refused on every system, at the entry that goes through the link é by another
// spelling; Finish refuses a link whose target does the same.
func TestUnpackRefusesAPathThroughAnotherSpellingOfALink(t *testing.T) {
	t.Parallel()
	const x = "a/b/c/d/x"
	for _, tc := range []struct {
		name    string
		entries []entry
		want    string
	}{
		{"write through", []entry{
			file("bin/nfd", "#!/bin/sh\necho hi\n"),
			dir(x),
			link(x+"/"+eNFC, "../../../../.."),
			link(x+"/"+eNFD+"/"+uNFC, "../../../../../.."),
			file(x+"/"+eNFD+"/"+uNFD+"/LONGSHORE_ESCAPED", "pwned\n"),
		}, fmt.Sprintf("refusing archive entry %q: path goes through the symlink %q", x+"/"+eNFD+"/"+uNFC, x+"/"+eNFC)},
		{"link through", []entry{
			dir("d"), link("d/"+eNFC, ".."), link("l", "d/"+eNFD+"/d/"+eNFD+"/../../.."),
		}, fmt.Sprintf(`refusing archive entry "l": symlink to %q leads outside the package through other symlinks`, "d/"+eNFD+"/d/"+eNFD+"/../../..")},
		{"two spellings of one file", []entry{file(eNFC, "1"), file(eNFD, "2")},
			`"e\u0301" and the earlier "\u00e9" differ only in Unicode normalisation (NFC and NFD)`},
		// On Linux é (NFD) is a directory here, the root to "..", and x leads out through
		// l; followed by key through the link é (NFC), x would seem to stay inside. So a
		// name spelt two ways is refused, not left for the key to guess at.
		{"a directory beside a link spelt otherwise", []entry{
			dir(eNFD), dir("a/b"), link(eNFC, "a/b"), link("l", "."), link("x", eNFD+"/../l/.."),
		}, `"\u00e9" and the earlier "e\u0301" differ only in Unicode normalisation`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			outer := t.TempDir()
			dest := filepath.Join(outer, "dest")
			os.Mkdir(dest, 0o755)
			err := Unpack(bytes.NewReader(tarball(t, Gzip, tc.entries...)), Gzip, dest, DefaultLimits)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %s, got %v", tc.want, err)
			}
			if fault.KindOf(err) != fault.Verify {
				t.Errorf("want a Verify fault, got %v", fault.KindOf(err))
			}
			if ents, _ := os.ReadDir(outer); len(ents) != 1 {
				t.Errorf("something was written beside dest: %v", ents)
			}
		})
	}
}

// pkg-push refuses a package directory that holds two spellings of one name, which
// pkg-pull would refuse; only a filesystem that keeps them apart (Linux's) can hold it.
func TestPackRefusesTwoSpellingsOfOneName(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{"share/" + eNFD: "1"})
	if err := os.WriteFile(filepath.Join(root, "share", eNFC), []byte("2"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Join(root, "share")); len(ents) != 2 {
		t.Skip("this filesystem takes both spellings for one name")
	}
	_, err := Pack(root, &bytes.Buffer{}, PackOptions{})
	want := `"share/e\u0301" and "share/\u00e9" differ only in Unicode normalisation`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("want error containing %s, got %v", want, err)
	}
}

func TestUnpackRefusesHostileArchives(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		entries []entry
		limits  Limits
		want    string
	}{
		{"dot-dot path", []entry{file("../evil", "x")}, DefaultLimits, "escapes the package root"},
		{"nested dot-dot", []entry{file("a/../../evil", "x")}, DefaultLimits, "escapes the package root"},
		{"absolute path", []entry{file("/etc/evil", "x")}, DefaultLimits, "absolute"},
		{"symlink out", []entry{{hdr: tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "../../etc"}}}, DefaultLimits, "outside the package"},
		{"absolute symlink", []entry{{hdr: tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}}}, DefaultLimits, "absolute path"},
		{"write through symlink", []entry{
			{hdr: tar.Header{Name: "d", Typeflag: tar.TypeSymlink, Linkname: "sub"}},
			file("d/x", "x"),
		}, DefaultLimits, "through the symlink"},
		{"hard link out", []entry{{hdr: tar.Header{Name: "h", Typeflag: tar.TypeLink, Linkname: "../../etc/passwd"}}}, DefaultLimits, "escapes"},
		{"hard link to unknown", []entry{{hdr: tar.Header{Name: "h", Typeflag: tar.TypeLink, Linkname: "nothere"}}}, DefaultLimits, "not a file earlier"},
		{"char device", []entry{{hdr: tar.Header{Name: "dev", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}}, DefaultLimits, "not allowed"},
		{"fifo", []entry{{hdr: tar.Header{Name: "p", Typeflag: tar.TypeFifo}}}, DefaultLimits, "not allowed"},
		{"setuid", []entry{{hdr: tar.Header{Name: "s", Typeflag: tar.TypeReg, Mode: 0o4755}, body: "x"}}, DefaultLimits, "setuid"},
		{"bomb by bytes", []entry{file("a", strings.Repeat("0", 2000)), file("b", strings.Repeat("0", 2000))}, Limits{MaxBytes: 3000, MaxFiles: 10}, "beyond 3000 bytes"},
		{"bomb by files", []entry{file("a", ""), file("b", ""), file("c", "")}, Limits{MaxBytes: 1 << 20, MaxFiles: 2}, "more than 2 entries"},
		// One entry, five directories: the directories it makes count.
		{"bomb by implicit directories", []entry{file("a/b/c/d/e/f", "")}, Limits{MaxBytes: 1 << 20, MaxFiles: 5}, "more than 5 entries"},
		{"bomb by directories", []entry{dir("a"), dir("b"), dir("c")}, Limits{MaxBytes: 1 << 20, MaxFiles: 2}, "more than 2 entries"},
		{"duplicate", []entry{file("a", "1"), file("a", "2")}, DefaultLimits, "duplicate"},
		// d/l -> .. stays inside, and so does x -> d/l/d/l/../../.. to path.Join; to the
		// filesystem x is the parent of the tree.
		{"symlink out through another", []entry{
			dir("d"), link("d/l", ".."), link("x", "d/l/d/l/../../.."),
		}, DefaultLimits, "leads outside the package through other symlinks"},
		{"symlink out through a later one", []entry{
			link("x", "d/l/d/l/../../.."), dir("d"), link("d/l", ".."),
		}, DefaultLimits, "leads outside the package through other symlinks"},
		{"symlink loop", []entry{link("a", "b/x"), link("b", "a")}, DefaultLimits, "more than 40 symlinks"},
		{"symlink target too long", []entry{link("l", strings.Repeat("a/", 2048))}, DefaultLimits, "no filesystem holds more than 4095"},
		// Names no filesystem takes are refused as such, quoted in part: not a storage
		// error that prints a path of 10,000 bytes.
		{"name too long", []entry{file(strings.Repeat("a", 10_000), "x")}, DefaultLimits, `"` + strings.Repeat("a", 200) + `"… (10000 bytes): a name of 10000 bytes in its path: no filesystem takes more than 255`},
		{"name too long in a hard link", []entry{file("f", "x"), {hdr: tar.Header{Name: "h", Typeflag: tar.TypeLink, Linkname: "d/" + strings.Repeat("b", 256)}}}, DefaultLimits, "no filesystem takes more than 255"},
		{"path too long", []entry{file(strings.Repeat("d/", 2100)+"f", "x")}, DefaultLimits, "more than the filesystem takes (4095)"},
		{"directory over a symlink", []entry{dir("sub"), link("d", "sub"), dir("d")}, DefaultLimits, "duplicate"},
		{"file as a directory", []entry{file("a", "1"), file("a/b", "2")}, DefaultLimits, `through the file "a"`},
		{"file over a directory", []entry{file("a/b", "1"), file("a", "2")}, DefaultLimits, "duplicate"},
	}
	for _, tc := range tests {
		for _, c := range Compressions {
			t.Run(tc.name+"/"+string(c), func(t *testing.T) {
				t.Parallel()
				outer := t.TempDir()
				dest := filepath.Join(outer, "dest")
				os.Mkdir(dest, 0o755)
				err := Unpack(bytes.NewReader(tarball(t, c, tc.entries...)), c, dest, tc.limits)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("want error containing %q, got %v", tc.want, err)
				}
				if fault.KindOf(err) != fault.Verify {
					t.Errorf("want a Verify fault, got %v", fault.KindOf(err))
				}
				// Nothing may land outside dest.
				ents, _ := os.ReadDir(outer)
				if len(ents) != 1 {
					t.Errorf("something was written beside dest: %v", ents)
				}
			})
		}
	}
}

func TestUnpackRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range Compressions {
		t.Run(string(c), func(t *testing.T) { t.Parallel(); testRoundTrip(t, c) })
	}
}

func testRoundTrip(t *testing.T, c Compression) {
	src := t.TempDir()
	writeTree(t, src, map[string]string{"bin/tool": "#!/bin/sh\n", "lib/x/y.txt": "data"})
	if err := os.Symlink("../lib/x/y.txt", filepath.Join(src, "bin", "y")); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := Pack(src, &buf, PackOptions{Compression: c}); err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	if err := Unpack(&buf, c, dest, DefaultLimits); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dest, "bin", "y"))
	if err != nil || string(data) != "data" {
		t.Fatalf("symlink in package does not resolve: %q %v", data, err)
	}
	st, err := os.Stat(filepath.Join(dest, "bin", "tool"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o555 {
		t.Errorf("executable extracted as %v, want read-only executable 0555", st.Mode().Perm())
	}
	if st, _ := os.Stat(filepath.Join(dest, "lib/x/y.txt")); st.Mode().Perm() != 0o444 {
		t.Errorf("file extracted as %v, want 0444", st.Mode().Perm())
	}
}

// A layer whose bytes are not what its media type says is refused, as is an empty one.
func TestUnpackWrongCompression(t *testing.T) {
	t.Parallel()
	gz := tarball(t, Gzip, file("a", "x"))
	zs := tarball(t, Zstd, file("a", "x"))
	for _, tc := range []struct {
		c    Compression
		data []byte
		want string
	}{
		{Gzip, []byte("not gzip at all"), "not gzip"},
		{Gzip, zs, "not gzip"},
		{Zstd, []byte("not zstd at all"), "not zstd: no frame starts at byte 0"},
		{Zstd, gz, "not zstd"},
		{Zstd, nil, "empty"},
		{Zstd, zs[:len(zs)-3], "unexpected EOF"},
		{"lz4", zs, "unknown layer compression"},
	} {
		err := Unpack(bytes.NewReader(tc.data), tc.c, t.TempDir(), DefaultLimits)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s layer of %d bytes: want an error containing %q, got %v", tc.c, len(tc.data), tc.want, err)
		} else if fault.KindOf(err) != fault.Verify {
			t.Errorf("%s layer of %d bytes: want a Verify fault, got %v", tc.c, len(tc.data), err)
		}
	}
}
