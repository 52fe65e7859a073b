// Package textdist measures how far apart two words are, for "did you mean" hints
// (a mistyped verb, an unknown field, a licence id).
package textdist

import "strings"

// Levenshtein is the edit distance between a and b, in bytes: insertions, deletions
// and substitutions. Words over 64 bytes are not compared (the answer is 64): hints
// are for short names, and the table grows with the product of the lengths.
func Levenshtein(a, b string) int {
	return distance(a, b, false)
}

// OSA is the optimal string alignment distance between a and b: Levenshtein's edits
// and the swap of two adjacent bytes, so that lsit is one edit from list as lnit is from
// init. Words over 64 bytes are not compared (the answer is 64).
func OSA(a, b string) int {
	return distance(a, b, true)
}

func distance(a, b string, swaps bool) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	// Three rows of the table: i-2 (for swaps), i-1 and i.
	before := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if swaps && i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], before[j-2]+1)
			}
		}
		before, prev, cur = prev, cur, before
	}
	return prev[len(b)]
}

// Nearest is what a mistyped word probably meant among names, for a "did you mean":
// the names at the least distance (OSA) from it, if that is at most two edits and less
// than the name's length (lsit, instal, hlelo), a name that starts with a word of three
// letters or more counting as one edit (hel for hello). The names keep their order;
// word itself is not among them, and a word of one letter is too short to guess from.
func Nearest(word string, names []string) []string {
	if len(word) < 2 {
		return nil
	}
	var best []string
	bestDist := 3
	for _, name := range names {
		if name == word {
			continue
		}
		var d int
		switch {
		case len(word) >= 3 && strings.HasPrefix(name, word):
			d = 1
		case max(len(name)-len(word), len(word)-len(name)) > 2:
			continue // more than two edits, without computing them
		default:
			d = OSA(word, name)
		}
		switch {
		case d > 2 || d >= len(name):
		case d < bestDist:
			best, bestDist = []string{name}, d
		case d == bestDist:
			best = append(best, name)
		}
	}
	return best
}
