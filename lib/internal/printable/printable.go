// Package printable owns how longshore prints text that others wrote (a registry's
// error message, an index's description, a file name in a package): escaped so that
// it cannot drive the terminal, reorder what is shown, or add lines of its own.
// lib/cli prints with it; lib/oci puts a registry's error text on one line with it.
package printable

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Line is s made safe to print on a terminal, on one line, for text that comes from
// data: a newline becomes \n, a tab a space, any other control character (C0, DEL,
// C1) and a byte that is not UTF-8 \xNN, a control of the text's layout \uNNNN
// (layoutControl); printable Unicode stays as it is.
func Line(s string) string { return escape(s, false) }

// Lines is Line for a message of its own lines (an error, a warning): newlines and
// tabs stay, and every other control character is escaped.
func Lines(s string) string { return escape(s, true) }

// layoutControl reports whether r is a Unicode control that reorders or separates
// what is shown around it: the bidirectional embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069) and marks (U+200E, U+200F, U+061C), and the line and
// paragraph separators (U+2028, U+2029), at which some log viewers break lines. They
// show nothing themselves, so "\u202eexe.txt" reads "txt.exe": a hostile text could
// make a line read other than what it holds.
func layoutControl(r rune) bool {
	switch {
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c, r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

func escape(s string, lines bool) string {
	if isPrintable(s, lines) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case lines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case layoutControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// isPrintable says whether s has nothing for escape to escape: the common case,
// checked without building a copy.
func isPrintable(s string, lines bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return false // not ASCII: let escape look at the runes
		case c == '\n' || c == '\t':
			if !lines {
				return false
			}
		case c < 0x20 || c == 0x7f:
			return false
		}
	}
	return true
}
