package tap

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"longshore.dev/lib/internal/textdist"
)

// maxSuggestions bounds a "did you mean": more than a few is a search, not a guess.
const maxSuggestions = 3

// nearby is what a mistyped name probably meant among names (textdist.Nearest), by
// name; at most maxSuggestions.
func nearby(word string, names []string) []string {
	near := slices.Sorted(slices.Values(textdist.Nearest(word, names)))
	return near[:min(len(near), maxSuggestions)]
}

// nearbyPackages is what a package name that tap does not have probably meant, as
// TAP/NAME: the same name in another configured tap first (a wrong TAP/), then names
// near it in tap. It reads only the local caches; a tap without one is passed over
// (the error being built is about something else).
func (c *Config) nearbyPackages(tap, name string) []string {
	var out []string
	for _, s := range c.Taps {
		if s.Name == tap {
			continue
		}
		if _, ok, err := c.lookup(s.Name, name); err == nil && ok {
			out = append(out, s.Name+"/"+name)
		}
	}
	for _, n := range nearby(name, c.packageNames(tap)) {
		out = append(out, tap+"/"+n)
	}
	return out[:min(len(out), maxSuggestions)]
}

// nearbyNames is what a bare package name no tap has probably meant: the names near it
// in every tap, bare, as the user wrote theirs (one in several taps is named once; what
// it then resolves to is Resolve's to say).
func (c *Config) nearbyNames(name string) []string {
	var all []string
	for _, t := range c.names() {
		all = append(all, c.packageNames(t)...)
	}
	slices.Sort(all)
	return nearby(name, slices.Compact(all))
}

// packageNames lists the packages of tap's search table; none when it cannot be read.
func (c *Config) packageNames(tap string) []string {
	data, err := os.ReadFile(filepath.Join(cacheDir(c.home, tap), searchFile))
	if err != nil {
		return nil
	}
	var names []string
	if err := scanSearch(data, nil, func(e *searchEntry) { names = append(names, e.Name) }); err != nil {
		return nil
	}
	return names
}

// didYouMean is the start of a hint for suggestions: `did you mean core/hello?`, or
// `did you mean core/hello or core/hello2?`; "" for none.
func didYouMean(suggestions []string) string {
	switch len(suggestions) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("did you mean %s? ", suggestions[0])
	}
	return fmt.Sprintf("did you mean %s or %s? ", strings.Join(suggestions[:len(suggestions)-1], ", "), suggestions[len(suggestions)-1])
}
