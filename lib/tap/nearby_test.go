package tap

import (
	"slices"
	"testing"
)

func TestNearby(t *testing.T) {
	t.Parallel()
	names := []string{"hello", "hello-world", "help", "jq", "yq", "kubectl", "kubectx"}
	tests := []struct {
		word string
		want []string
	}{
		{"helo", []string{"hello", "help"}},                // one edit each
		{"hlelo", []string{"hello"}},                       // a swap is one edit
		{"hell", []string{"hello", "hello-world", "help"}}, // prefixes and one edit, by name
		{"kubctl", []string{"kubectl"}},                    // kubectx is two edits
		{"xq", []string{"jq", "yq"}},
		{"q", nil},                         // a one-letter word is a stretch to anything
		{"hello", []string{"hello-world"}}, // never the word itself
		{"terraform", nil},
	}
	for _, tt := range tests {
		if got := nearby(tt.word, names); !slices.Equal(got, tt.want) {
			t.Errorf("nearby(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
