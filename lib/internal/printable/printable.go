// Package printable owns how longshore prints text that others wrote (a registry's
// error message, an index's description, a file name in a package): escaped so that
// it cannot drive the terminal. lib/cli prints with it.
package printable

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Line is s made safe to print on a terminal, on one line, for text that comes from
// data: a newline becomes \n, a tab a space, any other control character (C0, DEL,
// C1) and a byte that is not UTF-8 \xNN; printable Unicode stays as it is.
func Line(s string) string { return escape(s, false) }

// Lines is Line for a message of its own lines (an error, a warning): newlines and
// tabs stay, and every other control character is escaped.
func Lines(s string) string { return escape(s, true) }

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
