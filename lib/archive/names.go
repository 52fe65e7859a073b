package archive

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NameKey is name as filesystems compare names, or coarser: two names with one key may
// be one file on the disk a tree lands on. Every filesystem longshore writes to
// compares at most this much:
//
//   - Unicode normalisation, always. APFS (case-sensitive or not) and HFS+ take é as
//     one character (NFC) and as e and a combining accent (NFD) for one name, and so
//     do ZFS with normalization= and ext4's casefold directories on Linux. The key is
//     NFD, as HFS+ stores names.
//   - Case, where the filesystem folds it (folds: macOS's and Windows' by default,
//     ext4 casefold, vfat): full Unicode case folding (cases.Fold: ß and ss, K and the
//     Kelvin sign), and the code points HFS+ ignores in names (joiners, direction
//     marks; git refuses .git spelt with them, CVE-2014-9390).
//
// Where a filesystem tells names apart that the key does not, the tree is refused as
// holding two spellings of one name (spellings), never unpacked on a guess: a key
// coarser than the filesystem is then safe, one finer is not. That is what lets a
// check by key (a path through a symlink, a link followed through the others) stand
// for what the filesystem will do.
func NameKey(name string, folds bool) string {
	if isASCII(name) {
		if folds {
			return strings.ToLower(name)
		}
		return name
	}
	if !folds {
		return norm.NFD.String(name)
	}
	name = withoutHFSIgnored(name)
	// Canonical caseless matching (Unicode D145): NFD, fold, NFD again, since folding
	// can undo a decomposition.
	return norm.NFD.String(cases.Fold().String(norm.NFD.String(name)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// withoutHFSIgnored is s without the code points HFS+ leaves out when it compares
// names (the list git, libgit2 and Mercurial keep for the same reason). Bytes that are
// not UTF-8 stay as they are (strings.Map would make each U+FFFD, one name of many).
func withoutHFSIgnored(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 0x200c && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x206a && r <= 0x206f, r == 0xfeff:
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// spellings are the paths of a tree, every parent directory included, by key. Two
// paths with one key and different bytes are refused: some filesystem takes them for
// one (README and readme where case folds; é spelt NFC and NFD on macOS always), so
// unpacked there one would write into the other; and where the filesystem keeps them
// apart, the checks by key would be guessing which of the two a link meets.
type spellings struct {
	byKey map[string]string
	folds bool
}

func newSpellings(folds bool) spellings {
	return spellings{byKey: map[string]string{}, folds: folds}
}

// add records name (slash-separated, clean) and its parent directories. It returns the
// first of them that another recorded path spells otherwise, with that path.
func (s spellings) add(name string) (mine, other string, clash bool) {
	for p := name; p != "."; p = path.Dir(p) {
		k := NameKey(p, s.folds)
		prev, ok := s.byKey[k]
		switch {
		case !ok:
			s.byKey[k] = p
			continue
		case prev != p:
			return p, prev, true
		}
		if p != name {
			break // its parents were recorded with it
		}
	}
	return "", "", false
}

// what says how two spellings of one name differ, a phrase for a refusal.
func (s spellings) what(a, b string) string {
	if NameKey(a, false) == NameKey(b, false) {
		return "differ only in Unicode normalisation (NFC and NFD): macOS takes them for one name, so one would be written into the other"
	}
	return "differ only in case (or in characters HFS+ ignores): this filesystem takes them for one name, so one would be written into the other"
}

// foldsCase reports whether the filesystem of dir takes names that differ only in
// case for one name. It looks dir up (or, for a name without letters, its nearest
// parent with some) in the other case, writing nothing: the package directory pkg-push
// reads is the user's. When that cannot tell, it says yes, the stricter answer.
func foldsCase(dir string) bool {
	p, err := filepath.Abs(dir)
	if err != nil {
		return true
	}
	for {
		base := filepath.Base(p)
		if other := swapCase(base); other != base {
			here, err := os.Lstat(p)
			if err != nil {
				return true
			}
			there, err := os.Lstat(filepath.Join(filepath.Dir(p), other))
			return err == nil && os.SameFile(here, there)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return true
		}
		p = parent
	}
}

// swapCase is s with upper and lower case swapped.
func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if u := unicode.ToUpper(r); u != r {
			return u
		}
		return unicode.ToLower(r)
	}, s)
}
