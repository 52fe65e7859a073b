package tap

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"longshore.dev/lib/api"
	"longshore.dev/lib/index"
)

// generated returns n packages with v versions each, described and keyworded like a
// real index: words from a small vocabulary, so that queries match a realistic share.
func generated(n, v int) []index.Package {
	words := []string{"tool", "cli", "database", "http", "server", "json", "yaml", "kubernetes", "git", "compression"}
	pkgs := make([]index.Package, n)
	for i := range pkgs {
		name := fmt.Sprintf("pkg-%05d", i)
		p := index.Package{
			Name:        name,
			Repository:  "ghcr.io/bench/" + name,
			Description: fmt.Sprintf("A %s for %s and %s, number %d", words[i%10], words[(i/10)%10], words[(i/100)%10], i),
			Keywords:    []string{words[i%7], words[(i+3)%10]},
		}
		for j := range v {
			ver := fmt.Sprintf("1.%d.0", j)
			p.Versions = append(p.Versions, index.Version{
				Version:   ver,
				Digest:    fakeDigest(name + ver),
				Platforms: []api.Platform{{Platform: "linux/amd64", Digest: fakeDigest(name + ver + "a")}, {Platform: "linux/arm64", Digest: fakeDigest(name + ver + "b")}},
			})
		}
		pkgs[i] = p
	}
	return pkgs
}

// seed configures tap name in home with a cache built from pkgs, as an update would
// leave it, without entry files.
func seed(tb testing.TB, home, name string, pkgs []index.Package) {
	tb.Helper()
	built, err := index.Build(pkgs, "", nil)
	if err != nil {
		tb.Fatal(err)
	}
	dir := cacheDir(home, name)
	if _, err := index.WriteCache(dir, built); err != nil {
		tb.Fatal(err)
	}
	snap, err := index.Open(dir)
	if err != nil {
		tb.Fatal(err)
	}
	all, err := snap.All()
	if err != nil {
		tb.Fatal(err)
	}
	if err := writeSearch(dir, all); err != nil {
		tb.Fatal(err)
	}
	p, v := snap.Stats()
	if err := writeState(dir, &state{Source: "/bench", Digest: snap.Digest(), Packages: p, Versions: v, Updated: time.Now()}); err != nil {
		tb.Fatal(err)
	}
	if err := edit(home, func(c *Config) error {
		c.Taps = append(c.Taps, Spec{Name: name, Source: "/bench/" + name})
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
}

var (
	benchOnce sync.Once
	benchHome string
)

// benchTap is a home with one tap of 10,000 packages × 10 versions, made once.
func benchTap(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "longshore-tap-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchHome = dir
		seed(b, benchHome, "core", generated(10_000, 10))
	})
	return benchHome
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchHome != "" {
		os.RemoveAll(benchHome)
	}
	os.Exit(code)
}

// BenchmarkSearch is what `pkg-tap search` does after start-up: load config.yaml, read
// search.json, match and rank.
func BenchmarkSearch(b *testing.B) {
	home := benchTap(b)
	st, _ := os.Stat(filepath.Join(cacheDir(home, "core"), searchFile))
	b.Logf("search.json: %d bytes for 10,000 packages", st.Size())
	for _, q := range []struct{ name, query string }{
		{"exact", "pkg-05000"},
		{"common-word", "database"},
		{"no-match", "zzzz"},
		{"all", ""},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				c, err := Load(home)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.Search(q.query, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkResolve is one name lookup through the cached index (one shard read).
func BenchmarkResolve(b *testing.B) {
	home := benchTap(b)
	for b.Loop() {
		c, err := Load(home)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Resolve("pkg-05000"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSearchGeneratedIndex(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	seed(t, home, "core", generated(1000, 3))
	c, err := Load(home)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := c.Search("pkg-0050", "")
	if err != nil {
		t.Fatal(err)
	}
	// pkg-0050 is no name; pkg-00500 … pkg-00509 start with it.
	if len(hits) != 10 || hits[0].Name != "pkg-00500" || hits[0].Rank != RankPrefix || hits[0].Version != "1.2.0" {
		t.Errorf("hits: %d, first %+v", len(hits), hits[0])
	}
}
