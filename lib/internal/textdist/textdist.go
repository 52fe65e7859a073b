// Package textdist measures how far apart two words are, for "did you mean" hints
// (a mistyped verb, an unknown field, a licence id).
package textdist

// Levenshtein is the edit distance between a and b, in bytes: insertions, deletions
// and substitutions. Words over 64 bytes are not compared (the answer is 64): hints
// are for short names, and the table grows with the product of the lengths.
func Levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
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
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
