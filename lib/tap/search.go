package tap

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"longshore.dev/lib/fault"
)

// Rank says why a package matched a query; lower ranks sort first.
type Rank int

const (
	RankExact       Rank = iota // the name is the query
	RankPrefix                  // the name starts with the query
	RankSubstring               // the name contains the query
	RankKeyword                 // a keyword contains the query
	RankDescription             // the description contains the query
	RankAll                     // no query: every package
)

// Hit is one package search found.
type Hit struct {
	Tap         string
	Name        string
	Version     string // the latest version that is not yanked
	Description string
	Keywords    []string
	Rank        Rank
}

// Qualified is the hit's TAP/NAME, which resolves to it whatever else is configured.
func (h Hit) Qualified() string { return h.Tap + "/" + h.Name }

// Search finds packages whose name, keywords or description contain each word of query
// (case insensitive; "json parser" finds a package named json-tools described as "a
// fast parser"), in every tap or only in tapName. It reads only the search tables the
// last update wrote: no shard, no network. A hit ranks by its weakest word (exact name,
// name prefix, name substring, keyword, description), then sorts by name, then tap. An
// empty query lists every package. A tap without a cache is skipped: the hits of the
// others come back with a fault.Partial error naming it.
func (c *Config) Search(query, tapName string) ([]Hit, error) {
	names := c.names()
	if tapName != "" {
		if _, ok := c.Tap(tapName); !ok {
			return nil, c.unknownTap(tapName)
		}
		names = []string{tapName}
	}
	q := strings.Fields(strings.ToLower(query))
	var hits []Hit
	var missing []error
	for _, name := range names {
		file := filepath.Join(cacheDir(c.home, name), searchFile)
		data, err := os.ReadFile(file)
		if err != nil {
			if tapName != "" {
				return nil, noCache(name, err)
			}
			missing = append(missing, noCache(name, err))
			continue
		}
		err = scanSearch(data, q, func(e *searchEntry) {
			if rank, ok := match(e, q); ok {
				hits = append(hits, Hit{Tap: name, Name: e.Name, Version: e.Version,
					Description: e.Description, Keywords: e.Keywords, Rank: rank})
			}
		})
		if err != nil {
			return nil, fault.New(fault.Verify, fmt.Errorf("%s is corrupt: %w", file, err),
				fmt.Sprintf("run `pkg-tap update %s` to rewrite it", name))
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		return cmp.Or(cmp.Compare(a.Rank, b.Rank), strings.Compare(a.Name, b.Name), strings.Compare(a.Tap, b.Tap))
	})
	switch {
	case len(missing) == len(names) && len(names) > 0:
		return nil, missing[0]
	case len(missing) > 0:
		return hits, fault.New(fault.Partial, fmt.Errorf("searched without %d tap(s): %w", len(missing), errors.Join(missing...)),
			"run `pkg-tap update` to fetch their indexes")
	}
	return hits, nil
}

// match ranks e against the lowercase query words q: every word must match, and the
// weakest match is the rank.
func match(e *searchEntry, q []string) (Rank, bool) {
	if len(q) == 0 {
		return RankAll, true
	}
	worst := RankExact
	for _, w := range q {
		rank, ok := matchWord(e, w)
		if !ok {
			return 0, false
		}
		worst = max(worst, rank)
	}
	return worst, true
}

// matchWord ranks e against one lowercase word.
func matchWord(e *searchEntry, q string) (Rank, bool) {
	switch {
	case q == "":
		return RankAll, true
	case e.Name == q:
		return RankExact, true
	case strings.HasPrefix(e.Name, q):
		return RankPrefix, true
	case strings.Contains(e.Name, q):
		return RankSubstring, true
	}
	for _, k := range e.Keywords {
		if containsFold(k, q) {
			return RankKeyword, true
		}
	}
	if containsFold(e.Description, q) {
		return RankDescription, true
	}
	return 0, false
}

// containsFold reports whether s contains the lowercase q, ignoring case, without
// allocating for the ASCII text most descriptions are.
func containsFold(s, q string) bool {
	if len(q) > len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.Contains(strings.ToLower(s), q)
		}
	}
	first := q[0]
	for i := 0; i+len(q) <= len(s); i++ {
		if lower(s[i]) != first {
			continue
		}
		j := 1
		for j < len(q) && lower(s[i+j]) == q[j] {
			j++
		}
		if j == len(q) {
			return true
		}
	}
	return false
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// unknownTap is the error for a tap name that is not configured.
func (c *Config) unknownTap(name string) error {
	hint := "add it with `pkg-tap add " + name + " REF`"
	if len(c.Taps) > 0 {
		hint = fmt.Sprintf("%sconfigured taps: %s; %s", didYouMean(nearby(name, c.names())), strings.Join(c.names(), ", "), hint)
	}
	return fault.New(fault.NotFound, fmt.Errorf("no tap named %q", name), hint)
}
