package printable

import "testing"

// Text escaped once is printable: a registry's error text, put on one line by lib/oci,
// is escaped again by the printing of the error, and must come out the same.
func TestEscapingTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"plain", "two\nlines\r\n", "\x1b[2J\x1b]0;t\x07", "\u009b\xff", "\u202eexe.txt\u2028x", `already \x1b \n \u202e`,
	} {
		once := Line(s)
		if twice := Line(once); twice != once {
			t.Errorf("Line(Line(%q)) = %q, want %q", s, twice, once)
		}
		if lines := Lines(once); lines != once {
			t.Errorf("Lines(Line(%q)) = %q, want %q", s, lines, once)
		}
		if lines := Lines(s); Lines(lines) != lines {
			t.Errorf("Lines(Lines(%q)) = %q, want %q", s, Lines(lines), lines)
		}
	}
}
