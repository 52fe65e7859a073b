package textdist

import (
	"slices"
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b             string
		levenshtein, osa int
	}{
		{"", "", 0, 0}, {"list", "list", 0, 0}, {"lsit", "list", 2, 1}, {"lst", "list", 1, 1}, {"", "abc", 3, 3},
		{"serach", "search", 2, 1}, {"kitten", "sitting", 3, 3}, {"lnit", "init", 1, 1}, {"lnit", "lint", 2, 1},
		// OSA edits no substring twice: ca → ac → abc is not two edits.
		{"ca", "abc", 3, 3},
		{strings.Repeat("a", 65), "a", 64, 64},
	} {
		if got := Levenshtein(tc.a, tc.b); got != tc.levenshtein {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.levenshtein)
		}
		if got := OSA(tc.a, tc.b); got != tc.osa {
			t.Errorf("OSA(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.osa)
		}
	}
}

func TestNearest(t *testing.T) {
	t.Parallel()
	names := []string{"list", "lint", "init", "hello", "hello2", "helm", "add"}
	for _, tc := range []struct {
		word string
		want []string
	}{
		{"lsit", []string{"list"}},                   // a swap is one edit
		{"lnit", []string{"lint", "init"}},           // as near: both, in order
		{"hel", []string{"hello", "hello2", "helm"}}, // a prefix counts as one
		{"hlelo", []string{"hello"}},                 // nearest only: hello2 is two away
		{"hello", []string{"hello2"}},                // not the word itself
		{"frobnicate", nil},                          // too far
		{"a", nil},                                   // too short to guess from
		{"ab", []string{"add"}},                      // one edit, shorter than add
	} {
		if got := Nearest(tc.word, names); !slices.Equal(got, tc.want) {
			t.Errorf("Nearest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}
