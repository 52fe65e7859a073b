package tap

import (
	"strings"

	"longshore.dev/lib/fault"
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

// Find answers as Resolve does, without the "did you mean" of a missing name: callers
// that only ask whether a record came through a tap (plan's installedName, for every
// package installed by reference, on every add and upgrade) would otherwise search
// every tap's table for each such package.
func TestFindMakesNoSuggestions(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	dir := t.TempDir()
	writeEntries(t, dir, pkg("hello", "", nil), pkg("help", "", nil))
	mustAdd(t, home, Spec{Name: "core", Source: dir})
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	if tapName, p, err := c.Find("hello"); err != nil || tapName != "core" || p.Name != "hello" {
		t.Fatalf("Find(hello) = %q, %v, %v", tapName, p, err)
	}
	for _, name := range []string{"helo", "core/helo"} {
		_, _, rerr := c.Resolve(name)
		_, _, ferr := c.Find(name)
		if !strings.Contains(fault.HintOf(rerr), "did you mean") {
			t.Errorf("Resolve(%s): hint %q has no suggestion", name, fault.HintOf(rerr))
		}
		if fault.KindOf(ferr) != fault.NotFound || ferr.Error() != rerr.Error() || strings.Contains(fault.HintOf(ferr), "did you mean") {
			t.Errorf("Find(%s) = %v (hint %q), want Resolve's error without a suggestion", name, ferr, fault.HintOf(ferr))
		}
	}
}
